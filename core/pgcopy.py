"""Bulk loading with PostgreSQL's COPY: seed and benchmark data, and the values signal ingestion
copies."""

from collections.abc import Iterable
from datetime import datetime

from django.db import connection

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
    return (
        "{"
        + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
        + "}"
    )


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
