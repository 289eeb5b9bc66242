"""A background process's PostgreSQL work at the process's own CPU priority.

`make run` starts the ingestion server and the Celery worker at a lower CPU priority than the
web (docs/capacity.md), and bench_load does the same. But half of their work is done by the
PostgreSQL backend serving their connection (the `COPY`, index upkeep, routing's updates),
which the postmaster started at its own priority. Worse, PostgreSQL makes every backend the
leader of a session of its own, and where the kernel schedules each session as a group
(autogroup, on in most distributions' kernels) each backend weighs as much as the whole web
server: under a burst of batches, the ingestion's backends took as much CPU as every page
together.

So when such a process opens a connection, its backend is given the same niceness, as a
process and as a session group. Only a backend that is certainly the one serving this
connection on this host is touched: the connection goes over loopback or a Unix socket, and
the process the server names has the title PostgreSQL gives the backend of this very
connection (our socket's port). A server on another host, in another container (another
process namespace), or run by a user we may not renice is left as it is: nothing fails.
`QUARRY_DB_BACKEND_PRIORITY=0` turns it off."""

import contextlib
import os
import socket
from pathlib import Path

_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def group_niceness(pid: int | str = "self") -> int | None:
    """The niceness of a process's session group, where the kernel groups sessions."""
    try:
        return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return None


def own_niceness() -> int:
    """This process's niceness, or its session group's where that is higher (a service of
    `make run` has both lowered; a process given `nice` alone has only the first)."""
    return max(os.getpriority(os.PRIO_PROCESS, 0), group_niceness() or 0)


def backend_here(cursor, pgconn_socket: int, host: str) -> int | None:
    """The pid of the backend serving this connection, when it runs on this host and in this
    process namespace; else None."""
    if host not in _LOCAL_HOSTS and not host.startswith("/"):
        return None
    cursor.execute("SELECT pg_backend_pid(), inet_client_port()")
    pid, port = cursor.fetchone()
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    if not title.startswith(b"postgres:"):
        return None
    if port is None:  # a Unix socket
        return pid if b"[local]" in title else None
    with socket.socket(fileno=os.dup(pgconn_socket)) as ours:
        local_port = ours.getsockname()[1]
    return pid if local_port == port and f"({port})".encode() in title else None


def backend_lower(pid: int, nice: int) -> None:
    """Give the backend `nice` as a process and as a session group, never raising its
    priority; a backend we may not renice is left as it is."""
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, pid) < nice:
            os.setpriority(os.PRIO_PROCESS, pid, nice)
    grouped = group_niceness(pid)
    if grouped is not None and grouped < nice:
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/autogroup").write_text(str(nice))


def on_connection_created(sender, connection, **kwargs) -> None:
    """connection_created: in a process running below the default priority, its backend too."""
    if connection.vendor != "postgresql":
        return
    nice = own_niceness()
    if nice <= 0:
        return
    raw = connection.connection
    with raw.cursor() as cursor:
        pid = backend_here(cursor, raw.pgconn.socket, raw.info.host)
    if pid is not None:
        backend_lower(pid, nice)
