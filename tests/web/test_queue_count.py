"""The queue's "N cases" costs the same however many cases match (issue 17): a first page that
holds the whole queue is its count; a queue the planner expects to hold many times the cap is
"cap+" without reading its matches; only in between is it counted, and then no further than
the cap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_case
from web import queue


def _counted(client, **params) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("cases:queue"), params)
    assert response.status_code == 200
    counts = [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(" in q["sql"].upper() and "cases_case" in q["sql"]
    ]
    return response, counts


def _hydra_cases(alice, n: int) -> None:
    for i in range(n):
        make_case(created_by=alice, title=f"Hydra proxy cluster {i}", severity="critical")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")


@pytest.fixture
def small_caps(monkeypatch):
    """Pages of 2 and a cap of 3: the estimate margin (10x) is then 30 cases."""
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    monkeypatch.setattr(queue, "COUNT_CAP", 3)


def test_a_queue_that_fits_its_first_page_is_counted_from_it(client, alice):
    _hydra_cases(alice, 3)
    client.force_login(alice)
    response, counts = _counted(client, queue="all", q="hydra")
    page = response.context["page"]
    assert (page.total, page.total_capped, len(page.cases)) == (3, False, 3)
    assert counts == []


def test_a_queue_expected_far_past_the_cap_is_not_counted(client, alice, monkeypatch):
    # A cap of 1 puts the margin at 10 cases. The whole queue, not a search: PostgreSQL 15
    # estimates a full-text match of a 60-row table at 1 row (18 at 60), so only the queue's
    # own rows are expected past the margin on every version Quarry supports.
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    monkeypatch.setattr(queue, "COUNT_CAP", 1)
    _hydra_cases(alice, 60)
    client.force_login(alice)
    response, counts = _counted(client, queue="all")
    page = response.context["page"]
    assert (page.total, page.total_capped) == (1, True)
    assert counts == [], "the queue read every match to count them"
    assert b"1+ case" in response.content


@pytest.mark.parametrize("n, shown", [(3, (3, False)), (7, (3, True))])
def test_between_the_page_and_the_margin_the_count_is_exact_to_the_cap(
    client, alice, small_caps, n, shown
):
    _hydra_cases(alice, n)
    client.force_login(alice)
    response, counts = _counted(client, queue="all", q="hydra")
    page = response.context["page"]
    assert (page.total, page.total_capped) == shown
    assert len(counts) == 1 and "LIMIT 4" in counts[0]


def test_a_later_page_says_the_same_count(client, alice, small_caps):
    _hydra_cases(alice, 3)
    client.force_login(alice)
    first = _counted(client, queue="all", q="hydra")[0].context["page"]
    later = _counted(client, queue="all", q="hydra", after=first.next_cursor)[0].context["page"]
    assert (later.total, later.total_capped) == (first.total, first.total_capped) == (3, False)
    assert len(later.cases) == 1
