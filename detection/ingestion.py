"""Storing a batch of signals with set-based SQL.

One transaction per batch, a fixed number of round trips whatever its size:

1. one statement (sent with the lock and the generation check, in one round trip) hands out ids
   for the signals if the first and the last are not stored (a new batch), else finds which are
   stored already (one probe of the unique index each) and hands out ids for the others; the new
   ones are then copied straight into their table, as a raw COPY would: a re-send stops at the
   probe, and new signals are written once, not staged first. The unique constraint on
   (detector, external_id) is what makes this exact, and re-sending harmless, including from
   eight threads at once: if one of them is stored (by a parallel batch since the probe, or in
   the middle of a batch taken to be new), the COPY fails on it, the batch's transaction is
   rolled back (to a savepoint within a larger transaction) and the signals go through a
   temporary table and ON CONFLICT DO NOTHING, whose RETURNING tells which this request created
   (the rest someone had already stored, and they touch nothing more);
2. the accounts the created signals name that this process does not know (known_accounts.py)
   are looked up (one probe each): the id of each stored one and which of the attributes given
   it are not stored; those not stored are inserted from arrays (one a column) with ON CONFLICT
   DO NOTHING, whose RETURNING tells which this transaction created (any other was stored by a
   parallel batch since the lookup, and is looked up again);
3. the attributes of accounts created here are new by construction, and are copied straight
   into their table; attributes not stored yet of other accounts are inserted from arrays with
   ON CONFLICT DO NOTHING;
4. the signals' links to their accounts, new by construction too, are copied straight in.

Rows that may conflict are always written in sorted key order so that two batches naming the
same new signals or accounts wait for each other instead of deadlocking; rows copied straight in
hang off a signal or an account this transaction created, which nobody else can name yet.

The commit is synchronous (PostgreSQL's default, which the embedded server keeps and a deployment
must keep: docs/durability.md): the 201 a detector receives means its signals are on disk, which
is what lets a detector that got an answer forget the batch."""

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import connection, transaction
from psycopg.errors import UniqueViolation

from core.pgcopy import copy_text, text_array, time_array

from .known_accounts import Known, KnownAccounts, attributes_unknown, known_accounts
from .models import Detector
from .validation import AccountIn, Attribute, ItemErrors, SignalIn, attributes_of

CREATED = "created"
DUPLICATE = "duplicate"
REJECTED = "rejected"

# The staging table of the way through a race (below) lives as long as the database connection.
# It is emptied at every commit; the DELETE covers a second batch within one transaction.
_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS quarry_signal_in (
    external_id text, kind text, severity text, confidence int, observed_at timestamptz,
    received_at timestamptz, summary text, observables jsonb, payload jsonb,
    account_external_ids text[]
) ON COMMIT DELETE ROWS;
DELETE FROM quarry_signal_in
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

# A batch whose first and last signals (in external_id order) are not stored is taken to be new
# throughout: ids are drawn for all of it at once, and no item is probed. A signal stored already
# in between makes the COPY fail on the unique constraint, and the batch goes the careful way.
# NULL (a re-send, mostly): probe every item.
_SIGNALS_IDS = """
SELECT CASE WHEN NOT EXISTS (
    SELECT 1 FROM detection_signal s WHERE s.detector_id = %s AND s.external_id = ANY(%s::text[])
) THEN ARRAY(
    SELECT nextval((SELECT pg_get_serial_sequence('detection_signal', 'id')::regclass))
    FROM generate_series(1, %s)
) END
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

# The accounts this process does not know, looked up before anything is inserted: the id of each
# stored one (NULL for the others), then, for each stored account, which of the attributes this
# batch gives it are not stored yet (by their ordinal in the arrays sent). One row per account
# and one per missing attribute, usually none: a batch naming 2,000 accounts another process
# stored reads back 2,000 small rows, not one per attribute. Every lookup is a probe of a unique
# key (the account's external id, the attribute's account, type and value), whatever the
# statistics say. A join read the whole account table into a hash for every batch (30 ms at
# 80,000 accounts, growing with the table); and after a purge, with statistics that took the
# tables for empty, the planner read each account's attributes through the index led by type
# and value (seconds a batch). OFFSET 0 keeps each lookup a probe, not a hash of the table.
_ACCOUNTS_LOOKUP = """
WITH account AS MATERIALIZED (
    SELECT i, (SELECT a.id FROM accounts_account a WHERE a.external_id = e OFFSET 0) AS id
    FROM unnest(%s::text[]) WITH ORDINALITY AS u(e, i)
)
SELECT i, id, NULL::bigint FROM account
UNION ALL
SELECT account.i, NULL, t.n
FROM account
JOIN unnest(%s::int[], %s::text[], %s::text[]) WITH ORDINALITY AS t(i, type, value, n)
    ON t.i = account.i
