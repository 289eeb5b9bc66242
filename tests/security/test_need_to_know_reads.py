"""Need-to-know, round two: a restricted case's number does not leak through another case's
duplicate_of, and every way a member reads restricted material is on its audit trail, once
per person and window rather than once per request."""

import pytest
from django.urls import reverse

from cases.models import CaseEvent, CaseMember
from cases.services import case_restrict, case_transition
from tests.factories import make_case
from tests.helpers import add_evidence


def _closed_as_duplicate_of(survivor, *, lead, creator):
    dup = make_case(created_by=creator, title="Same campaign, second report")
    case_transition(
        case=dup,
        user=lead,
        to_state="closed",
        resolution="duplicate",
        closing_summary="Reported twice.",
        duplicate_of=survivor,
    )
    return dup


@pytest.fixture
def duplicate(lena, alice, oscar, restricted_case):
    """An open case closed as a duplicate of the restricted one (lena is a member of both)."""
    CaseMember.objects.get_or_create(case=restricted_case, user=lena)
    return _closed_as_duplicate_of(restricted_case, lead=lena, creator=alice)


def test_an_outsider_does_not_see_the_restricted_survivor_on_the_page(
    client, oscar, duplicate, restricted_case
):
    client.force_login(oscar)
    page = client.get(reverse("cases:detail", args=[duplicate.number])).content.decode()
    assert restricted_case.number not in page


def test_an_outsider_does_not_see_the_restricted_survivor_in_the_events(
    client, oscar, duplicate, restricted_case
):
    client.force_login(oscar)
    body = client.get(f"/api/v1/cases/{duplicate.number}/events").content.decode()
    assert restricted_case.number not in body
    assert "(a restricted case)" in body


def test_a_survivor_restricted_later_is_hidden_too(client, oscar, lena, alice):
    survivor = make_case(created_by=alice, title="Survivor")
    dup = _closed_as_duplicate_of(survivor, lead=lena, creator=alice)
    CaseMember.objects.get_or_create(case=survivor, user=lena)
    case_restrict(case=survivor, user=lena, restricted=True)
    client.force_login(oscar)
    assert (
        survivor.number
        not in client.get(reverse("cases:detail", args=[dup.number])).content.decode()
    )
    assert survivor.number not in client.get(f"/api/v1/cases/{dup.number}/events").content.decode()


def test_a_member_sees_the_survivor(client, lena, duplicate, restricted_case):
    client.force_login(lena)
    page = client.get(reverse("cases:detail", args=[duplicate.number])).content.decode()
    assert "Duplicate of <a href" in page and restricted_case.number in page
    body = client.get(f"/api/v1/cases/{duplicate.number}/events").json()
    closed = [e for e in body if e["data"].get("duplicate_of")]
    assert closed[0]["data"]["duplicate_of"] == restricted_case.number


def _views(case, user) -> int:
    return CaseEvent.objects.filter(case=case, kind="case.viewed", actor=user).count()


def _reads(case, alice) -> dict:
    item = add_evidence(case, alice)
    n = case.number
    return {
        "timeline fragment": (reverse("cases:detail", args=[n]), {"tab": "timeline"}, True),
        "api events": (f"/api/v1/cases/{n}/events", {}, False),
        "api accounts": (f"/api/v1/cases/{n}/accounts", {}, False),
        "api graph": (f"/api/v1/cases/{n}/graph", {}, False),
        "api similar": (f"/api/v1/cases/{n}/similar", {}, False),
        "evidence preview": (reverse("cases:evidence_preview", args=[n, item.pk]), {}, False),
        "accounts page": (reverse("accounts:case_accounts", args=[n]), {}, False),
        "graph.json": (reverse("accounts:case_graph_json", args=[n]), {}, False),
    }


READS = [
    "timeline fragment",
    "api events",
    "api accounts",
    "api graph",
    "api similar",
    "evidence preview",
    "accounts page",
    "graph.json",
]


@pytest.mark.parametrize("read", READS)
def test_each_read_of_restricted_material_is_audited(client, alice, restricted_case, read):
    url, params, htmx = _reads(restricted_case, alice)[read]
    client.force_login(alice)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    assert client.get(url, params, **headers).status_code == 200
    assert _views(restricted_case, alice) == 1


def test_reads_within_the_window_write_one_event(client, alice, restricted_case):
    client.force_login(alice)
    for url, params, _ in _reads(restricted_case, alice).values():
        client.get(url, params)
    assert _views(restricted_case, alice) == 1


def test_a_read_after_the_window_writes_another(client, alice, restricted_case, settings):
    client.force_login(alice)
    client.get(f"/api/v1/cases/{restricted_case.number}/events")
    settings.QUARRY_CASE_VIEW_COALESCE_SECONDS = 0
    client.get(f"/api/v1/cases/{restricted_case.number}/events")
    assert _views(restricted_case, alice) == 2


def test_each_person_s_reads_are_recorded(client, alice, lena, restricted_case):
    CaseMember.objects.get_or_create(case=restricted_case, user=lena)
    for user in (alice, lena):
        client.force_login(user)
        client.get(f"/api/v1/cases/{restricted_case.number}/graph")
    assert _views(restricted_case, alice) == 1 and _views(restricted_case, lena) == 1


def test_reads_of_an_open_case_write_nothing(client, alice, case):
    client.force_login(alice)
    client.get(f"/api/v1/cases/{case.number}/events")
    assert not CaseEvent.objects.filter(case=case, kind="case.viewed").exists()


def test_the_event_says_how_the_case_was_read(client, alice, restricted_case):
    client.force_login(alice)
    client.get(f"/api/v1/cases/{restricted_case.number}/similar")
    event = CaseEvent.objects.get(case=restricted_case, kind="case.viewed")
    assert event.data == {"via": "api similar"}
