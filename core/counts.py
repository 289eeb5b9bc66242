"""Counts the database keeps as rows of deltas (cases.CaseCount, detection.SignalCount): every
writer adds its change as a row of its own, so writers never wait on one hot row, and a fold
run by beat sums the rows into one per key, so readers read a few rows however much was
counted.

A fold is one statement: DELETE every row, RETURNING them, and INSERT their sums. The DELETE
takes only the rows its snapshot sees, so a change counted meanwhile keeps its row for the next
fold; two folds at once cannot count a row twice (the second skips the rows the first
deleted)."""

from django.db import connection


def fold_statement(table: str, columns: tuple[str, ...], keys: tuple[str, ...] = ()) -> str:
    """The fold of `table`, whose rows are `columns` and a count `n`: one row per distinct
    `keys` (expressions over the columns, one per column; the columns themselves by default),
    rows summing to zero dropped. Built from the callers' constants, never from input."""
    names = ", ".join(columns)
    groups = ", ".join(str(i + 1) for i in range(len(columns)))
    return (
        f"WITH folded AS (DELETE FROM {table} RETURNING {names}, n) "
        f"INSERT INTO {table} ({names}, n) "
        f"SELECT {', '.join(keys or columns)}, sum(n) FROM folded "
        f"GROUP BY {groups} HAVING sum(n) <> 0"
    )


def fold(statement: str) -> int:
    """Run a fold; returns how many rows remain."""
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.rowcount
