"""What storing an upload with its run costs (the import's job, hosho.service.import_jobs).

Run: .venv/bin/python -m benchmarks.bench_import_upload [--lines 1000000] [--databases sqlite,postgresql]

A CP932 file of --lines lines (benchmarks.import_data). For each database it times, in this process:
- the upload as it was (`imports.open_import`: the file read through once, the run opened);
- the upload as it is (`import_jobs.start`: the same, plus the file stored in pieces of 4 MiB and the job enqueued,
  one transaction) — the difference is what durability costs the uploader's request;
- the job reading the stored file back (`import_jobs._reopen`);
- the job from start to end (`import_jobs.process`: the import, the file deleted), for scale.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.import_data import generate
from benchmarks.machine import describe
from benchmarks.seed_contracts import scratch_database
from hosho.service import import_jobs, imports, keys, queue
from hosho.service.context import SYSTEM, create_hosho
from hosho.store.db import migrate


def run(kind: str, data: bytes) -> None:
    held: list[int] = []
    queue._run_here = lambda _hosho, _name, _function, kwargs: held.append(kwargs["import_id"])  # type: ignore[assignment]
    with scratch_database(kind, "hosho-bench-upload") as url:
        hosho = create_hosho(url)
        migrate(hosho.db)
        keys.ensure_retailer(hosho, code="R1", name="家電の店")
        imports.open_import(hosho, SYSTEM, name="sales.csv", data=data, dry_run=True)  # warm-up: rules, caches
        began = time.perf_counter()
        imports.open_import(hosho, SYSTEM, name="sales.csv", data=data)
        opened_s = time.perf_counter() - began
        began = time.perf_counter()
        run_id = import_jobs.start(hosho, SYSTEM, name="sales.csv", data=data).id or 0
        start_s = time.perf_counter() - began
        began = time.perf_counter()
        import_jobs._reopen(hosho, run_id)
        reopen_s = time.perf_counter() - began
        began = time.perf_counter()
        import_jobs.process(hosho, import_id=run_id)
        process_s = time.perf_counter() - began
        done = imports.get_run(hosho, SYSTEM, run_id)
        hosho.dispose()
    print(f"{kind}:")
    print(f"  upload as it was (open_import)          {opened_s:7.2f} s")
    print(f"  upload as it is (start: + stored, job)  {start_s:7.2f} s  (+{start_s - opened_s:.2f} s)")
    print(f"  the job reads the file back             {reopen_s:7.2f} s")
    print(f"  the job, start to end                   {process_s:7.2f} s  ({done.imported:,} imported)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="hosho-bench-upload-") as name:
        folder = Path(name)
        path = folder / "sales.csv"
        generate(path, args.lines)
        data = path.read_bytes()
        print(f"file: {args.lines:,} lines, {len(data) / 2**20:.1f} MiB CP932", flush=True)
        for kind in args.databases.split(","):
            run(kind, data)


if __name__ == "__main__":
    main()
