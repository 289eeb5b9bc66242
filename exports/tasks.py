from celery import shared_task

from .services import EXPORT_BUILD_TASK, export_run


@shared_task(name=EXPORT_BUILD_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def export_build(export_id: int) -> None:
    """Build one export. A second delivery does nothing (the export is finished or being built
    by a live worker); a delivery after the worker died mid-build builds it again."""
    export_run(export_id=export_id)
