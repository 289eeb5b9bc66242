from datetime import timedelta

from django.urls import reverse

from accounts.models import CaseAccount
from cases.models import Case
from cases.services import case_assign, case_comment_add
from tests.factories import AccountFactory, make_case
from tests.helpers import add_evidence, force_state


def _numbers(response) -> set[str]:
    return {c.number for c in response.context["page"].cases}


def _queue(client, **params):
    return client.get(reverse("cases:queue"), params)


def test_the_default_queue_lists_open_cases_only(client, alice):
    open_case = make_case(created_by=alice, title="Open one")
    closed = force_state(make_case(created_by=alice, title="Closed one"), "closed")
    client.force_login(alice)
    numbers = _numbers(_queue(client))
    assert open_case.number in numbers and closed.number not in numbers


def test_my_cases_are_the_open_cases_assigned_to_me(client, alice, lena):
    mine = make_case(created_by=lena)
    case_assign(case=mine, user=lena, assignee=alice)
    other = make_case(created_by=lena)
    client.force_login(alice)
    assert _numbers(_queue(client, queue="mine")) == {mine.number} - {other.number}


def test_unassigned_new_excludes_assigned_cases(client, alice, lena):
    free = make_case(created_by=lena)
    taken = make_case(created_by=lena)
    case_assign(case=taken, user=lena, assignee=alice)
    client.force_login(alice)
    assert _numbers(_queue(client, queue="unassigned")) == {free.number}


def test_the_closed_queue_lists_closed_cases(client, alice):
    make_case(created_by=alice)
    closed = force_state(make_case(created_by=alice), "closed")
    client.force_login(alice)
    assert _numbers(_queue(client, queue="closed")) == {closed.number}


def test_filters_combine(client, alice):
    hit = make_case(created_by=alice, severity="critical", tags=["hydra"], suspected_actor="Acme")
    make_case(created_by=alice, severity="critical", tags=["other"], suspected_actor="Acme")
    make_case(created_by=alice, severity="low", tags=["hydra"], suspected_actor="Acme")
    client.force_login(alice)
    response = _queue(client, severity="critical", tag="hydra", actor="acm")
    assert _numbers(response) == {hit.number}


def test_the_detector_filter_keeps_cases_with_its_signals(client, alice, signals_on):
    flagged = make_case(created_by=alice)
    make_case(created_by=alice)
    signals_on(flagged, 2)
    detector = flagged.signals.first().detector
    client.force_login(alice)
    assert _numbers(_queue(client, detector=detector.pk)) == {flagged.number}


def test_the_date_filter_bounds_the_opening_date(client, alice):
    old = make_case(created_by=alice)
    Case.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(days=40))
    recent = make_case(created_by=alice)
    client.force_login(alice)
    since = (recent.created_at - timedelta(days=1)).date().isoformat()
    assert _numbers(_queue(client, created_from=since)) == {recent.number}


def test_an_invalid_filter_value_keeps_the_other_filters(client, alice):
    hit = make_case(created_by=alice, severity="high")
    make_case(created_by=alice, severity="low")
    client.force_login(alice)
    response = _queue(client, severity="high", created_from="not-a-date")
    assert response.status_code == 200 and _numbers(response) == {hit.number}


def test_sorting_oldest_first(client, alice):
    first = make_case(created_by=alice)
    second = make_case(created_by=alice)
    client.force_login(alice)
    cases = _queue(client, sort="oldest").context["page"].cases
    assert [c.number for c in cases] == [first.number, second.number]


def test_keyset_pages_cover_every_case_once(client, alice, settings):
    import web.queue as queue_module

    numbers = {make_case(created_by=alice, title=f"Case {i}").number for i in range(7)}
    client.force_login(alice)
    original = queue_module.PAGE_SIZE
    queue_module.PAGE_SIZE = 3
    try:
        seen, params = [], {}
        while True:
            page = _queue(client, **params).context["page"]
            seen += [c.number for c in page.cases]
            if not page.next_cursor:
                break
            params = {"after": page.next_cursor}
        back = _queue(client, before=page.prev_cursor).context["page"]
    finally:
        queue_module.PAGE_SIZE = original
    assert sorted(seen) == sorted(numbers) and len(seen) == 7
    assert [c.number for c in back.cases] == seen[3:6]


