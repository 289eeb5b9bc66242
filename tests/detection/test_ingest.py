"""POST /api/v1/signals: batches, idempotence, per-item reports, bad input."""

import json

import pytest

from accounts.models import Account, AccountAttribute
from detection.models import Signal, SignalAccount
from detection.validation import MAX_BATCH

from .conftest import signal_json


def test_one_signal_is_stored_with_its_accounts(post_signals, prada):
    response = post_signals(signal_json(7), prada.token)
    assert response.status_code == 201
    assert response.json()["created"] == 1
    signal = Signal.objects.get(detector=prada, external_id="sig-000007")
    assert (signal.kind, signal.severity, signal.confidence) == ("cot_elicitation", "high", 90)
    assert signal.payload == {"classifier": "cot-v3", "score": 0.91}
    assert sorted(signal.accounts.values_list("external_id", flat=True)) == [
        "acct-a-7",
        "acct-b-7",
    ]


def test_accounts_are_upserted_with_their_attributes(post_signals, prada):
    post_signals(signal_json(1), prada.token)
    account = Account.objects.get(external_id="acct-a-1")
    assert account.email == "a1@northwind-mail.example"
    assert set(account.attributes.values_list("type", "value")) == {
        ("payment_fingerprint", "pf-1"),
        ("device_fingerprint", "dv-a-1"),
        ("ip", "198.51.100.7"),
    }


def test_a_later_signal_adds_new_attributes_to_a_known_account(post_signals, prada):
    post_signals(signal_json(1), prada.token)
    later = signal_json(2)
    later["accounts"][0]["external_id"] = "acct-a-1"
    post_signals(later, prada.token)
    assert Account.objects.filter(external_id="acct-a-1").count() == 1
    values = set(
        AccountAttribute.objects.filter(account__external_id="acct-a-1").values_list(
            "value", flat=True
        )
    )
    assert {"pf-1", "pf-2"} <= values


def test_sending_a_batch_again_reports_duplicates_and_stores_nothing_more(post_signals, prada):
    batch = [signal_json(n) for n in range(20)]
    assert post_signals(batch, prada.token).json()["created"] == 20
    again = post_signals({"signals": batch}, prada.token)
    assert again.status_code == 200
    assert again.json()["duplicate"] == 20 and again.json()["created"] == 0
    assert Signal.objects.filter(detector=prada).count() == 20
    assert SignalAccount.objects.count() == 40


def test_the_same_id_twice_in_one_batch_is_stored_once(post_signals, prada):
    report = post_signals([signal_json(1), signal_json(1)], prada.token).json()
    assert [i["status"] for i in report["items"]] == ["created", "duplicate"]
    assert Signal.objects.count() == 1


def test_valid_items_are_stored_beside_rejected_ones(post_signals, prada):
    batch = [signal_json(0), signal_json(1, confidence=101), signal_json(2)]
    response = post_signals(batch, prada.token)
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["rejected"]) == (2, 1)
    assert [(i["index"], i["status"]) for i in body["items"]] == [
        (0, "created"),
        (1, "rejected"),
        (2, "created"),
    ]
    assert body["items"][1] == {
        "index": 1,
        "external_id": "sig-000001",
        "status": "rejected",
        "errors": [{"field": "confidence", "message": "Must be an integer from 0 to 100."}],
    }
    assert set(Signal.objects.values_list("external_id", flat=True)) == {"sig-000000", "sig-000002"}


def test_a_rejected_item_writes_nothing_not_even_its_accounts(post_signals, prada):
    bad = signal_json(5, kind="telepathy")
    response = post_signals([bad], prada.token)
    assert response.status_code == 422
    assert not Account.objects.filter(external_id__in=["acct-a-5", "acct-b-5"]).exists()
    assert not Signal.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "telepathy"}, "kind"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"confidence": -1}, "confidence"),
        ({"confidence": "high"}, "confidence"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 201}, "external_id"),
        ({"observed_at": "yesterday"}, "observed_at"),
        ({"observed_at": "2026-11-27T08:59:12"}, "observed_at"),
        ({"payload": ["not", "an", "object"]}, "payload"),
        ({"payload": {"text": "nul\u0000byte"}}, "payload"),
        (
            {
                "accounts": [
                    {"external_id": "a", "attributes": [{"type": "shoe_size", "value": "9"}]}
                ]
            },
            "accounts[0].attributes[0].type",
        ),
        ({"accounts": [{"name": "no id"}]}, "accounts[0].external_id"),
    ],
)
def test_a_bad_field_is_a_422_naming_it(post_signals, prada, overrides, field):
    response = post_signals(signal_json(1, **overrides), prada.token)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["items"][0]["errors"]]
    assert not Signal.objects.exists()


def test_a_missing_external_id_is_a_422(post_signals, prada):
    item = signal_json(1)
    del item["external_id"]
    response = post_signals(item, prada.token)
    assert response.status_code == 422
    assert response.json()["items"][0]["errors"][0]["field"] == "external_id"


def test_invalid_json_is_a_400(post_signals, prada):
    response = post_signals(b'{"external_id": ', prada.token)
    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_nan_in_a_body_is_a_400_and_stores_nothing(post_signals, prada):
    body = json.dumps(signal_json(payload={"ratio": float("nan")}))
    response = post_signals(body.encode(), prada.token)
    assert response.status_code == 400
    assert "NaN" in response.json()["errors"]["body"][0]
    assert not Signal.objects.exists()


def test_a_lone_surrogate_in_a_payload_rejects_only_its_item(post_signals, prada):
    good, bad = signal_json(1), signal_json(2, payload={"text": "\ud800"})
    response = post_signals({"signals": [good, bad]}, prada.token)
    assert response.status_code == 201
    assert response.json()["items"][1]["errors"][0]["field"] == "payload"
    assert Signal.objects.count() == 1


def test_a_wrong_content_type_is_a_415(post_signals, prada):
    response = post_signals(json.dumps(signal_json()), prada.token, content_type="text/plain")
    assert response.status_code == 415


def test_an_empty_batch_is_a_400(post_signals, prada):
    assert post_signals({"signals": []}, prada.token).status_code == 400


def test_more_than_the_batch_limit_is_a_413(post_signals, prada):
    response = post_signals([{}] * (MAX_BATCH + 1), prada.token)
    assert response.status_code == 413
    assert "signals" in response.json()["errors"]


def test_an_oversized_body_is_a_413(post_signals, prada, settings):
    settings.QUARRY_SIGNAL_MAX_BODY_BYTES = 1000
    response = post_signals([signal_json(n) for n in range(10)], prada.token)
    assert response.status_code == 413
    assert not Signal.objects.exists()


def test_an_offset_postgresql_cannot_store_is_kept_as_utc(post_signals, prada):
    # ISO 8601 allows offsets past ±15:59; PostgreSQL does not. Found by the API fuzzer.
    response = post_signals(signal_json(7, observed_at="2026-11-27T15:46:57-20:09"), prada.token)
    assert response.status_code == 201
    stored = Signal.objects.get(detector=prada)
    assert stored.observed_at.isoformat() == "2026-11-28T11:55:57+00:00"
