"""A synthetic distillation campaign shaped like the public record (DOMAIN.md): hydra clusters
of accounts behind shared payment methods, devices and exit IPs, one proxy ASN shared by most
accounts, and signals of several kinds over several weeks. Deterministic for a given seed."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cases.models import Severity

ACTORS = ["Northwind Labs", "Helix Compute", "Tesserae AI"]
KINDS_WEIGHTED = [
    ("volume_anomaly", 30),
    ("cot_elicitation", 20),
    ("capability_harvesting", 15),
    ("coordinated_accounts", 10),
    ("shared_payment", 8),
    ("shared_infrastructure", 8),
    ("signup_burst", 4),
    ("release_pivot", 2),
    ("partner_indicator", 2),
    ("other", 1),
]
HUB_ASN = "AS64512"  # the proxy network's ASN, shared by most accounts: a hub
PROXY_PROVIDER = "hydraproxy.example"


@dataclass
class CampaignAccount:
    external_id: str
    name: str
    email: str
    organisation: str
    country: str
    signup_at: datetime
    cluster: int
    attributes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CampaignSignal:
    external_id: str
    kind: str
    severity: str
    confidence: int
    observed_at: datetime
    account_ids: list[str]
    summary: str
    payload: dict


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def campaign_accounts(
    *, count: int, seed: int = 7, cluster_size: int = 40, start: datetime | None = None
) -> list[CampaignAccount]:
    rng = random.Random(seed)
    start = start or datetime(2026, 1, 5, tzinfo=UTC)
    accounts = []
    clusters = max(1, count // cluster_size)
    payments = {c: [_hex(rng, 16) for _ in range(2)] for c in range(clusters)}
    devices = {c: [_hex(rng, 24) for _ in range(3)] for c in range(clusters)}
    ips = {
        c: [f"198.51.{c % 256}.{rng.randint(1, 254)}" for _ in range(4)] for c in range(clusters)
    }
    for i in range(count):
        cluster = i % clusters
        actor = ACTORS[cluster % len(ACTORS)]
        domain = (
            f"{actor.split()[0].lower()}-mail.example" if rng.random() < 0.3 else "freemail.example"
        )
        acct = CampaignAccount(
            external_id=f"acct_{seed:02d}{i:07d}",
            name=f"User {i}",
            email=f"u{i}.{_hex(rng, 4)}@{domain}",
            organisation=actor if rng.random() < 0.2 else "",
            country=rng.choice(["US", "SG", "NL", "HK", "DE", "BR"]),
            signup_at=start + timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
            cluster=cluster,
        )
        attrs = [
            ("payment_fingerprint", rng.choice(payments[cluster])),
            ("device_fingerprint", rng.choice(devices[cluster])),
            ("ip", rng.choice(ips[cluster])),
            ("email_domain", domain),
            ("api_key_prefix", f"sk-{_hex(rng, 6)}"),
        ]
        if rng.random() < 0.85:
            attrs.append(("asn", HUB_ASN))
            attrs.append(("proxy_provider", PROXY_PROVIDER))
        else:
            attrs.append(("asn", f"AS{rng.randint(1000, 60000)}"))
        acct.attributes = attrs
        accounts.append(acct)
    return accounts


def severity_for(confidence: int) -> str:
    """How the synthetic detectors grade a finding from its confidence."""
    if confidence > 95:
        return Severity.CRITICAL
    if confidence > 80:
        return Severity.HIGH
    return Severity.MEDIUM if confidence > 55 else Severity.LOW


def campaign_signals(
    accounts: list[CampaignAccount],
    *,
    count: int,
    seed: int = 7,
    days: int = 42,
    start: datetime | None = None,
    prefix: str = "sig",
) -> list[CampaignSignal]:
    rng = random.Random(seed * 31 + 1)
    start = start or datetime(2026, 10, 1, tzinfo=UTC)
    kinds = [k for k, _ in KINDS_WEIGHTED]
    weights = [w for _, w in KINDS_WEIGHTED]
    signals = []
    for i in range(count):
        kind = rng.choices(kinds, weights)[0]
        first = rng.choice(accounts)
        same_cluster = [
            a for a in rng.sample(accounts, min(6, len(accounts))) if a.cluster == first.cluster
        ]
        involved = [first.external_id] + [a.external_id for a in same_cluster[:1]]
        confidence = rng.randint(30, 99)
        severity = severity_for(confidence)
        observed = start + timedelta(seconds=rng.randint(0, days * 86400))
        signals.append(
            CampaignSignal(
                external_id=f"{prefix}-{seed:02d}-{i:08d}",
                kind=kind,
                severity=severity,
                confidence=confidence,
                observed_at=observed,
                account_ids=sorted(set(involved)),
                summary=f"{kind.replace('_', ' ')} on {first.external_id} (cluster {first.cluster})",
                payload={"cluster_hint": first.cluster, "requests": rng.randint(50, 5000)},
            )
        )
    return signals
