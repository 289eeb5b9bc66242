"""Storing a batch of signals with set-based SQL.

One transaction per batch, a fixed number of round trips whatever its size:

1. one statement finds which signals are stored already (one probe of the unique index each)
   and hands out ids for the others, which are then copied straight into their table, as a
   raw COPY would: a re-send stops at the probe, and new signals are written once, not staged
   first. The unique constraint on (detector, external_id) is what makes re-sending harmless,
   including from eight threads at once: if a parallel batch stored one of them since the
   probe, the COPY fails on it, is rolled back to a savepoint, and the signals go through a
   temporary table and ON CONFLICT DO NOTHING, whose RETURNING tells which this request
   created (the rest someone had already stored, and they touch nothing more);
2. the accounts the created signals name that this process does not know (known_accounts.py)
   are copied into a second temporary table and inserted the same way; RETURNING tells which
   this transaction created, and one probe each finds the ids of the others;
3. the attributes of accounts created here are new by construction, and are copied straight
   into their table; other attributes this process has not seen stored go through a temporary
   table and ON CONFLICT DO NOTHING;
4. the signals' links to their accounts, new by construction too, are copied straight in.

Rows that may conflict are always written in sorted key order so that two batches naming the
same new signals or accounts wait for each other instead of deadlocking; rows copied straight in
hang off a signal or an account this transaction created, which nobody else can name yet.

The commit is synchronous (PostgreSQL's default, which the embedded server keeps and a deployment
must keep: docs/durability.md): the 201 a detector receives means its signals are on disk, which
is what lets a detector that got an answer forget the batch."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from psycopg.errors import UniqueViolation

from core.pgcopy import copy_text, copy_value, text_array

from .known_accounts import Known, KnownAccounts, known_accounts
from .models import Detector
from .validation import AccountIn, Attribute, ItemErrors, SignalIn

CREATED = "created"
DUPLICATE = "duplicate"
REJECTED = "rejected"

# Staging tables live as long as the database connection. They are emptied at every commit; the
# DELETEs cover a second batch within one transaction (a feed page, a test).
_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS quarry_signal_in (
    external_id text, kind text, severity text, confidence int, observed_at timestamptz,
    received_at timestamptz, summary text, observables jsonb, payload jsonb,
    account_external_ids text[]
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS quarry_account_in (
    external_id text, name text, email text, organisation text, country text,
    signup_at timestamptz
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS quarry_attribute_in (
    account_id bigint, type text, value text
) ON COMMIT DELETE ROWS;
DELETE FROM quarry_signal_in; DELETE FROM quarry_account_in; DELETE FROM quarry_attribute_in
"""

# Per item: NULL if the detector's signal is stored already, else the id it will have. OFFSET 0
# keeps the probe one index probe per item: without it the planner hashes all of the
# detector's signals. CASE draws an id only for new items.
_SIGNALS_NEW = """
SELECT e, CASE WHEN NOT EXISTS (
    SELECT 1 FROM detection_signal s WHERE s.detector_id = %s AND s.external_id = e OFFSET 0
) THEN nextval((SELECT pg_get_serial_sequence('detection_signal', 'id')::regclass)) END
FROM unnest(%s::text[]) AS e
"""

_SIGNALS_COPY = (
    "COPY detection_signal (id, detector_id, external_id, kind, severity, confidence, "
    "observed_at, received_at, summary, observables, payload, account_external_ids) FROM STDIN"
)

# The way through a race with a parallel batch. COLLATE "C" sorts as Python sorts the COPY's
# rows, so the two kinds of writer take the rows' locks in one order.
_SIGNALS_INSERT = """
INSERT INTO detection_signal (detector_id, external_id, kind, severity, confidence,
    observed_at, received_at, summary, observables, payload, account_external_ids)
SELECT %s, external_id, kind, severity, confidence, observed_at, received_at, summary,
    observables, payload, account_external_ids
FROM quarry_signal_in ORDER BY external_id COLLATE "C"
ON CONFLICT (detector_id, external_id) DO NOTHING
RETURNING external_id, id
"""