def test_an_htmx_request_gets_only_the_results_fragment(client, alice, case):
    client.force_login(alice)
    full = _queue(client).content.decode()
    fragment = client.get(reverse("cases:queue"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full and 'id="results"' in full
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="results">')
    assert case.number in fragment


def test_an_htmx_history_restore_gets_the_whole_page(client, alice, case):
    client.force_login(alice)
    response = client.get(
        reverse("cases:queue"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_the_filter_form_pushes_its_url(client, alice):
    client.force_login(alice)
    page = _queue(client).content.decode()
    assert 'hx-push-url="true"' in page


def test_restricted_cases_stay_out_of_an_outsiders_queue_and_search(client, oscar, restricted_case):
    client.force_login(oscar)
    assert restricted_case.number not in _numbers(_queue(client, q="exfiltration", queue="all"))


class TestSearch:
    def test_finds_words_of_the_title_by_stem(self, client, alice):
        hit = make_case(created_by=alice, title="Proxies harvesting reasoning traces")
        make_case(created_by=alice, title="Resold keys")
        client.force_login(alice)
        assert _numbers(_queue(client, q="proxy")) == {hit.number}

    def test_finds_the_summary(self, client, alice):
        hit = make_case(created_by=alice, summary="Payments through a prepaid card farm")
        make_case(created_by=alice)
        client.force_login(alice)
        assert _numbers(_queue(client, q="prepaid")) == {hit.number}

    def test_finds_a_note_added_later(self, client, alice):
        hit = make_case(created_by=alice)
        make_case(created_by=alice)
        case_comment_add(case=hit, user=alice, body="Operator uses the handle zephyrine")
        client.force_login(alice)
        assert _numbers(_queue(client, q="zephyrine")) == {hit.number}

    def test_finds_an_evidence_description(self, client, alice):
        hit = make_case(created_by=alice)
        make_case(created_by=alice)
        from evidence.services import evidence_add

        evidence_add(
            case=hit,
            user=alice,
            chunks=[b"x"],
            original_name="a.txt",
            description="Invoice from quokkahost",
        )
        client.force_login(alice)
        assert _numbers(_queue(client, q="quokkahost")) == {hit.number}

    def test_finds_a_linked_accounts_external_id(self, client, alice):
        hit = make_case(created_by=alice)
        make_case(created_by=alice)
        CaseAccount.objects.create(case=hit, account=AccountFactory(external_id="org-77-acct"))
        client.force_login(alice)
        assert _numbers(_queue(client, q="org-77-acct")) == {hit.number}

    def test_finds_the_case_number(self, client, alice):
        hit = make_case(created_by=alice)
        make_case(created_by=alice)
        client.force_login(alice)
        assert _numbers(_queue(client, q=hit.number)) == {hit.number}

    def test_a_changed_title_is_searchable_and_the_old_one_is_not(self, client, alice):
        from cases.services import case_update

        hit = make_case(created_by=alice, title="Alpha campaign")
        case_update(case=hit, user=alice, title="Bravo campaign")
        client.force_login(alice)
        assert _numbers(_queue(client, q="bravo")) == {hit.number}
        assert _numbers(_queue(client, q="alpha")) == set()

    def test_excluded_words_exclude(self, client, alice):
        make_case(created_by=alice, title="Proxy cluster benign")
        hit = make_case(created_by=alice, title="Proxy cluster hostile")
        client.force_login(alice)
        assert _numbers(_queue(client, q="proxy -benign")) == {hit.number}

    def test_evidence_name_is_searchable(self, client, alice):
        hit = make_case(created_by=alice)
        add_evidence(hit, alice, name="stripe-export.csv")
        client.force_login(alice)
        assert hit.number in _numbers(_queue(client, q="stripe"))


class TestSearchAcrossConfigurations:
    """Issue 16: exclusions hold across tags and texts; joined file names match in part."""

    def test_an_excluded_word_in_the_summary_excludes_a_case_tagged_otherwise(self, client, alice):
        make_case(
            created_by=alice,
            title="Hydra campaign",
            summary="Traffic behind residential proxy exits.",
            tags=["distillation"],
        )
        hit = make_case(created_by=alice, title="Direct campaign", tags=["distillation"])
        client.force_login(alice)
        assert _numbers(_queue(client, q="distillation -proxy")) == {hit.number}

    def test_an_excluded_tag_excludes(self, client, alice):
        make_case(created_by=alice, title="Hydra campaign", tags=["distillation", "proxy"])
        hit = make_case(created_by=alice, title="Direct campaign", tags=["distillation"])
        client.force_login(alice)
        assert _numbers(_queue(client, q="distillation -proxy")) == {hit.number}

    def test_part_of_a_hyphenated_file_name_finds_it(self, client, alice):
        hit = make_case(created_by=alice)
        other = make_case(created_by=alice)
        add_evidence(hit, alice, b"1", name="api-gateway-2026-11.log")
        add_evidence(other, alice, b"2", name="gateway-api-notes.txt")
        add_evidence(other, alice, b"3", name="accounts_export.csv")
        client.force_login(alice)
        assert _numbers(_queue(client, q="api-gateway")) == {hit.number}
        assert _numbers(_queue(client, q="accounts-export")) == {other.number}
