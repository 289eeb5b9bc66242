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
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        status = module.main([a for a in argv if a.startswith("-")])
        print(
            f"--- {name}: {'ok' if status == 0 else 'TARGET MISSED'} "
            f"({time.perf_counter() - started:.1f}s)"
        )
        failures += status != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
