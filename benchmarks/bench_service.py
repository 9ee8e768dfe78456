"""HTTP throughput and latency of the API as served by `hosho serve`, with the load generator on the same machine.

Run: .venv/bin/python -m benchmarks.bench_service [URL ...] [--duration 20] [--connections 16] [--workers 2]

For each database URL (default: PostgreSQL `hosho_bench` and SQLite /tmp/hosho-bench/hosho.sqlite3, both loaded
by benchmarks.seed_contracts), starts `hosho serve --no-demo --workers N` (the product as shipped: its socket,
its access log) on a free loopback port, creates an agent API key through the service layer (revoked at the end),
checks that three lookups find their contracts, then drives `wrk` (Debian package `wrk`) for a fixed time per
phase, after a warm-up:

  bare    GET  /v1/health                              no authentication, no database
  lookup  GET  /v1/contracts?certificate_number=…      a random existing certificate per request
  enrol   POST /v1/contracts                           a fresh body and Idempotency-Key per request

and prints requests/s, p50/p90/p99 latency, the lookup/bare ratio, the enrolments actually stored, and where the
machine's CPU went during each phase (server, the PostgreSQL backends of this database, wrk, anything else) with
the CPU per request, which holds up better than req/s on a machine shared with other work. The server is stopped
at the end, always.

  --server-path DIR      first on the server's PYTHONPATH, e.g. a folder holding other versions of its packages
  --profile DIR          py-spy (on PATH) samples the workers' GIL holder during the lookup phase
  --wait-idle FRACTION   before each phase, wait for the machine to be quieter than FRACTION
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from benchmarks.machine import describe
from hosho.service import keys
from hosho.service.context import Hosho, Role, create_hosho
from hosho.service.views import certificate_display
from hosho.store import models as m

DEFAULT_URLS = (
    "postgresql://postgres@127.0.0.1:5432/hosho_bench",
    "sqlite:////tmp/hosho-bench/hosho.sqlite3",
)
LOOKUP_TARGET = (1_000.0, 25.0)  # requests/s at least, p99 ms under
ENROL_TARGET = 300.0
SAMPLE = 20_000  # certificate numbers the load generator picks from

# Each wrk thread has its own Lua state; done() runs once, in the main one, with the merged figures.
LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  local out = io.open("{out}", "w")
  out:write(string.format(
    '{{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
  out:close()
end
"""
LUA_AUTH = 'wrk.headers["Authorization"] = "Bearer {key}"\n'
LUA_LOOKUP = """
local numbers = {{}}
for line in io.lines("{numbers}") do numbers[#numbers + 1] = line end
local seeded = false
request = function()
  if not seeded then math.randomseed(os.clock() * 1e9 + os.time()); seeded = true end
  return wrk.format("GET", "/v1/contracts?certificate_number=" .. numbers[math.random(#numbers)])
end
"""
LUA_ENROL = """
local dates = {{{dates}}}
local retailers = {{{retailers}}}
local surnames = {{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村"}}
local counter = 0
local thread_tag = 0
setup = function(thread) thread_tag = thread_tag + 1; thread:set("tag", thread_tag) end
local seeded = false
request = function()
  if not seeded then math.randomseed(os.clock() * 1e9 + os.time() + (tag or 0)); seeded = true end
  counter = counter + 1
  local serial = string.format("B@STAMP@T%dN%d", tag or 0, counter)
  local day = dates[math.random(#dates)]
  local retailer = ""
  if #retailers > 0 then retailer = string.format(', "retailer": "%s"', retailers[math.random(#retailers)]) end
  local person = string.format('"subscriber": {{"name": "%s 太郎", "name_kana": "テスト タロウ", ' ..
    '"phone": "090-%04d-%04d", "postal_code": "1000001", "address": "東京都千代田区千代田1-1"}}',
    surnames[math.random(#surnames)], math.random(0, 9999), math.random(0, 9999))
  local body
  if math.random() < 0.65 then
    body = string.format('{{"program": "zest", "plan": "kaden-5y", "purchase_date": "%s", ' ..
      '"purchase_price": %d, "warranty_fee": %d, "site": {{"postal_code": "1000001"}}, ' ..
      '"equipment": [{{"kind": "other", "model": "NR-F658WPX", "serial": "%s"}}], %s%s}}',
      day, 150000, 7500, serial, person, retailer)
  else
    body = string.format('{{"program": "ipro", "plan": "onsite-5y", "purchase_date": "%s", ' ..
      '"operation_start_date": "%s", "purchase_price": 980000, "site": {{"postal_code": "5300001"}}, ' ..
      '"equipment": [{{"kind": "recorder", "model": "WJ-NX400K", "serial": "R%s"}}, ' ..
      '{{"kind": "camera", "model": "WV-X1551LN", "serial": "C%s-1"}}, ' ..
      '{{"kind": "camera", "model": "WV-X1551LN", "serial": "C%s-2"}}], %s%s}}',
      day, day, serial, serial, serial, person, retailer)
  end
  -- wrk.format replaces wrk.headers with the table given: the key goes in again
  local headers = {{["Authorization"] = wrk.headers["Authorization"], ["Content-Type"] = "application/json",
                   ["Idempotency-Key"] = "bench-" .. serial}}
  return wrk.format("POST", "/v1/contracts", headers, body)
end
"""


