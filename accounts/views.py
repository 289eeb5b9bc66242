from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases.selectors import case_get_for_user
from cases.services import case_record_view
from core.errors import DomainError
from core.http import url_prefix
from core.roles import RECOMPUTE_ROLES, STAFF_ROLES, user_roles

from . import graph, selectors, services
from .forms import AccountSearchForm, AddClusterForm, BulkAccountsForm, PasteAccountsForm
from .models import Account, CaseAccount, CaseAccountRole, Cluster, ClusterRecompute

UNKNOWN_SHOWN = 200


def staff_only(user) -> None:
    """Account pages show no case content by themselves, but only Quarry's people see them."""
    if not (user_roles(user) & STAFF_ROLES):
        raise Http404("No such account.")


@login_required
@require_GET
def cluster_graph_json(request, pk: int):
    staff_only(request.user)
    cluster = get_object_or_404(Cluster, pk=pk)
    return JsonResponse(graph.cluster_graph(cluster))


@login_required
@require_GET
def case_graph_json(request, number: str):
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user, via="graph")
    aggregate = request.GET.get("view") == "aggregated" or None
    return JsonResponse(graph.case_graph(case, aggregate=aggregate))


@login_required
@require_GET
def case_graph_page(request, number: str):
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user, via="graph")
    return render(request, "accounts/case_graph.html", {"case": case})


@login_required
@require_GET
def case_accounts(request, number: str):
    """The case's accounts: filter, page, act on many at once, and add more."""
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user, via="accounts")
    links = (
        CaseAccount.objects.filter(case=case)
        .select_related("account", "enforcement_updated_by", "account__cluster_membership")
        .order_by("account__external_id")
    )
    q = request.GET.get("q", "").strip()
    if q:
        links = links.filter(account__external_id__icontains=q)
    page = Paginator(links, 100).get_page(request.GET.get("page"))
    search = AccountSearchForm({"q": request.GET.get("find", "")})
    results = []
    if search.is_valid() and search.cleaned_data["q"]:
        term = search.cleaned_data["q"]
        results = Account.objects.filter(
            Q(external_id__icontains=term) | Q(email__icontains=term) | Q(name__icontains=term)
        ).order_by("external_id")[:50]
    context = {
        "case": case,
        "page": page,
        "q": q,
        "find": request.GET.get("find", ""),
        "results": results,
        "roles": CaseAccountRole.choices,
        "paste_form": PasteAccountsForm(),
        "cluster_form": AddClusterForm(),
        "bulk_form": BulkAccountsForm(),
        "similar": selectors.similar_cases(case, request.user),
        "account_url": url_prefix("accounts:detail"),
        "cluster_url": url_prefix("accounts:cluster"),
    }
    return render(request, "accounts/case_accounts.html", context)


def _ids(request) -> list[int]:
    return [int(v) for v in request.POST.getlist("account_ids") if v.isdigit()]


@login_required
@require_POST
def case_accounts_add_view(request, number: str):
    case = case_get_for_user(request.user, number)
    role = request.POST.get("role", CaseAccountRole.LINKED)
    try:
        if "external_ids" in request.POST:
            ids = services.parse_external_ids(request.POST["external_ids"])
            result = services.case_accounts_add_external_ids(
                case=case, user=request.user, external_ids=ids, role=role
            )
        elif request.POST.get("cluster"):
            form = AddClusterForm(request.POST)
            if not form.is_valid():
                raise DomainError("Name a cluster by its number.", field="cluster", status=400)
            try:
                cluster = Cluster.objects.get(pk=form.cleaned_data["cluster"])
            except Cluster.DoesNotExist:
                raise DomainError("No such cluster.", field="cluster", status=400) from None
            result = services.case_accounts_add_cluster(
                case=case, user=request.user, cluster=cluster, role=role
            )
        else:
            result = services.case_accounts_add(
                case=case, user=request.user, account_ids=_ids(request), role=role
            )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:case_accounts", number=number)
    text = f"Linked {len(result.added):,} accounts"
    if result.already:
        text += f"; {result.already:,} were already linked"
    messages.success(request, text + ".")
    if result.unknown:
        shown = ", ".join(result.unknown[:UNKNOWN_SHOWN])
        more = len(result.unknown) - UNKNOWN_SHOWN
        messages.error(
            request,
            f"{len(result.unknown):,} ids match no account: {shown}"
            + (f" and {more:,} more" if more > 0 else ""),
        )
    return redirect("accounts:case_accounts", number=number)


@login_required
@require_POST
def case_accounts_bulk_view(request, number: str):
    case = case_get_for_user(request.user, number)
    form = BulkAccountsForm(request.POST)
    ids = _ids(request)
    if not form.is_valid() or not ids:
        messages.error(request, "Choose accounts and an action.")
        return redirect("accounts:case_accounts", number=number)
    try:
        if form.cleaned_data["action"] == "enforcement":
            count = services.case_accounts_enforcement_set(
                case=case,
                user=request.user,
                account_ids=ids,
                status=form.cleaned_data["enforcement"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, f"Enforcement moved forward on {count:,} accounts.")
        else:
            count = services.case_accounts_role_set(
                case=case, user=request.user, account_ids=ids, role=form.cleaned_data["role"]
            )
            messages.success(request, f"Role changed on {count:,} accounts.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:case_accounts", number=number)


@login_required
@require_GET
def case_accounts_panel(request, number: str):
    """The "Accounts" section of the case page, loaded by htmx."""
    case = case_get_for_user(request.user, number)
    case_record_view(case=case, user=request.user, via="accounts tab")
    links = CaseAccount.objects.filter(case=case)
    context = {
        "case": case,
        "total": links.count(),
        "by_enforcement": {
            row["enforcement"]: row["n"]
            for row in links.values("enforcement").annotate(n=Count("id"))
        },
        "similar": selectors.similar_cases(case, request.user, limit=5),
    }
    return render(request, "accounts/_case_panel.html", context)


@login_required
@require_GET
def recompute_status(request, pk: int):
    staff_only(request.user)
    job = get_object_or_404(ClusterRecompute, pk=pk)
    return render(request, "accounts/_recompute.html", {"job": job})


@login_required
@require_GET
def cluster_list(request):
    staff_only(request.user)
    clusters = Cluster.objects.filter(dissolved_at__isnull=True, size__gt=1).order_by("-size", "id")
    context = {
        "page": Paginator(clusters, 50).get_page(request.GET.get("page")),
        "job": ClusterRecompute.objects.first(),
        "can_recompute": bool(user_roles(request.user) & RECOMPUTE_ROLES),
    }
    return render(request, "accounts/cluster_list.html", context)


@login_required
@require_POST
def cluster_recompute_view(request):
    if not (user_roles(request.user) & RECOMPUTE_ROLES):
        messages.error(request, "Recomputing clusters needs the lead or admin role.")
        return redirect("accounts:clusters")
    services.cluster_recompute_request(user=request.user)
    messages.success(request, "Full recompute queued.")
    return redirect("accounts:clusters")