WHERE account.id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM accounts_accountattribute x
    WHERE x.account_id = account.id AND x.type = t.type AND x.value = t.value OFFSET 0
)
"""

# The accounts the lookup did not find, from one array a column (no staging table: nothing to
# create, fill and empty at commit). ON CONFLICT settles the race with a parallel batch that
# stored one of them since: RETURNING tells which this transaction created, and the others are
# looked up again by a new statement, which sees what that batch committed while this one waited
# on it.
_ACCOUNTS_INSERT = """
INSERT INTO accounts_account (external_id, name, email, organisation, country, signup_at,
    platform_status, first_seen_at)
SELECT external_id, name, email, organisation, country, signup_at, 'active', now()
FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::timestamptz[])
    AS t(external_id, name, email, organisation, country, signup_at)
ORDER BY external_id
ON CONFLICT (external_id) DO NOTHING
RETURNING external_id, id
"""

_ATTRIBUTES_INSERT = """
INSERT INTO accounts_accountattribute (account_id, type, value, first_seen_at)
SELECT t.account_id, t.type, t.value, now()
FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS t(account_id, type, value)
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
            elif account.attributes != seen.attributes and attributes_of(account):
                merged[account.external_id] = AccountIn(
                    external_id=seen.external_id,
                    name=seen.name,
                    email=seen.email,
                    organisation=seen.organisation,
                    country=seen.country,
                    signup_at=seen.signup_at,
                    attributes=list(dict.fromkeys(attributes_of(seen) + attributes_of(account))),
                )
    return merged


def _accounts_lookup(
    cursor, names: list[str], accounts: dict[str, AccountIn]
) -> tuple[dict[str, tuple[int, list[Attribute]]], list[str]]:
    """Of `names`, the stored accounts, each with its id and the attributes given it here that
    are not stored yet; and the names of those not stored."""
    given = [
        (n, x) for n, e in enumerate(names, 1) for x in dict.fromkeys(attributes_of(accounts[e]))
    ]
    cursor.execute(
        _ACCOUNTS_LOOKUP,
        [
            text_array(names),
            "{" + ",".join(str(n) for n, _ in given) + "}",
            text_array(x.type for _, x in given),
            text_array(x.value for _, x in given),
        ],
    )
    rows = cursor.fetchall()
    found: dict[str, tuple[int, list[Attribute]]] = {}
    absent: list[str] = []
    for i, account_id, n in rows:
        if n is None:
            if account_id is None:
                absent.append(names[i - 1])
            else:
                found[names[i - 1]] = (account_id, [])
    for i, _, n in rows:
        if n is not None:
            found[names[i - 1]][1].append(given[n - 1][1])
    return found, absent


def _store_accounts(
    cursor, accounts: dict[str, AccountIn], memory: KnownAccounts, plain_text: bool
) -> tuple[dict[str, int], dict[str, tuple[int, AccountIn]]]:
    """Store the accounts the created signals name and the attributes not yet stored. Returns
    every account's id, and what the batch teaches the memory once it commits."""
    seen: dict[str, Known | None] = memory.get_many(accounts)
    remembered = {e: known for e, known in seen.items() if known is not None}
    ids = {e: known.id for e, known in remembered.items()}
    created: dict[str, int] = {}
    stored_elsewhere: dict[str, tuple[int, list[Attribute]]] = {}
    unknown = [e for e in seen if e not in remembered]
    if unknown:
        stored_elsewhere, absent = _accounts_lookup(cursor, unknown, accounts)
        if absent:
            given = [accounts[e] for e in absent]
            cursor.execute(
                _ACCOUNTS_INSERT,
                [
                    text_array(absent),
                    text_array(a.name for a in given),
                    text_array(a.email for a in given),
                    text_array(a.organisation for a in given),
                    text_array(a.country for a in given),
                    time_array(a.signup_at for a in given),
                ],
            )
            created = dict(cursor.fetchall())
            raced = [e for e in absent if e not in created]
            if raced:
                # Stored by a parallel batch since the lookup: it committed before ON CONFLICT
                # let this statement go on, and no deletion can come between (INGEST_LOCK).
                more, gone = _accounts_lookup(cursor, raced, accounts)
                if gone:
                    raise RuntimeError(f"accounts neither created nor found: {gone[:5]}")
                stored_elsewhere.update(more)
        ids.update(created)
        for e, (account_id, _) in stored_elsewhere.items():
            ids[e] = account_id
    if created:
        # "now" as COPY reads it is the transaction's start, as now() is.
        _copy(
            cursor,
            "COPY accounts_accountattribute (account_id, type, value, first_seen_at) FROM STDIN",
            "".join(
                f"{account_id}\t{x.type}\t{x.value if plain_text else copy_text(x.value)}\tnow\n"
                for e, account_id in created.items()
                for x in dict.fromkeys(attributes_of(accounts[e]))
            ),
        )
    learned = {e: (account_id, accounts[e]) for e, account_id in created.items()}
    rows, changed = attributes_unknown(remembered, accounts)
    for e in changed:
        learned[e] = (ids[e], accounts[e])
    for e, (account_id, missing) in stored_elsewhere.items():
        learned[e] = (account_id, accounts[e])
        rows += [(account_id, x) for x in missing]
    if rows:
        cursor.execute(
            _ATTRIBUTES_INSERT,
            [
                "{" + ",".join(str(account_id) for account_id, _ in rows) + "}",
                text_array(x.type for _, x in rows),
                text_array(x.value for _, x in rows),
            ],
        )
    return ids, learned


