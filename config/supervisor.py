"""A small process supervisor for `make run`: each service is started in its own process
group, restarted with exponential backoff when it exits, and killed and restarted when its
heartbeat file (core/heartbeat.py) goes stale; nothing else is stopped meanwhile, so pages keep
being served while the worker is down. Only `stop()` (Ctrl-C, SIGTERM) ends everything."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BACKOFF_FIRST, BACKOFF_CAP = 1.0, 60.0
STABLE_SECONDS = 60.0  # up this long: the next crash starts the backoff over
STARTUP_SECONDS = 60.0  # allowed before a service's first heartbeat


def lower_priority(nice: int) -> None:
    """In a service's process, before it runs its command: `nice` more than the supervisor.
    Where the kernel schedules each session as a group (autogroup, on in most distributions'
    kernels), niceness weighs only between the processes of one session, and every service leads
    a session of its own: the group's niceness is lowered too, or web and ingestion would still
    share the CPU half and half."""
    os.nice(nice)
    with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as group:
        group.write(str(nice))


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str] | None = None
    heartbeat: Path | None = None  # killed when this file is older than heartbeat_max_age
    heartbeat_max_age: float = 60.0
    nice: int = 0  # added to the niceness: lower CPU priority than the supervisor's
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restarts: int = 0
    restart_at: float | None = None
    log: Callable[[str], None] = field(default=lambda line: print(line, flush=True), repr=False)

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv,
            env={**os.environ, **(self.env or {})},
            start_new_session=True,
            preexec_fn=(lambda: lower_priority(self.nice)) if self.nice else None,
        )
        self.started_at = time.monotonic()
        self.restart_at = None

    def signal_group(self, signum: int) -> None:
        """Signal the service's process group: a dead leader may leave members behind (a
        worker's pool processes)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)

    def heartbeat_stale(self, now: float) -> float | None:
        """The heartbeat's age when it is too old. Before its first beat (a heartbeat file
        older than this process is a previous run's) a service has STARTUP_SECONDS more."""
        if self.heartbeat is None:
            return None
        up = now - self.started_at
        try:
            age = time.time() - self.heartbeat.stat().st_mtime
        except FileNotFoundError:
            age = up
        if age >= up:
            return up if up > self.heartbeat_max_age + STARTUP_SECONDS else None
        return age if age > self.heartbeat_max_age else None

    def check(self, now: float) -> None:
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restarts += 1
                self.start()
            return
        stale = self.heartbeat_stale(now)
        if stale is not None and self.process.poll() is None:
            self.log(f"devrun: {self.name}'s heartbeat is {stale:.0f}s old; killing it (wedged)")
            self.signal_group(signal.SIGKILL)
            self.process.wait()
        code = self.process.poll()
        if code is None:
            return
        self.signal_group(signal.SIGKILL)  # what is left of its group
        self.failures = 1 if now - self.started_at >= STABLE_SECONDS else self.failures + 1
        delay = min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** (self.failures - 1))
        self.log(f"devrun: {self.name} exited with {code}; restarting it in {delay:.0f}s")
        self.restart_at = now + delay

    def stop(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.process.wait()


def supervise(
    services: list[Service], should_stop: Callable[[], bool], *, grace: float = 15.0
) -> None:
    """Run the services until should_stop(); then SIGTERM each group, SIGKILL after grace."""
    for service in services:
        service.start()
    try:
        while not should_stop():
            now = time.monotonic()
            for service in services:
                service.check(now)
            time.sleep(0.5)
    finally:
        for service in services:
            if service.restart_at is None:
                service.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in services:
            service.stop(deadline)
