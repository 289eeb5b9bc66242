"""Storing a batch of signals with set-based SQL.

One transaction per batch, a fixed number of round trips whatever its size: the signals are
copied into a temporary table and the ones this detector already sent are set aside; the
accounts, attributes and account links the new signals name are copied into three more
temporary tables; then three INSERT … SELECT … ON CONFLICT DO NOTHING statements store the
accounts, their new attributes, and the signals with their links. The unique constraint on
(detector, external_id) is what makes re-sending harmless, including from eight threads at once;
the RETURNING clause tells which items this request created and which someone had already
stored.

Rows are always written in sorted key order so that two batches naming the same new accounts or
signals wait for each other instead of deadlocking.

The commit is synchronous (PostgreSQL's default): the 201 a detector receives means its signals
are on disk, which is what lets a detector that got an answer forget the batch."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from .known_accounts import KnownAccounts, known_accounts
from .models import Detector
from .validation import AccountIn, Attribute, ItemErrors, SignalIn

CREATED = "created"
DUPLICATE = "duplicate"
REJECTED = "rejected"

# Staging tables live as long as the database connection. They are emptied at every commit; the
# DELETEs cover a second batch within one transaction (a feed page, a test). quarry_account_in
# holds only the accounts this process does not know (known_accounts.py); attributes and links
# name a known account by its id and an unknown one by its external id.
_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS quarry_signal_in (
    external_id text, kind text, severity text, confidence int, observed_at timestamptz,
    summary text, observables jsonb, payload jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS quarry_account_in (
    external_id text, name text, email text, organisation text, country text,
    signup_at timestamptz, id bigint
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS quarry_attribute_in (
    account text, account_id bigint, type text, value text
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS quarry_link_in (
    signal text, account text, account_id bigint
) ON COMMIT DELETE ROWS;
DELETE FROM quarry_signal_in; DELETE FROM quarry_account_in;
DELETE FROM quarry_attribute_in; DELETE FROM quarry_link_in
"""

# Most accounts a batch names are known: their ids are looked up first (one probe of the unique
# index each), and only the unknown ones are inserted. ON CONFLICT still settles the race with a
# parallel batch naming the same new account; a second lookup, a new statement, then sees the
# account that batch committed while this one waited on it.
_ACCOUNT_IDS = """
UPDATE quarry_account_in t
SET id = (SELECT a.id FROM accounts_account a WHERE a.external_id = t.external_id)
WHERE t.id IS NULL
"""

_ACCOUNTS_INSERT = """
INSERT INTO accounts_account (external_id, name, email, organisation, country, signup_at,
    platform_status, first_seen_at)
SELECT external_id, name, email, organisation, country, signup_at, 'active', now()
FROM quarry_account_in WHERE id IS NULL ORDER BY external_id
ON CONFLICT (external_id) DO NOTHING
"""

# Likewise known attributes are set aside by a probe of the unique index, cheaper than the
# speculative insertion ON CONFLICT starts for each row. OFFSET 0 keeps the probe a per-row
# subplan: as an anti-join the planner, blind to the temporary table's size, would sort the
# whole attribute table instead.
_ATTRIBUTES_INSERT = """
INSERT INTO accounts_accountattribute (account_id, type, value, first_seen_at)
SELECT t.account_id, t.type, t.value, now()
FROM (
    SELECT coalesce(t.account_id, a.id) AS account_id, t.type, t.value
    FROM quarry_attribute_in t LEFT JOIN quarry_account_in a ON a.external_id = t.account
) t
WHERE NOT EXISTS (
    SELECT 1 FROM accounts_accountattribute x
    WHERE x.account_id = t.account_id AND x.type = t.type AND x.value = t.value OFFSET 0
)
ORDER BY t.account_id, t.type, t.value
ON CONFLICT (account_id, type, value) DO NOTHING
"""

