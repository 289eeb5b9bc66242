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
it sees the new epoch and forgets everything."""

import threading
from collections.abc import Iterable

from django.conf import settings
from django.db import connection

from core.locks import ACCOUNTS_INGEST

from .validation import Attribute

# Two-key advisory lock "ingestion against deletion of accounts" (the trigger of migration 0007
# takes its exclusive side).
INGEST_LOCK = (ACCOUNTS_INGEST, 0)


class Known:
    """One remembered account: its id, and its attributes packed into one string (NUL-separated
    type and value, pairs separated by two NULs; validation lets no NUL into either, and no
    value is empty, so a pair can only match whole). A few objects per account instead of dozens,
    none of them borrowed from a parsed batch, keep a worker's memory flat."""

    __slots__ = ("id", "packed")

    def __init__(self, account_id: int, attributes: Iterable[Attribute]):
        self.id = account_id
        self.packed = (
            "\0\0" + "\0\0".join(sorted({f"{x.type}\0{x.value}" for x in attributes})) + "\0\0"
        )

    def missing(self, attributes: Iterable[Attribute]) -> list[Attribute]:
        """Those of the attributes not remembered (one call per account: this runs for every
        account of every batch)."""
        packed = self.packed
        return [x for x in attributes if f"\0\0{x.type}\0{x.value}\0\0" not in packed]

    def attributes(self) -> list[Attribute]:
        return [Attribute(*p.split("\0")) for p in self.packed.strip("\0").split("\0\0") if p]


class KnownAccounts:
    def __init__(self, limit: int):
        self.limit = limit
        self.epoch: int | None = None
        self.accounts: dict[bytes, Known] = {}
        self.lock = threading.Lock()

    def begin(self, cursor) -> int:
        """Join the ingestion side of the lock, then check the epoch; returns it."""
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", INGEST_LOCK)
        # A sequence is read outside any snapshot: this sees every epoch advanced so far,
        # including by a deletion that committed while this transaction waited for the lock.
        cursor.execute("SELECT last_value FROM quarry_account_epoch")
        (epoch,) = cursor.fetchone()
        with self.lock:
            if epoch != self.epoch:
                self.accounts = {}
                self.epoch = epoch
        return epoch

    def get(self, external_id: str) -> Known | None:
        return self.accounts.get(external_id.encode())

    def learn(self, epoch: int, stored: dict[str, tuple[int, list[Attribute]]]):
        """After a commit: these accounts exist with (at least) these attributes."""
        with self.lock:
            if epoch != self.epoch:
                return
            if len(self.accounts) + len(stored) > self.limit:
                self.accounts = {}
            for external_id, (account_id, attributes) in stored.items():
                key = external_id.encode()
                seen = self.accounts.get(key)
                if seen is not None and seen.id == account_id:
                    attributes = [*seen.attributes(), *attributes]
                self.accounts[key] = Known(account_id, attributes)


_memories: dict[tuple, KnownAccounts] = {}


def known_accounts() -> KnownAccounts:
    """The memory for the database this connection points at (tests switch databases)."""
    db = connection.settings_dict
    key = (db["HOST"], db["PORT"], db["NAME"])
    memory = _memories.get(key)
    if memory is None:
        memory = _memories.setdefault(key, KnownAccounts(settings.QUARRY_INGEST_KNOWN_ACCOUNTS))
    return memory