@dataclass(frozen=True)
class Phase:
    name: str
    label: str
    script: str  # Lua before done()


@dataclass
class Result:
    phase: Phase
    stamp: str
    connections: int
    requests: int
    seconds: float
    errors: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    cpu: dict[str, float] = field(default_factory=dict)  # cores used on average, by owner

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        failed = {k: v for k, v in self.errors.items() if v}
        note = f"  ERRORS {failed}" if failed else ""
        cores = ", ".join(f"{owner} {self.cpu.get(owner, 0):.2f}" for owner in ("server", "postgres", "wrk", "other"))
        # CPU per request holds up better than req/s on a machine shared with other work.
        costs = ", ".join(
            f"{owner} {1000 * self.cpu.get(owner, 0) / self.rate:.2f} ms" for owner in ("server", "postgres", "wrk")
        )
        return (
            f"{self.phase.name:<7} {self.phase.label:<42} c={self.connections:<3} {self.rate:>8,.0f} req/s  "
            f"p50 {self.p50_ms:6.1f} ms  p90 {self.p90_ms:6.1f} ms  p99 {self.p99_ms:6.1f} ms  "
            f"({self.requests:,} in {self.seconds:.0f} s){note}\n"
            f"        cores busy: {cores}; CPU per request: {costs}"
        )


# --- the database side -------------------------------------------------------------------------------------------


