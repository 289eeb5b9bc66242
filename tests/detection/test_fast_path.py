"""The push API's fast path (msgspec, `signals_decode_fast`) must accept only what the slow path
(field-by-field validation) accepts, and produce the same signals; anything else it leaves to
the slow path, whose answers and messages are the API's."""

import json

import pytest
from django.db import connection

from accounts.models import Account
from detection.models import Signal
from detection.services import detector_create
from detection.validation import (
    ItemErrors,
    body_is_plain,
    signal_validate,
    signals_decode_fast,
)

from .conftest import signal_json, signals_comparable


def _slow(items: list[dict]) -> list:
    return [signal_validate(i) for i in items]


VARIANTS = [
    signal_json(1),
    signal_json(2, observed_at="2026-11-27T14:29:12.123456+05:30", summary=""),
    # Every form Python's ISO 8601 reader takes, and RFC 3339's lower-case t and z.
    signal_json(8, observed_at="2026-11-27 08:59:12+00:00"),
    signal_json(9, observed_at="2026-11-27t08:59:12.123456789z"),
    signal_json(10, observed_at="20261127T085912Z"),
    signal_json(11, observed_at="2026-11-27T08:59:12,5+23:59"),
    signal_json(3, accounts=["acct-plain-1", {"external_id": "acct-plain-2"}]),
    signal_json(
        4,
        accounts=[
            {
                "external_id": "acct-details",
                "name": "Ada",
                "email": "ada@example.test",
                "organisation": "Northwind",
                "country": "gb",
                "signup_at": "2026-01-02T03:04:05-08:00",
                "attributes": [
                    {"type": "ip", "value": "203.0.113.9"},
                    {"type": "ip", "value": "203.0.113.9"},
                    {"type": "asn", "value": "AS64500"},
                ],
            }
        ],
    ),
    signal_json(5, summary="Café résumé ☕ — UTF-8 as sent", payload={"nested": [1, {"a": None}]}),
    {
        "external_id": "minimal",
        "kind": "other",
        "severity": "low",
        "confidence": 0,
        "observed_at": "2026-11-27T00:00:00Z",
    },
    {**signal_json(6), "payload": None, "observables": None},
]


@pytest.mark.parametrize("wrap", ["object", "array"])
def test_the_fast_path_gives_what_the_slow_path_gives(wrap):
    body_items = VARIANTS if wrap == "array" else {"signals": VARIANTS}
    body = json.dumps(body_items, ensure_ascii=False, indent=1).encode()
    fast = signals_decode_fast(body)
    assert fast is not None, "every variant is plain and valid: the fast path must take it"
    assert signals_comparable(fast) == signals_comparable(_slow(VARIANTS))
    assert fast[7].accounts[0].country == "GB"
    assert fast[1].observed_at.utcoffset().total_seconds() == 0


DECLINED = {
    "NUL escape": signal_json(1, summary="a\u0000b"),
    "lone surrogate": signal_json(1, summary="\ud800"),
    "escaped letter": signal_json(1, summary="caf\u00e9"),
    "naive time": signal_json(1, observed_at="2026-11-27T08:59:12"),
    "time out of range in UTC": signal_json(1, observed_at="9999-12-31T23:00:00-05:00"),
    "fractional confidence": signal_json(1, confidence=40.5),
    "integral float confidence": signal_json(1, confidence=40.0),
    "confidence out of range": signal_json(1, confidence=101),
    "boolean confidence": signal_json(1, confidence=True),
    "unknown kind": signal_json(1, kind="exfiltration"),
    "missing severity": {k: v for k, v in signal_json(1).items() if k != "severity"},
    "empty external id": signal_json(1, external_id=""),
    "payload array": signal_json(1, payload=[1, 2]),
    "observables object": signal_json(1, observables={"a": 1}),
    "null summary": signal_json(1, summary=None),
    "null accounts": signal_json(1, accounts=None),
    "unknown attribute type": signal_json(
        1, accounts=[{"external_id": "a", "attributes": [{"type": "shoe", "value": "x"}]}]
    ),
    "empty attribute value": signal_json(
        1, accounts=[{"external_id": "a", "attributes": [{"type": "ip", "value": ""}]}]
    ),
    "long country": signal_json(1, accounts=[{"external_id": "a", "country": "GBR"}]),
    "unknown field": {**signal_json(1), "sumary": "misspelt"},
    "unknown account field": signal_json(1, accounts=[{"external_id": "a", "emial": "x"}]),
    "unknown attribute field": signal_json(
        1, accounts=[{"external_id": "a", "attributes": [{"type": "ip", "value": "x", "w": 1}]}]
    ),
    "blank external id": signal_json(1, external_id="  "),
    "blank account id": signal_json(1, accounts=[" "]),
    "future observation": signal_json(1, observed_at="2099-01-01T00:00:00Z"),
    "ancient observation": signal_json(1, observed_at="1970-01-01T00:00:00Z"),
    "deep payload": signal_json(1, payload=json.loads('{"a":' * 70 + "1" + "}" * 70)),
}


# Of those, the ones the slow path takes (the rest it rejects, naming the field).
SLOW_ACCEPTS = {
    "escaped letter",
    "integral float confidence",
    "null summary",
    "null accounts",
}


