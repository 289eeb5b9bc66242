"""Fill a database fast for benchmarks: cases (each with a correct `case.created` audit event),
accounts with attributes and case links, and signals with the accounts they are about, all
written with COPY.

Each signal is about one account. One account (the first of the run) is the subject of
`--big-account-signals` of them, the account-page benchmark's busiest account; the others are
drawn from the first half of the run's accounts, so the second half has no signals at all.

    python manage.py seed_bench --cases 50000 --signals 1000000 --accounts 100000

Runs on top of whatever is there: its rows carry a fresh run tag, and case numbers are reserved
from the same counter `case_create` uses, so later cases never collide with them. Run as the
owner login (DATABASE_URL = the owner's, as bench_scale does), it loads the tables without their
secondary indexes and foreign keys and makes those again at the end: 10M signals in about four
minutes instead of ten. The tables are then locked until it commits: seed a database of its
own."""

import random
import secrets
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accounts.models import AttributeType, CaseAccountRole, Enforcement
from cases.bulk import CaseLoad, case_numbers_reserve, cases_created_events_load, cases_load
from cases.counts import case_counts_compact
from cases.models import Resolution, Severity, State
from core.pgcopy import copy_rows, copy_value, indexes_deferred
from core.roles import INVESTIGATOR, LEAD
from detection.counts import signal_counts_compact
from detection.models import Detector, SignalKind

User = get_user_model()

BIG_CASE_TAG = "bench-big"
ACTORS = ["Hydra Group", "Northwind AI", "Copperhead Labs", "Blue Lantern", "Vector Nine", ""]
PROVIDERS = ["residential", "datacenter", "mobile", "hosting", "vpn"]
TOPICS = [
    "distillation via proxy cluster",
    "chain-of-thought elicitation campaign",
    "capability harvesting on coding tasks",
    "resold API keys",
    "sign-up burst through weak verification",
    "shared payment instruments",
    "release pivot after model launch",
]
TAGS = ["distillation", "proxy", "payments", "cot", "keys", "partner", "hydra", "urgent"]
STATE_WEIGHTS = [
    (State.NEW, 15),
    (State.TRIAGE, 15),
    (State.INVESTIGATING, 30),
    (State.ENFORCEMENT, 10),
    (State.LEGAL_REVIEW, 5),
    (State.REFERRED, 3),
    (State.CLOSED, 22),
]
SEVERITIES = Severity.values
# Loaded without their secondary indexes and foreign keys when the login owns them (the
# owner's login, as bench_scale seeds): each index is then built once, by sorting.
LOADED_TABLES = (
    "cases_case",
    "cases_caseevent",
    "cases_casemember",
    "accounts_account",
    "accounts_accountattribute",
    "accounts_caseaccount",
    "detection_signal",
    "detection_signalaccount",
)


def _pick(param: str, type_: str, length: int) -> str:
    """SQL for one element of the array parameter `param`, drawn at random for each row."""
    return f"(%({param})s::{type_}[])[1 + floor(random() * {int(length)})::int]"