def _copy(cursor, statement: str, data: str) -> None:
    """COPY text-format lines, built before the COPY starts (so that the server does not wait
    for Python meanwhile). psycopg's UniqueViolation comes out as it is (the raw cursor)."""
    with cursor.cursor.copy(statement) as copy:
        copy.write(data)


def _account_names(s: SignalIn) -> tuple[str, ...]:
    """The external ids of the accounts a signal names, each once, in order: what the signal's
    last column keeps, and the order its links are written in."""
    accounts = s.accounts
    if len(accounts) == 1:
        return (accounts[0].external_id,)
    if len(accounts) == 2:  # most signals name one or two accounts: no set needed
        a, b = accounts[0].external_id, accounts[1].external_id
        return (a, b) if a < b else (b, a) if b < a else (a,)
    return tuple(sorted({a.external_id for a in accounts}))


def _signal_line(s: SignalIn, named: tuple[str, ...]) -> str:
    """The columns from external_id on as a COPY text line, as both ways of storing signals
    copy them (written out here: psycopg's row-by-row adaptation costs several times more).
    received_at is "now": as COPY reads it, the transaction's start, as now() is. The last
    column is what the detector named (`named`, _account_names), kept beside the links for
    verify_integrity."""
    return (
        f"{copy_text(s.external_id)}\t{s.kind}\t{s.severity}\t{s.confidence}\t"
        f"{s.observed_at.isoformat()}\tnow\t{copy_text(s.summary)}\t"
        f"{copy_text(s.observables_json)}\t{copy_text(s.payload_json)}\t"
        f"{copy_text(text_array(named))}\n"
    )


def _signal_line_plain(s: SignalIn, named: tuple[str, ...]) -> str:
    """_signal_line for a signal none of whose text holds a backslash, tab, newline, carriage
    return or double quote: nothing to escape."""
    return (
        f"{s.external_id}\t{s.kind}\t{s.severity}\t{s.confidence}\t"
        f"{s.observed_at.isoformat()}\tnow\t{s.summary}\t"
        f"{s.observables_json}\t{s.payload_json}\t"
        + ('{"' + '","'.join(named) + '"}\n' if named else "{}\n")
    )


# How _signals_store meets a parallel batch that stored one of its signals after the probe:
SAVEPOINT = "savepoint"  # roll the COPY back to a savepoint and take the careful way
RAISE = "raise"  # let the COPY's UniqueViolation end the transaction (the caller runs it again)
CAREFUL = "careful"  # no COPY: the careful way at once


def _signals_store(
    cursor,
    detector_id: int,
    unique: list[SignalIn],
    line: Callable[[SignalIn, tuple[str, ...]], str],
    race: str,
    drawn: list[int] | None,
) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """Store the signals not stored yet (`unique` sorted by external_id) as `line` writes them;
    returns the id of each signal this call created, by external_id, and the names of the
    accounts of the signals it found new (_account_names: a re-sent batch computes none).
    `drawn`: what _SIGNALS_IDS answered (the caller sends it with its first statement), None
    to probe every signal."""
    if drawn is not None:
        new = unique
        ids = dict(zip([s.external_id for s in unique], drawn, strict=True))
    else:
        cursor.execute(_SIGNALS_NEW, [detector_id, text_array(s.external_id for s in unique)])
        ids = dict(cursor.fetchall())
        new = [s for s in unique if ids[s.external_id] is not None]
        if not new:
            return {}, {}
    names = {s.external_id: _account_names(s) for s in new}
    if race != CAREFUL:
        data = "".join(
            f"{ids[s.external_id]}\t{detector_id}\t{line(s, names[s.external_id])}" for s in new
        )
        try:
            with transaction.atomic() if race == SAVEPOINT else nullcontext():
                _copy(cursor, _SIGNALS_COPY, data)
            return {s.external_id: ids[s.external_id] for s in new}, names
        except UniqueViolation:
            if race == RAISE:
                raise
            # Rolled back to the savepoint: the careful way, below.
    cursor.execute(_STAGE)
    _copy(
        cursor,
        "COPY quarry_signal_in (external_id, kind, severity, confidence, observed_at, "
        "received_at, summary, observables, payload, account_external_ids) FROM STDIN",
        "".join(line(s, names[s.external_id]) for s in new),
    )
    cursor.execute(_SIGNALS_INSERT, [detector_id])
    return dict(cursor.fetchall()), names