@pytest.mark.parametrize("case", sorted(DECLINED))
def test_the_fast_path_leaves_the_rest_to_the_slow_path(case):
    item = DECLINED[case]
    body = json.dumps({"signals": [signal_json(0), item]}).encode()
    assert signals_decode_fast(body) is None
    try:
        signal_validate(item)
        accepted = True
    except ItemErrors as exc:
        accepted = False
        assert exc.errors and all(e["message"] for e in exc.errors)
    assert accepted == (case in SLOW_ACCEPTS)


def test_bodies_of_other_shapes_take_the_slow_path():
    assert signals_decode_fast(json.dumps(signal_json(1)).encode()) is None  # one signal
    assert signals_decode_fast(b'{"signals": []}') is None
    assert signals_decode_fast(json.dumps([signal_json(i) for i in range(5001)]).encode()) is None
    assert signals_decode_fast(b'{"signals": [' + b"{}" + b"]") is None
    assert signals_decode_fast(b"[NaN]") is None
    assert signals_decode_fast(b"\xef\xbb\xbf[]") is None
    plain = json.dumps([signal_json(1)]).encode()
    assert signals_decode_fast(plain) is not None
    for raw_byte in (b"\x00", b"\n", b"\xff", b"\xed\xa0\x80"):  # control, bad UTF-8, surrogate
        assert signals_decode_fast(plain.replace(b"Reasoning", b"Reason" + raw_byte)) is None


@pytest.mark.django_db
def test_both_paths_store_the_same_rows(prada, post_signals):
    """One signal through the fast path, its twin forced down the slow path by a \\u escape
    that spells a plain letter: the rows stored are the same."""
    base = signal_json(7, observed_at="2026-11-27T10:00:00.5+01:00")
    base["accounts"][0].update(country="fr", signup_at="2025-05-05T05:05:05+02:00")
    fast_body = json.dumps({"signals": [{**base, "external_id": "fast"}]}).encode()
    slow_body = json.dumps({"signals": [{**base, "external_id": "slow"}]}).encode()
    slow_body = slow_body.replace(b'"cot_elicitation"', b'"cot_elicitatio\\u006e"')
    assert b"\\u" in slow_body and signals_decode_fast(fast_body) is not None
    for body in (fast_body, slow_body):
        assert post_signals(body, prada.token).status_code == 201

    def stored(external_id):
        s = Signal.objects.get(detector=prada, external_id=external_id)
        return (
            s.kind,
            s.severity,
            s.confidence,
            s.observed_at,
            s.summary,
            s.observables,
            s.payload,
            sorted(s.accounts.values_list("external_id", flat=True)),
        )

    assert stored("fast") == stored("slow")
    account = Account.objects.get(external_id=base["accounts"][0]["external_id"])
    assert account.country == "FR"
    assert account.signup_at.isoformat() == "2025-05-05T03:05:05+00:00"


def _stored(detector) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id, kind, severity, confidence, observed_at, summary, observables, "
            "payload, account_external_ids FROM detection_signal WHERE detector_id = %s "
            "ORDER BY external_id",
            [detector.pk],
        )
        return cursor.fetchall()


def test_a_plain_body_is_stored_as_an_escaped_one(post_signals, prada):
    """A body with no backslash, tab or line break anywhere is copied without escaping its
    text; the same signals in a body that needs escaping elsewhere are stored identically."""
    other, token = detector_create(name="escaped")
    items = [
        signal_json(1, summary="commas, {braces} and 'quotes' and ünïcödé", payload={"a": [1]}),
        signal_json(2, accounts=["acct x,{y}", "acct NULL", {"external_id": "ä-acct"}]),
        signal_json(3, accounts=[]),
        signal_json(4, accounts=["zz-acct", "aa-acct"]),
        signal_json(5, accounts=["same", {"external_id": "same", "country": "fr"}]),
        signal_json(6, accounts=["alone"]),
    ]
    plain = json.dumps({"signals": items}, ensure_ascii=False, separators=(",", ":")).encode()
    assert body_is_plain(plain)
    escaped = json.dumps({"signals": items}, ensure_ascii=False, indent=1).encode()
    assert not body_is_plain(escaped) and signals_decode_fast(escaped) is not None
    assert post_signals(plain, prada.token).status_code == 201
    assert post_signals(escaped, token).status_code == 201
    assert _stored(prada) == _stored(other)
    assert _stored(prada)[2][-1] == []
    assert _stored(prada)[1][-1] == ["acct NULL", "acct x,{y}", "ä-acct"]
    assert [row[-1] for row in _stored(prada)[3:]] == [["aa-acct", "zz-acct"], ["same"], ["alone"]]
    # An account named twice by one signal is linked to it once.
    for detector in (prada, other):
        signal = Signal.objects.get(detector=detector, external_id=items[4]["external_id"])
        assert list(signal.accounts.values_list("external_id", flat=True)) == ["same"]


@pytest.mark.parametrize("text", ["tab\there", "line\nbreak", "cr\rhere", "back\\slash", 'q"uote'])
def test_a_body_with_text_to_escape_is_not_plain(text):
    body = json.dumps({"signals": [signal_json(1, summary=text)]}).encode()
    assert not body_is_plain(body)
