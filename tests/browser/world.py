"""The data the page walks run over (see the `world` fixture)."""

from django.utils import timezone

from accounts.models import AccountAttribute, CaseAccount, Cluster, ClusterMember
from cases.models import CaseMember
from cases.services import case_comment_add
from detection.models import Signal
from tests.factories import AccountFactory, DetectorFactory, make_case
from tests.helpers import add_evidence, finished_export, force_state
from web.workspace import TABS

SIGNAL_KINDS = ["volume_anomaly", "cot_elicitation", "partner_indicator"]


def furnish(*, alice, lena, larry) -> dict:
    now = timezone.now()
    case = make_case(
        created_by=lena,
        title="Hydra proxy cluster harvesting reasoning traces",
        severity="high",
        summary="Traffic spread over residential proxies.",
        suspected_actor="Hydra Group",
        tags=["distillation", "proxy"],
    )
    cluster = Cluster.objects.create(size=3, created_at=now, updated_at=now)
    accounts = []
    for i, status in enumerate(["active", "suspended", "banned"]):
        account = AccountFactory(platform_status=status)
        accounts.append(account)
        CaseAccount.objects.create(
            case=case,
            account=account,
            added_by=lena,
            role="primary_suspect" if i == 0 else "linked",
        )
        ClusterMember.objects.create(account=account, cluster=cluster, since=now)
        AccountAttribute.objects.create(account=account, type="payment_fingerprint", value="pf_1")
    detector = DetectorFactory(name="volume-watch")
    Signal.objects.bulk_create(
        Signal(
            detector=detector,
            external_id=f"s{i}",
            kind=SIGNAL_KINDS[i % 3],
            severity=["low", "medium", "high"][i % 3],
            confidence=80,
            observed_at=now - timezone.timedelta(days=i % 14, hours=i),
            summary="Burst of near-identical prompts",
            case=case,
        )
        for i in range(30)
    )
    evidence = add_evidence(case, alice, b"ts,account\n2026-11-01,acct_1\n", "usage.csv")
    note = case_comment_add(case=case, user=alice, body="Linked to **Hydra** infrastructure.")
    finished_export(case, larry)
    restricted = make_case(created_by=lena, title="Weight exfiltration attempt", restricted=True)
    for member in (alice, lena, larry):
        CaseMember.objects.get_or_create(case=restricted, user=member)
    closed = force_state(
        make_case(created_by=lena, title="Benign load test", severity="low"), "closed"
    )
    in_review = make_case(created_by=lena, title="Resold keys awaiting review", severity="critical")
    force_state(in_review, "legal_review")
    return {
        "case": case,
        "restricted": restricted,
        "closed": closed,
        "in_review": in_review,
        "cluster": cluster,
        "account": accounts[0],
        "evidence": evidence,
        "signal": Signal.objects.filter(case=case).order_by("pk").first(),
        "note": note,
    }


def addresses(world: dict) -> list[str]:
    """Every page of the web UI a signed-in person can open (Django admin and the Swagger UI
    are third-party pages and are left out)."""
    number = world["case"].number
    return [
        "/",
        "/cases/",
        "/cases/?queue=closed",
        "/cases/?q=hydra&severity=high",
        *(f"/cases/{number}/?tab={t}" for t in TABS),
        f"/cases/{world['restricted'].number}/",
        f"/cases/{world['closed'].number}/",
        f"/cases/{world['in_review'].number}/",
        f"/cases/{number}/accounts/",
        f"/cases/{number}/graph/",
        f"/cases/{number}/evidence/{world['evidence'].pk}/preview",
        "/accounts/clusters/",
        f"/accounts/clusters/{world['cluster'].pk}/",
        f"/accounts/{world['account'].pk}/",
        "/cases/new/",
        f"/cases/{number}/signals/{world['signal'].pk}",
        f"/cases/{number}/comments/{world['note'].pk}",
        "/password/",
        "/password/done/",
        "/cases/QRY-1999-99999/",
    ]
