"""Gunicorn's settings for `make run` and the Docker image (`gunicorn -c python:config.gunicorn`).

gthread workers: a request runs in a thread while the worker's main loop keeps telling the
master it is alive, so an upload takes as long as it needs; `timeout` only ends a worker whose
main loop is stuck. Sync workers (gunicorn's default) are killed `timeout` seconds into any
request, which turned every evidence upload slower than 30 s into a 500."""

from config.env import env_int

bind = f"0.0.0.0:{env_int('PORT', 8000)}"
workers = env_int("WEB_CONCURRENCY", 3)
worker_class = "gthread"
threads = env_int("QUARRY_WEB_THREADS", 4)
timeout = env_int("QUARRY_WEB_TIMEOUT_SECONDS", 120)

# A process takes a connection only while it has a thread free for it, and closes it after the
# answer, so that each request goes to a process that can start on it at once; the others wait
# in the listening socket's queue for whichever process frees a thread first. Otherwise a
# process accepts connections while its threads are busy and queues them behind its own
# interpreter lock, even while another process idles:
# - ingestion: kept-alive connections stayed with the process that first accepted them, four
#   detectors' connections landed three or four on one process, which then had all the work
#   (bench_ingest: a third slower, and a quarter of the machine idle);
# - web: a burst of pages (50 investigators opening the dashboard) queued behind busy
#   processes (bench_load: all pages p95 under load 99 → 75 ms).
# Without keep-alive a browser opens a connection per request, which costs nothing measurable on
# a local network or behind a proxy (which keeps its own connections to browsers).
# worker_connections is set to the threads in effect in on_starting, below.
keepalive = 0


def on_starting(server) -> None:
    """Before any worker forks: take connections only for free threads (above), and remove the
    upload temp files dead workers left behind."""
    # The threads in effect, which a --threads on the command line (make run's ingestion server)
    # sets over this file's: a value computed here from the environment would not match them.
    server.cfg.set("worker_connections", server.cfg.threads)

    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    django.setup()
    from core.uploads import upload_tmp_sweep

    removed = upload_tmp_sweep()
    if removed:
        server.log.warning("removed %d orphaned upload temp file(s)", len(removed))
