"""What this process knows to be stored: account ids and attributes that earlier batches committed.

A campaign's signals name the same few thousand accounts again and again, with the same
attributes. Looking each of them up costs the database an index probe per account and per
attribute, more than storing the signal itself; with this memory a batch sends only what the
process has not seen committed.

The memory is only ever a shortcut, never the truth. It is filled after a commit (a rolled-back
batch teaches it nothing), bounded in size, and thrown away whenever an account or an attribute
may have been deleted: a trigger (migration detection 0004) advances the sequence
`quarry_account_epoch` on every DELETE or TRUNCATE of those tables, under an exclusive advisory
lock that every ingesting transaction holds in shared mode from before it reads the sequence
until it commits. So a deletion waits for the batches in flight, and a batch that starts after
it sees the new epoch and forgets everything.

Ids can also go missing without a DELETE: a commit lost in a crash (an asynchronous commit, an
asynchronous standby promoted, a restore from an older backup) takes the accounts it created
with it, and the id sequence hands their ids out again to other accounts. The memory is
therefore tied to what the database itself proves it is: its system identifier, the database's
oid, and a token in the UNLOGGED table `quarry_database_generation` (migration detection 0007),
which PostgreSQL empties in crash recovery and which no standby or physical backup carries.
The first batch to find the table empty writes a new token; every process then sees a
generation it does not know and starts from nothing."""

import threading
from collections.abc import Iterable

import msgspec
from django.conf import settings
from django.db import connection

from core.locks import ACCOUNTS_INGEST

from .validation import AccountIn, Attribute, attributes_of, attributes_wire

# Two-key advisory lock "ingestion against deletion of accounts" (the trigger of migration 0009
# takes its exclusive side).
INGEST_LOCK = (ACCOUNTS_INGEST, 0)


class Known:
    """One remembered account: its id, and its attributes packed into one string (NUL-separated
    type and value, pairs separated by two NULs; validation lets no NUL into either, and no
    value is empty, so a pair can only match whole). A few objects per account instead of dozens,
    none of them borrowed from a parsed batch, keep a worker's memory flat.

    `wire`: the JSON text of the attributes as a batch last sent them (a copy, not a slice of
    that batch's body), or None. Every attribute it holds is stored, and the fast path found it
    valid: a batch that sends the very same text sends nothing new (validation.attributes_of)."""

    __slots__ = ("id", "packed", "wire")

    def __init__(
        self, account_id: int, attributes: Iterable[Attribute], wire: msgspec.Raw | None = None
    ):
        self.id = account_id
        self.packed = (
            "\0\0" + "\0\0".join(sorted({f"{x.type}\0{x.value}" for x in attributes})) + "\0\0"
        )
        self.wire = wire

    def attributes(self) -> list[Attribute]:
        return [Attribute(*p.split("\0")) for p in self.packed.strip("\0").split("\0\0") if p]


def attributes_unknown(
    known: dict[str, Known], accounts: dict[str, AccountIn]
) -> tuple[list[tuple[int, Attribute]], list[str]]:
    """For remembered accounts (`known`, by external id): each (account id, attribute) of
    `accounts` not remembered, and the external ids of the accounts that have one (one loop
    over a batch's thousands of accounts, without a call or a list for each)."""
    rows: list[tuple[int, Attribute]] = []
    changed: list[str] = []
    for external_id, remembered in known.items():
        account = accounts[external_id]
        if account.attributes == remembered.wire:
            continue  # the very text of attributes stored already (Known)
        packed = remembered.packed
        before = len(rows)
        for x in attributes_of(account):
            if f"\0\0{x.type}\0{x.value}\0\0" not in packed:
                rows.append((remembered.id, x))
        if len(rows) != before:
            changed.append(external_id)
    return rows, changed


# The epoch of deletions and what makes this database this database (module docstring). A
# sequence is read outside any snapshot: this sees every epoch advanced so far, including by a
# deletion that committed while the transaction waited for the lock.
_GENERATION = """
SELECT e.last_value, g.token, (pg_control_system()).system_identifier, d.oid
FROM quarry_account_epoch e
CROSS JOIN pg_database d
LEFT JOIN quarry_database_generation g ON g.id = 1
WHERE d.datname = current_database()
"""

