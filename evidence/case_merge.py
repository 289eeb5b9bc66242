"""A merged case's evidence moves to the surviving case (cases/merge.py). An item whose bytes
the survivor already holds stays on the closed duplicate: evidence is never deleted."""

from django.dispatch import receiver

from cases.merge import case_merging

from .models import Evidence


@receiver(case_merging, dispatch_uid="evidence.case_merge")
def case_evidence_move(sender, *, merged, survivor, **kwargs) -> dict:
    held = Evidence.objects.filter(case=survivor).values("sha256")
    moving = list(
        Evidence.objects.filter(case=merged)
        .exclude(sha256__in=held)
        .order_by("pk")
        .values("pk", "original_name", "sha256")
    )
    Evidence.objects.filter(pk__in=[e["pk"] for e in moving]).update(case=survivor)
    return {
        "evidence": [
            {"evidence_id": e["pk"], "name": e["original_name"], "sha256": e["sha256"]}
            for e in moving
        ]
    }
