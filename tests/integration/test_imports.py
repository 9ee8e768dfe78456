"""Importing a retailer's file through the service (import.md), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from hosho.service import contracts, imports, keys
from hosho.service.commands import Enrol, EquipmentItem, Pay, Site, Subscriber
from hosho.service.context import SYSTEM, Actor, Hosho, Role, ServiceError
from hosho.store import models as m

HEADER = (
    "販売店コード,受付番号,プログラム,プラン,購入日,運用開始日,購入金額,保証料,氏名,フリガナ,電話番号,郵便番号,"
    "住所,メールアドレス,機器種別,型番,製造番号,入金日"
)
ZEST = "R1,{ref},zest,kaden-5y,{day},,128000,6400,髙橋 ①子,タカハシ イチコ,090-1234-5678,100-0001,東京都千代田区,{mail},,NA-1,{serial},{paid}"  # noqa: E501
IPRO = "R1,{ref},ipro,onsite-3y,2025-03-01,2025-03-10,,,警備 太郎,,03-1234-5678,100-0001,東京都港区,,{kind},{model},{serial},"  # noqa: E501


def _file(*lines: str, encoding: str = "cp932") -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)


def _zest(ref: str, *, day: str = "2024-04-01", serial: str = "S1", paid: str = "", mail: str = "") -> str:
    return ZEST.format(ref=ref, day=day, serial=serial, paid=paid, mail=mail)


def _ipro(ref: str, kind: str, serial: str) -> str:
    return IPRO.format(ref=ref, kind=kind, model="WJ-NX510" if kind == "レコーダー" else "WV-S1136", serial=serial)


@pytest.fixture
def shop(hosho: Hosho) -> int:
    keys.ensure_retailer(hosho, code="R2", name="別の店")
    return keys.ensure_retailer(hosho, code="R1", name="家電の店")


def _import(hosho: Hosho, data: bytes, **options: Any) -> imports.Outcome:
    return imports.import_file(hosho, SYSTEM, name="sales.csv", data=data, **options)


def _count(hosho: Hosho, model: Any) -> int:
    with hosho.reading() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _stored(hosho: Hosho, contract_id: int) -> dict[str, Any]:
    """Every stored column of the contract, its subscriber and items, but ids, times and the import's own key."""
    with hosho.reading() as session:
        row = session.get(m.Contract, contract_id)
        assert row is not None
        skip = {"id", "subscriber_id", "created_at", "sale_ref", "retailer_id", "version", "request_hash"}
        contract = {c.key: getattr(row, c.key) for c in m.Contract.__table__.columns if c.key not in skip}
        person = {c.key: getattr(row.subscriber, c.key) for c in m.Subscriber.__table__.columns if c.key != "id"}
        items = [
            {c.key: getattr(e, c.key) for c in m.Equipment.__table__.columns if c.key not in ("id", "contract_id")}
            for e in row.equipment
        ]
        contract["certificate_number"] = (row.certificate_number or "")[:-9]  # program and year; the id differs
        notices = [
            (n.kind, n.on_date, n.channel, n.state)
            for n in session.scalars(select(m.Notice).filter_by(contract_id=row.id))
        ]
        return {"contract": contract, "subscriber": person, "equipment": items, "notices": notices}


def _imported_id(hosho: Hosho, ref: str) -> int:
    with hosho.reading() as session:
        return int(session.execute(select(m.Contract.id).where(m.Contract.sale_ref == ref)).scalar_one())


