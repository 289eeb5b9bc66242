"""Background work of the detection app: polling the feeds of pull-mode detectors. Thin: each
task takes ids and calls a service; each is safe to run twice (polling moves the cursor by
compare-and-set). Routing the signals that come in is routing's task (routing/tasks.py)."""

from celery import shared_task

from . import counts, feeds


@shared_task
def feeds_poll_due() -> list[int]:
    """Beat calls this every few seconds; it starts a poll for each feed that is due."""
    due = feeds.feeds_claim_due()
    for detector_id in due:
        feed_poll.delay(detector_id)
    return due


@shared_task(acks_late=True)
def feed_poll(detector_id: int) -> dict:
    outcome = feeds.feed_poll(detector_id=detector_id)
    return {"pages": outcome.pages, "created": outcome.created, "error": outcome.error}


@shared_task
def signal_counts_compact() -> int:
    """Beat folds the dashboard's signal counts every few minutes (detection/counts.py)."""
    return counts.signal_counts_compact()
