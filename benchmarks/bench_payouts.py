"""Refund payouts at scale: a batch of N ready refunds created and written as a Zengin file (target: 100,000 in at
most 10 s on each database).

Run: .venv/bin/python -m benchmarks.bench_payouts [--refunds 100000] [--databases sqlite,postgresql]

Each database is new (SQLite in a temporary folder, PostgreSQL a database made and dropped here). The refunds are
loaded in bulk (contracts, subscribers, refunds, bank accounts: the rows the service would have written), then the
timed part runs through the service layer exactly as `hosho payouts create` does.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime

from sqlalchemy import insert

from benchmarks.machine import describe
from benchmarks.seed_contracts import scratch_database
from hosho.domain import zengin
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.service import banks, payouts
from hosho.service.commands import CreateBatch
from hosho.service.context import Actor, Hosho, Role, create_hosho
from hosho.settings import Payer
from hosho.store import models as m
from hosho.store.db import make_engine, migrate

FINANCE = Actor("bench", Role.ADMIN)
PAYER = Payer("0000012345", "ｶ)ﾎｼﾖｳ", "0005", "001", 1, "1234567")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=JST)
CHUNK = 20_000


def load(hosho: Hosho, count: int) -> None:
    """N cancelled contracts, each with a ready refund and its bank account (what cancellations would leave)."""
    snapshot = banks.ensure_snapshot(hosho)
    holders = ["ﾔﾏﾀﾞ ﾀﾛｳ", "ｽｽﾞｷ ﾊﾅｺ", "ｻﾄｳ ｼﾞﾕﾝ", "ﾀﾅｶ ｲﾁﾛｳ"]
    for start in range(1, count + 1, CHUNK):
        ids = range(start, min(start + CHUNK, count + 1))
        with hosho.transaction() as session:
            session.execute(
                insert(m.Subscriber),
                [{"id": i, "name": f"加入者 {i}", "name_key": f"加入者{i}"} for i in ids],
            )
            session.execute(
                insert(m.Contract),
                [
                    {
                        "id": i,
                        "program_id": "zest",
                        "terms_version": date(2020, 1, 1),
                        "plan_id": "kaden-5y",
                        "subscriber_id": i,
                        "status": "cancelled",
                        "purchase_date": date(2024, 4, 1),
                        "applied_on": date(2024, 4, 1),
                        "purchase_price": 100_000,
                        "warranty_fee": 5_000,
                        "manufacturer_warranty_months": 12,
                        "repair_cap": 100_000,
                        "site_country": "JP",
                        "remote_island": False,
                        "maker_onsite_repair": False,
                        "coverage_start": date(2025, 4, 1),
                        "coverage_end": date(2029, 3, 31),
                        "unreported_replacement": False,
                        "created_at": NOW,
                        "version": 1,
                    }
                    for i in ids
                ],
            )
            session.execute(
                insert(m.Refund),
                [
                    {
                        "id": i,
                        "contract_id": i,
                        "amount": 1_000 + i % 5_000,
                        "status": "ready",
                        "account_id": i,
                        "created_on": date(2026, 11, 30),
                        "created_at": NOW,
                    }
                    for i in ids
                ],
            )
            session.execute(
                insert(m.BankAccount),
                [
                    {
                        "id": i,
                        "refund_id": i,
                        "bank_code": "0005",
                        "bank_name": "三菱ＵＦＪ",
                        "bank_kana": "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ",
                        "branch_code": "001",
                        "branch_name": "本店",
                        "branch_kana": "ﾎﾝﾃﾝ",
                        "account_type": 1,
                        "account_number": f"{i % 10_000_000:07d}",
                        "holder": holders[i % len(holders)],
                        "snapshot": snapshot,
                        "created_at": NOW,
                    }
                    for i in ids
                ],
            )
    if hosho.db.dialect.name == "postgresql":
        with hosho.db.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def run(kind: str, count: int) -> None:
    with scratch_database(kind, "hosho-bench-payouts") as url:
        db = make_engine(url)
        migrate(db)
        db.dispose()
        hosho = create_hosho(url, rules=Engine(), clock=lambda: NOW)
        try:
            started = time.perf_counter()
            load(hosho, count)
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            batch = payouts.create_batch(hosho, FINANCE, CreateBatch(transfer_date=date(2026, 12, 4)))
            created = time.perf_counter() - started
            started = time.perf_counter()
            data = payouts.batch_file(hosho, FINANCE, batch.id, PAYER)
            written = time.perf_counter() - started
        finally:
            hosho.dispose()
    records = zengin.read(data)
    assert int(records[-2]["count"]) == count == batch.count
    print(
        f"{kind:<10} {count:,} ready refunds: batch created in {created:.2f} s, file ({len(data):,} bytes) in "
        f"{written:.2f} s, together {created + written:.2f} s (target ≤ 10 s); loading took {loaded:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refunds", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print(describe())
    for kind in args.databases.split(","):
        run(kind.strip(), args.refunds)


if __name__ == "__main__":
    main()
