"""What a detector sends is stored as sent or refused naming the field: no field is dropped
silently, no shape is guessed, no impossible time or blank id is taken."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from detection.models import Detector, Signal

from .conftest import signal_json


def _items(response) -> list:
    return response.json()["items"]


def _fields(response) -> list[str]:
    return [e["field"] for e in _items(response)[0]["errors"]]


@pytest.mark.parametrize("batch", [False, True])
def test_a_misspelt_field_is_refused_naming_it(post_signals, prada, batch):
    item = signal_json(1)
    item["sumary"] = item.pop("summary")
    response = post_signals({"signals": [item]} if batch else item, prada.token)
    assert response.status_code == 422
    assert _fields(response) == ["sumary"]
    assert "Unknown field" in _items(response)[0]["errors"][0]["message"]
    assert not Signal.objects.exists()


def test_an_unknown_field_of_an_account_or_attribute_is_refused(post_signals, prada):
    item = signal_json(1)
    item["accounts"][0]["emial"] = "x@example.com"
    item["accounts"][1]["attributes"][0]["weight"] = 3
    response = post_signals([item], prada.token)
    assert response.status_code == 422
    assert sorted(_fields(response)) == ["accounts[0].emial", "accounts[1].attributes[0].weight"]


def test_signals_that_are_not_an_array_are_refused(post_signals, prada):
    response = post_signals({"signals": signal_json(1)}, prada.token)
    assert response.status_code == 400
    assert response.json()["errors"] == {"signals": ["Must be an array."]}
    assert not Signal.objects.exists()


@pytest.mark.parametrize("where", ["signal", "account", "account-string"])
def test_a_blank_external_id_is_refused(post_signals, prada, where):
    item = signal_json(1)
    if where == "signal":
        item["external_id"], field = "   ", "external_id"
    elif where == "account":
        item["accounts"][0]["external_id"], field = "   ", "accounts[0].external_id"
    else:
        item["accounts"] = ["acct-1", " \t "]
        field = "accounts[1]"
    response = post_signals([item], prada.token)
    assert response.status_code == 422
    assert _fields(response) == [field]
    assert _items(response)[0]["errors"][0]["message"] == "Must not be blank."


@pytest.mark.parametrize(
    "observed_at", ["2099-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z"]
)
def test_an_impossible_observation_time_is_refused(post_signals, prada, observed_at):
    response = post_signals([signal_json(1, observed_at=observed_at)], prada.token)
    assert response.status_code == 422
    assert _fields(response) == ["observed_at"]
    assert not Signal.objects.exists()


def test_the_future_skew_is_a_setting(post_signals, prada, settings):
    soon = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    settings.QUARRY_SIGNAL_MAX_FUTURE_SKEW_SECONDS = 3600
    assert post_signals([signal_json(1, observed_at=soon)], prada.token).status_code == 201
    settings.QUARRY_SIGNAL_MAX_FUTURE_SKEW_SECONDS = 60
    response = post_signals([signal_json(2, observed_at=soon)], prada.token)
    assert response.status_code == 422
    assert "60 seconds" in _items(response)[0]["errors"][0]["message"]


def test_an_ocsf_finding_in_the_future_is_refused(post_signals, prada):
    event = {
        "class_uid": 2004,
        "time": 4_070_908_800_000,  # 2099-01-01
        "severity_id": 4,
        "finding_info": {"uid": "f-1"},
    }
    response = post_signals(event, prada.token, path="/api/v1/ocsf/detection-findings")
    assert response.status_code == 422
    assert _fields(response) == ["time"]


@pytest.mark.parametrize("depth", [65, 300, 1000, 3000])
def test_a_payload_nested_too_deep_is_refused(post_signals, prada, depth):
    item = json.dumps(signal_json(1, payload={}))
    nested = '{"a": ' * depth + "1" + "}" * depth
    body = item.replace('"payload": {}', f'"payload": {nested}')
    response = post_signals(body, prada.token)
    assert response.status_code in (400, 422)
    assert "deeper" in response.content.decode()
    assert not Signal.objects.exists()


def test_a_payload_with_many_brackets_but_shallow_is_stored(post_signals, prada):
    payload = {"requests": [{"n": i} for i in range(200)]}
    response = post_signals([signal_json(1, payload=payload)], prada.token)
    assert response.status_code == 201
    assert Signal.objects.get().payload == payload


def test_a_push_records_the_detectors_last_success(post_signals, prada):
    assert Detector.objects.get(pk=prada.pk).last_success_at is None
    assert post_signals([signal_json(1)], prada.token).status_code == 201
    assert Detector.objects.get(pk=prada.pk).last_success_at is not None


def test_pushes_within_a_second_record_their_success_once(post_signals, prada):
    """The last success has a resolution of a second: the pushes after the first within it
    spend no statement on it."""
    assert post_signals([signal_json(1)], prada.token).status_code == 201
    first = Detector.objects.get(pk=prada.pk).last_success_at
    with CaptureQueriesContext(connection) as queries:
        assert post_signals([signal_json(2)], prada.token).status_code == 201
    assert not [q for q in queries if "last_success_at" in q["sql"]]
    assert Detector.objects.get(pk=prada.pk).last_success_at == first


def test_a_rejected_push_is_no_success(post_signals, prada):
    assert post_signals([signal_json(1, kind="nope")], prada.token).status_code == 422
    assert Detector.objects.get(pk=prada.pk).last_success_at is None
