"""The side panel offers the moves this case can make now, says what a refused one lacks,
opens the move forward by default, and keeps what was typed after a refusal; actions confirm."""

from django.urls import reverse

from tests.helpers import add_evidence, finished_export, force_state, link_account


def _actions(client, case):
    return client.get(reverse("cases:detail", args=[case.number])).context["actions"]


def _offered(client, case) -> list[str]:
    return [m["value"] for m in _actions(client, case)["moves"]]


def test_enforcement_is_not_offered_without_a_linked_account(client, alice, case):
    force_state(case, "investigating")
    client.force_login(alice)
    actions = _actions(client, case)
    assert [m["value"] for m in actions["moves"]] == []
    assert actions["blocked_moves"] == [
        {"label": "Enforcement", "why": "Link at least one account first (Accounts tab)."}
    ]


def test_enforcement_is_offered_once_an_account_is_linked_without_a_stale_hint(client, alice, case):
    force_state(case, "investigating")
    link_account(case, alice)
    client.force_login(alice)
    actions = _actions(client, case)
    assert [m["value"] for m in actions["moves"]] == ["enforcement"]
    assert actions["blocked_moves"] == []
    assert (
        "Link at least one account"
        not in client.get(reverse("cases:detail", args=[case.number])).content.decode()
    )


def test_legal_review_waits_for_evidence(client, alice, case):
    force_state(case, "enforcement")
    client.force_login(alice)
    assert _offered(client, case) == []
    add_evidence(case, alice)
    assert _offered(client, case) == ["legal_review"]


def test_legal_opens_referred_by_default_once_a_bundle_exists(client, larry, case):
    force_state(case, "legal_review")
    client.force_login(larry)
    actions = _actions(client, case)
    assert [m["value"] for m in actions["moves"]] == ["investigating"]
    assert actions["blocked_moves"][0]["label"] == "Referred"
    assert not actions["moves"][0]["open"]
    finished_export(case, larry)
    moves = _actions(client, case)["moves"]
    assert [(m["value"], m["open"]) for m in moves] == [
        ("investigating", False),
        ("referred", True),
    ]


def test_a_refused_move_comes_back_with_its_reason(client, alice, case):
    client.force_login(alice)
    response = client.post(
        reverse("cases:transition", args=[case.number]),
        {"to_state": "triage", "expected_state": "investigating", "reason": "Burst confirmed."},
        follow=True,
    )
    page = response.content.decode()
    assert "someone moved it meanwhile" in page
    assert '<textarea id="why-triage" name="reason">Burst confirmed.</textarea>' in page
    again = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Burst confirmed." not in again


def test_adding_a_member_is_confirmed(client, lena, alice, case):
    client.force_login(lena)
    response = client.post(
        reverse("cases:members", args=[case.number]), {"member": "alice"}, follow=True
    )
    assert f"alice is now a member of {case.number}." in response.content.decode()
