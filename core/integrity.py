"""Re-hash every stored evidence file and re-verify every audit chain."""

from collections.abc import Iterator
from dataclasses import dataclass

from cases.audit import chain_verify
from cases.models import Case
from evidence.models import Evidence
from evidence.services import evidence_verify


@dataclass(frozen=True)
class IntegrityProblem:
    where: str
    what: str


def integrity_sweep(*, actor: str = "integrity-sweep") -> Iterator[IntegrityProblem]:
    for case in Case.objects.order_by("id").iterator():
        broken = chain_verify(case)
        if broken:
            yield IntegrityProblem(
                case.number, f"audit chain broken at event {broken.seq}: {broken.reason}"
            )
    for item in Evidence.objects.select_related("case").order_by("id").iterator():
        try:
            matched = evidence_verify(evidence=item, actor=actor)
        except FileNotFoundError:
            yield IntegrityProblem(
                f"{item.case.number} evidence {item.pk}",
                f"{item.original_name}: stored file is missing",
            )
            continue
        if not matched:
            yield IntegrityProblem(
                f"{item.case.number} evidence {item.pk}",
                f"{item.original_name}: stored bytes no longer match SHA-256 {item.sha256}",
            )
