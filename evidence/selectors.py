from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Evidence, EvidenceLink


def evidence_of_case(case) -> QuerySet[Evidence]:
    """The case's own evidence and the evidence linked to it by a merge."""
    linked = EvidenceLink.objects.filter(case_id=case.pk, evidence_id=OuterRef("pk"))
    return Evidence.objects.filter(Q(case_id=case.pk) | Q(Exists(linked)))
