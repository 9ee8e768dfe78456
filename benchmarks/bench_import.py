"""The import of a retailer's file at scale (issue 10): `hosho import` end to end, against the raw bulk load.

Run: .venv/bin/python -m benchmarks.bench_import [--lines 1000000] [--existing 1000000] [--databases sqlite,postgresql]

A CP932 file of --lines lines is generated (benchmarks.import_data: zest single-line contracts, ipro systems of three
lines, about 2 % bad lines). For each database, twice — empty, then already holding --existing contracts (loaded by
benchmarks.seed_contracts, not timed) — it times, each in its own process as a user runs it:
- `hosho import FILE --dry-run` (target ≤ 30 s for a million lines);
- `hosho import FILE` from the file to committed rows and the rejects file (target ≤ 120 s), with the process's
  peak memory (VmHWM, the ru_maxrss of the process itself) and the peak of it and its worker processes together
  (target < 2 GiB);
- the raw bulk load of the very rows the import stored (read back, deleted, then loaded again into the same tables
  with the same indexes and the same other contracts: PostgreSQL COPY, SQLite executemany, one transaction), and
  the ratio of the speeds, import / raw = raw seconds / import seconds (aim ≥ 0.5).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from benchmarks.import_data import generate
from benchmarks.machine import describe
from benchmarks.seed_contracts import scratch_database, seed
from hosho.service import keys
from hosho.service.context import create_hosho
from hosho.store import bulk
from hosho.store import models as m
from hosho.store.db import migrate

# Tables the import writes, in the order a load must follow (foreign keys).
TABLES: tuple[type[m.Base], ...] = (m.Subscriber, m.Contract, m.Equipment, m.Notice, m.AuditEntry)


# `hosho` as its console script runs it, then its own peak memory and the peak of it and its worker processes
# together (sampled every 50 ms: the workers are the children of multiprocessing's fork server). Not ru_maxrss from
# wait4: Linux carries the parent's peak across fork and exec into it, and this parent holds the rows of the raw load.
CHILD = """
import os, sys, threading, time
from hosho.cli import main

def tree(pid):
    found = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [p for child in f.read().split() for p in tree(int(child))]
        except OSError:
            pass
    return found

def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0

most = 0
def sample():
    global most
    while True:
        most = max(most, sum(rss(p) for p in tree(os.getpid())))
        time.sleep(0.05)

threading.Thread(target=sample, daemon=True).start()
code = main(sys.argv[1:])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"peak-kib {peak.split()[1]} {most}", file=sys.stderr)
sys.exit(code)
"""


def cli(*args: str | Path) -> tuple[float, int, int, str]:
    """Seconds, peak memory (KiB: the process's VmHWM, and the sampled peak of it with its workers) and last line
    of one `hosho` process."""
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, *map(str, args)], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"hosho {' '.join(map(str, args))}: exit {done.returncode}: {done.stderr.strip()}")
    peaks = next(line.split()[1:] for line in done.stderr.splitlines() if line.startswith("peak-kib "))
    return seconds, int(peaks[0]), int(peaks[1]), done.stdout.strip().splitlines()[-1]


def max_ids(url: str) -> dict[str, int]:
    hosho = create_hosho(url)
    with hosho.reading() as session:
        found = {
            model.__tablename__: int(
                session.execute(text(f"SELECT coalesce(max(id), 0) FROM {model.__tablename__}")).scalar_one()
            )
            for model in TABLES
        }
    hosho.dispose()
    return found


def raw_reload(url: str, before: dict[str, int]) -> tuple[float, int]:
    """Read back the rows the import wrote (ids above `before`), delete them, and time loading them again."""
    hosho = create_hosho(url)
    saved: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    with hosho.transaction() as session:
        for model in TABLES:
            table = model.__tablename__
            result = session.connection().exec_driver_sql(
                f"SELECT * FROM {table} WHERE id > {before[table]} ORDER BY id"
            )
            saved[table] = (list(result.keys()), [tuple(row) for row in result])
        for model in reversed(TABLES):
            table = model.__tablename__
            session.execute(text(f"DELETE FROM {table} WHERE id > :id"), {"id": before[table]})
    rows = sum(len(values) for _, values in saved.values())
    began = time.perf_counter()
    with hosho.transaction() as session:
        for model in TABLES:
            columns, values = saved[model.__tablename__]
            bulk.raw_load(session, model, values, columns)
    seconds = time.perf_counter() - began
    hosho.dispose()
    return seconds, rows


def run(kind: str, existing: int, path: Path, folder: Path) -> None:
    state = f"holding {existing:,} contracts" if existing else "empty"
    with scratch_database(kind, "hosho-bench-import") as url:
        hosho = create_hosho(url)
        migrate(hosho.db)
        hosho.dispose()
        if existing:
            print(f"  {kind}: loading {existing:,} contracts first (not timed)…", flush=True)
            seed(url, existing, append=False, seed_value=20261201)
        hosho = create_hosho(url)
        keys.ensure_retailer(hosho, code="R1", name="家電の店")
        hosho.dispose()
        dry_s, dry_kb, dry_all, dry_line = cli(
            "import", path, "--database-url", url, "--dry-run", "--rejects", folder / "dry.csv"
        )
        before = max_ids(url)
        import_s, import_kb, import_all, line = cli(
            "import", path, "--database-url", url, "--rejects", folder / "rejects.csv"
        )
        raw_s, rows = raw_reload(url, before)
    print(f"{kind}, {state}:")
    for label, seconds, alone, together, last in (
        ("dry run", dry_s, dry_kb, dry_all, dry_line),
        ("import", import_s, import_kb, import_all, line),
    ):
        memory = f"peak {alone / 1024:6.0f} MiB, {together / 1024:6.0f} MiB with its workers"
        print(f"  {label:<12} {seconds:7.1f} s  {memory}")
        print(f"               ({last})")
    print(f"  raw load     {raw_s:7.1f} s  ({rows:,} rows: the same rows, tables and indexes)")
    print(f"  speed import/raw = {raw_s / import_s:.2f} (aim ≥ 0.5)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--existing", type=int, default=1_000_000, help="contracts held before the second run")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="hosho-bench-import-") as name:
        folder = Path(name)
        path = folder / "sales.csv"
        began = time.perf_counter()
        made = generate(path, args.lines)
        print(
            f"file: {made.lines:,} lines, {made.contracts:,} contracts "
            f"({made.contracts - made.good:,} with a bad line, "
            f"{made.bad_lines:,} lines), {path.stat().st_size / 2**20:.0f} MiB CP932, made in "
            f"{time.perf_counter() - began:.1f} s",
            flush=True,
        )
        for kind in args.databases.split(","):
            for existing in (0, args.existing):
                run(kind, existing, path, folder)


if __name__ == "__main__":
    main()
