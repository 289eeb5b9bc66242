"""Bulk loading with PostgreSQL's COPY, for seed and benchmark data."""

from collections.abc import Iterable
from datetime import datetime

from django.db import connection

ROW_BATCH = 20_000


def copy_value(value: datetime | None) -> str:
    """A timestamp in COPY's text format; None is NULL."""
    return value.isoformat() if value is not None else r"\N"


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