def prepare(hosho: Hosho, workdir: Path, rng: random.Random) -> tuple[int, str, Path, list[str]]:
    """Count the contracts, create the agent key, and write a sample of existing certificate numbers."""
    with hosho.reading() as session:
        count = session.execute(select(func.count()).select_from(m.Contract)).scalar_one()
        low, high = session.execute(select(func.min(m.Contract.id), func.max(m.Contract.id))).one()
        retailers = list(session.execute(select(m.Retailer.code).order_by(m.Retailer.code)).scalars())
        numbers: list[str] = []
        if count:
            for _ in range(4 * SAMPLE // 1_000):
                ids = [rng.randint(low, high) for _ in range(1_000)]
                found = session.execute(
                    select(m.Contract.certificate_number).where(
                        m.Contract.id.in_(ids), m.Contract.certificate_number.is_not(None)
                    )
                ).scalars()
                numbers.extend(n for n in found if n)
                if len(numbers) >= SAMPLE:
                    break
    if not numbers:
        raise SystemExit("no paid contracts: load some first with benchmarks.seed_contracts")
    path = workdir / "certificates.txt"
    # As an agent reads them out: ZEST-2025-00001234-7 (the API folds hyphens and width).
    path.write_text("".join(f"{certificate_display(n)}\n" for n in numbers[:SAMPLE]))
    key = keys.create_key(hosho, role=Role.AGENT, name="bench-service")
    return count, key, path, retailers


# --- the server --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(url: str, args: argparse.Namespace, workdir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`hosho serve` with N workers on a free loopback port; stopped (its whole process group) when the block ends."""
    port = free_port()
    log = workdir / "server.log"
    command = [
        sys.executable, "-m", "hosho.cli", "serve", "--no-demo",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers), "--database-url", url,
    ]  # fmt: skip
    env = dict(os.environ)
    if args.server_path:
        # e.g. a folder with httptools and uvloop, which uvicorn then picks up ("auto")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.server_path), env.get("PYTHONPATH")]))
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_ready(process, log, args.workers, port)
        yield f"http://127.0.0.1:{port}", process
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen[bytes], log: Path, workers: int, port: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"hosho serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if log.read_text(errors="replace").count("Application startup complete") >= workers:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    raise SystemExit(f"hosho serve did not start in 120 s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def worker_pids(process: subprocess.Popen[bytes]) -> list[int]:
    """uvicorn's workers: its supervisor's children started by multiprocessing (not the resource tracker)."""
    pids = []
    for task in Path(f"/proc/{process.pid}/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                pids.append(int(pid))
    return pids


# --- checks and load ---------------------------------------------------------------------------------------------


def check(base: str, key: str, numbers: Path) -> None:
    """Three lookups find their contracts before any figure is taken (enrolments are counted in the database)."""
    headers = {"Authorization": f"Bearer {key}"}
    sample = numbers.read_text().split()[:3]
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for number in sample:
            answer = client.get("/v1/contracts", params={"certificate_number": number})
            found = answer.json()
            if answer.status_code != 200 or found["total"] != 1 or found["items"][0]["certificate_number"] != number:
                raise SystemExit(f"lookup of {number} failed: {answer.status_code} {answer.text[:500]}")


def run_wrk(
    base: str, phase: Phase, workdir: Path, *, seconds: int, connections: int, threads: int, report: bool = True
) -> Result | None:
    out = workdir / f"{phase.name}.json"
    script = workdir / f"{phase.name}.lua"
    stamp = f"{time.time_ns() % 10**12:x}"  # marks what this run enrols, to count it in the database afterwards
    script.write_text(phase.script.replace("@STAMP@", stamp) + LUA_DONE.format(out=out))
    path = "/v1/health" if phase.name == "bare" else "/v1/contracts"
    command = [
        "wrk", "--latency", "--timeout", "10s", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
        "-s", str(script), base + path,
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if finished.returncode != 0 or not out.exists():
        raise SystemExit(f"wrk failed ({finished.returncode}):\n{finished.stdout}\n{finished.stderr}")
    data = json.loads(out.read_text())
    out.unlink()
    if not report:
        return None
    return Result(
        phase,
        stamp,
        connections,
        data["requests"],
        data["duration_us"] / 1e6,
        {k: data[k] for k in ("connect", "read", "write", "status", "timeout")},
        data["p50_us"] / 1e3,
        data["p90_us"] / 1e3,
        data["p99_us"] / 1e3,
        data["max_us"] / 1e3,
    )


def phases(key: str, numbers: Path, retailers: Sequence[str], today: date) -> list[Phase]:
    dates = ", ".join(f'"{(today - timedelta(days=d)).isoformat()}"' for d in range(1, 21))
    codes = ", ".join(f'"{code}"' for code in retailers)
    return [
        Phase("bare", "GET /v1/health", ""),
        Phase(
            "lookup",
            "GET /v1/contracts?certificate_number=…",
            LUA_AUTH.format(key=key) + LUA_LOOKUP.format(numbers=numbers),
        ),
        Phase(
            "enrol",
            "POST /v1/contracts (fresh body, Idempotency-Key)",
            LUA_AUTH.format(key=key) + LUA_ENROL.format(dates=dates, retailers=codes),
        ),
    ]


# --- where the CPU went ---

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuSnapshot:
    busy: int  # ticks the whole machine was not idle
    by_owner: dict[int, tuple[str, int]]  # live process → (server or postgres, ticks so far)
    children: float  # seconds of CPU used by this script's finished children (wrk)


def cpu_snapshot(server_group: int, database: str | None) -> CpuSnapshot:
    """Where the machine's CPU has gone so far: everything, the server's processes, the PostgreSQL backends
    serving `database` (others on the same cluster count as other work), and wrk."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    by_owner = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        group, used = int(fields[2]), int(fields[11]) + int(fields[12])
        if group == server_group:
            by_owner[int(entry.name)] = ("server", used)
        elif database and comm.startswith("postgres"):
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace").split()
            except OSError:
                continue
            if database in title:  # "postgres: 15/main: postgres hosho_bench 127.0.0.1(5432) idle"
                by_owner[int(entry.name)] = ("postgres", used)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy = user + nice + system + irq + softirq + steal
    return CpuSnapshot(busy, by_owner, children.ru_utime + children.ru_stime)


def cores_used(before: CpuSnapshot, after: CpuSnapshot, seconds: float) -> dict[str, float]:
    """Average cores used between two snapshots: server, postgres, wrk, and everything else on the machine."""
    used: Counter[str] = Counter()
    for pid, (owner, ticks) in after.by_owner.items():
        used[owner] += ticks - before.by_owner.get(pid, (owner, 0))[1]
    cores = {owner: ticks / CLOCK_TICKS / seconds for owner, ticks in used.items()}
    cores["wrk"] = (after.children - before.children) / seconds
    busy = (after.busy - before.busy) / CLOCK_TICKS / seconds
    cores["other"] = max(0.0, busy - sum(cores.values()))
    return cores


# --- profiling ---------------------------------------------------------------------------------------------------


def start_profilers(
    process: subprocess.Popen[bytes], out_dir: Path, tag: str, seconds: int
) -> list[subprocess.Popen[bytes]]:
    """py-spy on each worker, keeping only samples of the thread holding the GIL: where the CPU goes."""
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        raise SystemExit("--profile needs py-spy on PATH (pip install py-spy)")
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [py_spy, "record", "--gil", "--nonblocking", "--rate", "250", "--format", "raw"]
    return [
        subprocess.Popen(
            [*command, "--duration", str(seconds), "--pid", str(pid), "--output", str(out_dir / f"{tag}-{pid}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in worker_pids(process)
    ]


def summarize_profile(files: Sequence[Path], top: int = 25) -> list[str]:
    """Inclusive share of samples per frame, counted once per stack, for the hottest frames."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for file in files:
        for line in file.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack:
                continue
            count = int(count_text)
            frames = [_short(frame) for frame in stack.split(";")]
            total += count
            for frame in set(frames):
                inclusive[frame] += count
            own[frames[-1]] += count
    if not total:
        return ["(no samples)"]
    lines = [f"{total:,} samples; inclusive share of the hottest frames:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines.append("self time:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top // 2)]
    return lines


def _short(frame: str) -> str:
    # "function (path/to/file.py:123)" → "function (package/file.py)"
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


# --- main --------------------------------------------------------------------------------------------------------


def bench(url: str, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    hosho = create_hosho(url)
    kind = hosho.db.dialect.name
    database = hosho.db.url.database if kind == "postgresql" else None  # whose backends count as "postgres"
    with tempfile.TemporaryDirectory(prefix="hosho-bench-") as tmp:
        workdir = Path(tmp)
        count, key, numbers, retailers = prepare(hosho, workdir, rng)
        print(
            f"\n{kind}: {count:,} contracts; hosho serve --workers {args.workers}; wrk -t{args.threads}; "
            f"{args.duration} s per phase after {args.warmup} s of warm-up; {_load()}"
        )
        if args.server_path:
            print(f"server: with {args.server_path} first on its path")
        results: list[Result] = []
        try:
            with server(url, args, workdir) as (base, process):
                check(base, key, numbers)
                for phase in phases(key, numbers, retailers, hosho.today()):
                    if phase.name not in args.phases:
                        continue
                    for connections in args.connections:
                        result = measure(base, phase, workdir, process, connections, kind, database, args)
                        print(result.line(), flush=True)
                        if phase.name == "enrol":
                            stored = persisted(hosho, result.stamp)
                            print(f"        {stored:,} enrolments of the measured run are stored")
                        results.append(result)
        finally:
            keys.revoke_key(hosho, prefix=key.split("_")[1])
            hosho.dispose()
    verdicts(results)


def wait_for_idle(limit: float, longest: float = 600.0) -> str:
    """Wait until the machine was less than `limit` busy over 3 s (other work skews every figure), at most `longest`."""
    began = time.monotonic()
    while True:
        first = cpu_snapshot(0, None).busy
        time.sleep(3)
        busy = (cpu_snapshot(0, None).busy - first) / CLOCK_TICKS / 3 / (os.cpu_count() or 1)
        waited = time.monotonic() - began
        if busy < limit or waited > longest:
            return f"machine {100 * busy:.0f}% busy before the phase (waited {waited:.0f} s)"


def measure(
    base: str,
    phase: Phase,
    workdir: Path,
    process: subprocess.Popen[bytes],
    connections: int,
    kind: str,
    database: str | None,
    args: argparse.Namespace,
) -> Result:
    load = {"connections": connections, "threads": args.threads}
    if args.wait_idle:
        print(f"        {wait_for_idle(args.wait_idle)}", flush=True)
    run_wrk(base, phase, workdir, seconds=args.warmup, report=False, **load)
    profilers = []
    tag = f"{kind}-{phase.name}-c{connections}"
    if args.profile and phase.name in args.profile_phases:
        profilers = start_profilers(process, args.profile, tag, args.duration)
    before = cpu_snapshot(process.pid, database)
    result = run_wrk(base, phase, workdir, seconds=args.duration, **load)
    assert result is not None
    result.cpu = cores_used(before, cpu_snapshot(process.pid, database), result.seconds)
    for profiler in profilers:
        profiler.wait(timeout=args.duration + 60)
    if profilers:
        print("\n".join(summarize_profile(sorted(args.profile.glob(f"{tag}-*.txt")))))
    return result


def persisted(hosho: Hosho, stamp: str) -> int:
    """Contracts the measured enrolment run left in the database (its Idempotency-Keys carry the run's stamp)."""
    with hosho.reading() as session:
        query = select(func.count()).where(m.Contract.idempotency_key.like(f"bench-B{stamp}T%"))
        return int(session.execute(query).scalar_one())


def verdicts(results: Sequence[Result]) -> None:
    for result in results:
        failed = any(result.errors.values())
        if result.phase.name == "lookup":
            rate, p99 = LOOKUP_TARGET
            met = result.rate >= rate and result.p99_ms < p99 and not failed
            print(f"c={result.connections}: lookup ≥ {rate:,.0f} req/s with p99 < {p99:.0f} ms: {_met(met)}", end="")
            bare = next((r for r in results if r.phase.name == "bare" and r.connections == result.connections), None)
            print(f"; lookup/bare ratio {result.rate / bare.rate:.2f}" if bare else "")
        elif result.phase.name == "enrol":
            met = result.rate >= ENROL_TARGET and not failed
            print(f"c={result.connections}: enrolments ≥ {ENROL_TARGET:,.0f}/s: {_met(met)}")


def _load() -> str:
    # Anything else running on the machine takes cores from the server and skews every figure.
    return "load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _met(met: bool) -> str:
    return "met" if met else "MISSED"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="*", default=list(DEFAULT_URLS))
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured phase")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load before each phase")
    parser.add_argument(
        "--connections", type=lambda s: [int(c) for c in s.split(",")], default=[8, 16], help="e.g. 8 or 4,16,64"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--phases", type=lambda s: s.split(","), default=["bare", "lookup", "enrol"])
    parser.add_argument("--profile", type=Path, help="sample the workers with py-spy into DIR (py-spy on PATH)")
    parser.add_argument("--profile-phases", type=lambda s: s.split(","), default=["lookup"])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument(
        "--wait-idle",
        type=float,
        metavar="FRACTION",
        help="before each phase, wait (up to 10 min) for the machine "
        "to be less than FRACTION busy, e.g. 0.15 on a machine shared with other work",
    )
    parser.add_argument("--server-path", type=Path, help="a folder put first on the server's PYTHONPATH")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    print(f"machine: {describe()}")
    for url in args.urls:
        bench(url, args)


if __name__ == "__main__":
    main()
