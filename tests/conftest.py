"""Named users, one per role, as in the style guide: alice investigates, lena leads, larry is
legal, adam administers, and oscar is an investigator who is not on the case (the outsider)."""

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
