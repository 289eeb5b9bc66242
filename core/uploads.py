"""Upload temp files under var/tmp, and the sweep of those a dead process left behind.

An upload streams to a temp file while it arrives: Django's own (`tmp….upload…`, from the
multipart parser) and then the evidence service's hashed copy (`evidence-…`). A web worker
killed in the middle leaves them for good. The sweep (at web start-up, from gunicorn's
`on_starting`, and with beat's recovery sweep) removes one only when both hold:

- it has not been written for QUARRY_UPLOAD_TMP_GRACE_SECONDS: an upload in progress keeps
  writing;
- nobody holds its lock: the upload handler below takes an exclusive `flock` on Django's temp
  file for the request's whole life, and the kernel drops it when the process dies, so a slow
  client that pauses longer than the grace period still keeps its file."""

import fcntl
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

log = logging.getLogger(__name__)

PATTERNS = ("evidence-*", "tmp*.upload*")


class LockedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's temp-file handler, holding an exclusive lock on the file while the request
    lives (the lock goes with the file's descriptor when Django closes it)."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        fcntl.flock(self.file.fileno(), fcntl.LOCK_EX)


def _in_use(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True  # gone meanwhile: nothing to do
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also lets go of the lock just taken
    return False


def upload_tmp_sweep(*, grace_seconds: float | None = None, now: float | None = None) -> list[str]:
    """Remove the orphaned upload temp files; the names removed."""
    grace = settings.QUARRY_UPLOAD_TMP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = (time.time() if now is None else now) - grace
    folder = Path(settings.EVIDENCE_UPLOAD_TMP)
    removed = []
    for pattern in PATTERNS:
        for path in folder.glob(pattern):
            try:
                if path.stat().st_mtime > cutoff or _in_use(path):
                    continue
                path.unlink()
            except FileNotFoundError:
                continue
            removed.append(path.name)
            log.warning("uploads: removed %s, left by an upload that did not finish", path.name)
    return removed
