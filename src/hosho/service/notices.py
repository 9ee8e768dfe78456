"""Notices and the daily work (notices.md): what Hosho does because a date arrives.

The daily work of a day produces the notices due that day (service.sweep) and expires the contracts that ended the
day before. `run_daily` runs every day not yet run, up to today: a day missed while the service was down is caught
up when it runs again. The certificate's notice is produced with the payment itself, in its transaction.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hosho.domain.program import NoticeKind
from hosho.service import queue
from hosho.service.commands import Advance
from hosho.service.context import Actor, Hosho, Role, forbidden, not_found, retailer_scope
from hosho.service.results import ContractStatusWord, NoticeChannelWord, NoticeKindWord, NoticeStateWord
from hosho.service.sweep import PENDING, sweep
from hosho.store import models as m

JOB = "notices"


class NoticeView(BaseModel):
    id: int
    kind: NoticeKindWord
    on: date  # the day whose daily work produced it
    about: date | None  # the date it is about (the payment, around, coverage_end, the missed target)
    channel: NoticeChannelWord  # email, call (電話でのご連絡), post (書面), desk (the repair desk)
    state: NoticeStateWord
    contract_id: int
    case_id: int | None


class DailyWork(BaseModel):
    """One run of the daily work: the days it covered (none when they were done already) and what it produced."""

    first: date | None
    last: date
    produced: dict[str, int]
    expired: int


class Advanced(BaseModel):
    """The contract after the daily work up to `to`: its status and all its notices so far, in order."""

    contract_id: int
    to: date
    status: ContractStatusWord
    notices: list[NoticeView]


def on_payment(session: Session, hosho: Hosho, row: m.Contract, on: date) -> None:
    """The certificate's notice (zest 第1条: 遅滞なく…電磁的方法により), in the payment's own transaction."""
    session.add(
        m.Notice(
            kind=NoticeKind.CERTIFICATE.value,
            subject_id=row.id,
            contract_id=row.id,
            on_date=on,
            about=on,
            # Without an address the certificate goes by post (書面): a line on the console's mailing list.
            channel="email" if row.subscriber.email else "post",
            state=PENDING,
            attempts=0,
            created_at=hosho.clock(),
        )
    )
    if row.subscriber.email:
        # The e-mail goes out as soon as the payment commits, not at the next tick; not at all if it rolls back.
        queue.enqueue(session, hosho, queue.DELIVER)


def run_daily(hosho: Hosho, *, today: date | None = None) -> DailyWork:
    """The daily work of every day after the last one done, up to and including today, in one transaction.

    The first run ever starts with today: the days before Hosho ran are nobody's to catch up. Two runs at once
    (two workers) do each day once: the run's row is locked, and each notice is unique anyway.
    """
    last = today or hosho.today()
    try:
        with hosho.transaction() as session:
            done = session.get(m.DailyRun, JOB, with_for_update=True)
            if done is not None and done.last_day >= last:
                return DailyWork(first=None, last=done.last_day, produced={}, expired=0)
            first = done.last_day + timedelta(days=1) if done is not None else last
            swept = sweep(session, hosho.rules.catalog, first, last, now=hosho.clock())
            if done is None:
                session.add(m.DailyRun(job=JOB, last_day=last, updated_at=hosho.clock()))
            else:
                done.last_day, done.updated_at = last, hosho.clock()
    except IntegrityError:
        # Another worker made the first run's row at the same moment: that run did these days.
        return DailyWork(first=None, last=last, produced={}, expired=0)
    return DailyWork(first=first, last=last, produced=swept.produced, expired=swept.expired)


def advance(hosho: Hosho, actor: Actor, contract_id: int, command: Advance) -> Advanced:
    """The daily work of every day up to and including `command.to`, on one contract's data (scenarios).

    Only a service started for testing does this: in production the days pass by themselves.
    """
    if not hosho.testing:
        raise not_found("advance (a testing service only, HOSHO_TESTING=1)")
    if actor.role is not Role.ADMIN:
        raise forbidden("run the daily work")
    with hosho.transaction() as session:
        row = session.get(m.Contract, contract_id)
        if row is None:
            raise not_found(f"contract {contract_id}")
        first = min(row.purchase_date, row.applied_on)
        sweep(session, hosho.rules.catalog, first, command.to, now=hosho.clock(), contract_id=contract_id)
    with hosho.reading() as session:
        found = session.get(m.Contract, contract_id)
        assert found is not None
        return Advanced(
            contract_id=contract_id, to=command.to, status=found.status, notices=_notices(session, contract_id)
        )


def of_contract(hosho: Hosho, actor: Actor, contract_id: int) -> list[NoticeView]:
    """A contract's notices, in the order they were produced."""
    with hosho.reading() as session:
        c = m.Contract
        query = select(c.id).where(c.id == contract_id)
        scope = retailer_scope(actor)
        if scope is not None:
            query = query.where(c.retailer_id == scope)
        if session.execute(query).first() is None:
            raise not_found(f"contract {contract_id}")
        return _notices(session, contract_id)


def _notices(session: Session, contract_id: int) -> list[NoticeView]:
    n = m.Notice
    rows = session.execute(select(n).where(n.contract_id == contract_id).order_by(n.on_date, n.id)).scalars()
    return [
        NoticeView(
            id=row.id,
            kind=row.kind,
            on=row.on_date,
            about=row.about,
            channel=row.channel,
            state=row.state,
            contract_id=row.contract_id,
            case_id=row.case_id,
        )
        for row in rows
    ]