def test_an_imported_contract_is_stored_field_by_field_as_the_api_stores_it(hosho: Hosho, shop: int) -> None:
    outcome = _import(
        hosho,
        _file(
            _zest("Z1", day="令和6年4月1日"),
            _zest("Z2", paid="2024-04-05", mail="taro@example.jp"),
            _ipro("I1", "カメラ", "C1"),
            _ipro("I1", "レコーダー", "R1"),
        ),
    )
    assert outcome.run.last_line == "3 contracts imported, 0 already imported, 0 contracts rejected (0 lines)"
    zest = Enrol(
        program="zest",
        plan="kaden-5y",
        purchase_date=date(2024, 4, 1),
        purchase_price=128000,
        warranty_fee=6400,
        equipment=[EquipmentItem(kind="other", model="NA-1", serial="S1")],
        site=Site(postal_code="100-0001"),
        retailer="R1",
        subscriber=Subscriber(
            name="髙橋 ①子",
            name_kana="タカハシ イチコ",
            phone="090-1234-5678",
            postal_code="100-0001",
            address="東京都千代田区",
        ),
    )
    paid = zest.model_copy(update={"subscriber": zest.subscriber.model_copy(update={"email": "taro@example.jp"})})
    ipro = Enrol(
        program="ipro",
        plan="onsite-3y",
        purchase_date=date(2025, 3, 1),
        operation_start_date=date(2025, 3, 10),
        equipment=[
            EquipmentItem(kind="camera", model="WV-S1136", serial="C1"),
            EquipmentItem(kind="recorder", model="WJ-NX510", serial="R1"),
        ],
        site=Site(postal_code="100-0001"),
        retailer="R1",
        subscriber=Subscriber(name="警備 太郎", phone="03-1234-5678", postal_code="100-0001", address="東京都港区"),
    )
    by_api = {}
    for ref, command in (("Z1", zest), ("Z2", paid), ("I1", ipro)):
        created, _ = contracts.enroll(hosho, SYSTEM, command)
        if ref == "Z2":
            contracts.pay_fee(hosho, SYSTEM, created.id, Pay(date=date(2024, 4, 5)))
        by_api[ref] = created.id
    for ref, api_id in by_api.items():
        assert _stored(hosho, _imported_id(hosho, ref)) == _stored(hosho, api_id), ref
    with hosho.reading() as session:
        row = session.get(m.Contract, _imported_id(hosho, "Z2"))
        assert row is not None and row.status == "active" and row.certificate_number is not None


def test_one_bad_line_rejects_its_whole_contract_with_the_apis_code_and_clause(hosho: Hosho, shop: int) -> None:
    outcome = _import(
        hosho,
        _file(
            _ipro("I1", "カメラ", "C1"),  # a camera alone: the whole system is required
            _zest("Z1"),
            _ipro("I2", "カメラ", "C2"),
            _ipro("I2", "レコーダー", ""),  # no serial: the whole system I2 is rejected
        ),
    )
    assert outcome.run.last_line == "1 contracts imported, 0 already imported, 2 contracts rejected (3 lines)"
    with pytest.raises(ServiceError) as api:
        contracts.decide(
            hosho.rules,
            Enrol(
                program="ipro",
                plan="onsite-3y",
                purchase_date=date(2025, 3, 1),
                operation_start_date=date(2025, 3, 10),
                equipment=[EquipmentItem(kind="camera", model="WV-S1136", serial="C1")],
                site=Site(postal_code="100-0001"),
                subscriber=Subscriber(name="警備 太郎"),
            ),
        )
    assert outcome.rejects is not None
    rows = [line.split(",") for line in outcome.rejects.decode("cp932").splitlines()]
    assert rows[0][-4:] == ["行番号", "項目", "エラー", "内容"]
    assert [(r[1], r[-4], r[-3], r[-2]) for r in rows[1:]] == [
        ("I1", "2", "機器種別", api.value.code),
        ("I2", "4", "", "contract_rejected"),
        ("I2", "5", "製造番号", "invalid_contract"),
    ]
    assert all(label in rows[1][-1] for label in api.value.clauses)
    assert _count(hosho, m.Contract) == 1 and _count(hosho, m.Equipment) == 1


def test_the_same_file_twice_adds_nothing_and_a_changed_sale_is_a_conflict(hosho: Hosho, shop: int) -> None:
    data = _file(_zest("Z1"), _zest("Z2", serial="S2"))
    assert _import(hosho, data).run.last_line.startswith("2 contracts imported")
    again = _import(hosho, data)
    assert again.run.last_line == "0 contracts imported, 2 already imported, 0 contracts rejected (0 lines)"
    changed = _import(hosho, _file(_zest("Z1"), _zest("Z2", serial="S9"), _zest("Z3")))
    assert changed.run.last_line == "1 contracts imported, 1 already imported, 1 contracts rejected (1 lines)"
    assert changed.rejects is not None and "conflicts_with_existing" in changed.rejects.decode("cp932")
    assert _count(hosho, m.Contract) == 3


def test_a_sale_reference_missing_or_longer_than_40_characters_rejects_its_lines(hosho: Hosho, shop: int) -> None:
    outcome = _import(hosho, _file(_zest(""), _zest("Z" * 41, serial="S2"), _zest("Z" * 40, serial="S3")))
    assert outcome.run.last_line == "1 contracts imported, 0 already imported, 2 contracts rejected (2 lines)"
    assert outcome.rejects is not None
    rows = [line.split(",") for line in outcome.rejects.decode("cp932").splitlines()[1:]]
    assert [(r[-4], r[-3], r[-1]) for r in rows] == [
        ("2", "受付番号", "入力してください"),
        ("3", "受付番号", "40文字以内で入力してください"),
    ]


