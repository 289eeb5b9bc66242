"""`make run`'s supervisor: a worker, beat or web process that dies is restarted while the rest
keeps serving; a worker that is alive but wedged (stopped: neither its tasks nor its watchdog
run, so its heartbeat goes stale) is killed and restarted; Ctrl-C stops everything."""

import os
import signal
import threading

import psutil
import pytest

from tests.worker import wait_for

from .devrun import devrun, healthy

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class Availability:
    """Asks /healthz every 0.2 s in a thread and counts the answers that were not 200."""

    def __init__(self, port: int) -> None:
        self.port, self.asked, self.failed = port, 0, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.asked += 1
            self.failed += not healthy(self.port)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def _restarted(run, name: str, old_pid: int) -> bool:
    process = run.service(name)
    return process is not None and process.pid != old_pid


def test_a_killed_or_wedged_service_is_restarted_while_pages_are_served(tmp_path):
    with devrun(tmp_path, QUARRY_HEARTBEAT_MAX_AGE_SECONDS="6") as run:
        availability = Availability(run.port)

        worker = run.service("worker").pid
        os.kill(worker, signal.SIGKILL)
        assert wait_for(lambda: _restarted(run, "worker", worker) and run.pool(), 60), run.log()
        assert "devrun: worker exited with -9; restarting it in 1s" in run.log()

        beat = run.service("beat").pid
        os.kill(beat, signal.SIGKILL)
        assert wait_for(lambda: _restarted(run, "beat", beat), 30), run.log()

        # Stopped before its first heartbeat, a new worker would be given the startup grace
        # (a minute) before it counts as wedged.
        assert wait_for(lambda: run.beating("worker"), 60), run.log()
        worker = run.service("worker").pid
        os.kill(worker, signal.SIGSTOP)  # alive, holding its messages, doing nothing
        assert wait_for(lambda: _restarted(run, "worker", worker) and run.pool(), 60), run.log()
        assert "devrun: worker's heartbeat is" in run.log()
        assert not psutil.pid_exists(worker) or psutil.Process(worker).status() == "zombie"

        availability.stop()
        assert availability.asked > 50
        assert availability.failed == 0  # the web kept answering while the worker was down

        web = run.service("web").pid
        os.kill(web, signal.SIGKILL)
        assert wait_for(lambda: _restarted(run, "web", web) and healthy(run.port), 60), run.log()
        leaders = [run.service(name) for name in ("web", "worker", "beat")]
        children = [child for leader in leaders for child in leader.children(recursive=True)]
    # devrun() pressed Ctrl-C and saw it exit 0: nothing it started is left.
    assert not [p for p in leaders + children if p.is_running() and p.status() != "zombie"]
