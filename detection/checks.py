"""Start-up checks of the detection settings (`manage.py check`, and every command that runs
the checks: migrate, runserver, the worker's start-up through Django)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def feed_lease_outlasts_a_poll(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A feed's lease must outlast the longest poll: its time budget plus one page's request
    timeout. Otherwise a second worker can claim the feed while the first is still storing pages,
    and the two race for the cursor (the compare-and-set keeps data exact, but one poll's work is
    wasted and the feed is fetched twice)."""
    lease = settings.QUARRY_FEED_LEASE_SECONDS
    longest = settings.QUARRY_FEED_POLL_BUDGET_SECONDS + settings.QUARRY_FEED_TIMEOUT_SECONDS
    if lease > longest:
        return []
    return [
        checks.Error(
            f"QUARRY_FEED_LEASE_SECONDS ({lease}) must be greater than "
            f"QUARRY_FEED_POLL_BUDGET_SECONDS + QUARRY_FEED_TIMEOUT_SECONDS ({longest}).",
            hint="Raise the lease, or lower the poll budget or the feed timeout.",
            id="quarry.E001",
        )
    ]
