"""Cases' background work."""

from celery import shared_task

from . import counts


@shared_task
def case_counts_compact() -> int:
    """Beat folds the dashboard's case counts every few minutes (cases/counts.py)."""
    return counts.case_counts_compact()
