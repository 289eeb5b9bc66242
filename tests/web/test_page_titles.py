"""Each page's title names what it shows; every page names its icon."""

import re

import pytest

from tests.factories import make_case


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def test_a_case_page_is_titled_with_its_number_title_and_tab(signed_in, alice):
    case = make_case(created_by=alice, title="Hydra proxy cluster")
    response = signed_in.get(f"/cases/{case.number}/?tab=evidence")
    assert _title(response) == f"{case.number} Hydra proxy cluster · Evidence · Quarry"


def test_the_queue_is_titled_with_the_queue_shown(signed_in):
    assert _title(signed_in.get("/cases/?queue=closed")) == "Closed · Cases · Quarry"
    assert _title(signed_in.get("/cases/")) == "All open · Cases · Quarry"


def test_pages_name_an_icon_and_the_old_address_leads_to_it(signed_in):
    assert 'rel="icon" href="/static/quarry/favicon.svg"' in signed_in.get("/").content.decode()
    response = signed_in.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/quarry/favicon.svg"


def test_no_template_comment_leaks_into_a_page(signed_in):
    """Django's {# #} comments are one line only; a longer one would render as text."""
    body = signed_in.get("/").content.decode()
    assert "{#" not in body and "#}" not in body