class Command(BaseCommand):
    help = "Load benchmark-sized data with COPY: cases, audit events, accounts, signals."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=50_000)
        parser.add_argument("--signals", type=int, default=1_000_000)
        parser.add_argument("--accounts", type=int, default=100_000)
        parser.add_argument(
            "--big-case-signals",
            type=int,
            default=10_000,
            help=f"signals on one case, tagged {BIG_CASE_TAG!r} (the case-page benchmark)",
        )
        parser.add_argument(
            "--big-account-signals",
            type=int,
            default=20_000,
            help="signals about the run's first account (the account-page benchmark)",
        )
        parser.add_argument("--seed", type=int, default=5)

    def handle(self, *args, cases: int, signals: int, accounts: int, **options):
        self.rng = random.Random(options["seed"])
        self.run = secrets.token_hex(3)
        self.now = datetime.now(UTC)
        started = time.perf_counter()
        with transaction.atomic():
            users = self._users()
            detectors = self._detectors()
            with indexes_deferred(*LOADED_TABLES) as deferred:
                case_rows = self._cases(cases, users)
                self._events(case_rows, users)
                account_ids = self._accounts(accounts)
                self._links(case_rows, account_ids)
                self._signals(signals, options["big_case_signals"], case_rows, detectors)
                self._signal_accounts(signals, options["big_account_signals"], account_ids)
                rebuilt = time.perf_counter()
            if deferred:
                self.stdout.write(
                    f"  indexes and foreign keys made again in {time.perf_counter() - rebuilt:.1f}s"
                )
        # What beat does every few minutes: fold the dashboard's kept counts.
        case_counts_compact()
        signal_counts_compact()
        with connection.cursor() as cursor:
            for table in (*LOADED_TABLES, "detection_signalcount", "cases_casecount"):
                cursor.execute(f"ANALYZE {table}")
        self.stdout.write(
            f"seed_bench run {self.run}: {cases} cases, {signals} signals, {accounts} accounts "
            f"in {time.perf_counter() - started:.1f}s"
        )

    def _step(self, label: str, started: float, n: int) -> None:
        self.stdout.write(f"  {label}: {n} rows in {time.perf_counter() - started:.1f}s")

    def _users(self) -> list:
        lead_group, _ = Group.objects.get_or_create(name=LEAD)
        inv_group, _ = Group.objects.get_or_create(name=INVESTIGATOR)
        lead, created = User.objects.get_or_create(
            username="bench_lead", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            lead.set_unusable_password()
            lead.save()
        lead.groups.add(lead_group)
        investigators = []
        for i in range(1, 9):
            user, created = User.objects.get_or_create(username=f"bench_inv{i}")
            if created:
                user.set_unusable_password()
                user.save()
            user.groups.add(inv_group)
            investigators.append(user)
        return [lead, *investigators]

    def _detectors(self) -> list[int]:
        ids = []
        for name in ("bench-volume", "bench-cot", "bench-payments", "bench-infra", "bench-partner"):
            detector, _ = Detector.objects.get_or_create(name=name)
            ids.append(detector.pk)
        return ids

    def _cases(self, n: int, users: list) -> list[CaseLoad]:
        started = time.perf_counter()
        rng = self.rng
        states = [s for s, _ in STATE_WEIGHTS]
        weights = [w for _, w in STATE_WEIGHTS]
        rows = []
        for number in case_numbers_reserve(n, self.now.year):
            created = self.now - timedelta(seconds=rng.randint(0, 365 * 86400))
            severity = rng.choice(SEVERITIES)
            state = rng.choices(states, weights)[0]
            actor = rng.choice(ACTORS)
            sla = settings.QUARRY_SLA[severity]
            creator = rng.choice(users)
            rows.append(
                CaseLoad(
                    number=number,
                    title=f"{actor or 'Unattributed'} {rng.choice(TOPICS)}",
                    summary=(
                        f"Traffic through {rng.choice(PROVIDERS)} proxies; "
                        f"{rng.randint(10, 5000)} accounts involved."
                    ),
                    severity=severity,
                    state=state,
                    suspected_actor=actor,
                    assignee_id=rng.choice(users[1:]).pk if rng.random() < 0.7 else None,
                    restricted=rng.random() < 0.02,
                    tags=sorted(set(rng.sample(TAGS, rng.randint(0, 3)))),
                    created_by=creator,
                    created_at=created,
                    updated_at=created + timedelta(seconds=rng.randint(0, 30 * 86400)),
                    triage_due_at=created + sla["triage"],
                    resolve_due_at=created + sla["resolve"],
                )
            )
        rows[0].tags = [BIG_CASE_TAG]
        rows[0].state = State.INVESTIGATING
        for r in rows:
            if r.state == State.CLOSED:
                r.resolution = Resolution.FALSE_POSITIVE
                r.closing_summary = "Closed by seed_bench."
                r.closed_at = r.updated_at
        count = cases_load(rows)
        self._step("cases", started, count)
        return rows

    def _events(self, rows: list[CaseLoad], users: list) -> None:
        started = time.perf_counter()
        count = cases_created_events_load(rows, origin="seed_bench", added_at=self.now)
        self._step("audit events", started, count)

    def _accounts(self, n: int) -> list[int]:
        started = time.perf_counter()
        rng = self.rng
        prefix = f"bench-{self.run}-"
        orgs = ["", "Northwind AI", "Hydra Group", "Acme Research", "Blue Lantern"]

        def lines():
            for i in range(n):
                ext = f"{prefix}{i:07d}"
                signup = self.now - timedelta(days=rng.randint(0, 700))
                yield (
                    f"{ext}\tUser {i}\t{ext}@mail.example\t{rng.choice(orgs)}\t{copy_value(signup)}\t"
                    f"{rng.choice(['US', 'SG', 'DE', 'CN', 'BR', 'IN'])}\t"
                    f"{rng.choice(['active'] * 8 + ['suspended', 'banned'])}\t{copy_value(self.now)}\n"
                )

        count = copy_rows(
            "COPY accounts_account (external_id, name, email, organisation, signup_at, country, "
            "platform_status, first_seen_at) FROM STDIN",
            lines(),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM accounts_account WHERE external_id LIKE %s ORDER BY id",
                [prefix + "%"],
            )
            ids = [row[0] for row in cursor.fetchall()]

        def attributes():
            for account_id in ids:
                values = {
                    AttributeType.IP: f"10.{rng.randint(0, 40)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                    AttributeType.ASN: f"AS{rng.randint(1000, 1200)}",
                    AttributeType.EMAIL_DOMAIN: f"mail{rng.randint(1, 400)}.example",
                }
                if rng.random() < 0.5:
                    values[AttributeType.PAYMENT_FINGERPRINT] = f"pm_{rng.randint(1, 30000):06d}"
                for kind, value in values.items():
                    yield f"{account_id}\t{kind}\t{value}\t{copy_value(self.now)}\n"

        attrs = copy_rows(
            "COPY accounts_accountattribute (account_id, type, value, first_seen_at) FROM STDIN",
            attributes(),
        )
        self._step("accounts", started, count)
        self._step("account attributes", started, attrs)
        return ids

    def _links(self, rows: list[CaseLoad], account_ids: list[int]) -> None:
        if not account_ids:
            return
        started = time.perf_counter()
        rng = self.rng
        roles = [r.value for r in CaseAccountRole]

        def lines():
            for r in rows:
                chosen = set(rng.sample(account_ids, min(len(account_ids), rng.randint(1, 4))))
                for account_id in sorted(chosen):
                    yield (
                        f"{r.id}\t{account_id}\t{rng.choice(roles)}\t{Enforcement.NONE}\t"
                        f"{copy_value(self.now)}\n"
                    )

        count = copy_rows(
            "COPY accounts_caseaccount (case_id, account_id, role, enforcement, added_at) "
            "FROM STDIN",
            lines(),
        )
        self._step("case-account links", started, count)

    def _signals(self, n: int, big: int, rows: list[CaseLoad], detectors: list[int]) -> None:
        """The signals, made by the database itself from a series (no row travels from
        Python): 70 % routed to a random case, the first `big` to the big case, observed at a
        random second of the last 180 days. The database's random() is seeded from --seed."""
        started = time.perf_counter()
        big = min(big, n)
        self._big_case_signals = big
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [self.rng.uniform(-1, 1)])
            cursor.execute(
                """
                INSERT INTO detection_signal (detector_id, external_id, kind, severity,
                    confidence, observed_at, received_at, summary, observables, payload,
                    case_id, routed_at)
                SELECT {detector}, %(prefix)s || i, {kind}, {severity},
                       10 + floor(random() * 91)::int,
                       observed, observed, 'seed_bench signal ' || i, '[]', '{{}}',
                       case_id, CASE WHEN case_id IS NOT NULL THEN observed END
                FROM (
                    SELECT i, %(now)s - make_interval(secs => floor(random() * %(span)s))
                               AS observed,
                           CASE WHEN i < %(big)s THEN %(big_case)s::bigint
                                WHEN random() < 0.7 THEN {case} END
                               AS case_id
                    FROM generate_series(0, %(n)s - 1) AS i
                ) AS series
                """.format(
                    detector=_pick("detectors", "bigint", len(detectors)),
                    kind=_pick("kinds", "text", len(SignalKind.values)),
                    severity=_pick("severities", "text", len(SEVERITIES)),
                    case=_pick("cases", "bigint", len(rows)),
                ),
                {
                    "detectors": detectors,
                    "kinds": SignalKind.values,
                    "severities": SEVERITIES,
                    "cases": [r.id for r in rows],
                    "big_case": rows[0].id if rows else None,
                    "big": big,
                    "prefix": f"bench-{self.run}-",
                    "now": self.now,
                    "span": 180 * 86400 + 1,
                    "n": n,
                },
            )
            count = cursor.rowcount
        self._step("signals", started, count)

    def _signal_accounts(self, n: int, big: int, account_ids: list[int]) -> None:
        """Link signal i (external id `bench-<run>-<i>`) to its account in one statement: the
        `big` signals after the big case's go to the run's first account, every other one to a
        random account of the first half."""
        if not account_ids or not n:
            return
        started = time.perf_counter()
        first_half = account_ids[: max(1, len(account_ids) // 2)]
        # The big case's signals come first; the big account's follow, so they are routed
        # like any other signal (some to restricted cases).
        big_case = min(n, self._big_case_signals)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO detection_signalaccount (signal_id, account_id)
                SELECT id, CASE WHEN i >= %(from)s AND i < %(to)s THEN %(busiest)s
                                ELSE {account} END
                FROM (SELECT id, split_part(external_id, '-', 3)::int AS i
                      FROM detection_signal WHERE external_id LIKE %(pattern)s) AS signal
                """.format(account=_pick("half", "bigint", len(first_half))),
                {
                    "from": big_case,
                    "to": big_case + big,
                    "busiest": account_ids[0],
                    "half": first_half,
                    "pattern": f"bench-{self.run}-%",
                },
            )
            count = cursor.rowcount
        self._step("signal-account links", started, count)
