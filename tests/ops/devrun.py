"""`make run`'s supervisor (`python -m config.devrun --serve-only`) as a test's subprocess: web,
ingestion, worker and beat against the test database and the test run's broker, with its output kept in a
file the test can read."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psutil

from bench.common import free_port
from tests.worker import ROOT, service_env, wait_for


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


class DevRun:
    def __init__(self, var_dir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.ingest_port = free_port()
        self.var_dir = var_dir
        self.output = var_dir / "devrun.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "config.devrun", "--serve-only"],
            cwd=ROOT,
            env={
                **os.environ,
                **service_env(),
                "PORT": str(self.port),
                "QUARRY_REFERENCE_DETECTOR_PORT": "0",
                "QUARRY_INGEST_PORT": str(self.ingest_port),
                "QUARRY_VAR_DIR": str(var_dir),
                "WEB_CONCURRENCY": "1",
                **env,
            },
            stdout=self.output.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.output.read_text()

    def service(self, name: str) -> psutil.Process | None:
        """The leader of one supervised service, found by its command line."""
        marker = {
            "web": f"127.0.0.1:{self.port}",
            "ingest": f"127.0.0.1:{self.ingest_port}",
            "worker": "worker",
            "beat": "beat",
        }[name]
        for child in psutil.Process(self.process.pid).children():
            try:
                if marker in child.cmdline():
                    return child
            except psutil.NoSuchProcess:
                continue
        return None

    def beating(self, name: str) -> bool:
        """The service's current process has touched its heartbeat file (worker: its watchdog
        runs once the consumer is up, after the pool; beat: on its first tick)."""
        process = self.service(name)
        try:
            touched = (self.var_dir / "run" / f"{name}.heartbeat").stat().st_mtime
            return process is not None and touched > process.create_time()
        except (FileNotFoundError, psutil.NoSuchProcess):
            return False

    def pool(self) -> list[psutil.Process]:
        worker = self.service("worker")
        return worker.children() if worker else []

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            return self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            started = psutil.Process(self.process.pid).children(recursive=True)
            os.killpg(self.process.pid, signal.SIGKILL)
            for child in started:  # the services lead process groups of their own
                child.kill()
            raise


@contextmanager
def devrun(var_dir: Path, **env: str):
    """Started, with the web answering and the worker's pool up; stopped with Ctrl-C."""
    run = DevRun(var_dir, env)
    try:
        assert wait_for(lambda: healthy(run.port) and len(run.pool()) >= 1, 90), run.log()
        yield run
    finally:
        started = time.monotonic()
        code = run.stop()
        assert code == 0, run.log()
        assert time.monotonic() - started < 40