# Accounts already stored are set aside by one probe of the unique index each, cheaper than the
# speculative insertion ON CONFLICT starts for each row; ON CONFLICT still settles the race with
# a parallel batch naming the same new account. OFFSET 0 keeps the probe a per-row subplan: as
# an anti-join the planner, blind to the temporary table's size, may hash the whole table.
_ACCOUNTS_INSERT = """
INSERT INTO accounts_account (external_id, name, email, organisation, country, signup_at,
    platform_status, first_seen_at)
SELECT external_id, name, email, organisation, country, signup_at, 'active', now()
FROM quarry_account_in t
WHERE NOT EXISTS (
    SELECT 1 FROM accounts_account a WHERE a.external_id = t.external_id OFFSET 0
)
ORDER BY external_id
ON CONFLICT (external_id) DO NOTHING
RETURNING external_id, id
"""

# The ids of accounts someone else stored, and the attributes stored with them: a new statement,
# so it also sees the account a parallel batch committed while the insert above waited on it.
_ACCOUNT_IDS = """
SELECT e, a.id, (
    SELECT array_agg(ARRAY[x.type::text, x.value::text])
    FROM accounts_accountattribute x WHERE x.account_id = a.id
)
FROM unnest(%s::text[]) AS e JOIN accounts_account a ON a.external_id = e
"""

_ATTRIBUTES_INSERT = """
INSERT INTO accounts_accountattribute (account_id, type, value, first_seen_at)
SELECT t.account_id, t.type, t.value, now()
FROM quarry_attribute_in t
WHERE NOT EXISTS (
    SELECT 1 FROM accounts_accountattribute x
    WHERE x.account_id = t.account_id AND x.type = t.type AND x.value = t.value OFFSET 0
)
ORDER BY t.account_id, t.type, t.value
ON CONFLICT (account_id, type, value) DO NOTHING
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


def _store_accounts(
    cursor, accounts: dict[str, AccountIn], memory: KnownAccounts
) -> tuple[dict[str, int], dict[str, tuple[int, list[Attribute]]]]:
    """Store the accounts the created signals name and the attributes not yet stored. Returns
    every account's id, and what the batch teaches the memory once it commits."""
    raw = cursor.cursor
    seen: dict[str, Known | None] = {e: memory.get(e) for e in accounts}
    ids = {e: known.id for e, known in seen.items() if known is not None}
    created: dict[str, int] = {}
    stored: dict[str, set[Attribute]] = {}  # of accounts someone else stored
    unknown = [e for e, known in seen.items() if known is None]
    if unknown:
        cursor.execute(_STAGE)
        _copy(
            raw,
            "COPY quarry_account_in (external_id, name, email, organisation, country, "
            "signup_at) FROM STDIN",
            "".join(_account_line(e, accounts[e]) for e in unknown),
        )
        cursor.execute(_ACCOUNTS_INSERT)
        created = dict(cursor.fetchall())
        ids.update(created)
        others = [e for e in unknown if e not in created]
        if others:
            cursor.execute(_ACCOUNT_IDS, [others])
            for e, account_id, attributes in cursor.fetchall():
                ids[e] = account_id
                stored[e] = {Attribute(*x) for x in attributes or ()}
    if created:
        # "now" as COPY reads it is the transaction's start, as now() is.
        _copy(
            raw,
            "COPY accounts_accountattribute (account_id, type, value, first_seen_at) FROM STDIN",
            "".join(
                f"{account_id}\t{x.type}\t{copy_text(x.value)}\tnow\n"
                for e, account_id in created.items()
                for x in dict.fromkeys(accounts[e].attributes)
            ),
        )
    learned = {e: (account_id, accounts[e].attributes) for e, account_id in created.items()}
    rows = []
    for e, a in accounts.items():
        known = seen[e]
        if known is None:
            if e in created:
                continue
            there = stored[e]
            new = [x for x in a.attributes if x not in there]
            learned[e] = (ids[e], [*there, *new])
        else:
            new = known.missing(a.attributes)
            if not new:
                continue
            learned[e] = (ids[e], a.attributes)
        account_id = ids[e]
        rows += [f"{account_id}\t{x.type}\t{copy_text(x.value)}\n" for x in new]
    if rows:
        if not unknown:
            cursor.execute(_STAGE)
        _copy(raw, "COPY quarry_attribute_in (account_id, type, value) FROM STDIN", "".join(rows))
        cursor.execute(_ATTRIBUTES_INSERT)
    return ids, learned


