"""Input no view can use is refused with 400 naming the field, never a 500: NUL characters
(PostgreSQL cannot store them) and paging parameters that are no numbers or out of range."""

import pytest

from cases.models import CaseEvent
from tests.factories import make_case


@pytest.mark.parametrize(
    "url",
    [
        "/cases/{n}/accounts/?q=%00",
        "/cases/{n}/?tab=timeline&kind=%00",
        "/cases/{n}%00/",
        "/cases/?q=a%00b",
    ],
)
def test_a_nul_in_a_page_url_is_a_400(client, alice, case, url):
    client.force_login(alice)
    response = client.get(url.format(n=case.number))
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_in_an_api_path_is_a_json_400(client, alice, case):
    client.force_login(alice)
    response = client.get(f"/api/v1/cases/{case.number}%00")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_a_nul_in_a_query_parameter_names_it(client, alice):
    client.force_login(alice)
    response = client.get("/api/v1/cases?limit=1%00")
    assert response.status_code == 400 and response.json()["errors"] == {
        "limit": ["limit: must not contain a NUL character."]
    }


def test_a_nul_in_a_legal_hold_reason_changes_nothing(client, larry, case):
    client.force_login(larry)
    before = CaseEvent.objects.filter(case=case).count()
    response = client.post(
        f"/cases/{case.number}/legal-hold", {"hold": "1", "reason": "court order\x00"}
    )
    assert response.status_code == 400 and "reason" in response.content.decode()
    case.refresh_from_db()
    assert not case.legal_hold
    assert CaseEvent.objects.filter(case=case).count() == before


def test_a_nul_in_pasted_external_ids_changes_nothing(client, alice, case):
    client.force_login(alice)
    response = client.post(
        f"/cases/{case.number}/accounts/add", {"external_ids": "acct_1\x00\nacct_2"}
    )
    assert response.status_code == 400 and "external_ids" in response.content.decode()
    assert not case.case_accounts.exists()


@pytest.mark.parametrize("url", ["/api/v1/cases", "/api/v1/cases/{n}/accounts"])
@pytest.mark.parametrize(
    "limit", ["99999999999999999999999", "-1", "0", "abc", "1.5", "100000", "１"]
)
def test_a_limit_out_of_range_is_a_400_naming_it(client, alice, case, url, limit):
    client.force_login(alice)
    response = client.get(url.format(n=case.number), {"limit": limit})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["field"] == "limit" and "limit" in body["errors"]


def test_an_offset_out_of_range_is_a_400_naming_it(client, alice):
    client.force_login(alice)
    response = client.get("/api/v1/cases", {"offset": "99999999999999999999999"})
    assert response.status_code == 400 and response.json()["field"] == "offset"


def test_the_largest_limit_pages(client, alice, settings):
    settings.QUARRY_API_MAX_LIMIT = 2
    for _ in range(3):
        make_case(created_by=alice)
    client.force_login(alice)
    body = client.get("/api/v1/cases", {"limit": "2"}).json()
    assert len(body["results"]) == 2 and body["count"] == 3 and body["next"]
    assert client.get("/api/v1/cases", {"limit": "3"}).status_code == 400


def test_an_unknown_api_url_is_a_json_404(client, larry, case):
    client.force_login(larry)
    for url in [f"/api/v1/cases/{case.number}/exports/-1/download", "/api/v1/nowhere"]:
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}
