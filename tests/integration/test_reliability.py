"""The service layer under stress on a real database: races, faults midway, locking, and personal data in logs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hosho.domain.calendar import JST
from hosho.domain.lifecycle import pay
from hosho.engine import Engine
from hosho.service import audit, cases, contracts, lookup, refunds
from hosho.service.commands import Cancel, ChangedFields, Pay, ReportChange, RequestRepair, Subscriber
from hosho.service.context import Actor, Hosho, Role, ServiceError, create_hosho
from hosho.store import models as m
from hosho.store import repository
from tests.integration.builders import zest_enrolment
from tests.integration.databases import fresh_database

AGENT = Actor("agent:reliability", Role.AGENT)
CROWD = 50
PAID_ON = date(2024, 4, 1)
# 第9条第1項【解約時の返金率】 kaden-5y: 1年超2年以内 → 2.25%; floor(100,000 × 2.25%) − 330 transfer fee.
CANCELLED_ON, TRANSFER_FEE, REFUND = date(2025, 10, 1), 330, 1_920
PHONE = "03-1234-5678"
# Before the cancellation: a cancellation is not dated before a recorded request (domain.chronology).
REPAIR = RequestRepair(at=datetime(2025, 9, 10, 11, tzinfo=JST), cause="normal_use")
T = TypeVar("T")


def _contract(hosho: Hosho, *, paid: bool) -> int:
    created, _ = contracts.enroll(hosho, AGENT, zest_enrolment())
    if paid:
        contracts.pay_fee(hosho, AGENT, created.id, Pay(date=PAID_ON))
    return int(created.id)


def _cancel(hosho: Hosho, contract_id: int) -> dict[str, Any]:
    return refunds.cancel_contract(hosho, AGENT, contract_id, Cancel(date=CANCELLED_ON, transfer_fee=TRANSFER_FEE))


def _database(hosho: Hosho) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in key order: the full state a failed operation must leave untouched."""
    with hosho.reading() as session:
        return {
            table.name: [
                dict(row) for row in session.execute(select(table).order_by(*table.primary_key.columns)).mappings()
            ]
            for table in m.Base.metadata.sorted_tables
        }


def _run_together(count: int, call: Callable[[int], T]) -> list[T | ServiceError]:
    """Release `count` threads from one barrier so they really race; each one's answer or refusal, in order."""
    barrier = threading.Barrier(count, timeout=30)

    def one(index: int) -> T | ServiceError:
        barrier.wait()
        try:
            return call(index)
        except ServiceError as refusal:
            return refusal

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


@pytest.fixture
def crowded(database_url: str, engine: Engine) -> Iterator[Hosho]:
    """An application with a pooled connection for every racing thread, opened before the race starts."""
    app = create_hosho(database_url, rules=engine, pool_size=CROWD, max_overflow=2, pool_timeout=60)
    held = [app.db.connect() for _ in range(CROWD)]
    for connection in held:
        connection.close()
    yield app
    app.dispose()


def test_fifty_simultaneous_cancellations_refund_exactly_once(crowded: Hosho) -> None:
    contract_id = _contract(crowded, paid=True)
    answers = _run_together(CROWD, lambda _: _cancel(crowded, contract_id))
    won = [answer for answer in answers if not isinstance(answer, ServiceError)]
    refused = [answer.code for answer in answers if isinstance(answer, ServiceError)]
    assert [(answer.refund, answer.status) for answer in won] == [(REFUND, "cancelled")]
    assert refused == ["contract_not_active"] * (CROWD - 1)
    with crowded.reading() as session:
        stored = session.execute(select(m.Cancellation.contract_id, m.Cancellation.refund)).all()
    assert [tuple(row) for row in stored] == [(contract_id, REFUND)]
    assert contracts.get(crowded, AGENT, contract_id).refund == REFUND
    actions = [entry.action for entry in contracts.audit_trail(crowded, AGENT, contract_id)]
    assert actions == ["contract.enrolled", "contract.paid", "contract.cancelled"]


def test_fifty_simultaneous_enrolments_with_one_idempotency_key_open_one_contract(crowded: Hosho) -> None:
    answers = _run_together(
        CROWD, lambda _: contracts.enroll(crowded, AGENT, zest_enrolment(), idempotency_key="order-race")
    )
    assert not [answer for answer in answers if isinstance(answer, ServiceError)]
    enrolled = [answer for answer in answers if not isinstance(answer, ServiceError)]
    with crowded.reading() as session:
        ids = list(session.execute(select(m.Contract.id)).scalars())
        subscribers = session.execute(select(func.count()).select_from(m.Subscriber)).scalar_one()
        audited = session.execute(select(m.AuditEntry.action)).scalars().all()
    assert (len(ids), subscribers, audited) == (1, 1, ["contract.enrolled"])
    assert [contract.id for contract, _ in enrolled] == ids * CROWD
    assert sorted(created for _, created in enrolled) == [False] * (CROWD - 1) + [True]


