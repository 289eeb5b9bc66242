import pytest
from django.utils import timezone

from detection.models import Signal

from ..factories import DetectorFactory

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def detector(db):
    return DetectorFactory(name="volume-watch")


@pytest.fixture
def signals_on(detector):
    def make(case, n: int, kind: str = "volume_anomaly", summary: str = "burst"):
        now = timezone.now()
        Signal.objects.bulk_create(
            Signal(
                detector=detector,
                external_id=f"{case.number}-{kind}-{i}",
                kind=kind,
                severity="high",
                confidence=70,
                observed_at=now - timezone.timedelta(minutes=i),
                summary=summary,
                case=case,
            )
            for i in range(n)
        )

    return make


@pytest.fixture(autouse=True)
def fresh_cache(db):
    """Pages keep a case's signal chart and the filters' choices in the cache; each test
    starts without them."""
    from django.core.cache import cache

    cache.clear()