# After crash recovery the table is empty: the first transaction to look starts a generation.
# ON CONFLICT: another batch got there first; its token is read back below.
_GENERATION_START = """
INSERT INTO quarry_database_generation (id) VALUES (1) ON CONFLICT (id) DO NOTHING
"""

Generation = tuple  # (epoch, token, system identifier, database oid)


# One round trip: the shared side of the lock, then the generation, read by a statement that
# runs once the lock is held (the statements run in order), then whatever the caller sends along.
_LOCK_AND_GENERATION = "SELECT pg_advisory_xact_lock_shared({}, {}); {}"


def database_generation(
    cursor, then: tuple[str, list] | None = None
) -> tuple[Generation, tuple | None]:
    """Join the ingestion side of the lock, then read the generation (starting one if the table
    is empty). `then`, a statement and its parameters, runs in the same round trip, after the
    lock is held; its first row comes back beside the generation (None without `then`)."""
    statement = _LOCK_AND_GENERATION.format(*INGEST_LOCK, _GENERATION)
    if then is None:
        cursor.execute(statement)
    else:
        cursor.execute(f"{statement}; {then[0]}", then[1])
    cursor.nextset()
    generation = cursor.fetchone()
    following = None
    if then is not None:
        cursor.nextset()
        following = cursor.fetchone()
    if generation[1] is None:
        cursor.execute(_GENERATION_START)
        cursor.execute(_GENERATION)
        generation = cursor.fetchone()
    return tuple(generation), following


class KnownAccounts:
    def __init__(self, limit: int):
        self.limit = limit
        self.generation: Generation | None = None
        # By external id, as the batch's text: a key made per lookup (bytes, say) costs an
        # allocation and a hash each time, where the batch's strings hash once.
        self.accounts: dict[str, Known] = {}
        self.lock = threading.Lock()

    def begin(
        self, cursor, then: tuple[str, list] | None = None
    ) -> tuple[Generation, tuple | None]:
        """Join the ingestion side of the lock, then check the generation; returns it, and the
        first row of `then` (database_generation)."""
        generation, following = database_generation(cursor, then)
        with self.lock:
            if generation != self.generation:
                self.accounts = {}
                self.generation = generation
        return generation, following

    def get(self, external_id: str) -> Known | None:
        return self.accounts.get(external_id)

    def get_many(self, external_ids: Iterable[str]) -> dict[str, Known | None]:
        get = self.accounts.get
        return {e: get(e) for e in external_ids}

    def wire(self, external_id: str) -> msgspec.Raw | None:
        """The JSON text of attributes known to be stored for the account (Known.wire)."""
        known = self.accounts.get(external_id)
        return None if known is None else known.wire

    def learn(self, generation: Generation, stored: dict[str, tuple[int, AccountIn]]):
        """After a commit: these accounts (by external id, with their ids) exist with (at least)
        these attributes."""
        with self.lock:
            if generation != self.generation:
                return
            if len(self.accounts) + len(stored) > self.limit:
                self.accounts = {}
            for external_id, (account_id, account) in stored.items():
                attributes = attributes_of(account)
                wire = attributes_wire(account)
                seen = self.accounts.get(external_id)
                if seen is not None and seen.id == account_id:
                    attributes = [*seen.attributes(), *attributes]
                    if wire is None:
                        wire = seen.wire
                self.accounts[external_id] = Known(
                    account_id, attributes, None if wire is None else wire.copy()
                )


_memories: dict[tuple, KnownAccounts] = {}


def known_accounts() -> KnownAccounts:
    """The memory for the database this connection points at (tests switch databases)."""
    db = connection.settings_dict
    key = (db["HOST"], db["PORT"], db["NAME"])
    memory = _memories.get(key)
    if memory is None:
        memory = _memories.setdefault(key, KnownAccounts(settings.QUARRY_INGEST_KNOWN_ACCOUNTS))
    return memory
