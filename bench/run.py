"""`make bench`: run every bench/bench_*.py (or the ones named) one after another.

Each benchmark module has a `main(argv) -> int` that prints its figures and, for each target,
the ratio against the baseline it runs side by side in the same process (machines here are
shared and noisy: ratios, not single times, are what we compare)."""

import importlib
import pkgutil
import sys
import time
from pathlib import Path

import django


def machine_speed() -> float:
    """Seconds this machine takes for a fixed pure-Python loop (10 million additions): how
    fast its cores are at the moment, so that figures from two runs, or two sessions on
    machines that only look alike, can be told apart from a change of machine speed."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    here = Path(__file__).parent
    names = [m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")]
    wanted = [a for a in argv if not a.startswith("-")]
    if wanted:
        names = [n for n in names if any(w in n for w in wanted)]
    failures = 0
    for name in sorted(names):
        print(f"\n=== {name} ===", flush=True)
        print(
            f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
            f"machine speed: 10M-addition loop {machine_speed():.2f}s",
            flush=True,
        )
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        status = module.main([a for a in argv if a.startswith("-")])
        print(
            f"--- {name}: {'ok' if status == 0 else 'TARGET MISSED'} "
            f"({time.perf_counter() - started:.1f}s; load average after: "
            f"{os.getloadavg()[0]:.2f})"
        )
        failures += status != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