def signal_ingest_batch(
    *, detector: Detector, signals: list[SignalIn], plain_text: bool = False
) -> IngestResult:
    """Store the signals a detector sent; each is created once, whoever sends it how often.
    `plain_text`: the caller vouches that no text of the signals holds a backslash, tab,
    newline, carriage return or double quote (as in a JSON body that holds no backslash, tab,
    newline or carriage return anywhere: validation.body_is_plain), so none needs escaping.

    A batch of its own (a push) copies its new signals without a savepoint; if a parallel
    batch stored one of them after the probe, the whole transaction is rolled back and the
    batch runs again the careful way. Within a larger transaction (a feed page, a test) the
    copy is guarded by a savepoint instead."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return _ingest(detector, signals, plain_text, SAVEPOINT)
    try:
        with transaction.atomic():
            return _ingest(detector, signals, plain_text, RAISE)
    except UniqueViolation:
        with transaction.atomic():
            return _ingest(detector, signals, plain_text, CAREFUL)


def _ingest(detector: Detector, signals: list[SignalIn], plain_text: bool, race: str):
    statuses = [DUPLICATE] * len(signals)
    first: dict[str, int] = {}
    for index, signal in enumerate(signals):
        first.setdefault(signal.external_id, index)
    if not first:
        return IngestResult(statuses)
    unique = [signals[first[e]] for e in sorted(first)]
    memory = known_accounts()
    with connection.cursor() as cursor:
        ends_probe = None
        if race != CAREFUL:
            ends = text_array({unique[0].external_id, unique[-1].external_id})
            ends_probe = (_SIGNALS_IDS, [detector.pk, ends, len(unique)])
        generation, probed = memory.begin(cursor, then=ends_probe)
        line = _signal_line_plain if plain_text else _signal_line
        drawn = probed[0] if probed is not None else None
        created, names = _signals_store(cursor, detector.pk, unique, line, race, drawn)
        if not created:
            return IngestResult(statuses)
        fresh = [s for s in unique if s.external_id in created]
        accounts = _merge_accounts(fresh)
        learned = {}
        if accounts:
            ids, learned = _store_accounts(cursor, accounts, memory, plain_text)
            _copy(
                cursor,
                "COPY detection_signalaccount (signal_id, account_id) FROM STDIN",
                "".join(
                    f"{created[s.external_id]}\t{ids[e]}\n"
                    for s in fresh
                    for e in names[s.external_id]
                ),
            )
    if learned:
        transaction.on_commit(lambda: memory.learn(generation, learned))
    for external_id in created:
        statuses[first[external_id]] = CREATED
    return IngestResult(statuses, sorted(created.values()))


def ingest_items(
    detector: Detector,
    items: list,
    convert: Callable[[object], SignalIn] | None,
    *,
    plain_text: bool = False,
) -> tuple[dict, list[int]]:
    """Validate every item, store the valid ones, and report on each by index (`plain_text`:
    see signal_ingest_batch). `convert` None: the items are signals checked already (the fast
    path's), and none is rejected."""
    rejected: list[dict] = []
    if convert is None:
        valid, positions = items, range(len(items))
    else:
        valid, positions = [], []
        for index, raw in enumerate(items):
            try:
                signal = convert(raw)
            except ItemErrors as exc:
                external_id = raw.get("external_id") if isinstance(raw, dict) else None
                rejected.append(
                    {
                        "index": index,
                        "external_id": external_id if isinstance(external_id, str) else None,
                        "status": REJECTED,
                        "errors": exc.errors,
                    }
                )
                continue
            valid.append(signal)
            positions.append(index)
    created_ids: list[int] = []
    statuses: list[str] = []
    if valid:
        result = signal_ingest_batch(detector=detector, signals=valid, plain_text=plain_text)
        created_ids, statuses = result.created_ids, result.statuses
    report = [
        {"index": index, "external_id": signal.external_id, "status": state}
        for signal, index, state in zip(valid, positions, statuses, strict=True)
    ]
    if rejected:
        report = sorted(report + rejected, key=lambda entry: entry["index"])
    totals = {
        CREATED: statuses.count(CREATED),
        DUPLICATE: statuses.count(DUPLICATE),
        REJECTED: len(rejected),
    }
    return {**totals, "items": report}, created_ids
