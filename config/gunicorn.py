"""Gunicorn's settings for `make run` and the Docker image (`gunicorn -c python:config.gunicorn`).

gthread workers: a request runs in a thread while the worker's main loop keeps telling the
master it is alive, so an upload takes as long as it needs; `timeout` only ends a worker whose
main loop is stuck. Sync workers (gunicorn's default) are killed `timeout` seconds into any
request, which turned every evidence upload slower than 30 s into a 500."""

from config.env import env_int, env_str

bind = f"0.0.0.0:{env_int('PORT', 8000)}"
workers = env_int("WEB_CONCURRENCY", 3)
worker_class = "gthread"
threads = env_int("QUARRY_WEB_THREADS", 4)
timeout = env_int("QUARRY_WEB_TIMEOUT_SECONDS", 120)

if env_str("QUARRY_SERVICE", "web") == "ingest":
    # A batch is CPU in Python, and a process runs one thread of Python at a time. A process
    # takes a connection only while it has a thread free for it, and closes it after the
    # answer, so that each batch goes to a process that can start on it at once. Kept alive,
    # a connection stays with the process that first accepted it: four detectors' connections
    # landed three or four on one process, which then had all the work while the other idled
    # (bench_ingest: a third slower, and a quarter of the machine idle).
    worker_connections = threads
    keepalive = 0


def on_starting(server) -> None:
    """Before any worker forks: remove the upload temp files dead workers left behind."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    django.setup()
    from core.uploads import upload_tmp_sweep

    removed = upload_tmp_sweep()
    if removed:
        server.log.warning("removed %d orphaned upload temp file(s)", len(removed))
