"""The operations dashboard at scale: `python -m benchmarks.bench_dashboard [--count 1000000] [--cases 200000]`.

For each database (a fresh SQLite file, a fresh PostgreSQL database) it loads `--count` paid contracts
(benchmarks.seed_contracts), then `--cases` repair cases with their events (visits on time and late, send-back
repairs, estimates, replacements) and cancellations with their refunds (2% of the contracts), all written in bulk.
It then times, each `--repeat` times after one warm-up:
  - the daily work's rebuild of the summaries (figures.summary.refresh),
  - every figure through the service layer, as GET /v1/figures/<name> serves it (target ≤ 300 ms each),
  - the console's dashboard page, server time through the ASGI app (target ≤ 300 ms),
both with the default filters (the last twelve months) and narrowed to one retailer.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from benchmarks.machine import describe
from benchmarks.seed_contracts import create_postgres_database, drop_postgres_database, seed
from hosho.console import mount_console
from hosho.domain.calendar import JST
from hosho.service import figures, users
from hosho.service.context import SYSTEM, Hosho, create_hosho
from hosho.service.figures import summary
from hosho.store import models as m

PG_URL = "postgresql://postgres@127.0.0.1:5432/hosho_bench_dashboard"
TARGET_MS = 300
BATCH = 20_000
CANCELLED_SHARE = 50  # one contract in 50 is cancelled, with a refund
DISPUTED_SHARE = 10  # one not-covered case in 10 is disputed (見解相違), half of those decided
CAUSES = ("normal_use", "normal_use", "normal_use", "wear_and_tear", "impact_or_water", "misuse", "not_reproducible")
CLAUSES = {
    "ipro": ("修理日数の目安", "コール受付", "サービス期間", "契約期間内の修理における部品代は無償対応"),
    "zest": ("前文", "第2条第1項", "第3条", "第6条(10)"),
}
PASSWORD = "bench-dashboard-2026"


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def load_cases(hosho: Hosho, wanted: int, seed_value: int) -> None:
    """`wanted` cases on every n-th contract, received over the last two years, with the events that decide SLA."""
    rng = random.Random(seed_value)
    disputes = random.Random(seed_value + 1)  # its own draws: the other cases stay as they were before disputes
    today = hosho.today()
    now = hosho.clock()
    started = time.perf_counter()
    with hosho.reading() as session:
        total = session.scalar(select(m.Contract.id).order_by(m.Contract.id.desc()).limit(1)) or 0
    step = max(1, total // max(wanted, 1))
    with hosho.reading() as session:
        chosen = session.execute(
            select(m.Contract.id, m.Contract.program_id, m.Contract.plan_id, m.Contract.repair_cap)
            .where(m.Contract.id % step == 0)
            .order_by(m.Contract.id)
            .limit(wanted)
        ).all()
    cases: list[dict[str, Any]] = []
    plans: list[tuple[str, str, int | None]] = []
    for contract_id, program, plan, cap in chosen:
        received = today - timedelta(days=rng.randint(0, 730))
        cause = rng.choice(CAUSES)
        covered = cause == "normal_use"
        onsite, sendback = plan.startswith("onsite"), plan.startswith("sendback")
        recent = (today - received).days < 10
        outcome = estimate = None
        state = "open" if covered and recent else "closed"
        if covered and program == "zest" and not recent:
            estimate = rng.randint(5, 120) * 1_000
            outcome = "replacement" if cap is not None and estimate > cap else "repair"
            state = "replaced" if outcome == "replacement" else "closed"
        labels = CLAUSES[program][: 3 if covered else 4]
        disputed = not covered and not recent and disputes.randrange(DISPUTED_SHARE) == 0
        cases.append(
            {
                "contract_id": contract_id,
                "number": 1,
                "requested_at": datetime.combine(received, datetime.min.time(), JST) + timedelta(hours=10),
                "received_on": received,
                "cause": cause,
                "covered": covered,
                "state": state,
                "visit_by": received + timedelta(days=2) if covered and onsite else None,
                "item_arrived_on": received + timedelta(days=3) if covered and sendback else None,
                "repair_due": received + timedelta(days=9) if covered and sendback else None,
                "estimate": estimate,
                "outcome": outcome,
                "decision": {
                    "decision": "covered" if covered else "not_covered",
                    "reasons": [{"key": f"cause:{cause}", "clauses": [labels[-1]], "reasoning": None}],
                    "clauses": [{"label": label, "text": ""} for label in labels],
                },
                "dispute": (disputes.choice(("open", "closed")) if disputed else None),
            }
        )
        plans.append((program, plan, cap))
    with hosho.transaction() as session:
        for chunk in _chunks(cases):
            session.execute(insert(m.RepairCase), chunk)
        ids = session.execute(select(m.RepairCase.id).order_by(m.RepairCase.id)).scalars().all()
        events: list[dict[str, Any]] = []

        def event(case_id: int, kind: str, on: Any, data: dict[str, Any]) -> None:
            events.append({"case_id": case_id, "at": now, "kind": kind, "on_date": on, "data": data})

        for case_id, case in zip(ids, cases, strict=True):
            late = timedelta(days=rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 1, 3)))  # one in five late
            if case["visit_by"] is not None and case["state"] != "open":
                event(case_id, "visit_done", case["visit_by"] - timedelta(days=1) + late, {})
            if case["repair_due"] is not None and case["state"] != "open":
                event(case_id, "repaired", case["repair_due"] - timedelta(days=1) + late, {})
            if case["outcome"] is not None:
                data = {"outcome": case["outcome"], "amount": case["estimate"]}
                event(case_id, "estimate", case["received_on"] + timedelta(days=3), data)
            if case["dispute"] is not None:
                ground = {"decision": "not_covered", "grounds": ["第11条"], "note": "見解相違のお申し出"}
                event(case_id, "dispute_opened", case["received_on"] + timedelta(days=2), ground)
            if case["dispute"] == "closed":
                final = {"decision": disputes.choice(("covered", "not_covered")), "grounds": ["第11条"]}
                event(case_id, "dispute_decided", case["received_on"] + timedelta(days=8), final)
        for chunk in _chunks(events):
            session.execute(insert(m.CaseEvent), chunk)
    elapsed = time.perf_counter() - started
    disputed = sum(1 for case in cases if case["dispute"] is not None)
    print(f"loaded {len(cases):,} cases ({disputed:,} disputed) and {len(events):,} events in {elapsed:.1f} s")


def load_refunds(hosho: Hosho, seed_value: int) -> None:
    """One contract in CANCELLED_SHARE cancelled in the last two years, each with its refund in some payout state."""
    rng = random.Random(seed_value)
    today, now = hosho.today(), hosho.clock()
    started = time.perf_counter()
    with hosho.reading() as session:
        chosen = session.execute(
            select(m.Contract.id, m.Contract.purchase_date, m.Contract.warranty_fee)
            .where(m.Contract.id % CANCELLED_SHARE == 1, m.Contract.status == "active")
            .order_by(m.Contract.id)
        ).all()
    cancellations, refunds = [], []
    for contract_id, purchase, fee in chosen:
        on = max(purchase + timedelta(days=1), today - timedelta(days=rng.randint(0, 730)))
        amount = max(1, (fee or 5_000) * rng.randint(10, 90) // 100)
        cancellations.append(
            {"contract_id": contract_id, "cancelled_on": on, "reason": "customer", "transfer_fee": 0,
             "refund": amount, "clauses": ["第9条第1項"], "created_at": now}
        )  # fmt: skip
        refunds.append(
            {"contract_id": contract_id, "amount": amount, "created_on": on, "created_at": now,
             "status": rng.choice(("awaiting_account", "ready", "in_batch", "paid", "paid", "paid"))}
        )  # fmt: skip
    with hosho.transaction() as session:
        for chunk in _chunks(cancellations):
            session.execute(insert(m.Cancellation), chunk)
        for chunk in _chunks(refunds):
            session.execute(insert(m.Refund), chunk)
        ids = [row["contract_id"] for row in cancellations]
        for start in range(0, len(ids), BATCH):
            session.execute(
                update(m.Contract)
                .where(m.Contract.id.in_(ids[start : start + BATCH]))
                .values(status="cancelled", ended_on=m.Contract.coverage_start)
                .execution_options(synchronize_session=False)
            )
    print(f"loaded {len(refunds):,} cancellations with refunds in {time.perf_counter() - started:.1f} s")


def timed(label: str, action: Callable[[], Any], repeat: int) -> float:
    action()  # warm-up: the first call compiles statements and fills the database's caches
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    median, worst = statistics.median(samples), max(samples)
    verdict = "ok" if median <= TARGET_MS else "OVER"
    print(f"  {label:<44} median {median:8.1f} ms   max {worst:8.1f} ms   [{verdict} ≤ {TARGET_MS} ms]", flush=True)
    return median


def bench(url: str, count: int, cases: int, repeat: int) -> None:
    print(f"{url.split(':', 1)[0]}: loading {count:,} contracts")
    seed(url, count, append=False, seed_value=20261201)
    hosho = create_hosho(url)
    try:
        load_cases(hosho, cases, 20261202)
        load_refunds(hosho, 20261203)
        users.create_user(hosho, "bench-admin", PASSWORD, "admin", "ベンチ 管理者")
        app = FastAPI()
        mount_console(app, hosho, secret_key=b"b" * 32)
        print(f"{hosho.db.dialect.name}, {count:,} contracts, {cases:,} cases:")
        began = time.perf_counter()
        summary.refresh(hosho, force=True)
        print(f"  daily work: the summaries rebuilt in {(time.perf_counter() - began) * 1000:,.0f} ms")
        for filters in ({}, {"retailer": "R001"}):
            shown = json.dumps(filters) if filters else "default filters (last 12 months)"
            print(f" {shown}")
            for name, read in figures.FIGURES.items():
                timed(f"figure {name}", lambda read=read, filters=filters: read(hosho, SYSTEM, filters), repeat)
            with TestClient(app) as client:
                token = client.get("/console/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                signed = client.post(
                    "/console/login",
                    data={"username": "bench-admin", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False,
                )
                assert signed.status_code == 303, signed.text

                def page(client: TestClient = client, filters: dict[str, str] = filters) -> None:
                    answer = client.get("/console/dashboard", params=filters)
                    assert answer.status_code == 200, answer.text[:500]

                timed("console page /console/dashboard", page, repeat)
    finally:
        hosho.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000, help="contracts to load (default 1,000,000)")
    parser.add_argument("--cases", type=int, default=200_000, help="repair cases to load (default 200,000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each figure and of the page")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgresql-url", default=PG_URL, help="a database dropped and created for the run")
    args = parser.parse_args(argv)
    print(f"machine: {describe()}")
    for name in args.databases.split(","):
        if name == "sqlite":
            with tempfile.TemporaryDirectory(prefix="hosho-bench-dashboard-") as folder:
                bench(f"sqlite:///{Path(folder) / 'hosho.sqlite3'}", args.count, args.cases, args.repeat)
        elif name == "postgresql":
            drop_postgres_database(args.postgresql_url)
            create_postgres_database(args.postgresql_url)
            bench(args.postgresql_url, args.count, args.cases, args.repeat)
        else:
            raise SystemExit(f"unknown database {name!r} (sqlite, postgresql)")


if __name__ == "__main__":
    main()
