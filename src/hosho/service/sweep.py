"""The daily sweep: every notice due and every expiry of a span of days, in a few set-based statements.

No Python loop over contracts: each statement is an INSERT … SELECT (or an UPDATE) over an indexed date, one per
program version (or per plan with a consumable replacement), whatever the number of contracts. Each notice is
produced at most once: the unique key (kind, subject) lets a second run, or a second worker, insert nothing.
A notice's `on_date` is the day whose daily work produces it (the date it is about, less or plus the program's
days), so catching up on missed days gives the same notices as running every day.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Table, and_, case, cast, exists, literal, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from hosho.domain.contract import CaseState, Status
from hosho.domain.program import NoticeKind, ProgramVersion
from hosho.programs.catalog import Catalog
from hosho.service.consumables import purchase_window
from hosho.store import models as m
from hosho.store.sqldates import plus_days, plus_years

PENDING = "pending"
NOTICE_COLUMNS = (
    "kind",
    "subject_id",
    "contract_id",
    "case_id",
    "on_date",
    "about",
    "channel",
    "state",
    "attempts",
    "created_at",
)


@dataclass(slots=True)
class Swept:
    """What one sweep produced: notices per kind, and how many contracts expired."""

    produced: dict[str, int] = field(default_factory=dict)
    expired: int = 0

    def add(self, kind: NoticeKind, count: int) -> None:
        self.produced[kind.value] = self.produced.get(kind.value, 0) + max(count, 0)


def sweep(
    session: Session,
    catalog: Catalog,
    first: date,
    last: date,
    *,
    now: datetime,
    contract_id: int | None = None,
) -> Swept:
    """The daily work of the days first … last (both included), on every contract or on one.

    The notices first, then the expiries: a contract whose end falls in the span gets its coverage_ending notice
    before it expires. Cancelled, ended, transferred and expired contracts get no subscriber notices.
    """
    swept = Swept()
    if last < first:
        return swept
    for terms in _versions(catalog):
        rules = terms.notices
        days = rules.coverage_ending_days_before
        c = m.Contract
        chosen = (
            *_contract_filter(terms, contract_id),
            c.status == Status.ACTIVE.value,
            c.coverage_end >= first + timedelta(days=days),
            c.coverage_end <= last + timedelta(days=days),
        )
        swept.add(
            NoticeKind.COVERAGE_ENDING,
            _insert(session, _to_subscriber(NoticeKind.COVERAGE_ENDING, c.coverage_end, days, chosen, now)),
        )
        if terms.consumables is not None:
            years = terms.consumables.around_years
            days = rules.consumable_days_before
            low, high = purchase_window(first + timedelta(days=days), last + timedelta(days=days), years)
            for plan in terms.plans.values():
                if plan.consumable_replacements <= 0:
                    continue
                # The (program, plan, status, terms, purchase date) index finds them.
                chosen = (
                    *_contract_filter(terms, contract_id),
                    c.plan_id == plan.id,
                    c.status == Status.ACTIVE.value,
                    c.purchase_date >= low,
                    c.purchase_date <= high,
                )
                around = plus_years(c.purchase_date, years)
                statement = _to_subscriber(NoticeKind.CONSUMABLE_REPLACEMENT, around, days, chosen, now)
                swept.add(NoticeKind.CONSUMABLE_REPLACEMENT, _insert(session, statement))
        if terms.sla:
            for target in (m.RepairCase.visit_by, m.RepairCase.repair_due):
                statement = _breaches(terms, target, first, last, now, contract_id)
                swept.add(NoticeKind.SLA_BREACH, _insert(session, statement))
    swept.expired = _expire(session, last, now, contract_id)
    return swept


def _versions(catalog: Catalog) -> list[ProgramVersion]:
    return [terms for program in catalog.programs.values() for terms in program.versions]


def _contract_filter(terms: ProgramVersion, contract_id: int | None) -> tuple[ColumnElement[bool], ...]:
    c = m.Contract
    chosen = (c.program_id == terms.program_id, c.terms_version == terms.effective_from)
    return (*chosen, c.id == contract_id) if contract_id is not None else chosen


def _to_subscriber(
    kind: NoticeKind, about: Any, days_before: int, where: tuple[ColumnElement[bool], ...], now: datetime
) -> Select[Any]:
    """A subscriber's notice: by e-mail when an address is known, else a task on the console's call list."""
    c, s = m.Contract, m.Subscriber
    channel = case((s.email.is_(None), literal("call", String)), else_=literal("email", String))
    return (
        select(
            literal(kind.value, String),
            c.id,
            c.id,
            null(),
            plus_days(about, -days_before),
            about,
            channel,
            literal(PENDING, String),
            literal(0, Integer),
            literal(now, DateTime(timezone=True)),
        )
        .join(s, s.id == c.subscriber_id)
        .where(*where)
    )


def _breaches(
    terms: ProgramVersion,
    target: Any,
    first: date,
    last: date,
    now: datetime,
    contract_id: int | None,
) -> Select[Any]:
    """Open covered cases whose target (visit_by or repair_due) passed the day before: to the repair desk."""
    rc, c, e = m.RepairCase, m.Contract, m.CaseEvent
    after = terms.notices.sla_breach_days_after
    where = [
        rc.state == CaseState.OPEN.value,
        rc.covered.is_(True),
        target >= first - timedelta(days=after),
        target <= last - timedelta(days=after),
        *_contract_filter(terms, contract_id),
    ]
    if target is rc.visit_by:
        # A visit made by its day is no breach of the visit's target, though the case stays open for the repair.
        where.append(~exists().where(and_(e.case_id == rc.id, e.kind == "visit_done", e.on_date <= rc.visit_by)))
    return (
        select(
            literal(NoticeKind.SLA_BREACH.value, String),
            rc.id,
            rc.contract_id,
            rc.id,
            plus_days(target, after),
            target,
            literal("desk", String),
            literal(PENDING, String),
            literal(0, Integer),
            literal(now, DateTime(timezone=True)),
        )
        .join(c, c.id == rc.contract_id)
        .where(*where)
    )


def _insert(session: Session, chosen: Select[Any]) -> int:
    """INSERT … SELECT that skips what is already there (the unique key on kind and subject)."""
    table = typing.cast(Table, m.Notice.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).from_select(NOTICE_COLUMNS, chosen).on_conflict_do_nothing()
    # Counted by RETURNING: the cursor's rowcount was -1 here on PostgreSQL.
    return len(session.execute(statement.returning(table.c.id)).all())


def _expire(session: Session, last: date, now: datetime, contract_id: int | None) -> int:
    """Active contracts whose coverage_end is before `last` become expired, each with its line in the audit trail."""
    c = m.Contract
    where = [c.status == Status.ACTIVE.value, c.coverage_end < last]
    if contract_id is not None:
        where.append(c.id == contract_id)
    audit = typing.cast(Table, m.AuditEntry.__table__)
    chosen = select(
        literal(now, DateTime(timezone=True)),
        literal("system", String),
        literal("contract.expired", String),
        literal("contract", String),
        c.id,
        _json(session, {"status": Status.ACTIVE.value, "coverage_end": None}, c.coverage_end),
        _json(session, {"status": Status.EXPIRED.value}, None),
    ).where(*where)
    session.execute(
        audit.insert().from_select(["at", "actor", "action", "entity", "entity_id", "before", "after"], chosen)
    )
    done = session.execute(
        update(c)
        .where(*where)
        .values(status=Status.EXPIRED.value, version=c.version + 1)
        .returning(c.id)
        .execution_options(synchronize_session=False)
    )
    return len(done.all())


def _json(session: Session, value: dict[str, Any], day: Any) -> ColumnElement[Any]:
    """A JSON value built in SQL: the fixed keys, and `coverage_end` from the row when asked for."""
    text = json.dumps(value, ensure_ascii=False)
    if day is not None:
        # {"status": "active", "coverage_end": "YYYY-MM-DD"}: the row's date put in place of the null.
        head, tail = text.split("null")
        built: ColumnElement[Any] = literal(head + '"', String) + cast(day, String) + literal('"' + tail, String)
    else:
        built = literal(text, String)
    if session.get_bind().dialect.name == "postgresql":
        return cast(built, JSON)
    return built
