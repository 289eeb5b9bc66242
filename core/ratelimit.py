"""Request budgets shared by every web process: one row and one statement per request.

A budget of N requests per period is kept as a generic cell rate algorithm (GCRA): each key
has a theoretical arrival time (TAT). A request moves it one emission interval (period / N)
later, from now if it lies in the past; the request is refused when that would put it more
than one period ahead of now. So a client may spend its N requests at once, and after that
gets one every period / N: N per period sustained, as the settings say, and never a burst of
2N at the edge of a fixed window.

The rows live in an UNLOGGED table (core migration 0005): a budget is worth no disk write, and
a transaction that writes only unlogged tables commits without waiting for the disk. A crash
empties the table, which forgives every client once. The rate is part of the key, so a budget
changed in the settings starts afresh rather than inheriting times computed at the old rate."""

import itertools
from datetime import timedelta

from django.db import connection

# One statement: the first request of a key inserts it; later ones move its TAT only if the
# request is allowed (a refused request changes nothing). No row back means refused.
_TAKE = """
INSERT INTO quarry_rate_limit AS r (key, tat) VALUES (%(key)s, clock_timestamp() + %(step)s)
ON CONFLICT (key) DO UPDATE SET tat = greatest(r.tat, clock_timestamp()) + %(step)s
WHERE greatest(r.tat, clock_timestamp()) + %(step)s - %(period)s <= clock_timestamp()
RETURNING r.xmax = 0
"""

# How long a refused request waits before the next one would be allowed.
_WAIT = """
SELECT extract(epoch FROM greatest(tat, clock_timestamp()) + %(step)s - %(period)s
    - clock_timestamp())
FROM quarry_rate_limit WHERE key = %(key)s
"""

# A key whose TAT has passed holds no state (it means what an absent key means): such rows are
# removed at every FORGET_EVERY-th new key a process sees, so callers from ever new addresses
# cannot grow the table.
_FORGET = "DELETE FROM quarry_rate_limit WHERE tat < clock_timestamp()"
FORGET_EVERY = 64
_new_keys = itertools.count(1)


def rate_take(key: str, requests: int, period_seconds: float) -> float | None:
    """Spend one request of `key`'s budget of `requests` per `period_seconds`: None if allowed,
    else the seconds to wait until the next request would be."""
    params = {
        "key": f"{key}@{requests}/{period_seconds:g}",
        "step": timedelta(seconds=period_seconds / requests),
        "period": timedelta(seconds=period_seconds),
    }
    with connection.cursor() as cursor:
        cursor.execute(_TAKE, params)
        row = cursor.fetchone()
        if row is not None:
            if row[0] and next(_new_keys) % FORGET_EVERY == 0:
                cursor.execute(_FORGET)
            return None
        cursor.execute(_WAIT, params)
        row = cursor.fetchone()
    return max(float(row[0]), 0.0) if row is not None else 0.0


def rate_limits_forget() -> None:
    """Every budget starts afresh (tests, and an operator lifting a lock-out)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM quarry_rate_limit")
