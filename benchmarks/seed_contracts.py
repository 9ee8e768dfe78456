"""Bulk-load paid contracts (subscriber, contract, equipment, audit rows) into a migrated Hosho database.

Run: .venv/bin/python -m benchmarks.seed_contracts URL [--count 1000000] [--create-database] [--append]

URL is what Hosho takes (sqlite:///path or postgresql://user@host/db). PostgreSQL is loaded with COPY on the
raw psycopg connection, SQLite with executemany in large transactions. Dates come from the real domain
(coverage_period, version_on, certificate_number, the search keys), memoised per distinct input, so a million
contracts take minutes. The rows are then read back through the service layer (get, search by certificate,
phone and serial) and a sample is re-enrolled through the rules engine to check the stored coverage.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as DbEngine
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from benchmarks.machine import describe
from hosho.admin import shown
from hosho.domain.calendar import JST
from hosho.domain.contract import Application, Equipment
from hosho.domain.enrollment import coverage_period
from hosho.engine import Engine
from hosho.service import contracts, keys, lookup
from hosho.service.context import SYSTEM, Hosho, create_hosho
from hosho.service.search import code_key, name_key, phone_key
from hosho.store import models as m
from hosho.store.db import migrate

BATCH = 50_000
RETAILERS = 40
RETAIL_SHARE = 0.85  # the rest were sold direct (no retailer)

SURNAMES = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山下", "ヤマシタ"),
    ("中島", "ナカジマ"),
    ("石井", "イシイ"),
    ("小川", "オガワ"),
    ("前田", "マエダ"),
    ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"),
    ("藤田", "フジタ"),
    ("後藤", "ゴトウ"),
    ("近藤", "コンドウ"),
    ("村上", "ムラカミ"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
    ("坂本", "サカモト"),
]
GIVEN_NAMES = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("翔太", "ショウタ"),
    ("陽菜", "ヒナ"),
    ("大輔", "ダイスケ"),
    ("美咲", "ミサキ"),
    ("健一", "ケンイチ"),
    ("由美", "ユミ"),
    ("誠", "マコト"),
    ("恵子", "ケイコ"),
    ("拓也", "タクヤ"),
    ("さくら", "サクラ"),
    ("直樹", "ナオキ"),
    ("愛", "アイ"),
    ("浩二", "コウジ"),
    ("真由美", "マユミ"),
    ("蓮", "レン"),
    ("結衣", "ユイ"),
    ("隆", "タカシ"),
    ("智子", "トモコ"),
    ("悠真", "ユウマ"),
    ("葵", "アオイ"),
    ("和也", "カズヤ"),
    ("明美", "アケミ"),
    ("修", "オサム"),
]
# (postal code, address up to the block number); a few remote-island codes are present but ipro excludes them.
PLACES = [
    ("1000001", "東京都千代田区千代田"),
    ("1600022", "東京都新宿区新宿"),
    ("1500002", "東京都渋谷区渋谷"),
    ("2200012", "神奈川県横浜市西区みなとみらい"),
    ("3300846", "埼玉県さいたま市大宮区大門町"),
    ("2600013", "千葉県千葉市中央区中央"),
    ("4600008", "愛知県名古屋市中区栄"),
    ("5300001", "大阪府大阪市北区梅田"),
    ("6008216", "京都府京都市下京区東塩小路町"),
    ("6500021", "兵庫県神戸市中央区三宮町"),
    ("7300011", "広島県広島市中区基町"),
    ("8120011", "福岡県福岡市博多区博多駅前"),
    ("0600001", "北海道札幌市中央区北一条西"),
    ("9800021", "宮城県仙台市青葉区中央"),
    ("9000006", "沖縄県那覇市おもろまち"),
]
REMOTE_PLACES = [("1001511", "東京都八丈島八丈町三根")]
# (program, plan, share, equipment maker): shares sum to 1.
PLANS = [
    ("zest", "kaden-5y", 0.45),
    ("zest", "aircon-8y", 0.20),
    ("ipro", "onsite-3y", 0.06),
    ("ipro", "onsite-4y", 0.05),
    ("ipro", "onsite-5y", 0.08),
    ("ipro", "sendback-3y", 0.05),
    ("ipro", "sendback-4y", 0.05),
    ("ipro", "sendback-5y", 0.06),
]
KADEN_MODELS = [("NR-F658WPX", "RF"), ("NA-LX129CL", "WD"), ("TH-55MX950", "TV"), ("NE-UBS10A", "MW")]
AIRCON_MODELS = [("CS-X404D2", "AC"), ("CS-EX284D", "AC"), ("MSZ-ZW4024S", "MS")]
CAMERAS = ["WV-X1551LN", "WV-S2136L", "WV-X2571LN", "WV-S1536LNS"]
RECORDERS = [("WJ-NX400K", "recorder"), ("WJ-NX310K", "recorder"),
             ("WV-SD510", "sd_recorder")]  # fmt: skip

SUBSCRIBER_COLUMNS = (
    "id",
    "name",
    "name_kana",
    "name_key",
    "kana_key",
    "phone",
    "phone_key",
    "email",
    "postal_code",
    "address",
)
CONTRACT_COLUMNS = (
    "id",
    "program_id",
    "terms_version",
    "plan_id",
    "retailer_id",
    "subscriber_id",
    "status",
    "purchase_date",
    "applied_on",
    "purchase_price",
    "warranty_fee",
    "manufacturer_warranty_months",
    "repair_cap",
    "operation_start_date",
    "site_postal_code",
    "site_country",
    "remote_island",
    "maker_onsite_repair",
    "coverage_start",
    "coverage_end",
    "paid_on",
    "certificate_number",
    "certificate_issued_on",
    "unreported_replacement",
    "ended_on",
    "refund",
    "idempotency_scope",
    "idempotency_key",
    "request_hash",
    "created_at",
    "version",
)
EQUIPMENT_COLUMNS = ("id", "contract_id", "kind", "model", "serial", "serial_key", "service_mode", "replaced_on")
AUDIT_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "before", "after")
TABLES = (
    ("subscribers", SUBSCRIBER_COLUMNS),
    ("contracts", CONTRACT_COLUMNS),
    ("equipment", EQUIPMENT_COLUMNS),
    ("audit_log", AUDIT_COLUMNS),
)


@dataclass
class Batch:
    subscribers: list[tuple[Any, ...]]
    contracts: list[tuple[Any, ...]]
    equipment: list[tuple[Any, ...]]
    audit: list[tuple[Any, ...]]

    def tables(self) -> list[list[tuple[Any, ...]]]:
        return [self.subscribers, self.contracts, self.equipment, self.audit]


@dataclass
class NextIds:
    subscriber: int
    contract: int
    equipment: int
    audit: int


class Generator:
    """Realistic paid contracts, as `enroll` then `pay_fee` would have written them (without Idempotency-Keys)."""

    def __init__(self, rules: Engine, retailer_ids: Sequence[int], today: date, seed: int):
        self.rules = rules
        self.retailer_ids = list(retailer_ids)
        self.today = today
        self.rng = random.Random(seed)
        self.plan_cumulative = []
        total = 0.0
        for program, plan, share in PLANS:
            total += share
            self.plan_cumulative.append((total, program, plan))

    # Everything below is memoised: a handful of distinct inputs, called a million times.
    @cache  # noqa: B019 - one generator per run
    def _terms(self, program_id: str, applied_on: date) -> Any:
        return self.rules.catalog.programs[program_id].version_on(applied_on)

    @cache  # noqa: B019
    def _coverage(self, program_id: str, version: date, plan_id: str, purchase: date, months: int) -> Any:
        terms = next(v for v in self.rules.catalog.programs[program_id].versions if v.effective_from == version)
        return coverage_period(
            terms,
            purchase_date=purchase,
            term_years=terms.plans[plan_id].term_years,
            manufacturer_warranty_months=months,
        )

    @cache  # noqa: B019
    def _remote(self, postal_code: str) -> bool:
        return self.rules.site(postal_code=postal_code).remote_island

    @cache  # noqa: B019
    def _name_key(self, name: str) -> str:
        return name_key(name)

    @cache  # noqa: B019
    def _created_at(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 10, 0, tzinfo=JST)

    def _below(self, n: int) -> int:
        # random() scaled is a few times faster than randrange and uniform enough for test data.
        return int(self.rng.random() * n)

    def _pick(self, items: Sequence[Any]) -> Any:
        return items[int(self.rng.random() * len(items))]

    def _plan(self) -> tuple[str, str]:
        draw = self.rng.random()
        for bound, program, plan in self.plan_cumulative:
            if draw < bound:
                return program, plan
        _, program, plan = self.plan_cumulative[-1]
        return program, plan

    def batch(self, ids: NextIds, count: int) -> Batch:
        rng, today = self.rng, self.today
        out = Batch([], [], [], [])
        first_day = {"zest": date(2021, 1, 4).toordinal(), "ipro": date(2022, 4, 1).toordinal()}
        last_day = today.toordinal() - 45  # leave room for application and payment
        for _ in range(count):
            sid, cid = ids.subscriber, ids.contract
            ids.subscriber += 1
            ids.contract += 1
            program_id, plan_id = self._plan()
            is_ipro = program_id == "ipro"
            places = PLACES if is_ipro or rng.random() < 0.995 else REMOTE_PLACES
            postal, town = self._pick(places)
            surname, given = self._pick(SURNAMES), self._pick(GIVEN_NAMES)
            name, kana = f"{surname[0]} {given[0]}", f"{surname[1]} {given[1]}"
            phone = f"0{self._pick('789')}0-{self._below(10_000):04d}-{self._below(10_000):04d}"
            out.subscribers.append(
                (
                    sid,
                    name,
                    kana,
                    self._name_key(name),
                    self._name_key(kana),
                    phone,
                    phone_key(phone),
                    f"c{sid}@example.jp",
                    postal,
                    f"{town}{1 + self._below(8)}-{1 + self._below(29)}-{1 + self._below(19)}",
                )
            )

            purchase = date.fromordinal(first_day[program_id] + self._below(last_day - first_day[program_id]))
            operation_start = None
            if is_ipro:
                operation_start = purchase + timedelta(days=self._below(15))
                applied_on = operation_start + timedelta(days=self._below(26))  # within 1 month of operation start
                price = (2_000 + self._below(28_000)) * 100  # yen, in hundreds
            else:
                applied_on = purchase + timedelta(days=self._below(30))
                price = (300 + self._below(3_700) if plan_id == "kaden-5y" else 600 + self._below(3_400)) * 100
            paid_on = applied_on + timedelta(days=self._below(10))
            terms = self._terms(program_id, applied_on)
            plan = terms.plans[plan_id]
            months = terms.coverage.default_manufacturer_warranty_months
            coverage = self._coverage(program_id, terms.effective_from, plan_id, purchase, months)
            fee = price * plan.term_years // 100 if is_ipro else price * (5 if plan_id == "kaden-5y" else 8) // 100
            status = "active" if today <= coverage.end else "expired"
            certificate = contracts.certificate_number(program_id, paid_on.year, cid)
            retailer = self._pick(self.retailer_ids) if rng.random() < RETAIL_SHARE else None
            created = self._created_at(applied_on)
            out.contracts.append(
                (
                    cid,
                    program_id,
                    terms.effective_from,
                    plan_id,
                    retailer,
                    sid,
                    status,
                    purchase,
                    applied_on,
                    price,
                    fee,
                    months,
                    price if terms.cap is not None else None,
                    operation_start,
                    postal,
                    "JP",
                    self._remote(postal),
                    plan.maker_onsite_repair,
                    coverage.start,
                    coverage.end,
                    paid_on,
                    certificate,
                    paid_on,
                    False,
                    None,
                    None,
                    None,
                    None,
                    None,
                    created,
                    2,
                )
            )

            for kind, model, serial, mode in self._equipment(cid, program_id, plan_id):
                out.equipment.append((ids.equipment, cid, kind, model, serial, code_key(serial), mode, None))
                ids.equipment += 1

            pending = _snapshot(plan_id, program_id, terms.effective_from, coverage, "pending", None, None)
            paid = _snapshot(plan_id, program_id, terms.effective_from, coverage, status, paid_on, certificate)
            actor = f"key:retailer-{retailer}" if retailer else "key:call-center"
            out.audit.append((ids.audit, created, actor, "contract.enrolled", "contract", cid, None, pending))
            out.audit.append(
                (
                    ids.audit + 1,
                    self._created_at(paid_on),
                    "key:billing",
                    "contract.paid",
                    "contract",
                    cid,
                    pending,
                    paid,
                )
            )
            ids.audit += 2
        return out

    def _equipment(self, cid: int, program_id: str, plan_id: str) -> Iterator[tuple[str, str, str, str | None]]:
        if program_id == "zest":
            models = KADEN_MODELS if plan_id == "kaden-5y" else AIRCON_MODELS
            model, prefix = self._pick(models)
            yield "other", model, f"{prefix}{cid:08d}{self._below(10)}", None
            return
        recorder, kind = self._pick(RECORDERS)
        yield kind, recorder, f"R{self._pick('ABCD')}{cid:08d}", None
        for index in range(1 + self._below(6)):
            yield "camera", self._pick(CAMERAS), f"C{self._pick('EFGH')}{cid:08d}-{index}", None


def _snapshot(
    plan_id: str, program_id: str, version: date, coverage: Any, status: str, paid_on: date | None, number: str | None
) -> dict[str, Any]:
    """The audited state (repository.snapshot) after enrolment and after payment."""
    return {
        "status": status,
        "plan": plan_id,
        "terms": f"{program_id}@{version.isoformat()}",
        "coverage_start": coverage.start.isoformat(),
        "coverage_end": coverage.end.isoformat(),
        "paid_on": paid_on.isoformat() if paid_on else None,
        "certificate_number": number,
        "unreported_replacement": False,
        "ended_on": None,
        "refund": None,
        "cases": 0,
    }


# --- writers ---------------------------------------------------------------------------------------------------


class PostgresWriter:
    """COPY per table per batch on the raw psycopg connection; one transaction per batch."""

    def __init__(self, db: DbEngine):
        self.raw = db.raw_connection()
        self.conn = self.raw.driver_connection
        with self.conn.cursor() as cursor:
            # Durability of each batch does not matter to a bench load; the final commit is still made durable.
            cursor.execute("SET synchronous_commit = off")
        self.conn.commit()

    def write(self, batch: Batch) -> None:
        with self.conn.cursor() as cursor:
            for (table, columns), rows in zip(TABLES, batch.tables(), strict=True):
                if table == "audit_log":
                    rows = [(*row[:6], _json(row[6]), _json(row[7])) for row in rows]
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        self.conn.commit()

    def finish(self) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute("SET synchronous_commit = on")
            for table, _ in (*TABLES, ("retailers", ())):
                # Explicit ids were loaded: move each id sequence past them so enrolments do not collide.
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                cursor.execute(f"SELECT setval({sequence}, (SELECT coalesce(max(id), 1) FROM {table}))")
        self.conn.commit()
        # What autovacuum does on a live database: statistics for the planner, and the visibility map without
        # which an index-only scan (a count over an index) reads the table as well.
        self.conn.autocommit = True
        with self.conn.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.raw.close()


class SqliteWriter:
    """executemany in one transaction per batch, with bulk-load PRAGMAs on this connection only."""

    def __init__(self, db: DbEngine):
        self.raw = db.raw_connection()
        self.conn = self.raw.driver_connection
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-1048576")  # 1 GiB of page cache for index building
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.statements = [
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            for table, columns in TABLES
        ]

    def write(self, batch: Batch) -> None:
        self.conn.execute("BEGIN")
        try:
            for statement, rows in zip(self.statements, batch.tables(), strict=True):
                self.conn.executemany(statement, (tuple(_sqlite_value(v) for v in row) for row in rows))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def finish(self) -> None:
        # No ANALYZE: Hosho never runs it on SQLite, and its statistics would mislead the planner here (all the
        # loaded rows have a NULL Idempotency-Key, so the idempotency index looks useless and enrolments scan).
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.raw.close()


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value)


@cache
def _sqlite_date(value: date) -> str:
    return value.isoformat()


@cache
def _sqlite_datetime(value: datetime) -> str:
    # SQLAlchemy's SQLite DATETIME storage format (the zone is not stored).
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_value(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is bool:
        return int(value)
    if kind is date:
        return _sqlite_date(value)
    if kind is datetime:
        return _sqlite_datetime(value)
    if kind is dict:
        return json.dumps(value)
    raise TypeError(f"no SQLite form for {kind.__name__}")


# --- set-up and checks -------------------------------------------------------------------------------------------


def create_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(
        target.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if exists.first() is None:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
            print(f"created database {target.database}")
    admin.dispose()


def drop_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(
        target.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def scratch_database(kind: str, prefix: str) -> Iterator[str]:
    """The URL of a fresh database for one run, removed afterwards: a SQLite file in a temporary folder, or a
    PostgreSQL database on the local server named after `prefix`."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
            yield f"sqlite:///{Path(folder) / 'hosho.sqlite3'}"
        return
    url = f"postgresql://postgres@127.0.0.1:5432/{prefix.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    create_postgres_database(url)
    try:
        yield url
    finally:
        drop_postgres_database(url)


