"""Core engine throughput in one process on one core: repair decisions, business-day deadlines, bulk refunds.

Run: .venv/bin/python -m benchmarks.bench_core [--requests N] [--deadlines N] [--refunds N]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, datetime, timedelta

from benchmarks.machine import describe
from hosho.domain.calendar import JST, receive
from hosho.domain.contract import Application, Equipment, Site
from hosho.domain.lifecycle import pay
from hosho.domain.refunds import bulk_customer_refunds
from hosho.domain.repairs import RepairRequest, decide_repair
from hosho.engine import Engine

SITE = Site(postal_code="1000001", country="JP", remote_island=False)
SYSTEM = (Equipment("camera", "WV-X1", "C1"), Equipment("recorder", "WJ-NX1", "R1"))


def contracts(engine: Engine, count: int, rng: random.Random) -> list:  # type: ignore[type-arg]
    plans = [("ipro", p) for p in ("onsite-3y", "onsite-5y", "sendback-4y")] + [
        ("zest", p) for p in ("kaden-5y", "aircon-8y")
    ]
    out = []
    for _ in range(count):
        program, plan = rng.choice(plans)
        bought = date(2022, 4, 1) + timedelta(days=rng.randrange(1500))
        application = Application(
            plan_id=plan,
            purchase_date=bought,
            purchase_price=rng.randrange(20_000, 300_000),
            warranty_fee=5_000,
            operation_start_date=bought,
            equipment=SYSTEM,
            site=SITE,
        )
        contract = engine.enroll(program, application).contract
        pay(contract, on=bought)
        out.append(contract)
    return out


def bench_decisions(engine: Engine, total: int, rng: random.Random) -> float:
    pool = contracts(engine, 1_000, rng)
    causes = list(engine.catalog.vocabulary.causes)
    calendars = {id(c): engine.calendar(c.terms.closures) for c in pool}
    start_at = datetime(2023, 1, 1, tzinfo=JST)
    work = []
    for _ in range(total):
        contract = rng.choice(pool)
        at = start_at + timedelta(minutes=rng.randrange(6 * 365 * 24 * 60))
        cause = "normal_use" if rng.random() < 0.6 else rng.choice(causes)
        work.append((contract, RepairRequest(at=at, cause=cause), calendars[id(contract)]))
    began = time.perf_counter()
    for contract, request, calendar in work:
        decide_repair(contract, request, calendar)
        if len(contract.cases) > 50:  # keep the aggregates at a realistic size
            del contract.cases[:-5]
    return total / (time.perf_counter() - began)


def bench_deadlines(engine: Engine, total: int, rng: random.Random) -> tuple[float, float]:
    terms = engine.catalog.program("ipro").versions[0]
    calendar = engine.calendar(terms.closures)
    days = [date(2023, 1, 1) + timedelta(days=rng.randrange(3650)) for _ in range(total)]
    began = time.perf_counter()
    for d in days:
        calendar.add_business_days(d, 2)
    plain = total / (time.perf_counter() - began)
    moments = [
        datetime(2023, 1, 1, tzinfo=JST) + timedelta(minutes=rng.randrange(10 * 365 * 24 * 60)) for _ in range(total)
    ]
    began = time.perf_counter()
    for at in moments:
        calendar.add_business_days(receive(at, terms.reception, calendar).received_on, 2)
    with_reception = total / (time.perf_counter() - began)
    return plain, with_reception


def bench_refunds(engine: Engine, total: int, rng: random.Random) -> float:
    version = engine.catalog.program("zest").versions[0]
    plans = [version.plans["kaden-5y"], version.plans["aircon-8y"]]
    first = date(2018, 1, 1).toordinal()
    chosen = [plans[rng.randrange(2)] for _ in range(total)]
    bought = [first + rng.randrange(3000) for _ in range(total)]
    prices = [rng.randrange(10_000, 500_000) for _ in range(total)]
    cancelled = [b + rng.randrange(3000) for b in bought]
    began = time.perf_counter()
    refunds = bulk_customer_refunds(chosen, version.cancellation.bracket_years, bought, prices, cancelled, 330)
    elapsed = time.perf_counter() - began
    assert len(refunds) == total and min(refunds) >= 0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--deadlines", type=int, default=1_000_000)
    parser.add_argument("--refunds", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(20261122)
    engine = Engine()
    engine.catalog  # noqa: B018 - load outside the timings
    print(f"machine: {describe()}")
    rate = bench_decisions(engine, args.requests, rng)
    print(f"repair-request decisions: {rate:,.0f}/s over {args.requests:,} generated requests (target ≥ 50,000/s)")
    plain, full = bench_deadlines(engine, args.deadlines, rng)
    print(
        f"business-day deadlines: {plain:,.0f}/s add_business_days; {full:,.0f}/s with reception (target ≥ 200,000/s)"
    )
    elapsed = bench_refunds(engine, args.refunds, rng)
    print(f"bulk refunds: {args.refunds:,} contracts in {elapsed:.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
