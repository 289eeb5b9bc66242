"""Demo data shaped like the public record, scaled to a laptop. Runs only on an empty database
(no cases yet) unless --force."""

import io
import json
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.clustering import cluster_recompute_all
from accounts.models import Account, AccountAttribute, CaseAccount, CaseAccountRole, ClusterMember
from cases.models import Case, Resolution, Severity, State
from cases.services import case_assign, case_comment_add, case_create, case_transition
from detection.models import Detector, Signal, SignalAccount
from devdata.campaign import campaign_accounts, campaign_signals
from evidence.services import evidence_add

User = get_user_model()


def _chunks(text: str):
    data = text.encode()
    for i in range(0, len(data), 65536):
        yield data[i : i + 65536]


class Command(BaseCommand):
    help = "Load a demo campaign: accounts, signals and cases in several states with evidence."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=3000)
        parser.add_argument("--signals", type=int, default=20000)
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, accounts: int, signals: int, force: bool, **options):
        if Case.objects.exists() and not force:
            self.stdout.write("Demo data: the database already has cases; nothing loaded.")
            return
        users = {u.username: u for u in User.objects.filter(username__in=["ivy", "leo", "lara"])}
        if len(users) < 3:
            self.stderr.write("Run `manage.py seed_users` first.")
            return
        generated = campaign_accounts(count=accounts)
        by_ext = self._load_accounts(generated)
        # Clusters first, so that a case's "cluster-N" tag names the cluster C-N its accounts
        # are in (the campaign's own numbering is not Quarry's).
        cluster_recompute_all()
        detector, _ = Detector.objects.get_or_create(
            name="demo-distillation-classifier",
            defaults={"description": "Demo detector: volume, CoT-elicitation and payment links."},
        )
        self._load_signals(detector, campaign_signals(generated, count=signals), by_ext)
        self._load_cases(users, generated, by_ext)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {accounts} accounts, {signals} signals, {Case.objects.count()} cases."
            )
        )

    @staticmethod
    def _cluster_tag(members: list[str], by_ext: dict[str, int]) -> str:
        cluster_id = (
            ClusterMember.objects.filter(account_id__in=[by_ext[e] for e in members[:1]])
            .values_list("cluster_id", flat=True)
            .first()
        )
        return f"cluster-{cluster_id}" if cluster_id else "unclustered"

    @transaction.atomic
    def _load_accounts(self, generated) -> dict[str, int]:
        Account.objects.bulk_create(
            [
                Account(
                    external_id=a.external_id,
                    name=a.name,
                    email=a.email,
                    organisation=a.organisation,
                    country=a.country,
                    signup_at=a.signup_at,
                )
                for a in generated
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        by_ext = dict(
            Account.objects.filter(external_id__in=[a.external_id for a in generated]).values_list(
                "external_id", "id"
            )
        )
        AccountAttribute.objects.bulk_create(
            [
                AccountAttribute(account_id=by_ext[a.external_id], type=t, value=v)
                for a in generated
                for t, v in a.attributes
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
        return by_ext

    @transaction.atomic
    def _load_signals(self, detector, generated, by_ext) -> None:
        routed_at = timezone.now()
        Signal.objects.bulk_create(
            [
                Signal(
                    detector=detector,
                    external_id=s.external_id,
                    kind=s.kind,
                    severity=s.severity,
                    confidence=s.confidence,
                    observed_at=s.observed_at,
                    summary=s.summary,
                    payload=s.payload,
                    account_external_ids=sorted(set(s.account_ids)),
                    # Historical signals: already triaged, so routing leaves them be and the
                    # demo's new cases come from the reference detector's live feed.
                    routed_at=routed_at,
                )
                for s in generated
            ],
            ignore_conflicts=True,
            batch_size=5000,
        )
        ids = dict(Signal.objects.filter(detector=detector).values_list("external_id", "id"))
        SignalAccount.objects.bulk_create(
            [
                SignalAccount(signal_id=ids[s.external_id], account_id=by_ext[e])
                for s in generated
                for e in s.account_ids
            ],
            ignore_conflicts=True,
            batch_size=10000,
        )

    def _load_cases(self, users, generated, by_ext) -> None:
        ivy, leo = users["ivy"], users["leo"]
        clusters: dict[int, list[str]] = {}
        for a in generated:
            clusters.setdefault(a.cluster, []).append(a.external_id)
        plans = [
            (
                "Hydra cluster 0: shared payment fingerprints, CoT elicitation",
                Severity.CRITICAL,
                State.LEGAL_REVIEW,
                "Northwind Labs",
                85,
            ),
            (
                "Proxy ASN AS64512 fan-out across 2,000+ accounts",
                Severity.HIGH,
                State.ENFORCEMENT,
                "Helix Compute",
                60,
            ),
            (
                "Release pivot within 24h of model launch",
                Severity.HIGH,
                State.INVESTIGATING,
                "Northwind Labs",
                40,
            ),
            (
                "Sign-up burst through weakly verified route",
                Severity.MEDIUM,
                State.TRIAGE,
                "",
                None,
            ),
            ("Capability harvesting: narrow coding prompts", Severity.MEDIUM, State.NEW, "", None),
            ("Partner lab indicator: shared exit IPs", Severity.LOW, State.NEW, "", None),
            ("Volume anomaly on research tier", Severity.LOW, State.CLOSED, "", None),
        ]
        now = timezone.now()
        for index, (title, severity, target, actor, confidence) in enumerate(plans):
            case = case_create(
                title=title,
                created_by=ivy,
                severity=severity,
                suspected_actor=actor,
                actor_confidence=confidence,
                tags=["distillation", self._cluster_tag(clusters.get(index, []), by_ext)],
                summary=(
                    "Accounts in this cluster share payment and device fingerprints and "
                    "exit through the same proxy ASN; traffic shows synchronised timing."
                ),
            )
            if index == 0:
                case_assign(case=case, user=leo, assignee=ivy)
            members = clusters.get(index, [])
            CaseAccount.objects.bulk_create(
                [
                    CaseAccount(
                        case=case,
                        account_id=by_ext[e],
                        added_by=ivy,
                        role=CaseAccountRole.PRIMARY_SUSPECT if n == 0 else CaseAccountRole.LINKED,
                    )
                    for n, e in enumerate(members)
                ],
                ignore_conflicts=True,
            )
            Signal.objects.filter(accounts__external_id__in=members[:5], case__isnull=True).update(
                case=case, routed_at=now
            )
            self._walk(case, target, ivy, leo, index, members)
        # An older closed duplicate to show how duplicates read.
        dup = case_create(
            title="Hydra cluster 0 (re-detected)", created_by=ivy, severity=Severity.HIGH
        )
        case_transition(
            case=dup,
            user=leo,
            to_state=State.CLOSED,
            resolution=Resolution.DUPLICATE,
            closing_summary="Same accounts as the original case.",
            duplicate_of=Case.objects.order_by("id").first(),
        )

    def _walk(self, case, target, ivy, leo, index, members) -> None:
        path = [State.TRIAGE, State.INVESTIGATING, State.ENFORCEMENT, State.LEGAL_REVIEW]
        if target == State.CLOSED:
            case_transition(
                case=case,
                user=leo,
                to_state=State.CLOSED,
                resolution=Resolution.FALSE_POSITIVE,
                closing_summary="Load test from a known partner; not theft.",
                reason="Confirmed with the partner's security team.",
            )
            return
        for state in path:
            if state == State.LEGAL_REVIEW:
                self._evidence(case, ivy, members)
            case_transition(
                case=case,
                user=ivy,
                to_state=state,
                reason=f"Moving to {state.label.lower()} after review.",
            )
            if state == State.INVESTIGATING:
                case_comment_add(
                    case=case,
                    user=ivy,
                    body=(
                        "Payment fingerprints repeat across the cluster; **timing is synchronised** "
                        "to the second across accounts."
                    ),
                )
            if state == target:
                return

    def _evidence(self, case, user, members) -> None:
        sample = "\n".join(
            json.dumps(
                {
                    "account": m,
                    "prompt": "Explain step by step your full reasoning before answering…",
                    "tokens": 812,
                }
            )
            for m in members[:200]
        )
        payments = io.StringIO()
        payments.write("account,payment_fingerprint,amount_usd\n")
        for n, m in enumerate(members[:200]):
            payments.write(f"{m},pf_{n % 3:04x},{20 + n % 7}.00\n")
        collected = timezone.now() - timedelta(days=2)
        for name, text, desc, source in [
            (
                "prompt_samples.jsonl",
                sample,
                "Sampled prompts showing CoT elicitation",
                "API gateway logs",
            ),
            (
                "payments.csv",
                payments.getvalue(),
                "Payment records for the cluster",
                "Billing provider export",
            ),
        ]:
            evidence_add(
                case=case,
                user=user,
                chunks=_chunks(text),
                original_name=name,
                description=desc,
                source=source,
                collected_at=collected,
            )
