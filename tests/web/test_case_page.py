import pytest
from django.urls import reverse

from cases.models import CaseEvent
from cases.services import case_comment_add
from tests.factories import DetectorFactory, SignalFactory
from tests.helpers import add_evidence


def _page(client, case, **params):
    return client.get(reverse("cases:detail", args=[case.number]), params)


@pytest.mark.parametrize(
    "tab", ["overview", "timeline", "evidence", "accounts", "signals", "notes", "exports"]
)
def test_every_tab_renders_as_a_page_and_as_a_fragment(client, alice, case, tab):
    client.force_login(alice)
    full = _page(client, case, tab=tab).content.decode()
    fragment = client.get(
        reverse("cases:detail", args=[case.number]), {"tab": tab}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" in full and 'id="panel"' in full and case.title in full
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="panel"')


def test_a_fragment_updates_the_tab_counters_out_of_band(client, alice, case):
    add_evidence(case, alice)
    client.force_login(alice)
    fragment = client.get(
        reverse("cases:detail", args=[case.number]), {"tab": "evidence"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert '<span class="count" id="count-evidence" hx-swap-oob="true">1</span>' in fragment


def test_an_unknown_tab_falls_back_to_the_overview(client, alice, case):
    client.force_login(alice)
    assert _page(client, case, tab="nope").context["tab"] == "overview"


def test_the_timeline_says_whether_the_chain_verifies(client, alice, case):
    client.force_login(alice)
    assert "Audit chain verifies" in _page(client, case, tab="timeline").content.decode()


def test_a_tampered_chain_shows_where_it_breaks(client, alice, case):
    from tests.database import as_superuser

    with as_superuser() as cursor:  # triggers off
        cursor.execute(
            'UPDATE cases_caseevent SET data = \'{"title": "forged"}\' WHERE case_id = %s',
            [case.pk],
        )
    client.force_login(alice)
    page = _page(client, case, tab="timeline").content.decode()
    assert "Chain broken at event 1" in page


def test_the_timeline_filters_by_kind(client, alice, case):
    case_comment_add(case=case, user=alice, body="first note")
    client.force_login(alice)
    events = _page(client, case, tab="timeline", kind="comment.added").context["events"]
    assert [e.kind for e in events] == ["comment.added"]


def test_an_investigator_is_offered_only_the_next_step(client, alice, case):
    client.force_login(alice)
    moves = [m["value"] for m in _page(client, case).context["actions"]["moves"]]
    assert moves == ["triage"]


def test_a_lead_is_offered_closing_with_what_it_needs(client, lena, case):
    client.force_login(lena)
    page = _page(client, case).content.decode()
    assert 'name="resolution"' in page and 'name="closing_summary"' in page
    assert 'name="duplicate_of"' in page
    assert "Move to closed" in page


def test_legal_is_offered_no_move_on_a_new_case(client, larry, case):
    client.force_login(larry)
    response = _page(client, case)
    assert response.context["actions"]["moves"] == []
    assert "Move the case" not in response.content.decode()


def test_only_a_lead_sees_assign_and_restrict(client, alice, lena, case):
    client.force_login(alice)
    assert "Lift restriction" not in _page(client, case).content.decode()
    assert f'action="/cases/{case.number}/assign"' not in _page(client, case).content.decode()
    client.force_login(lena)
    assert f'action="/cases/{case.number}/assign"' in _page(client, case).content.decode()


def test_the_header_shows_the_running_sla_clock(client, alice, case):
    client.force_login(alice)
    assert "Triage due" in _page(client, case).content.decode()


def test_viewing_a_restricted_case_is_audited_once_per_page_not_per_tab(
    client, alice, restricted_case
):
    client.force_login(alice)
    _page(client, restricted_case)
    client.get(
        reverse("cases:detail", args=[restricted_case.number]),
        {"tab": "notes"},
        HTTP_HX_REQUEST="true",
    )
    assert CaseEvent.objects.filter(case=restricted_case, kind="case.viewed").count() == 1


class TestSignals:
    def test_pages_through_signals_newest_first(self, client, alice, case, signals_on):
        signals_on(case, 60)
        client.force_login(alice)
        first = _page(client, case, tab="signals").context
        second = _page(client, case, tab="signals", after=first["signal_next"]).context
        ids = [s.pk for s in first["signals"]] + [s.pk for s in second["signals"]]
        assert len(first["signals"]) == 50 and len(second["signals"]) == 10
        assert len(set(ids)) == 60 and second["signal_next"] is None

    def test_filters_by_kind(self, client, alice, case, signals_on):
        signals_on(case, 3, kind="volume_anomaly")
        signals_on(case, 2, kind="cot_elicitation")
        client.force_login(alice)
        signals = _page(client, case, tab="signals", kind="cot_elicitation").context["signals"]
        assert {s.kind for s in signals} == {"cot_elicitation"} and len(signals) == 2

    def test_charts_volume_by_kind_per_day(self, client, alice, case, signals_on):
        signals_on(case, 3, kind="volume_anomaly")
        signals_on(case, 2, kind="cot_elicitation")
        client.force_login(alice)
        chart = _page(client, case, tab="signals").context["signal_chart"]
        totals = {t["kind"]: t["total"] for t in chart["totals"]}
        assert totals == {"Volume anomaly": 3, "Chain-of-thought elicitation": 2}

    def test_the_chart_follows_new_signals(self, client, alice, case, signals_on):
        signals_on(case, 3, kind="volume_anomaly")
        client.force_login(alice)
        _page(client, case, tab="signals")
        signals_on(case, 2, kind="cot_elicitation")
        chart = _page(client, case, tab="signals").context["signal_chart"]
        assert sum(t["total"] for t in chart["totals"]) == 5

    def test_the_detector_filter_offers_the_case_s_detectors_and_follows_new_ones(
        self, client, alice, case, signals_on
    ):
        signals_on(case, 2)
        client.force_login(alice)
        offered = _page(client, case, tab="signals").context["signal_detectors"]
        assert [name for _, name in offered] == ["volume-watch"]
        other = DetectorFactory(name="detector-b")
        SignalFactory(detector=other, external_id="b-1", case=case)
        # Kept under the case's signal count and newest id: a new signal shows its detector.
        offered = _page(client, case, tab="signals").context["signal_detectors"]
        assert [name for _, name in offered] == ["detector-b", "volume-watch"]
        filtered = _page(client, case, tab="signals", detector=str(other.pk)).context
        assert [s.external_id for s in filtered["signals"]] == ["b-1"]
        assert sum(t["total"] for t in filtered["signal_chart"]["totals"]) == 1


class TestActions:
    def test_a_lead_assigns(self, client, lena, alice, case):
        client.force_login(lena)
        client.post(reverse("cases:assign", args=[case.number]), {"assignee": "alice"})
        case.refresh_from_db()
        assert case.assignee == alice

    def test_an_investigator_cannot_assign(self, client, alice, case):
        client.force_login(alice)
        client.post(reverse("cases:assign", args=[case.number]), {"assignee": "alice"})
        case.refresh_from_db()
        assert case.assignee is None

    def test_an_investigator_tags(self, client, alice, case):
        client.force_login(alice)
        client.post(reverse("cases:tags", args=[case.number]), {"tags": "Hydra, proxy"})
        case.refresh_from_db()
        assert case.tags == ["hydra", "proxy"]

    def test_legal_cannot_tag(self, client, larry, case):
        client.force_login(larry)
        client.post(reverse("cases:tags", args=[case.number]), {"tags": "x"})
        case.refresh_from_db()
        assert case.tags == []

    def test_a_lead_adds_a_member_who_then_sees_the_restricted_case(
        self, client, lena, oscar, restricted_case
    ):
        client.force_login(lena)
        client.post(reverse("cases:members", args=[restricted_case.number]), {"member": "oscar"})
        client.force_login(oscar)
        assert _page(client, restricted_case).status_code == 200

    def test_a_lead_restricts_and_an_outsider_then_gets_404(self, client, lena, oscar, case):
        client.force_login(lena)
        client.post(reverse("cases:restrict", args=[case.number]), {"restricted": "on"})
        client.force_login(oscar)
        assert _page(client, case).status_code == 404

    def test_a_note_is_rendered_as_sanitised_markdown(self, client, alice, case):
        client.force_login(alice)
        client.post(
            reverse("cases:comment", args=[case.number]),
            {"body": "**bold** [x](javascript:alert(1)) <script>alert(2)</script>"},
        )
        page = _page(client, case, tab="notes").content.decode()
        assert "<strong>bold</strong>" in page
        assert "javascript:" not in page and "<script>alert(2)" not in page

    def test_moving_a_case_grows_the_timeline(self, client, alice, case):
        client.force_login(alice)
        client.post(
            reverse("cases:transition", args=[case.number]),
            {"to_state": "triage", "expected_state": "new", "reason": "looks real"},
        )
        events = _page(client, case, tab="timeline").context["events"]
        assert events[0].kind == "case.transition" and events[0].data["reason"] == "looks real"


ACTION_POSTS = [
    ("cases:transition", {"to_state": "triage", "expected_state": "new"}),
    ("cases:comment", {"body": "hello"}),
    ("cases:assign", {"assignee": ""}),
    ("cases:tags", {"tags": "a"}),
    ("cases:members", {"member": "alice"}),
    ("cases:restrict", {"restricted": "on"}),
    ("cases:evidence_upload", {}),
]


@pytest.mark.parametrize("name,data", ACTION_POSTS)
def test_an_outsider_gets_404_from_every_action_on_a_restricted_case(
    client, oscar, restricted_case, name, data
):
    client.force_login(oscar)
    response = client.post(reverse(name, args=[restricted_case.number]), data)
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["cases:evidence_preview", "cases:evidence_download"])
def test_an_outsider_gets_404_from_restricted_evidence(client, alice, oscar, restricted_case, name):
    item = add_evidence(restricted_case, alice)
    client.force_login(oscar)
    assert client.get(reverse(name, args=[restricted_case.number, item.pk])).status_code == 404


@pytest.mark.parametrize("name", ACTION_POSTS)
def test_actions_refuse_get(client, alice, case, name):
    client.force_login(alice)
    assert client.get(reverse(name[0], args=[case.number])).status_code == 405


def test_a_user_without_a_role_sees_no_queue_rows(client, case, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="norole"))
    assert list(client.get(reverse("cases:queue")).context["page"].cases) == []


def test_tags_of_a_closed_case_are_refused_as_read_only(client, alice, case):
    from tests.helpers import force_state

    force_state(case, "closed")
    client.force_login(alice)
    response = client.post(reverse("cases:tags", args=[case.number]), {"tags": "late"}, follow=True)
    assert "read-only" in response.content.decode()
    case.refresh_from_db()
    assert case.tags == []
