"""A signal row opens the signal: summary, observables, raw payload (pretty, escaped), accounts."""

from tests.factories import AccountFactory, SignalFactory, make_case

from .conftest import XSS


def _signal(case):
    signal = SignalFactory(
        case=case,
        summary="Reasoning-trace coercion",
        observables=[{"type": "ip", "value": "198.51.100.7"}],
        payload={"classifier": "cot-v3", "note": XSS},
    )
    signal.accounts.add(AccountFactory(external_id="acct-cot-1"))
    return signal


def test_the_page_shows_everything_and_escapes_the_payload(client, alice, case):
    signal = _signal(case)
    client.force_login(alice)
    page = client.get(f"/cases/{case.number}/signals/{signal.pk}").content.decode()
    assert "Reasoning-trace coercion" in page and "acct-cot-1" in page
    assert "198.51.100.7" in page and '"classifier": "cot-v3"' in page.replace("&quot;", '"')
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_the_signals_tab_links_each_row(client, alice, case):
    signal = _signal(case)
    client.force_login(alice)
    page = client.get(f"/cases/{case.number}/?tab=signals").content.decode()
    assert f"/cases/{case.number}/signals/{signal.pk}" in page


def test_a_signal_of_another_case_is_not_found(client, alice, case):
    other = _signal(make_case(created_by=alice, title="Other"))
    client.force_login(alice)
    assert client.get(f"/cases/{case.number}/signals/{other.pk}").status_code == 404
    assert client.get(f"/api/v1/cases/{case.number}/signals/{other.pk}").status_code == 404


def test_the_api_gives_the_signal(client, alice, case):
    signal = _signal(case)
    client.force_login(alice)
    body = client.get(f"/api/v1/cases/{case.number}/signals/{signal.pk}").json()
    assert body["payload"]["classifier"] == "cot-v3" and body["accounts"] == ["acct-cot-1"]
    assert body["observables"][0]["value"] == "198.51.100.7"


def test_an_outsider_gets_404_on_a_restricted_cases_signal(client, oscar, restricted_case):
    signal = _signal(restricted_case)
    client.force_login(oscar)
    assert client.get(f"/cases/{restricted_case.number}/signals/{signal.pk}").status_code == 404
