"""With the broker unreachable, a request that queues work still succeeds and the work stays
queued in the database (nothing is lost, nothing answers 500)."""

import pytest

from exports.models import Export, ExportStatus


@pytest.fixture
def broker_down():
    from config.celery import app

    def reconnect() -> None:
        # Celery caches the connection pool and the producer pool built on it.
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    reconnect()
    yield
    app.conf.broker_url = saved
    reconnect()


def test_an_export_requested_while_the_broker_is_down_stays_queued(
    client, lena, case, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(lena)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/cases/{case.number}/exports", {}, content_type="application/json"
        )
    assert response.status_code == 202
    assert Export.objects.get().status == ExportStatus.QUEUED


def test_the_publish_really_fails_when_the_broker_is_unreachable():
    """The check above can fail: publishing to an unreachable broker returns False instead of
    raising. Run in a fresh process, so no connection pool cached by earlier tests is reused."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import django; django.setup();"
        "from core.enqueue import task_publish; from exports.tasks import export_build;"
        "print(task_publish(export_build, 123456))"
    )
    env = {
        **os.environ,
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
