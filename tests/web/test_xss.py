"""Every user-controlled string is rendered inert: escaped text, or sanitised Markdown."""

from django.urls import reverse

from accounts.models import CaseAccount
from cases.services import case_comment_add, case_transition
from tests.factories import AccountFactory, make_case
from tests.helpers import add_evidence

from .conftest import XSS

LIVE = ["<script>alert", "<img src=x"]


def _inert(html: str) -> bool:
    return not any(marker in html for marker in LIVE)


def _xss_case(lena, signals_on):
    case = make_case(
        created_by=lena,
        title=XSS,
        summary=XSS,
        suspected_actor=XSS,
        tags=["<b>t</b>", '"><script>alert(1)</script>'],
    )
    case_comment_add(case=case, user=lena, body=XSS)
    add_evidence(case, lena, content=XSS.encode(), name=XSS + ".txt")
    CaseAccount.objects.create(case=case, account=AccountFactory(external_id=XSS[:150]))
    signals_on(case, 1, summary=XSS)
    case_transition(case=case, user=lena, to_state="triage", reason=XSS)
    return case


def test_the_case_page_and_every_tab_render_payloads_inert(client, lena, signals_on):
    case = _xss_case(lena, signals_on)
    client.force_login(lena)
    for tab in ["overview", "timeline", "evidence", "accounts", "signals", "notes", "exports"]:
        html = client.get(reverse("cases:detail", args=[case.number]), {"tab": tab})
        assert _inert(html.content.decode()), tab


def test_the_queue_renders_payloads_inert(client, lena, signals_on):
    _xss_case(lena, signals_on)
    client.force_login(lena)
    html = client.get(reverse("cases:queue"), {"q": XSS, "tag": XSS, "actor": XSS})
    assert _inert(html.content.decode())
    assert _inert(client.get(reverse("cases:queue")).content.decode())


def test_the_evidence_preview_renders_payloads_inert(client, lena, signals_on):
    case = _xss_case(lena, signals_on)
    item = case.evidence_items.get()
    client.force_login(lena)
    html = client.get(reverse("cases:evidence_preview", args=[case.number, item.pk]))
    assert _inert(html.content.decode())


def test_the_dashboard_renders_payloads_inert(client, lena, signals_on):
    case = _xss_case(lena, signals_on)
    CaseAccount.objects.create(
        case=make_case(created_by=lena), account=case.case_accounts.get().account
    )
    client.force_login(lena)
    html = client.get(reverse("dashboard")).content.decode()
    assert XSS[:20] not in html and _inert(html)


def test_a_payload_username_on_the_sign_in_form_is_escaped(client, db):
    html = client.post(reverse("login"), {"username": XSS, "password": "x"}).content.decode()
    assert _inert(html)