_SIGNALS_INSERT = """
WITH created AS (
    INSERT INTO detection_signal (detector_id, external_id, kind, severity, confidence,
        observed_at, received_at, summary, observables, payload)
    SELECT %s, external_id, kind, severity, confidence, observed_at, now(), summary,
        observables, payload
    FROM quarry_signal_in ORDER BY external_id
    ON CONFLICT (detector_id, external_id) DO NOTHING
    RETURNING external_id, id
), linked AS (
    INSERT INTO detection_signalaccount (signal_id, account_id)
    SELECT c.id, coalesce(l.account_id, a.id)
    FROM created c
    JOIN quarry_link_in l ON l.signal = c.external_id
    LEFT JOIN quarry_account_in a ON a.external_id = l.account
)
SELECT external_id, id FROM created
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
                    attributes=list(dict.fromkeys(seen.attributes + account.attributes)),
                )
    return merged


def _stage_accounts(
    cursor, fresh: list[SignalIn], accounts: dict[str, AccountIn], memory: KnownAccounts
) -> dict[str, tuple[int, list[Attribute]]]:
    """Copy the accounts the new signals name that this process does not know, the attributes
    it has not seen stored, and the signals' links; store the new accounts and attributes.
    Returns what the batch teaches the memory once it commits."""
    raw = cursor.cursor
    seen = {e: memory.get(e) for e in accounts}
    unknown = [e for e, known in seen.items() if known is None]
    if unknown:
        with raw.copy(
            "COPY quarry_account_in (external_id, name, email, organisation, country, "
            "signup_at) FROM STDIN"
        ) as copy:
            for e in unknown:
                a = accounts[e]
                copy.write_row((e, a.name, a.email, a.organisation, a.country, a.signup_at))
    new_attributes = 0
    with raw.copy("COPY quarry_attribute_in (account, account_id, type, value) FROM STDIN") as copy:
        for e, a in accounts.items():
            known = seen[e]
            if known is None:
                for x in dict.fromkeys(a.attributes):
                    copy.write_row((e, None, x.type, x.value))
                new_attributes += len(a.attributes)
                continue
            for x in a.attributes:
                if not known.has(x):
                    copy.write_row((None, known.id, x.type, x.value))
                    new_attributes += 1
    with raw.copy("COPY quarry_link_in (signal, account, account_id) FROM STDIN") as copy:
        for s in fresh:
            for e in {a.external_id for a in s.accounts}:
                known = seen[e]
                copy.write_row(
                    (s.external_id, None, known.id) if known else (s.external_id, e, None)
                )
    if unknown:
        cursor.execute(_ACCOUNT_IDS)
        cursor.execute("SELECT EXISTS (SELECT 1 FROM quarry_account_in WHERE id IS NULL)")
        if cursor.fetchone()[0]:
            cursor.execute(_ACCOUNTS_INSERT)
            cursor.execute(_ACCOUNT_IDS)
    if new_attributes:
        cursor.execute(_ATTRIBUTES_INSERT)
    if not unknown and not new_attributes:
        return {}
    ids = {}
    if unknown:
        cursor.execute("SELECT external_id, id FROM quarry_account_in")
        ids = dict(cursor.fetchall())
    return {
        e: (ids[e] if seen[e] is None else seen[e].id, a.attributes)
        for e, a in accounts.items()
        if seen[e] is None or not seen[e].covers(a.attributes)
    }


@transaction.atomic
def signal_ingest_batch(*, detector: Detector, signals: list[SignalIn]) -> IngestResult:
    """Store the signals a detector sent; each is created once, whoever sends it how often."""
    statuses = [DUPLICATE] * len(signals)
    first: dict[str, int] = {}
    for index, signal in enumerate(signals):
        first.setdefault(signal.external_id, index)
    if not first:
        return IngestResult(statuses)
    unique = [signals[i] for i in first.values()]
    memory = known_accounts()
    with connection.cursor() as cursor:
        epoch = memory.begin(cursor)
        cursor.execute(_STAGE)
        raw = cursor.cursor
        with raw.copy(
            "COPY quarry_signal_in (external_id, kind, severity, confidence, observed_at, "
            "summary, observables, payload) FROM STDIN"
        ) as copy:
            for s in unique:
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
        # Re-sends are common (retries, replays): known signals are left out before any
        # account is touched, and a batch of nothing new ends here.
        # One probe of the unique index per item (OFFSET 0 keeps it a per-row subplan): as a
        # join, the planner may hash the detector's every signal for each batch it sends.
        cursor.execute(
            "SELECT s.external_id FROM quarry_signal_in s WHERE EXISTS (SELECT 1 FROM "
            "detection_signal d WHERE d.detector_id = %s AND d.external_id = s.external_id "
            "OFFSET 0)",
            [detector.pk],
        )
        known = {row[0] for row in cursor.fetchall()}
        fresh = [s for s in unique if s.external_id not in known]
        if not fresh:
            return IngestResult(statuses)
        accounts = _merge_accounts(fresh)
        learned = _stage_accounts(cursor, fresh, accounts, memory) if accounts else {}
        cursor.execute(_SIGNALS_INSERT, [detector.pk])
        created = dict(cursor.fetchall())
    if learned:
        transaction.on_commit(lambda: memory.learn(epoch, learned))
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
