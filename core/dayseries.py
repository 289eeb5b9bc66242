"""Charts over days: every day between the first and the last, empty days as zero, so that the
x axis is a time axis (a quiet week shows as a gap, not as nothing)."""

from datetime import date, timedelta

# A chart over a longer stretch shows its latest days only.
MAX_DAYS = 400


def days_between(labels: list[str], *, start: date | None = None, end: date | None = None):
    """Every day, as ISO text, from `start` (or the earliest label) to `end` (or the latest)."""
    if not labels and (start is None or end is None):
        return []
    first = start or date.fromisoformat(min(labels))
    last = end or date.fromisoformat(max(labels))
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
