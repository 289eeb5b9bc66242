import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.services import legal_hold_lift, legal_hold_place
from core.errors import PermissionDenied
from evidence.models import Evidence
from tests.database import as_superuser


def _bare_evidence(case, user) -> Evidence:
    """An evidence row with no custody log, so that only the hold can stop its deletion."""
    return Evidence.objects.create(
        case=case,
        sha256="a" * 64,
        sha512="b" * 128,
        size=1,
        content_type="text/plain",
        original_name="x.txt",
        collected_at=timezone.now(),
        collected_by=user.username,
        uploaded_by=user,
    )


def test_legal_places_and_lifts_a_hold_on_the_audit_trail(case, larry):
    legal_hold_place(case=case, user=larry, reason="litigation expected")
    case.refresh_from_db()
    assert case.legal_hold
    legal_hold_lift(case=case, user=larry)
    case.refresh_from_db()
    assert not case.legal_hold
    events = list(case.events.filter(kind__startswith="case.legal_hold").values("kind", "data"))
    assert events == [
        {"kind": "case.legal_hold_placed", "data": {"reason": "litigation expected"}},
        {"kind": "case.legal_hold_lifted", "data": {"reason": ""}},
    ]


def test_only_legal_places_a_hold(case, lena):
    with pytest.raises(PermissionDenied):
        legal_hold_place(case=case, user=lena)
    case.refresh_from_db()
    assert not case.legal_hold


def test_evidence_under_hold_cannot_be_deleted(case, alice, larry):
    item = _bare_evidence(case, alice)
    legal_hold_place(case=case, user=larry)
    # The app's login may never delete evidence; the owner's is stopped by the hold.
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        Evidence.objects.filter(pk=item.pk).delete()
    with (
        pytest.raises(DatabaseError, match="legal hold"),
        as_superuser(triggers=True) as cursor,
    ):
        cursor.execute("DELETE FROM evidence_evidence WHERE id = %s", [item.pk])
    assert Evidence.objects.filter(pk=item.pk).exists()


def test_evidence_without_hold_can_be_deleted_by_the_owner_only(case, alice):
    item = _bare_evidence(case, alice)
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        Evidence.objects.filter(pk=item.pk).delete()
    with as_superuser(triggers=True) as cursor:
        cursor.execute("DELETE FROM evidence_evidence WHERE id = %s", [item.pk])
    assert not Evidence.objects.filter(pk=item.pk).exists()


def test_a_case_under_hold_cannot_be_purged(case, larry):
    legal_hold_place(case=case, user=larry)
    # Raw SQL, as a purge script would run it: the hold is checked before anything else.
    with (
        pytest.raises(DatabaseError, match="legal hold"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM cases_case WHERE id = %s", [case.pk])
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_case_page_shows_the_hold_and_lets_legal_lift_it(client, case, larry):
    legal_hold_place(case=case, user=larry)
    client.force_login(larry)
    header = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert '<span class="badge sev-critical">legal hold</span>' in header
    url = reverse("cases:detail", args=[case.number]) + "?tab=exports"
    page = client.get(url).content.decode()
    assert "evidence cannot be deleted" in page
    assert "Lift legal hold" in page
    client.post(reverse("exports:legal_hold", args=[case.number]), {"hold": "0"})
    case.refresh_from_db()
    assert not case.legal_hold
