"""Named users, one per role, as in the style guide: alice investigates, lena leads, larry is
legal, adam administers, and oscar is an investigator who is not on the case (the outsider)."""

import os
import subprocess
from pathlib import Path

import pytest

from core.roles import ADMIN, INVESTIGATOR, LEAD, LEGAL

from . import database
from .factories import UserFactory, make_case


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is created and migrated by the owner login (tests/database.py)."""
    database.logins_prepare()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Then every test runs with the app login's privileges."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    owner, app = database.role_names()
    database.act_as(app)
    original_flush = DatabaseOperations.execute_sql_flush
    DatabaseOperations.execute_sql_flush = database.flush_as_owner
    yield
    DatabaseOperations.execute_sql_flush = original_flush
    database.act_as(owner)


@pytest.fixture(autouse=True)
def dashboard_sections_fresh():
    """A web process keeps the dashboard's shared sections for a few seconds (web/dashboard.py):
    each test starts without what an earlier one left in this process."""
    from web.dashboard import shared_sections_forget

    shared_sections_forget()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", roles=[INVESTIGATOR])


@pytest.fixture
def lena(db):
    return UserFactory(username="lena", roles=[LEAD])


@pytest.fixture
def larry(db):
    return UserFactory(username="larry", roles=[LEGAL])


@pytest.fixture
def adam(db):
    return UserFactory(username="adam", roles=[ADMIN])


@pytest.fixture
def oscar(db):
    return UserFactory(username="oscar", roles=[INVESTIGATOR])


@pytest.fixture
def case(alice):
    return make_case(created_by=alice)


@pytest.fixture
def restricted_case(lena, alice):
    from cases.models import CaseMember

    c = make_case(created_by=lena, title="Weight exfiltration attempt", restricted=True)
    CaseMember.objects.get_or_create(case=c, user=alice)
    return c


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    """Each test stores evidence in its own directory."""
    location = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "evidence.storage.EvidenceFileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


@pytest.fixture
def workers():
    """Real Celery workers a test starts (tests.worker.start_worker), stopped after it."""
    from .worker import stop_worker

    started = []
    yield started
    for process in started:
        stop_worker(process)


@pytest.fixture
def screenshots(tmp_path_factory) -> Path:
    """Where browser tests save their screenshots: outside the working tree, except under
    `make screenshots`, which names docs/screenshots (QUARRY_SCREENSHOTS_DIR) to refresh the
    README's pictures."""
    named = os.environ.get("QUARRY_SCREENSHOTS_DIR")
    if not named:
        return tmp_path_factory.mktemp("screenshots")
    Path(named).mkdir(parents=True, exist_ok=True)
    return Path(named)


# `make test` must leave the working tree as it found it: no tracked file rewritten, no
# untracked file left. The session compares `git status` before and after; under CI a
# difference fails the run, on a laptop (where you may be editing meanwhile) it is reported.
ROOT = Path(__file__).resolve().parent.parent


def _tree_status() -> set[str] | None:
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return set(result.stdout.splitlines()) if result.returncode == 0 else None


def pytest_sessionstart(session):
    session.config._quarry_tree_before = _tree_status()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_quarry_tree_before", None)
    if before is None or os.environ.get("QUARRY_SCREENSHOTS_DIR"):
        return
    changed = sorted((_tree_status() or before) - before)
    if not changed:
        return
    message = "the test run changed the working tree:\n  " + "\n  ".join(changed)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, red=bool(os.environ.get("CI")))
    if os.environ.get("CI") and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
