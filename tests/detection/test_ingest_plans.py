"""Ingestion's statements cost a few index probes per account whatever the planner's statistics
say. After a purge, an ANALYZE that finds pages but no live rows makes the planner take the
account tables for empty however much they grow afterwards; a join between the batch's accounts
and their attributes then compared every stored attribute with every account of the batch
(seconds a batch, quadratic in the table). The work of each statement is read from EXPLAIN
ANALYZE as the rows its plan's nodes produced, which does not depend on the machine's speed."""

import json

import pytest
from django.db import connection

from accounts.models import Account, AccountAttribute
from core.pgcopy import text_array, time_array
from detection import ingestion
from detection.ingestion import CREATED, signal_ingest_batch
from detection.known_accounts import known_accounts
from detection.models import SignalAccount
from detection.services import detector_create
from detection.validation import signal_validate

from ..database import as_superuser
from .conftest import signal_json

OTHERS = 3000  # accounts another process stored, with 3 attributes each
TYPES = ("ip", "device_fingerprint", "payment_fingerprint")


def _work(cursor, statement: str, params: list) -> int:
    """The rows every node of the statement's plan produced, summed over its loops."""
    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
    plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    total, nodes = 0, [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        total += node["Actual Rows"] * node["Actual Loops"]
        nodes.extend(node.get("Plans", []))
    return total


def _accounts_with_attributes(cursor, prefix: str, count: int) -> None:
    cursor.execute(
        "INSERT INTO accounts_account (external_id, name, email, organisation, country, "
        "platform_status, first_seen_at) SELECT %s || g, '', '', '', '', 'active', now() "
        "FROM generate_series(1, %s) g",
        [prefix, count],
    )
    cursor.execute(
        "INSERT INTO accounts_accountattribute (account_id, type, value, first_seen_at) "
        "SELECT a.id, t, t || '-' || a.external_id, now() FROM accounts_account a, "
        "unnest(%s::text[]) t WHERE a.external_id LIKE %s",
        [list(TYPES), prefix + "%"],
    )


@pytest.fixture
def stale_statistics():
    """Account tables holding OTHERS accounts whose statistics say they hold none, with pages,
    as an ANALYZE just after a purge leaves them: written into pg_class for this test's
    transaction only (it is rolled back with the test)."""
    with connection.cursor() as cursor:
        _accounts_with_attributes(cursor, "other-", OTHERS)
    with as_superuser(triggers=True) as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = 0, relpages = greatest(1, pg_relation_size(oid) / 8192) "
            "WHERE oid IN (SELECT 'accounts_account'::regclass "
            "UNION SELECT 'accounts_accountattribute'::regclass "
            "UNION SELECT indexrelid FROM pg_index WHERE indrelid IN "
            "('accounts_account'::regclass, 'accounts_accountattribute'::regclass))"
        )


@pytest.mark.django_db
def test_looking_accounts_up_probes_each_key_once_and_reads_back_only_what_is_missing(
    stale_statistics,
):
    # 1,000 accounts another process stored, one of whose attributes each is new here, and 500
    # accounts nobody stored.
    names = [f"other-{n}" for n in range(1, 1001)] + [f"new-{n}" for n in range(500)]
    given = [(n, t, f"{t}-other-{n}") for n in range(1, 1001) for t in TYPES]
    given += [(n, "email_domain", f"{n}.example") for n in range(1, 1001)]
    given += [(1000 + n, "ip", f"ip-new-{n}") for n in range(1, 501)]
    given.sort()
    params = [
        text_array(names),
        "{" + ",".join(str(n) for n, *_ in given) + "}",
        text_array(t for _, t, _ in given),
        text_array(v for *_, v in given),
    ]
    with connection.cursor() as cursor:
        work = _work(cursor, ingestion._ACCOUNTS_LOOKUP, params)
        # A join with the attributes, as this statement once was, produced 9,000,000 rows here.
        assert work <= 8 * len(given)
        cursor.execute(ingestion._ACCOUNTS_LOOKUP, params)
        rows = cursor.fetchall()
    accounts = {i: account_id for i, account_id, n in rows if n is None}
    missing = [given[n - 1] for _, _, n in rows if n is not None]
    assert len(accounts) == len(names)
    assert all(accounts[i] is not None for i in range(1, 1001))
    assert all(accounts[i] is None for i in range(1001, 1501))
    # Only the attributes not stored: not the stored ones, not those of accounts not stored.
    assert sorted(missing) == [(n, "email_domain", f"{n}.example") for n in range(1, 1001)]
    assert len(rows) == len(names) + 1000


@pytest.mark.django_db
def test_inserting_accounts_and_attributes_probes_each_once(stale_statistics):
    names = [f"other-{n}" for n in range(1, 501)] + [f"new-{n}" for n in range(500)]
    attributes = [(f"other-{n}", t) for n in range(1, 1001) for t in TYPES]
    with connection.cursor() as cursor:
        blank = text_array([""] * len(names))
        work = _work(
            cursor,
            ingestion._ACCOUNTS_INSERT,
            [text_array(names), blank, blank, blank, blank, time_array([None] * len(names))],
        )
        assert work <= 5 * len(names)
        cursor.execute(
            "SELECT external_id, id FROM accounts_account WHERE external_id LIKE 'other-%'"
        )
        ids = dict(cursor.fetchall())
        work = _work(
            cursor,
            ingestion._ATTRIBUTES_INSERT,
            [
                "{" + ",".join(str(ids[e]) for e, _ in attributes) + "}",
                text_array(t for _, t in attributes),
                text_array(f"{t}-{e}" for e, t in attributes),
            ],
        )
        assert work <= 3 * len(attributes)
    assert AccountAttribute.objects.filter(account__external_id__startswith="other-").count() == (
        3 * OTHERS
    )


@pytest.mark.django_db
def test_a_batch_naming_accounts_stored_elsewhere_links_them_and_adds_only_new_attributes(
    stale_statistics, django_capture_on_commit_callbacks
):
    detector, _ = detector_create(name="prada")
    named = [f"other-{n}" for n in range(1, 201)]
    items = []
    for n, external_id in enumerate(named):
        item = signal_json(n)
        item["accounts"] = [
            {
                "external_id": external_id,
                # One stored attribute, one the account did not have.
                "attributes": [
                    {"type": "ip", "value": f"ip-{external_id}"},
                    {"type": "email_domain", "value": f"{n}.example"},
                ],
            }
        ]
        items.append(signal_validate(item))
    assert known_accounts().get(named[0]) is None
    with django_capture_on_commit_callbacks(execute=True):
        result = signal_ingest_batch(detector=detector, signals=items)
    assert result.statuses == [CREATED] * len(named)

    for n, external_id in enumerate(named[:5]):
        account = Account.objects.get(external_id=external_id)
        links = SignalAccount.objects.filter(account=account)
        assert list(links.values_list("signal__external_id", flat=True)) == [items[n].external_id]
        assert sorted(account.attributes.values_list("type", "value")) == sorted(
            [(t, f"{t}-{external_id}") for t in TYPES] + [("email_domain", f"{n}.example")]
        )
    assert Account.objects.filter(external_id__startswith="other-").count() == OTHERS
    remembered = known_accounts().get(named[0])
    assert remembered is not None
    assert remembered.id == Account.objects.get(external_id=named[0]).pk
