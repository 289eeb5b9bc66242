import json

import pytest

from detection.auth import body_signature
from detection.services import detector_create


def signal_json(n: int = 0, **overrides) -> dict:
    """A valid native signal naming two accounts that share a payment fingerprint."""
    item = {
        "external_id": f"sig-{n:06d}",
        "kind": "cot_elicitation",
        "severity": "high",
        "confidence": 90,
        "observed_at": "2026-11-27T08:59:12Z",
        "summary": "Reasoning-trace coercion prompts",
        "accounts": [
            {
                "external_id": f"acct-a-{n}",
                "email": f"a{n}@northwind-mail.example",
                "attributes": [
                    {"type": "payment_fingerprint", "value": f"pf-{n}"},
                    {"type": "device_fingerprint", "value": f"dv-a-{n}"},
                    {"type": "ip", "value": "198.51.100.7"},
                ],
            },
            {
                "external_id": f"acct-b-{n}",
                "attributes": [{"type": "payment_fingerprint", "value": f"pf-{n}"}],
            },
        ],
        "observables": [{"type": "ip", "value": "198.51.100.7"}],
        "payload": {"classifier": "cot-v3", "score": 0.91},
    }
    item.update(overrides)
    return item


def signals_comparable(signals) -> list:
    """Signals as plain values; the JSON fields compared as JSON (the fast path keeps the text
    as sent, the slow path writes it compact; PostgreSQL's jsonb stores both alike)."""
    return [
        (
            s.external_id,
            s.kind,
            s.severity,
            s.confidence,
            s.observed_at,
            s.summary,
            [
                (
                    a.external_id,
                    a.name,
                    a.email,
                    a.organisation,
                    a.country,
                    a.signup_at,
                    sorted({(x.type, x.value) for x in a.attributes}),
                )
                for a in s.accounts
            ],
            json.loads(s.observables_json),
            json.loads(s.payload_json),
        )
        for s in signals
    ]


@pytest.fixture
def prada(db):
    """A push detector and its token."""
    detector, token = detector_create(name="prada")
    detector.token = token
    return detector


@pytest.fixture
def post_signals(client):
    def post(body, token, *, path="/api/v1/signals", content_type="application/json", **headers):
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        return client.post(
            path,
            data=data,
            content_type=content_type,
            HTTP_AUTHORIZATION=f"Bearer {token}",
            **headers,
        )

    return post


@pytest.fixture
def signed():
    def sign(secret: str, body: dict) -> tuple[bytes, str]:
        raw = json.dumps(body).encode()
        return raw, body_signature(secret, raw)

    return sign
