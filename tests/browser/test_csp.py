"""The pages run under the Content Security Policy without a single violation: every script and
style they need comes from Quarry's own static files."""

import pytest
from django.utils import timezone

from accounts.models import CaseAccount, Cluster, ClusterMember
from detection.models import Signal
from tests.factories import AccountFactory, DetectorFactory, make_case
from tests.helpers import add_evidence

from .conftest import sign_in

pytestmark = pytest.mark.browser

TABS = ["overview", "timeline", "evidence", "accounts", "signals", "notes", "exports"]


@pytest.fixture
def furnished_case(transactional_db, alice, lena):
    case = make_case(created_by=lena, title="Hydra proxy cluster", severity="critical")
    now = timezone.now()
    cluster = Cluster.objects.create(size=2, created_at=now, updated_at=now)
    for _ in range(2):
        account = AccountFactory()
        CaseAccount.objects.create(case=case, account=account, added_by=lena)
        ClusterMember.objects.create(account=account, cluster=cluster, since=now)
    detector = DetectorFactory(name="volume-watch")
    Signal.objects.bulk_create(
        Signal(
            detector=detector,
            external_id=f"s{i}",
            kind="volume_anomaly",
            severity="high",
            confidence=80,
            observed_at=now - timezone.timedelta(hours=i),
            case=case,
        )
        for i in range(20)
    )
    add_evidence(case, alice, b"ts,account\n2026-11-01,acct_1\n", "usage.csv")
    return case


def _violations(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda msg: (
            seen.append(f"{page.url}: {msg.text[:90]}")
            if "Content Security Policy" in msg.text
            else None
        ),
    )
    return seen


def test_no_csp_violation_on_any_page(page, alice, furnished_case):
    violations = _violations(page)
    sign_in(page, "alice")
    number = furnished_case.number
    addresses = ["/", "/cases/"]
    addresses += [f"/cases/{number}/?tab={tab}" for tab in TABS]
    cluster = Cluster.objects.get()
    addresses += [f"/cases/{number}/graph/", f"/cases/{number}/accounts/"]
    addresses += ["/accounts/clusters/", f"/accounts/clusters/{cluster.pk}/"]
    for address in addresses:
        page.goto(address)
        page.wait_for_load_state("networkidle")
    assert violations == []


def test_the_policy_is_on_every_page(page, alice, furnished_case):
    sign_in(page, "alice")
    response = page.goto("/cases/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy


def test_an_inline_script_would_be_refused(page, alice, furnished_case):
    """The check above can fail: a page with an inline script reports a violation."""
    violations = _violations(page)
    sign_in(page, "alice")
    page.goto("/cases/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected") is None
    assert violations


def test_api_docs_run_under_their_narrow_policy(page, alice, furnished_case):
    violations = _violations(page)
    sign_in(page, "alice")
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    assert violations == []
