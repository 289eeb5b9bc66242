"""Pages that combine apps: the dashboard, the case queue, the case page with its tabs, and
the account and cluster pages (which show signals and cases beside accounts)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from accounts import selectors as account_selectors
from accounts.models import Account, Cluster
from accounts.views import staff_only
from cases.counts import case_counts_open_by_state
from cases.forms import CommentForm
from cases.selectors import case_get_for_user, case_reference_visible
from cases.services import case_record_view
from core.dayseries import days_between
from core.http import url_prefix
from core.roles import WORK_ROLES
from detection import selectors as signal_selectors
from detection.models import Detector

from . import dashboard
from .forms import QueueFilterForm
from .lifecycle_tabs import lifecycle_context
from .queue import QUEUES, queue_cases, queue_page
from .workspace import TAB_CONTEXT, TABS, case_actions, case_tab_counts, sla_clock

User = get_user_model()


def _fragment(request) -> bool:
    """An htmx request wants the fragment, except when htmx restores history after a cache
    miss: then it needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
@require_GET
def home(request):
    user = request.user
    open_counts = case_counts_open_by_state(user)
    context = {
        "by_state": dashboard.open_by_state(open_counts),
        "breaches": dashboard.sla_breaches(user, open_counts),
        "signal_chart": dashboard.shared_section("chart", dashboard.signals_per_day),
        "signal_days": dashboard.SIGNAL_DAYS,
        "detectors": dashboard.shared_section("detectors", dashboard.detector_health),
        "set_aside": dashboard.shared_section("set_aside", dashboard.routing_set_aside),
        "clusters": dashboard.largest_clusters(user),
        "my_tasks": dashboard.my_tasks(user),
        # Case pages live under the queue's URL; one reverse() instead of one per row.
        "case_url": reverse("cases:queue"),
        "cluster_url": url_prefix("accounts:cluster"),
    }
    return render(request, "core/dashboard.html", context)


# The people and detectors offered in drop-downs change rarely; a minute's staleness in a
# filter's choices is worth two fewer queries on every queue and case page.
CHOICES_CACHE_SECONDS = 60


def _workers() -> list[str]:
    return cache.get_or_set(
        "choices:workers",
        lambda: list(
            User.objects.filter(groups__name__in=sorted(WORK_ROLES), is_active=True)
            .distinct()
            .order_by("username")
            .values_list("username", flat=True)
        ),
        CHOICES_CACHE_SECONDS,
    )


def _detectors() -> list[tuple[int, str]]:
    return cache.get_or_set(
        "choices:detectors",
        lambda: list(Detector.objects.order_by("name").values_list("pk", "name")),
        CHOICES_CACHE_SECONDS,
    )


# A page and its htmx fragment share one address; without Vary the browser's cache hands the
# fragment back as the page on Back.
@login_required
@require_GET
@vary_on_headers("HX-Request")
def queue(request):
    form = QueueFilterForm(
        request.GET or None,
        assignees=_workers(),
        detectors=_detectors(),
    )
    if form.is_bound:
        # An invalid form still fills cleaned_data with the fields that are valid: one bad
        # value should not drop every filter.
        form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    page = queue_page(
        queue_cases(request.user, filters),
        sort=filters.get("sort") or "newest",
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    params = request.GET.copy()
    for key in ("after", "before"):
        params.pop(key, None)
    context = {
        "form": form,
        "page": page,
        "params": params.urlencode(),
        "queues": QUEUES,
        "current_queue": filters.get("queue") or "open",
        # Case pages live under the queue's URL; one reverse() instead of one per row.
        "case_url": reverse("cases:queue"),
    }
    template = "cases/queue.html#results" if _fragment(request) else "cases/queue.html"
    return render(request, template, context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def case_detail(request, number: str):
    case = case_get_for_user(request.user, number)
    tab = request.GET.get("tab", "overview")
    if tab not in TABS:
        tab = "overview"
    fragment = _fragment(request)
    case_record_view(case=case, user=request.user, via=f"{tab} tab" if fragment else "page")
    context = {
        "case": case,
        "tab": tab,
        "tabs": TABS,
        "sla": sla_clock(case),
        "actions": case_actions(case, request.user),
        **case_tab_counts(case),
        "comment_form": CommentForm(),
        "duplicate_of": case_reference_visible(request.user, case.duplicate_of),
        "follow_up_of": case_reference_visible(request.user, case.follow_up_of),
        "workers": _workers(),
        "move_draft": None if fragment else request.session.pop(f"move_draft:{number}", None),
        **lifecycle_context(case, request.user),
        **(TAB_CONTEXT[tab](request, case) if tab in TAB_CONTEXT else {}),
    }
    template = "cases/detail.html#panel" if fragment else "cases/detail.html"
    return render(request, template, context)


@login_required
@require_GET
def account_detail(request, pk: int):
    staff_only(request.user)
    account = get_object_or_404(
        Account.objects.select_related("cluster_membership__cluster"), pk=pk
    )
    attributes = account_selectors.account_attribute_links(account)
    context = {
        "account": account,
        "attributes": attributes,
        "linked": account_selectors.account_linked_accounts(account, attributes),
        "account_url": url_prefix("accounts:detail"),
        "cases": account_selectors.account_cases_for_user(account, request.user),
        "signals": signal_selectors.account_signals(account, request.user),
        "cluster": account_selectors.account_cluster(account),
    }
    return render(request, "accounts/account_detail.html", context)


@login_required
@require_GET
def cluster_detail(request, pk: int):
    staff_only(request.user)
    cluster = get_object_or_404(Cluster, pk=pk)
    members = Paginator(account_selectors.cluster_members(cluster), 100).get_page(
        request.GET.get("page")
    )
    per_day = {
        v["day"].isoformat(): v["signals"] for v in signal_selectors.cluster_signal_volume(cluster)
    }
    days = days_between(list(per_day))
    context = {
        "cluster": cluster,
        "members": members,
        "shared": account_selectors.cluster_shared_attributes(cluster),
        "volume_labels": days,
        "volume_counts": [per_day.get(day, 0) for day in days],
        "open_cases": account_selectors.cluster_open_cases(cluster, request.user),
    }
    return render(request, "accounts/cluster_detail.html", context)
