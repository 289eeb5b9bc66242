from django.db.models import QuerySet
from django.http import Http404

from cases.models import Case

from .models import Export


def exports_of_case(case: Case) -> QuerySet[Export]:
    return Export.objects.filter(case=case).order_by("-created_at", "-pk")


def export_get_for_case(case: Case, export_id: int) -> Export:
    """The case comes from cases.selectors.case_get_for_user, so visibility is already decided."""
    try:
        return Export.objects.select_related("case").get(case=case, pk=export_id)
    except Export.DoesNotExist:
        raise Http404("No such export.") from None