def test_a_sale_reference_is_per_retailer(hosho: Hosho, shop: int) -> None:
    _import(hosho, _file(_zest("Z1")))
    other = _import(hosho, _file(_zest("Z1").replace("R1,", "R2,", 1)))
    assert other.run.imported == 1


def test_a_dry_run_stores_nothing_and_counts_what_an_import_would_do(hosho: Hosho, shop: int) -> None:
    _import(hosho, _file(_zest("Z1")))
    data = _file(_zest("Z1"), _zest("Z2", serial="S2"), _zest("Z3", day="2024-02-30"))
    before = (_count(hosho, m.Contract), _count(hosho, m.AuditEntry), _count(hosho, m.ImportRun))
    dry = _import(hosho, data, dry_run=True)
    assert dry.run.last_line == "1 contracts imported, 1 already imported, 1 contracts rejected (1 lines)"
    assert (_count(hosho, m.Contract), _count(hosho, m.AuditEntry), _count(hosho, m.ImportRun)) == before
    assert _import(hosho, data).run.last_line == dry.run.last_line


def test_the_audit_trail_names_the_file_by_its_sha256_and_line(hosho: Hosho, shop: int) -> None:
    data = _file(_zest("Z1"), _ipro("I1", "カメラ", "C1"), _ipro("I1", "レコーダー", "R1"))
    outcome = _import(hosho, data)
    trail = contracts.audit_trail(hosho, SYSTEM, _imported_id(hosho, "I1"))
    assert [(e.action, e.actor) for e in trail] == [("contract.imported", "system")]
    assert trail[0].after is not None
    assert trail[0].after["file"] == {"name": "sales.csv", "sha256": hashlib.sha256(data).hexdigest(), "line": 3}
    assert trail[0].after["status"] == "pending"
    with hosho.reading() as session:
        run = session.get(m.ImportRun, outcome.run.id)
        assert run is not None
        assert (run.state, run.sha256, run.lines, run.imported) == ("done", hashlib.sha256(data).hexdigest(), 3, 2)


def test_a_retailer_imports_only_its_own_lines(hosho: Hosho, shop: int) -> None:
    retailer = Actor("key:shop", Role.RETAILER, retailer_id=shop)
    data = _file(_zest("Z1"), _zest("Z2").replace("R1,", "R2,", 1))
    outcome = imports.import_file(hosho, retailer, name="sales.csv", data=data)
    assert (outcome.run.imported, outcome.run.rejected) == (1, 1)
    assert outcome.rejects is not None and "forbidden" in outcome.rejects.decode("cp932")
    with pytest.raises(ServiceError) as refused:
        imports.import_file(hosho, retailer, name="sales.csv", data=data, retailer="R2")
    assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as technician:
        imports.import_file(hosho, Actor("key:tech", Role.TECHNICIAN), name="sales.csv", data=data)
    assert technician.value.code == "forbidden"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "sales.csv: NUL bytes"),
        (b"\xef\xbb\xbf" + HEADER.encode("cp932"), "sales.csv: starts with a UTF-8 BOM but is not UTF-8"),
        ((HEADER.replace(",氏名", "") + "\r\n").encode("cp932"), "sales.csv:1: missing required column(s): 氏名"),
        ((HEADER + ",受付番号\r\n").encode("cp932"), "sales.csv:1: column 「受付番号」 given twice"),
        (_file(_zest("Z1"), _zest("Z2") + "," * 10_000), "sales.csv:3: 10018 columns"),
        (_file(_zest("Z1"), '"unterminated'), "sales.csv:3: not CSV"),
    ],
)
def test_a_file_that_cannot_be_read_names_file_and_line_and_stores_nothing(
    hosho: Hosho, shop: int, data: bytes, reason: str
) -> None:
    with pytest.raises(ServiceError) as refused:
        _import(hosho, data)
    assert refused.value.code == "invalid_file"
    assert refused.value.message.startswith(reason)
    assert _count(hosho, m.Contract) == 0 and _count(hosho, m.ImportRun) == 0


def test_two_imports_of_one_file_at_once_store_each_contract_once(hosho: Hosho, shop: int) -> None:
    data = _file(*(_zest(f"Z{n}", serial=f"S{n}") for n in range(300)))
    outcomes: list[imports.Outcome] = []

    def run() -> None:
        outcomes.append(_import(hosho, data, chunk=40))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((o.run.imported + o.run.already, o.run.rejected) for o in outcomes) == [(300, 0), (300, 0)]
    assert sum(o.run.imported for o in outcomes) == 300
    assert _count(hosho, m.Contract) == 300 and _count(hosho, m.AuditEntry) == 300
