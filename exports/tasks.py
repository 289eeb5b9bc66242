from celery import shared_task

from .services import EXPORT_BUILD_TASK, export_run


@shared_task(name=EXPORT_BUILD_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def export_build(export_id: int) -> None:
    """Build one export. A second delivery does nothing (the export is finished or being built
    by a live worker); a delivery after the worker died mid-build builds it again."""
    export_run(export_id=export_id)


@shared_task(ignore_result=True)
def audit_checkpoint_task() -> str | None:
    """Scheduled by beat: anchor the audit chains' heads when anything changed since the newest
    checkpoint (a second delivery finds nothing changed and writes nothing)."""
    from .checkpoints import checkpoint_due, checkpoint_write

    if not checkpoint_due():
        return None
    return checkpoint_write().name
