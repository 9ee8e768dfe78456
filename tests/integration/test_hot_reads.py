"""store.reads on SQLite and PostgreSQL: the driver's cursor gives back what the Session would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.engine import make_url

from hosho.service import contracts, lookup
from hosho.service.commands import EquipmentItem, Pay
from hosho.service.context import SYSTEM, Hosho, create_hosho
from hosho.store import models as m
from tests.integration.builders import zest_enrolment
from tests.integration.databases import PG_ADMIN_URL, fresh_database


def test_a_hot_read_returns_the_values_the_session_returns(hosho: Hosho) -> None:
    created, _ = contracts.enroll(hosho, SYSTEM, zest_enrolment())
    contracts.pay_fee(hosho, SYSTEM, created.id, Pay(date=date(2024, 4, 1)))
    table = m.Contract.__table__
    statement = select(table).where(table.c.id == bindparam("id"))
    with hosho.reads.reading() as reader:
        [hot] = reader.rows(statement, {"id": created.id})
    with hosho.reading() as session:
        [row] = session.execute(statement, {"id": created.id}).all()
    assert hot == dict(row._mapping)
    # SQLite keeps dates as text and booleans as integers: the column types convert them back.
    assert hot["purchase_date"] == date(2024, 4, 1) and hot["remote_island"] is False


def test_literal_limits_and_repeated_parameters_are_bound(hosho: Hosho) -> None:
    for serial in ("SN-1", "SN-2", "SN-3"):
        equipment = (EquipmentItem(kind="other", model="NA-VX1", serial=serial),)
        contracts.enroll(hosho, SYSTEM, zest_enrolment(equipment=equipment))
    table = m.Equipment.__table__
    key = bindparam("serial")
    statement = (
        select(table.c.serial)
        .where((table.c.serial_key >= key) | (table.c.serial_key == key))  # the same parameter twice
        .order_by(table.c.serial)
        .limit(2)  # a literal: bound by SQLAlchemy's own name, with its value
    )
    with hosho.reads.reading() as reader:
        assert reader.rows(statement, {"serial": "SN2"}) == [{"serial": "SN-2"}, {"serial": "SN-3"}]
        assert reader.rows(statement, {"serial": "SN9"}) == []


def test_a_search_survives_the_server_closing_its_connections(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        hosho = create_hosho(url)
        try:
            created, _ = contracts.enroll(hosho, SYSTEM, zest_enrolment())
            number = contracts.pay_fee(hosho, SYSTEM, created.id, Pay(date=date(2024, 4, 1))).certificate_number
            before = lookup.search(hosho, SYSTEM, certificate_number=number)
            # As a restart of the server would: every connection to this database ends. The hot reads' pool does
            # not ping before a checkout, so the next search meets a dead connection and must retry on a new one.
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                ended = connection.execute(
                    text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": make_url(url).database},
                ).scalar_one()
            admin.dispose()
            assert ended >= 1
            assert lookup.search(hosho, SYSTEM, certificate_number=number) == before
        finally:
            hosho.dispose()
