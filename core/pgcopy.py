"""Bulk loading with PostgreSQL's COPY: seed and benchmark data, and the values signal ingestion
copies."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connection
from psycopg import sql

ROW_BATCH = 20_000


def copy_value(value: datetime | None) -> str:
    """A timestamp in COPY's text format; None is NULL."""
    return value.isoformat() if value is not None else r"\N"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """A text value as a field of a COPY text-format line: backslash, tab, newline and carriage
    return escaped (most values have none, and are returned as they are)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def text_array(values: Iterable[str]) -> str:
    """A text[] in PostgreSQL's array literal form, for a `%s::text[]` parameter or a COPY column:
    psycopg adapts a list element by element in Python, several times slower. Every element is
    quoted, so commas, braces, spaces and NULL-like words stay text."""
    values = values if isinstance(values, list | tuple) else list(values)
    if not values:
        return "{}"
    joined = '","'.join(values)
    # Nearly always nothing to escape: two scans of the whole, not two replacements an element.
    # The separators hold two quotes each; any more are the values' own.
    if joined.count('"') != 2 * (len(values) - 1) or "\\" in joined:
        joined = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + joined + '"}'


def time_array(values: Iterable[datetime | None]) -> str:
    """A timestamptz[] in PostgreSQL's array literal form; None is NULL."""
    return "{" + ",".join("NULL" if v is None else f'"{v.isoformat()}"' for v in values) + "}"


def copy_rows(sql: str, lines: Iterable[str]) -> int:
    """COPY text-format lines (already tab-separated, nothing in them that needs escaping);
    how many were written."""
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor() as raw,
        raw.copy(sql) as copy,
    ):
        batch = []
        for line in lines:
            batch.append(line)
            count += 1
            if len(batch) >= ROW_BATCH:
                copy.write("".join(batch))
                batch = []
        if batch:
            copy.write("".join(batch))
    return count


# A table's secondary indexes (with the unique constraint each backs, if any), leaving out
# those a foreign key relies on.
_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname,
       pg_get_constraintdef(c.oid)
FROM pg_index i
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
ORDER BY 1
"""
_FOREIGN_KEYS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY 1
"""


def _constraint(verb: str, table: str, name: str, definition: str = "") -> sql.Composed:
    return sql.SQL("ALTER TABLE {} {} CONSTRAINT {} {}").format(
        sql.Identifier(table), sql.SQL(verb), sql.Identifier(name), sql.SQL(definition)
    )


def _indexes_drop(cursor, table: str) -> list[sql.Composable]:
    """Drop the table's secondary indexes and foreign keys; the statements that make them
    again, foreign keys last (each is then checked by one join)."""
    cursor.execute(_INDEXES, [table])
    indexes = cursor.fetchall()
    cursor.execute(_FOREIGN_KEYS, [table])
    keys = cursor.fetchall()
    rebuild: list[sql.Composable] = []
    for index, index_def, constraint, constraint_def in indexes:
        if constraint:
            cursor.execute(_constraint("DROP", table, constraint))
            rebuild.append(_constraint("ADD", table, constraint, constraint_def))
        else:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(index)))
            rebuild.append(sql.SQL(index_def))
    for constraint, constraint_def in keys:
        cursor.execute(_constraint("DROP", table, constraint))
        rebuild.append(_constraint("ADD", table, constraint, constraint_def))
    return rebuild


@contextmanager
def indexes_deferred(*tables: str) -> Iterator[bool]:
    """Inside a transaction: the tables' secondary indexes and foreign keys are dropped, and
    made again (same names, same definitions) on leaving, so that a bulk load builds each
    index once by sorting instead of inserting into it row by row, and checks each foreign
    key with one join instead of one probe per row. The tables stay locked (ACCESS EXCLUSIVE)
    until the transaction ends: this is for loading a database nothing else is using. Only a
    login that owns the tables may; for any other nothing changes. Yields whether it did."""
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_deferred needs a transaction: the drop and the rebuild are one")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bool_and(pg_has_role(relowner, 'USAGE')) FROM pg_class "
            "WHERE oid = ANY(%s::regclass[])",
            [list(tables)],
        )
        owner = cursor.fetchone()[0]
        rebuild = [s for table in tables for s in _indexes_drop(cursor, table)] if owner else []
    yield bool(owner)
    with connection.cursor() as cursor:
        for statement in rebuild:
            cursor.execute(statement)
