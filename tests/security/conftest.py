"""A world with one object of every kind on an open case and on a restricted one, and one
client per principal of the permission matrix."""

from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from accounts.models import AttributeWeight, CaseAccount, Cluster, ClusterMember, ClusterRecompute
from cases.case_tasks import task_add
from cases.models import CaseMember
from cases.services import case_comment_add
from core.roles import ADMIN, INVESTIGATOR, LEAD, LEGAL
from detection.services import detector_create
from exports.services import export_path
from tests.factories import AccountFactory, SignalFactory, UserFactory, make_case
from tests.helpers import add_evidence, finished_export

# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class Scope:
    """The objects a principal's requests point at."""

    case: object
    evidence: object
    image: object
    export: object
    account: object
    signal: object
    task: object
    note: object


@dataclass
class World:
    open: Scope
    restricted: Scope
    cluster: Cluster
    recompute: ClusterRecompute
    detector_token: str
    users: dict


def _scope(case, user) -> Scope:
    export = finished_export(case, user)
    bundle = export_path(export)
    bundle.parent.mkdir(parents=True, exist_ok=True)
    bundle.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    account = AccountFactory()
    CaseAccount.objects.create(case=case, account=account, added_by=user)
    return Scope(
        case=case,
        evidence=add_evidence(case, user),
        image=add_evidence(case, user, PNG, "screenshot.png"),
        export=export,
        account=account,
        signal=SignalFactory(case=case),
        task=task_add(case=case, user=user, title="Pull payment records"),
        note=case_comment_add(case=case, user=user, body="First look."),
    )


@pytest.fixture(autouse=True)
def export_settings(settings, tmp_path):
    settings.QUARRY_EXPORT_KEY_PATH = str(tmp_path / "keys" / "export.pem")
    settings.QUARRY_EXPORT_DIR = str(tmp_path / "exports")


@pytest.fixture
def world(db) -> World:
    users = {
        "investigator": UserFactory(username="ivy", roles=[INVESTIGATOR]),
        "lead": UserFactory(username="leo", roles=[LEAD]),
        "legal": UserFactory(username="lex", roles=[LEGAL]),
        # As `seed_users` makes them: the admin role is staff and superuser.
        "admin": UserFactory(username="ada", roles=[ADMIN], is_staff=True, is_superuser=True),
        "member": UserFactory(username="mia", roles=[INVESTIGATOR]),
        "outsider": UserFactory(username="otto", roles=[INVESTIGATOR]),
        "roleless": UserFactory(username="rolf"),
    }
    users["admin-outsider"] = users["admin"]
    open_case = make_case(created_by=users["investigator"], title="Open distillation case")
    restricted = make_case(created_by=users["member"], title="Weight leak", restricted=True)
    CaseMember.objects.get_or_create(case=restricted, user=users["member"])
    # Rows the admin's object pages point at, whether or not an earlier test flushed them.
    AttributeWeight.objects.get_or_create(type="ip", defaults={"strength": "weak"})
    now = timezone.now()
    cluster = Cluster.objects.create(size=1, created_at=now, updated_at=now)
    open_scope = _scope(open_case, users["investigator"])
    ClusterMember.objects.create(account=open_scope.account, cluster=cluster, since=now)
    _, token = detector_create(name="matrix-detector")
    return World(
        open=open_scope,
        restricted=_scope(restricted, users["member"]),
        cluster=cluster,
        recompute=ClusterRecompute.objects.create(requested_by=users["admin"]),
        detector_token=token,
        users=users,
    )


def client_for(world: World, principal: str) -> Client:
    """A fresh client signed in as the principal (a detector sends its bearer token)."""
    if principal == "detector":
        return Client(HTTP_AUTHORIZATION=f"Bearer {world.detector_token}")
    client = Client()
    if principal != "anonymous":
        client.force_login(world.users[principal])
    return client


def case_content_type_id() -> int:
    from cases.models import Case

    return ContentType.objects.get_for_model(Case).pk
