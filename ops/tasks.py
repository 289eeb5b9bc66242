import logging

from celery import shared_task

from .integrity import integrity_sweep
from .recovery import work_recover

log = logging.getLogger(__name__)

# The names these tasks had before they moved here from core: beat's schedule (in settings and
# in its database) and any message still queued name them so.


@shared_task(name="core.tasks.integrity_sweep_task")
def integrity_sweep_task() -> int:
    """Scheduled by beat; each problem is logged (and recorded as a custody event)."""
    problems = list(integrity_sweep())
    for problem in problems:
        log.error("integrity: %s: %s", problem.where, problem.what)
    return len(problems)


@shared_task(name="core.tasks.work_recover_task")
def work_recover_task() -> dict[str, list[int]]:
    """Publish again the exports and cluster recomputes nobody is running (ops/recovery.py).
    Beat runs the sweep in its own process (ops/beat.py); this task is for running it by hand
    on a worker."""
    return work_recover()
