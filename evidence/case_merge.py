"""A merged case's evidence moves to the surviving case (cases/merge.py) as links: an evidence
item is immutable (a trigger refuses UPDATE) and stays where it was collected, and the
survivor shows it as its own. An item whose bytes the survivor already holds is not linked
twice."""

from django.dispatch import receiver
from django.utils import timezone

from cases.merge import case_merging

from .models import EvidenceLink
from .selectors import evidence_of_case


@receiver(case_merging, dispatch_uid="evidence.case_merge")
def case_evidence_move(sender, *, merged, survivor, user, **kwargs) -> dict:
    held = evidence_of_case(survivor).values("sha256")
    moving = list(
        evidence_of_case(merged)
        .exclude(sha256__in=held)
        .order_by("pk")
        .values("pk", "original_name", "sha256")
    )
    now = timezone.now()
    EvidenceLink.objects.bulk_create(
        EvidenceLink(
            case=survivor, evidence_id=e["pk"], merged_from=merged, linked_by=user, linked_at=now
        )
        for e in moving
    )
    return {
        "evidence": [
            {"evidence_id": e["pk"], "name": e["original_name"], "sha256": e["sha256"]}
            for e in moving
        ]
    }
