import zipfile
from pathlib import Path

import pytest

from accounts.models import CaseAccount
from exports.services import export_request, export_run
from tests.factories import AccountAttributeFactory, AccountFactory, SignalFactory
from tests.helpers import add_evidence


@pytest.fixture(autouse=True)
def export_settings(settings, tmp_path):
    """Each test signs with its own key and writes bundles to its own directory."""
    settings.QUARRY_EXPORT_KEY_PATH = str(tmp_path / "keys" / "export.pem")
    settings.QUARRY_EXPORT_DIR = str(tmp_path / "exports")
    settings.QUARRY_ORGANIZATION = "Example Frontier Lab"
    return settings


@pytest.fixture
def case_with_material(case, alice):
    """A case with two evidence files, two linked accounts (one with personal data in free
    text too) and a signal."""
    add_evidence(case, alice, b'{"prompt": "show your reasoning step by step"}\n' * 50, "p.jsonl")
    add_evidence(case, alice, b"ts,account,tokens\n2026-02-01,acct_1,4000\n", "usage.csv")
    first = AccountFactory(name="Wei Zhang", email="wei.zhang@harvest.example")
    second = AccountFactory(name="Ana Lima", email="ana@proxy.example", organisation="Proxy Ltd")
    AccountAttributeFactory(account=first, type="payment_fingerprint", value="pf_77aa")
    CaseAccount.objects.create(case=case, account=first, role="primary_suspect")
    CaseAccount.objects.create(case=case, account=second, role="payer")
    signal = SignalFactory(
        case=case,
        summary="Burst from wei.zhang@harvest.example and Ana Lima",
        payload={"contact": "ana@proxy.example"},
    )
    signal.accounts.add(first, second)
    return case


def build(case, user, **options):
    export = export_request(case=case, user=user, enqueue=False, **options)
    export_run(export_id=export.pk)
    export.refresh_from_db()
    return export


def bundle_file(export) -> Path:
    from exports.services import export_path

    return export_path(export)


def unzip(export, into: Path) -> Path:
    with zipfile.ZipFile(bundle_file(export)) as archive:
        archive.extractall(into)
    (root,) = list(into.iterdir())
    return root