def test_racing_enrolments_with_one_key_and_different_bodies_conflict(crowded: Hosho) -> None:
    bodies = [zest_enrolment(purchase_price=100_000 + index % 2) for index in range(CROWD)]  # two bodies, half each
    answers = _run_together(CROWD, lambda index: contracts.enroll(crowded, AGENT, bodies[index], idempotency_key="k"))
    with crowded.reading() as session:
        [(contract_id, winning_price)] = session.execute(select(m.Contract.id, m.Contract.purchase_price)).all()
    for body, answer in zip(bodies, answers, strict=True):
        if body.purchase_price == winning_price:
            assert not isinstance(answer, ServiceError) and answer[0].id == contract_id
        else:
            assert isinstance(answer, ServiceError)
            assert (answer.code, answer.field) == ("idempotency_conflict", "Idempotency-Key")
    assert sum(1 for answer in answers if not isinstance(answer, ServiceError) and answer[1]) == 1


class InjectedFault(RuntimeError):
    pass


@contextmanager
def _audit_fails(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The audit entry is written, with the contract's new state, and then the operation fails."""

    def record_then_fail(session: Session, *args: Any) -> None:
        audit.record(session, *args)
        session.flush()
        raise InjectedFault("audit")

    with monkeypatch.context() as patch:
        patch.setattr(contracts, "record", record_then_fail)  # change() calls the name bound in contracts
        yield


def _insert_fails(model: type[m.Base]) -> Callable[[pytest.MonkeyPatch], AbstractContextManager[None]]:
    @contextmanager
    def fault(_: pytest.MonkeyPatch) -> Iterator[None]:
        """The row is inserted, then its flush fails (after_insert runs once the INSERT was sent)."""

        def refuse(*_: object) -> None:
            raise InjectedFault(model.__tablename__)

        event.listen(model, "after_insert", refuse)
        try:
            yield
        finally:
            event.remove(model, "after_insert", refuse)

    return fault


OPERATIONS: dict[str, Callable[[Hosho, int], object]] = {
    "pay": lambda hosho, contract_id: contracts.pay_fee(hosho, AGENT, contract_id, Pay(date=PAID_ON)),
    "cancel": _cancel,
    "repair": lambda hosho, contract_id: cases.request_repair(hosho, AGENT, contract_id, REPAIR),
}
FAULTS: dict[str, Callable[[pytest.MonkeyPatch], AbstractContextManager[None]]] = {
    "audit": _audit_fails,
    "cancellation_insert": _insert_fails(m.Cancellation),
    "case_insert": _insert_fails(m.RepairCase),
    "case_event_insert": _insert_fails(m.CaseEvent),
}


@pytest.mark.parametrize(
    ("operation", "fault"),
    [
        ("pay", "audit"),
        ("cancel", "audit"),
        ("cancel", "cancellation_insert"),
        ("repair", "audit"),
        ("repair", "case_insert"),
        ("repair", "case_event_insert"),
    ],
)
def test_a_fault_midway_leaves_nothing_half_written(
    hosho: Hosho, monkeypatch: pytest.MonkeyPatch, operation: str, fault: str
) -> None:
    contract_id = _contract(hosho, paid=operation != "pay")
    before = _database(hosho)
    with FAULTS[fault](monkeypatch), pytest.raises(InjectedFault):
        OPERATIONS[operation](hosho, contract_id)
    assert _database(hosho) == before
    OPERATIONS[operation](hosho, contract_id)
    after = _database(hosho)
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    assert after["contracts"][0]["version"] == before["contracts"][0]["version"] + 1


def test_every_change_increments_the_contract_version(hosho: Hosho) -> None:
    contract_id = _contract(hosho, paid=False)
    versions = [contracts.get(hosho, AGENT, contract_id).version]
    # A contact change writes only the subscriber and a repair request only adds a case: new versions all the same.
    steps: list[Callable[[], object]] = [
        lambda: contracts.pay_fee(hosho, AGENT, contract_id, Pay(date=PAID_ON)),
        lambda: contracts.report_changes(
            hosho, AGENT, contract_id, ReportChange(date=date(2024, 5, 1), fields=ChangedFields(phone=PHONE))
        ),
        lambda: cases.request_repair(hosho, AGENT, contract_id, REPAIR),
        lambda: _cancel(hosho, contract_id),
    ]
    for step in steps:
        step()
        versions.append(contracts.get(hosho, AGENT, contract_id).version)
    assert versions == [1, 2, 3, 4, 5]


def test_a_write_from_a_stale_copy_is_refused_not_silently_applied(hosho: Hosho) -> None:
    contract_id = _contract(hosho, paid=True)
    with hosho.reading() as session:
        first = repository.load(session, contract_id)
    with hosho.reading() as session:
        second = repository.load(session, contract_id)
    assert first is not None and second is not None and first.version == second.version == 2
    with hosho.transaction() as session:
        session.add(first)
        first.ended_on = date(2025, 1, 1)
    with pytest.raises(StaleDataError), hosho.transaction() as session:
        session.add(second)
        second.ended_on = date(2025, 2, 2)
    stored = contracts.get(hosho, AGENT, contract_id)
    assert (stored.ended_on, stored.version) == (date(2025, 1, 1), 3)


def _wait_for_a_lock_waiter(hosho: Hosho) -> None:
    deadline = time.monotonic() + 10
    with hosho.db.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            connection.rollback()  # pg_stat_activity is a snapshot per transaction
            if waiting:
                return
            time.sleep(0.02)
    pytest.fail("the second change never waited for the row lock")


def test_a_change_waits_for_the_row_lock_and_then_sees_the_new_state(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a cancellation racing a payment waits on FOR UPDATE, then cancels the paid contract.

    Had it read the row without the lock it would have seen a pending contract and refused with not_paid.
    """
    with fresh_database("postgresql", tmp_path) as url:
        app = create_hosho(url, rules=engine)
        try:
            contract_id = _contract(app, paid=False)
            holding, release = threading.Event(), threading.Event()

            def pay_and_hold(contract: Any, *, on: date) -> Any:
                outcome = pay(contract, on=on)
                holding.set()
                assert release.wait(30), "the test never released the payment"
                return outcome

            monkeypatch.setattr(contracts, "pay", pay_and_hold)
            with ThreadPoolExecutor(max_workers=2) as pool:
                paying = pool.submit(OPERATIONS["pay"], app, contract_id)
                assert holding.wait(30)
                cancelling = pool.submit(_cancel, app, contract_id)
                _wait_for_a_lock_waiter(app)
                assert not cancelling.done()
                release.set()
                paying.result(timeout=30)
                cancelled = cancelling.result(timeout=30)
            assert (cancelled.refund, cancelled.status) == (REFUND, "cancelled")
            trail = contracts.audit_trail(app, AGENT, contract_id)
            assert [entry.action for entry in trail] == ["contract.enrolled", "contract.paid", "contract.cancelled"]
            assert trail[2].before == trail[1].after
            assert contracts.get(app, AGENT, contract_id).version == 3
        finally:
            app.dispose()


PERSON = Subscriber(
    name="鷲尾 珠代",
    name_kana="ワシオ タマヨ",
    phone="080-4417-2958",
    email="tamayo.washio@example.jp",
    postal_code="040-0054",
    address="北海道函館市元町9-27 ハイツ潮見302",
)
MOVED = {"phone": "070-3381-6624", "address": "北海道札幌市中央区宮の森4条11丁目 メゾン朔風805"}
PERSONAL_VALUES = (
    *(value for value in (PERSON.name, PERSON.name_kana, PERSON.phone, PERSON.email, PERSON.address) if value),
    *MOVED.values(),
    # the forms the service stores for search, and fragments a formatter might cut out
    "鷲尾珠代",
    "ワシオタマヨ",
    "鷲尾",
    "08044172958",
    "07033816624",
    "washio",
    "ハイツ潮見",
    "メゾン朔風",
)


def test_personal_data_never_reaches_the_logs(hosho: Hosho, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # what echo="debug" turns on: SQL, parameters, rows
    created, _ = contracts.enroll(hosho, AGENT, zest_enrolment(subscriber=PERSON))
    contract_id = created.id
    contracts.pay_fee(hosho, AGENT, contract_id, Pay(date=PAID_ON))
    contracts.report_changes(
        hosho, AGENT, contract_id, ReportChange(date=date(2024, 6, 1), fields=ChangedFields(**MOVED))
    )
    cases.request_repair(hosho, AGENT, contract_id, REPAIR)
    _cancel(hosho, contract_id)
    assert lookup.search(hosho, AGENT, phone=MOVED["phone"]).total == 1
    assert contracts.get(hosho, AGENT, contract_id).subscriber.address == MOVED["address"]

    messages = [record.getMessage() for record in caplog.records]
    assert any("INSERT INTO subscribers" in message for message in messages), "SQL logging was not on"
    leaks = sorted({value for value in PERSONAL_VALUES for message in (*messages, caplog.text) if value in message})
    assert leaks == []
