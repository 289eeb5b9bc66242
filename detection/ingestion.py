"""Storing a batch of signals with set-based SQL.

One transaction per batch: the accounts it names are upserted, the signals are copied into a
temporary table and inserted with ON CONFLICT DO NOTHING, and the new signals are linked to
their accounts by COPY. The unique constraint on (detector, external_id) is what makes
re-sending harmless, including from eight threads at once; the RETURNING clause tells which
items this request created and which someone had already stored.

Rows are always written in sorted key order so that two batches naming the same new accounts or
signals wait for each other instead of deadlocking."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from .models import Detector
from .validation import AccountIn, ItemErrors, SignalIn

CREATED = "created"
DUPLICATE = "duplicate"
REJECTED = "rejected"

_SIGNAL_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS quarry_signal_in (
    external_id text, kind text, severity text, confidence int, observed_at timestamptz,
    summary text, observables jsonb, payload jsonb
) ON COMMIT DELETE ROWS
"""


@dataclass
class IngestResult:
    statuses: list[str]  # one per item given: created or duplicate
    created_ids: list[int] = field(default_factory=list)

    @property
    def created(self) -> int:
        return self.statuses.count(CREATED)

    @property
    def duplicates(self) -> int:
        return self.statuses.count(DUPLICATE)


def _existing(detector_id: int, external_ids: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id FROM detection_signal "
            "WHERE detector_id = %s AND external_id = ANY(%s)",
            [detector_id, external_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def accounts_upsert(accounts: dict[str, AccountIn]) -> dict[str, int]:
    """Create the accounts not seen before (profile fields are taken from their first
    sighting), add any new attributes, and return the id of every account named.

    Known accounts and attributes are looked up first and only the new ones are inserted: most
    signals name accounts already on file, and a lookup costs far less than an insert that
    conflicts (which still checks every index and foreign key)."""
    if not accounts:
        return {}
    ordered = sorted(accounts)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id, id FROM accounts_account WHERE external_id = ANY(%s)", [ordered]
        )
        ids = dict(cursor.fetchall())
        missing = [accounts[e] for e in ordered if e not in ids]
        if missing:
            cursor.execute(
                "INSERT INTO accounts_account (external_id, name, email, organisation, country, "
                "signup_at, platform_status, first_seen_at) "
                "SELECT e, n, m, o, c, s, 'active', now() "
                "FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], "
                "%s::timestamptz[]) AS t(e, n, m, o, c, s) "
                "ORDER BY e ON CONFLICT (external_id) DO NOTHING",
                [
                    [a.external_id for a in missing],
                    [a.name for a in missing],
                    [a.email for a in missing],
                    [a.organisation for a in missing],
                    [a.country for a in missing],
                    [a.signup_at for a in missing],
                ],
            )
            # A new statement sees accounts another batch committed while we waited on them.
            cursor.execute(
                "SELECT external_id, id FROM accounts_account WHERE external_id = ANY(%s)",
                [[a.external_id for a in missing]],
            )
            ids.update(cursor.fetchall())
        wanted = {(ids[e], t, v) for e in ordered for t, v in accounts[e].attributes}
        if not wanted:
            return ids
        cursor.execute(
            "SELECT account_id, type, value FROM accounts_accountattribute "
            "WHERE account_id = ANY(%s)",
            [sorted({a for a, _, _ in wanted})],
        )
        new = sorted(wanted - set(cursor.fetchall()))
        if new:
            cursor.execute(
                "INSERT INTO accounts_accountattribute (account_id, type, value, first_seen_at) "
                "SELECT a, t, v, now() FROM unnest(%s::bigint[], %s::text[], %s::text[]) "
                "AS x(a, t, v) ORDER BY a, t, v ON CONFLICT DO NOTHING",
                [[a for a, _, _ in new], [t for _, t, _ in new], [v for _, _, v in new]],
            )
    return ids


def _merge_accounts(signals: list[SignalIn]) -> dict[str, AccountIn]:
    merged: dict[str, AccountIn] = {}
    for signal in signals:
        for account in signal.accounts:
            seen = merged.get(account.external_id)
            if seen is None:
                merged[account.external_id] = account
            elif account.attributes and account.attributes != seen.attributes:
                merged[account.external_id] = AccountIn(
                    external_id=seen.external_id,
                    name=seen.name,
                    email=seen.email,
                    organisation=seen.organisation,
                    country=seen.country,
                    signup_at=seen.signup_at,
                    attributes=tuple(dict.fromkeys(seen.attributes + account.attributes)),
                )
    return merged


@transaction.atomic
def signal_ingest_batch(*, detector: Detector, signals: list[SignalIn]) -> IngestResult:
    """Store the signals a detector sent; each is created once, whoever sends it how often."""
    statuses = [DUPLICATE] * len(signals)
    first: dict[str, int] = {}
    for index, signal in enumerate(signals):
        first.setdefault(signal.external_id, index)
    if not first:
        return IngestResult(statuses)
    # Re-sends are common (retries, replays): skip known ids before touching accounts.
    known = _existing(detector.pk, list(first))
    fresh = sorted(
        (signals[i] for e, i in first.items() if e not in known), key=lambda s: s.external_id
    )
    if not fresh:
        return IngestResult(statuses)
    account_ids = accounts_upsert(_merge_accounts(fresh))
    with connection.cursor() as cursor:
        cursor.execute(_SIGNAL_STAGE)
        with cursor.cursor.copy(
            "COPY quarry_signal_in (external_id, kind, severity, confidence, observed_at, "
            "summary, observables, payload) FROM STDIN"
        ) as copy:
            for s in fresh:
                copy.write_row(
                    (
                        s.external_id,
                        s.kind,
                        s.severity,
                        s.confidence,
                        s.observed_at,
                        s.summary,
                        s.observables_json,
                        s.payload_json,
                    )
                )
        cursor.execute(
            "INSERT INTO detection_signal (detector_id, external_id, kind, severity, confidence, "
            "observed_at, received_at, summary, observables, payload) "
            "SELECT %s, external_id, kind, severity, confidence, observed_at, now(), summary, "
            "observables, payload FROM quarry_signal_in ORDER BY external_id "
            "ON CONFLICT (detector_id, external_id) DO NOTHING RETURNING external_id, id",
            [detector.pk],
        )
        created = dict(cursor.fetchall())
        # Empty already at commit (ON COMMIT DELETE ROWS); this covers a second batch in one
        # transaction.
        cursor.execute("DELETE FROM quarry_signal_in")
        if created:
            by_ext = {s.external_id: s for s in fresh}
            with cursor.cursor.copy(
                "COPY detection_signalaccount (signal_id, account_id) FROM STDIN"
            ) as copy:
                for external_id, signal_id in created.items():
                    for account_id in {
                        account_ids[a.external_id] for a in by_ext[external_id].accounts
                    }:
                        copy.write_row((signal_id, account_id))
    for external_id in created:
        statuses[first[external_id]] = CREATED
    return IngestResult(statuses, sorted(created.values()))


def ingest_items(
    detector: Detector, items: list, convert: Callable[[object], SignalIn]
) -> tuple[dict, list[int]]:
    """Validate every item, store the valid ones, and report on each by index."""
    report: list[dict] = [{}] * len(items)
    valid: list[SignalIn] = []
    positions: list[int] = []
    for index, raw in enumerate(items):
        try:
            signal = convert(raw)
        except ItemErrors as exc:
            external_id = raw.get("external_id") if isinstance(raw, dict) else None
            report[index] = {
                "index": index,
                "external_id": external_id if isinstance(external_id, str) else None,
                "status": REJECTED,
                "errors": exc.errors,
            }
            continue
        valid.append(signal)
        positions.append(index)
    created_ids: list[int] = []
    if valid:
        result = signal_ingest_batch(detector=detector, signals=valid)
        created_ids = result.created_ids
        for signal, index, state in zip(valid, positions, result.statuses, strict=True):
            report[index] = {"index": index, "external_id": signal.external_id, "status": state}
    totals = {CREATED: 0, DUPLICATE: 0, REJECTED: 0}
    for entry in report:
        totals[entry["status"]] += 1
    return {**totals, "items": report}, created_ids