def _copy(raw_cursor, statement: str, data: str) -> None:
    """COPY text-format lines, built before the COPY starts (so that the server does not wait
    for Python meanwhile)."""
    with raw_cursor.copy(statement) as copy:
        copy.write(data)


def _account_line(external_id: str, a: AccountIn) -> str:
    return (
        "\t".join(
            (
                copy_text(external_id),
                copy_text(a.name),
                copy_text(a.email),
                copy_text(a.organisation),
                copy_text(a.country),
                copy_value(a.signup_at),
            )
        )
        + "\n"
    )


def _signal_line(s: SignalIn) -> str:
    """The columns from external_id on as a COPY text line, as both ways of storing signals
    copy them (written out here: psycopg's row-by-row adaptation costs several times more)."""
    fields = (
        copy_text(s.external_id),
        s.kind,
        s.severity,
        str(s.confidence),
        s.observed_at.isoformat(),
        "now",  # received_at: as COPY reads it, the transaction's start, as now() is
        copy_text(s.summary),
        copy_text(s.observables_json),
        copy_text(s.payload_json),
        # What the detector named, kept beside the links for verify_integrity.
        copy_text(text_array(sorted({a.external_id for a in s.accounts}))),
    )
    return "\t".join(fields) + "\n"


def _signals_store(cursor, detector_id: int, unique: list[SignalIn]) -> dict[str, int]:
    """Store the signals not stored yet (`unique` sorted by external_id); returns the id of
    each signal this call created, by external_id."""
    cursor.execute(_SIGNALS_NEW, [detector_id, text_array(s.external_id for s in unique)])
    ids = dict(cursor.fetchall())
    new = [s for s in unique if ids[s.external_id] is not None]
    if not new:
        return {}
    try:
        with transaction.atomic(), cursor.cursor.copy(_SIGNALS_COPY) as copy:
            copy.write(
                "".join(f"{ids[s.external_id]}\t{detector_id}\t{_signal_line(s)}" for s in new)
            )
        return {s.external_id: ids[s.external_id] for s in new}
    except UniqueViolation:
        pass  # a parallel batch stored some of them since the probe: rolled back, see below
    cursor.execute(_STAGE)
    with cursor.cursor.copy(
        "COPY quarry_signal_in (external_id, kind, severity, confidence, observed_at, "
        "received_at, summary, observables, payload, account_external_ids) FROM STDIN"
    ) as copy:
        copy.write("".join(_signal_line(s) for s in new))
    cursor.execute(_SIGNALS_INSERT, [detector_id])
    return dict(cursor.fetchall())


@transaction.atomic
def signal_ingest_batch(*, detector: Detector, signals: list[SignalIn]) -> IngestResult:
    """Store the signals a detector sent; each is created once, whoever sends it how often."""
    statuses = [DUPLICATE] * len(signals)
    first: dict[str, int] = {}
    for index, signal in enumerate(signals):
        first.setdefault(signal.external_id, index)
    if not first:
        return IngestResult(statuses)
    unique = [signals[first[e]] for e in sorted(first)]
    memory = known_accounts()
    with connection.cursor() as cursor:
        generation = memory.begin(cursor)
        created = _signals_store(cursor, detector.pk, unique)
        if not created:
            return IngestResult(statuses)
        fresh = [s for s in unique if s.external_id in created]
        accounts = _merge_accounts(fresh)
        learned = {}
        if accounts:
            ids, learned = _store_accounts(cursor, accounts, memory)
            with cursor.cursor.copy(
                "COPY detection_signalaccount (signal_id, account_id) FROM STDIN"
            ) as copy:
                copy.write(
                    "".join(
                        f"{created[s.external_id]}\t{account_id}\n"
                        for s in fresh
                        for account_id in {ids[a.external_id] for a in s.accounts}
                    )
                )
    if learned:
        transaction.on_commit(lambda: memory.learn(generation, learned))
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
