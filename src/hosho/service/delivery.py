"""Delivering notices: e-mails claimed in batches and their outcome recorded; the console's call list.

Sending happens outside any transaction (an SMTP server may take seconds): a batch is claimed in one short
transaction (state `sending`, with a lease), sent by the caller, and the outcome recorded in another. Several
workers may claim at once: on PostgreSQL each skips the rows another has locked; on SQLite the writers queue.
A worker killed between sending and recording leaves its batch `sending` until the lease runs out; it is then
sent once more with the same Message-ID (the one documented repeat, notices.md), which the receiver can drop.
A refusal or a timeout is retried with backoff; after the last try the notice is `failed`, on the console.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from hosho.domain.program import NoticeKind
from hosho.service.context import Actor, Hosho, Role, ServiceError, forbidden, not_found
from hosho.store import models as m

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)  # then 2, 4, 8 minutes: the last try about 15 minutes after the first
LEASE = timedelta(minutes=10)  # a batch not recorded by then is claimed again (its worker died)
CALLERS = frozenset({Role.ADMIN, Role.AGENT})


class Outgoing(BaseModel):
    """What an e-mail needs: the notice, the subscriber's address and name, and the contract's dates."""

    notice_id: int
    kind: str
    attempts: int
    contract_id: int
    to: str
    name: str
    program: str
    terms_version: date
    plan: str
    on: date
    about: date | None
    certificate_number: str | None
    coverage_start: date
    coverage_end: date


class CallTask(BaseModel):
    """A line of the console's call list: who to call (or write to), why, and what has been done."""

    notice_id: int
    kind: str
    channel: str  # call (電話でのご連絡), post (書面: the certificate by mail), email (failed after the last try)
    state: str
    on: date
    about: date | None
    contract_id: int
    certificate_number: str | None
    name: str
    phone: str | None
    attempts: int
    last_error: str | None
    outcome: str | None


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 1, 2, 4, 8 minutes."""
    return FIRST_RETRY * (1 << max(attempts - 1, 0))


def claim(hosho: Hosho, *, limit: int = 100) -> list[Outgoing]:
    """Up to `limit` e-mails due now (new, due for a retry, or left by a dead worker), marked as being sent."""
    now = hosho.clock()
    n, c, s = m.Notice, m.Contract, m.Subscriber
    due = or_(
        and_(n.state == "pending", or_(n.next_try_at.is_(None), n.next_try_at <= now)),
        and_(n.state == "sending", n.next_try_at <= now),
    )
    with hosho.transaction() as session:
        query = select(n.id).where(n.channel == "email", due).order_by(n.id).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.execute(query).scalars())
        if not ids:
            return []
        session.execute(
            update(n)
            .where(n.id.in_(ids))
            .values(state="sending", attempts=n.attempts + 1, next_try_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        rows = session.execute(
            select(n.id, n.kind, n.attempts, n.contract_id, n.on_date, n.about)
            .add_columns(s.email, s.name, c.program_id, c.terms_version, c.plan_id, c.certificate_number)
            .add_columns(c.coverage_start, c.coverage_end)
            .join(c, c.id == n.contract_id)
            .join(s, s.id == c.subscriber_id)
            .where(n.id.in_(ids))
            .order_by(n.id)
        ).all()
    return [
        Outgoing(
            notice_id=row.id,
            kind=row.kind,
            attempts=row.attempts,
            contract_id=row.contract_id,
            to=row.email or "",
            name=row.name,
            program=row.program_id,
            terms_version=row.terms_version,
            plan=row.plan_id,
            on=row.on_date,
            about=row.about,
            certificate_number=row.certificate_number,
            coverage_start=row.coverage_start,
            coverage_end=row.coverage_end,
        )
        for row in rows
    ]


def next_retry(hosho: Hosho) -> datetime | None:
    """When the next e-mail waiting for its retry is due (the worker schedules a job for then)."""
    n = m.Notice
    with hosho.reading() as session:
        return session.execute(
            select(func.min(n.next_try_at)).where(
                n.channel == "email", n.state == "pending", n.next_try_at > hosho.clock()
            )
        ).scalar()


def record(hosho: Hosho, *, sent: list[int], failed: dict[int, str]) -> None:
    """The outcome of a batch: sent, or retried later with backoff, or `failed` after the last try."""
    now = hosho.clock()
    n = m.Notice
    with hosho.transaction() as session:
        if sent:
            session.execute(
                update(n)
                .where(n.id.in_(sent), n.state == "sending")
                .values(state="sent", sent_at=now, next_try_at=None, last_error=None)
                .execution_options(synchronize_session=False)
            )
        for notice_id, error in failed.items():
            row = session.get(n, notice_id)
            if row is None or row.state != "sending":
                continue
            row.last_error = error[:200]
            if row.attempts >= MAX_ATTEMPTS:
                row.state, row.next_try_at = "failed", None
            else:
                row.state, row.next_try_at = "pending", now + backoff(row.attempts)


def no_address(hosho: Hosho, notice_id: int) -> None:
    """An e-mail whose subscriber has no address any more: it becomes a call."""
    with hosho.transaction() as session:
        row = session.get(m.Notice, notice_id)
        if row is not None and row.state == "sending":
            row.channel, row.state, row.next_try_at = "call", "pending", None


def call_list(hosho: Hosho, actor: Actor, *, include_done: bool = False, limit: int = 200) -> list[CallTask]:
    """Who to call or write to, and why: calls and letters to make, and e-mails that failed after the last try."""
    if actor.role not in CALLERS:
        raise forbidden("read the call list")
    n = m.Notice
    open_tasks = or_(
        and_(n.channel.in_(("call", "post")), n.state == "pending"),
        and_(n.channel == "email", n.state == "failed"),
    )
    where = or_(open_tasks, n.state == "done") if include_done else open_tasks
    return _tasks(hosho, where, limit)


def _tasks(hosho: Hosho, where: ColumnElement[bool], limit: int) -> list[CallTask]:
    n, c, s = m.Notice, m.Contract, m.Subscriber
    with hosho.reading() as session:
        rows = session.execute(
            select(n, c.certificate_number, s.name, s.phone)
            .join(c, c.id == n.contract_id)
            .join(s, s.id == c.subscriber_id)
            .where(where, n.kind != NoticeKind.SLA_BREACH.value)
            .order_by(n.on_date, n.id)
            .limit(limit)
        ).all()
    return [
        CallTask(
            notice_id=notice.id,
            kind=notice.kind,
            channel=notice.channel,
            state=notice.state,
            on=notice.on_date,
            about=notice.about,
            contract_id=notice.contract_id,
            certificate_number=number,
            name=name,
            phone=phone,
            attempts=notice.attempts,
            last_error=notice.last_error,
            outcome=notice.outcome,
        )
        for notice, number, name, phone in rows
    ]


def record_call(hosho: Hosho, actor: Actor, notice_id: int, *, outcome: str) -> CallTask:
    """The outcome of a call (or that the letter went out): the task is done, and the audit trail says who."""
    if actor.role not in CALLERS:
        raise forbidden("record a call")
    text = outcome.strip()
    if not text or len(text) > 400:
        raise ServiceError("invalid_request", "the outcome is 1 to 400 characters", field="outcome")
    with hosho.transaction() as session:
        row = session.get(m.Notice, notice_id, with_for_update=True)
        if row is None or row.kind == NoticeKind.SLA_BREACH.value:
            raise not_found(f"notice {notice_id}")
        if row.state == "done":
            raise ServiceError("conflict", "this call was recorded already")
        if row.channel == "email" and row.state != "failed":
            raise ServiceError("conflict", "this notice goes by e-mail: there is no call to record")
        before = {"state": row.state, "channel": row.channel}
        row.state, row.outcome = "done", text
        session.add(
            m.AuditEntry(
                at=hosho.clock(),
                actor=actor.name,
                action="notice.call_recorded",
                entity="contract",
                entity_id=row.contract_id,
                before=before,
                after={"state": "done", "notice": row.kind},
            )
        )
    return _tasks(hosho, m.Notice.id == notice_id, 1)[0]
