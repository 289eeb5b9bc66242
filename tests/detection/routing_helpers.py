from detection.ingestion import signal_ingest_batch
from detection.validation import signal_validate
from routing.services import signals_route


def ingest(detector, *items: dict) -> list[int]:
    result = signal_ingest_batch(detector=detector, signals=[signal_validate(i) for i in items])
    return result.created_ids


def item(n: int, accounts: list[tuple[str, list[tuple[str, str]]]], **fields) -> dict:
    base = {
        "external_id": f"r-{n}",
        "kind": "shared_payment",
        "severity": "high",
        "confidence": 90,
        "observed_at": "2026-11-27T09:00:00Z",
        "accounts": [
            {"external_id": ext, "attributes": [{"type": t, "value": v} for t, v in attrs]}
            for ext, attrs in accounts
        ],
    }
    base.update(fields)
    return base


def route(ids: list[int]) -> int:
    return signals_route(signal_ids=ids)
