"""A database that takes the TCP connection but never answers (a fail-over in progress, a
partition) is a 503 with Retry-After after DB_CONNECT_TIMEOUT, not a request that hangs until
gunicorn kills its worker."""

import http.client
import socket
import time

from bench.common import free_port, start_gunicorn, stop

CONNECT_TIMEOUT = 2
CLIENT_TIMEOUT = 20  # well past the connect timeout: reaching it means the request hung


def test_a_silent_database_is_a_503_after_the_connect_timeout(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # the kernel completes the handshakes; nobody ever reads or answers
    port = free_port()
    server = start_gunicorn(
        port,
        workers=1,
        env={
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{silent.getsockname()[1]}/quarry",
            "DB_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
            "QUARRY_DB_RETRY_AFTER_SECONDS": "3",
            "CELERY_BROKER_URL": "filesystem://",
            "QUARRY_CELERY_QUEUE_DIR": str(tmp_path / "celery"),
        },
    )
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        started = time.monotonic()
        conn.request(
            "POST",
            "/api/v1/signals",
            body=b'{"signals": []}',
            headers={"Content-Type": "application/json", "Authorization": "Bearer qdt_any"},
        )
        response = conn.getresponse()
        response.read()
        waited = time.monotonic() - started
        conn.close()
    finally:
        stop(server)
        silent.close()
    assert response.status == 503
    assert response.getheader("Retry-After") == "3"
    assert waited >= CONNECT_TIMEOUT  # it did wait for the database, then gave up
