"""gunicorn as deployed (config/gunicorn.py) takes a connection only while one of a process's
threads is free: a process busy with one request leaves the next ones to an idle process,
instead of accepting them and queueing them behind the busy thread."""

import http.client
import socket
import time

import pytest

from bench.common import free_port, start_gunicorn, stop

QUICK_TIMEOUT = 5  # seconds; a page queued behind the held request would wait until it ends


@pytest.mark.parametrize("service", ["web", "ingest"])
def test_a_busy_process_leaves_the_next_requests_to_an_idle_one(service):
    port = free_port()
    # One thread each, given on the command line as make run gives its ingestion server's.
    server = start_gunicorn(port, workers=2, threads=1, deployed=True, service=service)
    held = socket.create_connection(("127.0.0.1", port))
    try:
        # Half a request: the thread of the process that took it waits for the rest of its
        # headers, as it would for a slow upload.
        held.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        time.sleep(1)
        answered = []
        for _ in range(10):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=QUICK_TIMEOUT)
            started = time.monotonic()
            conn.request("GET", "/login/", headers={"Host": "localhost"})
            response = conn.getresponse()
            response.read()
            conn.close()
            answered.append((response.status, time.monotonic() - started))
    finally:
        held.close()
        stop(server)
    assert all(status in (200, 404) for status, _ in answered), answered
    assert max(seconds for _, seconds in answered) < QUICK_TIMEOUT, answered
