"""Legal export of a case holding 2 GB of evidence in files of mixed sizes.

Targets: the bundle's build time is at most 1.5x the time of `sha256sum`, `sha512sum` and
`zip -0` run one after the other over the same files in the same run (the baseline: the two
digests every manifest needs and a stored zip), and the building process's peak RSS stays at
or under 200 MB.

The export runs in its own process (`manage.py export_case`, the same `export_run` the Celery
task calls), so that its peak RSS (from wait4) is the builder's alone. The evidence files are
generated once under var/bench/export/ and ingested once into a bench case; later runs reuse
both. Both sides read the files from a warm page cache (a read pass runs first)."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
# (count, MiB each): 2,000 MiB in 127 files, from one 700 MiB capture down to 1 MiB samples.
MIX = [(1, 700), (2, 300), (4, 100), (20, 10), (100, 1)]
TAG = "bench-export"
TIME_RATIO_TARGET = 1.5
RSS_TARGET_MB = 200


def generate(source: Path) -> list[Path]:
    source.mkdir(parents=True, exist_ok=True)
    paths = []
    for count, mib in MIX:
        for index in range(count):
            path = source / f"evidence-{mib:04d}mib-{index:03d}.bin"
            paths.append(path)
            if path.exists() and path.stat().st_size == mib * MIB:
                continue
            block = os.urandom(MIB)  # a fresh block per file keeps every file distinct
            with open(path, "wb") as out:
                for step in range(mib):
                    out.write(block[step % 997 :] + block[: step % 997])
    return paths


def bench_case(paths: list[Path]):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cases.models import Case
    from cases.services import case_create
    from core.roles import LEGAL
    from evidence.services import evidence_add

    user, _ = get_user_model().objects.get_or_create(username="bench-legal")
    user.groups.add(Group.objects.get_or_create(name=LEGAL)[0])
    case = Case.objects.filter(tags__contains=[TAG]).order_by("pk").first()
    if case is None:
        case = case_create(title="Benchmark: 2 GB of evidence", created_by=user, tags=[TAG])
    have = set(case.evidence_items.values_list("original_name", flat=True))
    for path in paths:
        if path.name in have:
            continue
        with open(path, "rb") as handle:
            evidence_add(
                case=case,
                user=user,
                chunks=iter(lambda h=handle: h.read(MIB), b""),
                original_name=path.name,
            )
    return case, user


def timed(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    bench = ROOT / "var" / "bench" / "export"
    store = bench / "var"  # the bench process and the builder share this VAR_DIR
    paths = generate(bench / "files")
    total = sum(p.stat().st_size for p in paths)
    print(f"evidence: {len(paths)} files, {total / MIB:.0f} MiB (mixed sizes {MIX})")

    call_command("migrate", verbosity=0)
    evidence_storage = {
        "BACKEND": "evidence.storage.EvidenceFileSystemStorage",
        "OPTIONS": {"location": str(store / "evidence")},
    }
    with override_settings(STORAGES={**settings.STORAGES, "evidence": evidence_storage}):
        case, user = bench_case(paths)
    stored = sorted((store / "evidence").rglob("*"))
    stored_files = [str(p) for p in stored if p.is_file()]

    out = bench / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # Warm the page cache for both sides alike.
    for path in stored_files:
        with open(path, "rb") as handle:
            while handle.read(8 * MIB):
                pass

    baseline = {
        "sha256sum": timed(["sha256sum", *stored_files]),
        "sha512sum": timed(["sha512sum", *stored_files]),
        "zip -0": timed(["zip", "-0", "-q", "-j", str(out / "baseline.zip"), *stored_files]),
    }
    baseline_total = sum(baseline.values())
    (out / "baseline.zip").unlink()
    # For information: the three tools at once (they then share the machine's cores).
    started = time.perf_counter()
    tools = [
        subprocess.Popen(["sha256sum", *stored_files], stdout=subprocess.DEVNULL),
        subprocess.Popen(["sha512sum", *stored_files], stdout=subprocess.DEVNULL),
        subprocess.Popen(["zip", "-0", "-q", "-j", str(out / "baseline.zip"), *stored_files]),
    ]
    for tool in tools:
        tool.wait()
    concurrent = time.perf_counter() - started
    (out / "baseline.zip").unlink()

    env = {
        **os.environ,
        "QUARRY_VAR_DIR": str(store),
        "QUARRY_EXPORT_DIR": str(out),
        "QUARRY_EXPORT_KEY_PATH": str(bench / "keys" / "export.pem"),
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "export_case", case.number, "--user", user.username],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    export_seconds = time.perf_counter() - started
    output = process.stdout.read().decode()
    process.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        print(output)
        print("export_case failed")
        return 1
    peak_rss_mb = usage.ru_maxrss / 1024  # Linux reports KiB
    bundle = next(out.glob("*.zip"))
    bundle_size = bundle.stat().st_size

    for name, seconds in baseline.items():
        print(f"baseline {name:10s} {seconds:7.2f} s")
    print(f"baseline total     {baseline_total:7.2f} s  ({total / MIB / baseline_total:.0f} MiB/s)")
    print(
        f"export_case        {export_seconds:7.2f} s  ({total / MIB / export_seconds:.0f} MiB/s, "
        f"bundle {bundle_size / MIB:.0f} MiB, process start-up included)"
    )
    print(
        f"baseline concurrent {concurrent:6.2f} s  (the three at once; "
        f"export / concurrent = {export_seconds / concurrent:.2f}, for information)"
    )
    ratio = export_seconds / baseline_total
    print(f"time ratio export / baseline = {ratio:.2f}  (target <= {TIME_RATIO_TARGET})")
    print(f"peak RSS of the builder = {peak_rss_mb:.0f} MB  (target <= {RSS_TARGET_MB})")
    shutil.rmtree(out, ignore_errors=True)
    return 0 if ratio <= TIME_RATIO_TARGET and peak_rss_mb <= RSS_TARGET_MB else 1


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    sys.exit(main(sys.argv[1:]))
