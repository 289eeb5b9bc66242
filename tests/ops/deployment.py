"""What the deployment tests (processes and containers) send as a detector would."""


def strong_signal(external_id: str, account: str, payment_fingerprint: str) -> dict:
    """A signal strong enough to open a case, about one account with a payment fingerprint:
    signals sharing the fingerprint form one cluster, hence one case."""
    return {
        "external_id": external_id,
        "kind": "cot_elicitation",
        "severity": "high",
        "confidence": 90,
        "observed_at": "2026-11-27T08:59:12Z",
        "summary": "Reasoning-trace coercion prompts",
        "accounts": [
            {
                "external_id": account,
                "attributes": [{"type": "payment_fingerprint", "value": payment_fingerprint}],
            }
        ],
    }