def make_sqlite_folder(url: str) -> None:
    """SQLite creates the file but not its folder: make the folder, or say in one line why it cannot be made."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SystemExit(f"{url}: cannot create the folder {folder}: {exc.strerror}") from None


def next_ids(db: DbEngine) -> NextIds:
    with db.connect() as connection:

        def after(table: Any) -> int:
            return int(connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1

        return NextIds(
            after(m.Subscriber.__table__),
            after(m.Contract.__table__),
            after(m.Equipment.__table__),
            after(m.AuditEntry.__table__),
        )


def verify(hosho: Hosho, first_id: int, last_id: int, rng: random.Random) -> None:
    """Read seeded contracts back through the service layer and re-enrol a sample through the rules engine."""
    checked = 0
    for contract_id in sorted(rng.randrange(first_id, last_id + 1) for _ in range(200)):
        view = contracts.get(hosho, SYSTEM, contract_id).model_dump()
        number = view["certificate_number"]
        found = lookup.search(hosho, SYSTEM, certificate_number=number).model_dump()
        assert [item["id"] for item in found["items"]] == [contract_id], (number, found["total"])
        if checked < 20:
            phone = view["subscriber"]["phone"].replace("-", "")
            by_phone = lookup.search(hosho, SYSTEM, phone=phone, per_page=100).model_dump()
            assert contract_id in {item["id"] for item in by_phone["items"]} or by_phone["total"] > 100
            serial = view["equipment"][0]["serial"].lower()
            assert contract_id in {item.id for item in lookup.search(hosho, SYSTEM, serial=serial).items}
        _check_against_rules(hosho.rules, view)
        checked += 1
    print(f"verified {checked} contracts through the service layer (get, search) and the rules engine")


def _check_against_rules(rules: Engine, view: dict[str, Any]) -> None:
    equipment = tuple(Equipment(e["kind"], e["model"], e["serial"]) for e in view["equipment"])
    application = Application(
        plan_id=view["plan"]["id"],
        purchase_date=view["purchase_date"],
        applied_on=view["applied_on"],
        purchase_price=view["purchase_price"],
        warranty_fee=view["warranty_fee"],
        operation_start_date=view["operation_start_date"],
        equipment=equipment,
        site=rules.site(postal_code=view["site"]["postal_code"]),
    )
    enrolled = rules.enroll(view["program"], application).contract
    expected = (enrolled.coverage_start, enrolled.coverage_end, enrolled.repair_cap, enrolled.terms.version)
    actual = (view["coverage_start"], view["coverage_end"], view["repair_cap"], view["terms_version"])
    assert expected == actual, (view["id"], expected, actual)


def seed(url: str, count: int, *, append: bool, seed_value: int, batch_size: int = BATCH) -> None:
    hosho = create_hosho(url)
    db = hosho.db
    migrate(db)
    ids = next_ids(db)
    if ids.contract > 1 and not append:
        raise SystemExit(f"{url} already holds {ids.contract - 1:,} contract ids; pass --append to add more")
    retailer_ids = [
        keys.ensure_retailer(hosho, code=f"R{n:03d}", name=f"販売店{n:03d}") for n in range(1, RETAILERS + 1)
    ]
    generator = Generator(hosho.rules, retailer_ids, hosho.today(), seed_value)
    writer: PostgresWriter | SqliteWriter = PostgresWriter(db) if db.dialect.name == "postgresql" else SqliteWriter(db)
    first_id = ids.contract
    started = time.perf_counter()
    generating = 0.0
    done = rows = 0
    while done < count:
        size = min(batch_size, count - done)
        began = time.perf_counter()
        batch = generator.batch(ids, size)
        generating += time.perf_counter() - began
        writer.write(batch)
        done += size
        rows += sum(len(table) for table in batch.tables())
        elapsed = time.perf_counter() - started
        print(f"  {done:>9,} contracts  {elapsed:6.1f} s  {done / elapsed:8,.0f} contracts/s", flush=True)
    writer.finish()
    elapsed = time.perf_counter() - started
    print(
        f"loaded {count:,} contracts ({rows:,} rows in 4 tables) into {db.dialect.name} in {elapsed:.1f} s: "
        f"{count / elapsed:,.0f} contracts/s, {rows / elapsed:,.0f} rows/s "
        f"(generating {generating:.1f} s, writing and indexing {elapsed - generating:.1f} s)"
    )
    verify(hosho, first_id, ids.contract - 1, random.Random(seed_value + 1))
    db.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="sqlite:///path or postgresql://user@host:port/db")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--append", action="store_true", help="add to a database that already holds contracts")
    parser.add_argument("--create-database", action="store_true", help="create the PostgreSQL database if missing")
    args = parser.parse_args(argv)
    print(f"machine: {describe()}")
    try:
        if args.url.startswith("sqlite"):
            make_sqlite_folder(args.url)
        if args.create_database and args.url.startswith("postgresql"):
            create_postgres_database(args.url)
        seed(args.url, args.count, append=args.append, seed_value=args.seed, batch_size=args.batch)
    except (ArgumentError, ImportError) as exc:
        raise SystemExit(f"invalid database URL {shown(args.url)}: {exc}") from None
    except SQLAlchemyError as exc:
        # One line: the driver's first line says what is wrong (unreachable, no such database, …).
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
        raise SystemExit(f"database {shown(args.url)}: {reason[0]}") from None


if __name__ == "__main__":
    main()
