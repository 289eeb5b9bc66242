from core.csp import POLICY


def test_pages_carry_the_policy(client, alice):
    client.force_login(alice)
    assert client.get("/cases/")["Content-Security-Policy"] == POLICY


def test_only_the_api_docs_allow_inline_styles_and_never_inline_scripts(client, alice):
    client.force_login(alice)
    policy = client.get("/api/docs/")["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy


def test_a_views_own_stricter_policy_is_kept(client, alice, case):
    from tests.helpers import add_evidence
    from tests.security.conftest import PNG

    item = add_evidence(case, alice, PNG, "shot.png")
    client.force_login(alice)
    response = client.get(f"/cases/{case.number}/evidence/{item.pk}/image")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
