"""Every page asks the database a fixed number of questions, however much data stands behind it
(issue 17): the same page is fetched with a case of a few rows and again after five times more
signals, accounts, attributes, evidence, notes and cases, and must not ask one query more.
A query per row (an N+1) fails here long before a benchmark would notice it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.clustering import cluster_update_for_accounts
from accounts.models import AccountAttribute, CaseAccount
from cases.services import case_comment_add, case_member_add, case_restrict
from detection.models import Signal, SignalAccount
from tests.factories import AccountFactory, DetectorFactory, make_case
from tests.helpers import add_evidence

PAGES = [
    "/",
    "/cases/",
    "/cases/?q=proxy",
    "/cases/{number}/",
    "/cases/{number}/?tab=timeline",
    "/cases/{number}/?tab=evidence",
    "/cases/{number}/?tab=signals",
    "/cases/{number}/?tab=notes",
    "/cases/{number}/accounts/",
    "/cases/{number}/graph.json",
    "/accounts/{account}/",
    "/accounts/clusters/",
    "/accounts/clusters/{cluster}/",
    "/api/v1/cases",
    "/api/v1/cases/{number}/events",
    "/api/v1/cases/{number}/accounts",
]


class World:
    """A restricted case (so that need-to-know is on the path) that grows in every direction."""

    def __init__(self, lead, investigator):
        self.lead = lead
        self.detector = DetectorFactory()
        self.case = make_case(created_by=lead, title="Hydra proxy distillation")
        case_member_add(case=self.case, user=lead, member=investigator)
        case_restrict(case=self.case, user=lead, restricted=True)
        self.accounts = []
        self.rounds = 0

    def grow(self, n: int) -> None:
        now = timezone.now()
        for _ in range(n):
            self.rounds += 1
            r = self.rounds
            account = AccountFactory()
            self.accounts.append(account)
            for t, v in (("payment_fingerprint", "pf-hub"), ("ip", f"10.0.0.{r}")):
                AccountAttribute.objects.create(account=account, type=t, value=v)
            CaseAccount.objects.create(case=self.case, account=account, added_by=self.lead)
            signal = Signal.objects.create(
                detector=self.detector,
                external_id=f"s-{r}",
                kind="cot_elicitation" if r % 2 else "volume_anomaly",
                severity="high",
                confidence=80,
                observed_at=now - timezone.timedelta(hours=r),
                summary=f"signal {r} about proxy traffic",
                case=self.case,
                routed_at=now,
                account_external_ids=[account.external_id],
            )
            SignalAccount.objects.create(signal=signal, account=account)
            add_evidence(self.case, self.lead, f"log {r}\n".encode(), name=f"gateway-{r}.log")
            case_comment_add(case=self.case, user=self.lead, body=f"note {r}")
            make_case(created_by=self.lead, title=f"Other proxy case {r}")
        cluster_update_for_accounts([a.pk for a in self.accounts])

    def url(self, page: str) -> str:
        first = self.accounts[0]
        return page.format(
            number=self.case.number,
            account=first.pk,
            cluster=first.cluster_membership.cluster_id,
        )


@pytest.fixture
def world(lena, alice, evidence_dir):
    w = World(lena, alice)
    w.grow(2)
    return w


def _queries(client, url: str) -> int:
    client.get(url)  # caches, sessions and the like settle first
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_asks_as_many_queries_with_five_times_the_data(client, alice, world, page):
    client.force_login(alice)
    small = _queries(client, world.url(page))
    world.grow(8)
    large = _queries(client, world.url(page))
    assert large == small, f"{page}: {small} queries with 2 of each, {large} with 10"
