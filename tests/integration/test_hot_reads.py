"""store.reads on SQLite and PostgreSQL: the driver's cursor gives back what the Session would."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select

from hosho.service import contracts
from hosho.service.context import SYSTEM, Hosho
from hosho.store import models as m
from tests.integration.builders import zest_enrolment


def test_a_hot_read_returns_the_values_the_session_returns(hosho: Hosho) -> None:
    created, _ = contracts.enroll(hosho, SYSTEM, zest_enrolment())
    contracts.pay_fee(hosho, SYSTEM, created["id"], on=date(2024, 4, 1))
    table = m.Contract.__table__
    statement = select(table).where(table.c.id == bindparam("id"))
    with hosho.reads.reading() as reader:
        [hot] = reader.rows(statement, {"id": created["id"]})
    with hosho.reading() as session:
        [row] = session.execute(statement, {"id": created["id"]}).all()
    assert hot == dict(row._mapping)
    # SQLite keeps dates as text and booleans as integers: the column types convert them back.
    assert hot["purchase_date"] == date(2024, 4, 1) and hot["remote_island"] is False


def test_literal_limits_and_repeated_parameters_are_bound(hosho: Hosho) -> None:
    for serial in ("SN-1", "SN-2", "SN-3"):
        equipment = (contracts.EquipmentInput("other", "NA-VX1", serial),)
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
