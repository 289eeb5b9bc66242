"""Reads about detectors and their signals. Signals about accounts (the account and cluster
pages) are read here, where signals live; anything that shows cases goes through
cases.selectors.cases_visible_to."""

from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate

from accounts.models import Account, Cluster
from cases.selectors import cases_visible_to

from .feeds import feed_health
from .models import Detector, DetectorMode, Signal, SignalAccount


def detector_status(detector: Detector) -> dict:
    """What a detector may read about itself: never its token, its secret or anyone's cases."""
    detector = Detector.objects.get(pk=detector.pk)
    status = {
        "name": detector.name,
        "mode": detector.mode,
        "enabled": detector.enabled,
        "token_prefix": detector.token_prefix,
        "signs_requests": bool(detector.hmac_secret),
        "last_success_at": detector.last_success_at,
        "last_error_at": detector.last_error_at,
        "last_error": detector.last_error,
    }
    if detector.mode == DetectorMode.PULL:
        status["feed"] = feed_health(detector)
    return status


def _visible_cases_sql(user, among: str) -> tuple[str, tuple]:
    """cases_visible_to(user) as SQL selecting case ids, checked only for the cases `among`
    (SQL selecting case ids) names, for the raw queries below."""
    visible = cases_visible_to(user)
    if visible.query.is_empty():
        return "SELECT NULL::bigint WHERE false", ()
    among_cases = visible.filter(pk__in=RawSQL(among, ())).values("pk").order_by()
    return among_cases.query.sql_with_params()


# The account's signals, newest first, cut to a window; the visible ones in it, newest first.
# Both CTEs are fences: left to itself the planner walks the whole signal table backwards by
# observed_at, probing each signal for a link to this account (2.6 s for an account with no
# signals on a 500,000-signal table), or hashes the whole table. OFFSET 0 keeps each signal a
# lookup by id.
ACCOUNT_SIGNALS_SQL = """
WITH mine AS MATERIALIZED (
    SELECT s.id, s.observed_at, s.case_id
    FROM detection_signalaccount sa CROSS JOIN LATERAL (
        SELECT id, observed_at, case_id FROM detection_signal WHERE id = sa.signal_id OFFSET 0
    ) s
    WHERE sa.account_id = %s
), newest AS MATERIALIZED (
    SELECT id, observed_at, case_id FROM mine ORDER BY observed_at DESC, id DESC LIMIT %s
)
SELECT (SELECT count(*) FROM newest), ARRAY(
    SELECT id FROM newest WHERE case_id IS NULL OR case_id IN ({visible})
    ORDER BY observed_at DESC, id DESC LIMIT %s
)
"""


def account_signals(account: Account, user, *, limit: int = 50) -> QuerySet[Signal]:
    """Signals about the account, newest first, except those routed to a case hidden from the
    user.

    Only the account's signals are read and sorted. Need-to-know is then checked on the newest
    few of them (a window) rather than on every case the account was ever in, which costs more
    than the rest once the account has tens of thousands of signals. The first `limit` visible
    ones in the window are the answer; if the window holds fewer, the window was too small
    only when it was full, and the next one is eight times as large."""
    visible_sql, visible_params = _visible_cases_sql(user, "SELECT case_id FROM newest")
    sql = ACCOUNT_SIGNALS_SQL.format(visible=visible_sql)
    window = limit * 4
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [account.pk, window, *visible_params, limit])
            seen, ids = cursor.fetchone()
        if len(ids) >= limit or seen < window:
            break
        window *= 8
    return (
        Signal.objects.filter(pk__in=ids).select_related("detector").order_by("-observed_at", "-pk")
    )


def cluster_signal_volume(cluster: Cluster) -> list[dict]:
    """Signals about the cluster's members per day."""
    return list(
        SignalAccount.objects.filter(account__cluster_membership__cluster=cluster)
        .annotate(day=TruncDate("signal__observed_at"))
        .values("day")
        .annotate(signals=Count("signal", distinct=True))
        .order_by("day")
    )
