import logging

from celery import shared_task

from .integrity import integrity_sweep

log = logging.getLogger(__name__)


@shared_task
def integrity_sweep_task() -> int:
    """Scheduled by beat; each problem is logged (and recorded as a custody event)."""
    problems = list(integrity_sweep())
    for problem in problems:
        log.error("integrity: %s: %s", problem.where, problem.what)
    return len(problems)


@shared_task
def work_recover_task() -> dict[str, list[int]]:
    """Publish again the exports and cluster recomputes nobody is running (core/recovery.py).
    Beat runs the sweep in its own process (core/beat.py); this task is for running it by hand
    on a worker."""
    from .recovery import work_recover

    return work_recover()
