"""Every route of the URL configuration, found by walking the resolver."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    pattern: str  # the full pattern, e.g. "cases/<str:number>/evidence"
    name: str  # namespaced name, e.g. "cases:evidence_upload" ("" when unnamed)
    kwargs: tuple[str, ...]  # the URL's keyword arguments

    @property
    def key(self) -> str:
        return self.pattern


def _walk(patterns, prefix: str, namespace: str) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner.strip(":"))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else ""
            kwargs = tuple(entry.pattern.regex.groupindex) or tuple(
                getattr(entry.pattern, "converters", {})
            )
            yield Route(prefix + str(entry.pattern), name, kwargs)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", ""))


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")

# Which object an `<int:pk>` stands for, by the route's namespaced name.
PK_OBJECT = {
    "cases:evidence_download": "evidence",
    "cases:evidence_preview": "evidence",
    "cases:evidence_image": "image",
    "exports:status": "export",
    "exports:download": "export",
    "api-case-export-detail": "export",
    "api-case-export-download": "export",
    "accounts:detail": "account",
    "api-account-detail": "account",
    "accounts:cluster": "cluster",
    "accounts:cluster_graph": "cluster",
    "api-cluster-detail": "cluster",
    "accounts:recompute_status": "recompute",
    "api-cluster-recompute-status": "recompute",
    "cases:task_edit": "task",
    "api-case-task": "task",
    "cases:comment_edit": "note",
    "api-case-note": "note",
    "cases:signal": "signal",
    "api-case-signal": "signal",
}

# The admin's object pages, by "app/model": the object in the principal's scope.
ADMIN_OBJECT = {
    "cases/case": "case",
    "cases/caseevent": "case_event",
    "evidence/evidence": "evidence",
    "evidence/custodyevent": "custody_event",
    "exports/export": "export",
    "detection/signal": "signal",
}
