"""The dashboard's summaries: rebuilt whole, set-based (INSERT … SELECT), as of one day, by the daily work.

At a million contracts the figures cannot scan the contracts and cases on every page view; grouped by month, plan
and retailer (and cause, clause or SLA kind) they are a few thousand rows. `refresh` rebuilds them in one
transaction, holding the daily_runs row of job "figures" so that two refreshes never interleave; `as_of` is its day.
The definitions of each figure (what counts as met, in force, paid) live here, in the statements.
"""

from __future__ import annotations

import typing
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import Integer, String, Table, and_, case, delete, func, literal, select, true, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hosho.domain.contract import CaseState, Status
from hosho.service.commands import column_length
from hosho.service.context import Hosho
from hosho.service.figures.filters import month_of
from hosho.store import models as m
from hosho.store.sqldates import plus_days, plus_years

JOB = "figures"
# The events that complete a send-back repair (the case leaves the desk's open list with them).
COMPLETED = ("repaired", "shipped", "replaced")
ENDING_DAYS = 90
# Refund brackets: the n-th year from the purchase date (zest 第9条: 購入日から1年以内 does not count the purchase
# date, so the anniversary itself is still in the first year). The longest plan is eight years; the last bracket
# gathers anything later.
BRACKETS = 10
SUMMARIES = (
    m.FigureContractMonth,
    m.FigureCaseMonth,
    m.FigureClauseMonth,
    m.FigureSlaMonth,
    m.FigureSlaBreach,
    m.FigureEndingMonth,
    m.FigureRefundMonth,
    m.FigureDisputeMonth,
)
# The decisions a dispute (見解相違, zest 第11条) can be about: intake's, and those after it that may refuse cover. A
# dispute's final decision cites 第11条 and keeps the clause disputed, so a second dispute is about the same clause.
DISPUTABLE = ("diagnosis", "review_decided")


def as_of(session: Session) -> date | None:
    run = session.get(m.DailyRun, JOB)
    return run.last_day if run is not None else None


def refresh(hosho: Hosho, *, force: bool = False) -> date:
    """Rebuild the summaries as of today, unless they already are (or `force`). Returns their day."""
    today = hosho.today()
    with hosho.transaction() as session:
        _claim(session)
        run = session.get(m.DailyRun, JOB, with_for_update=True)
        assert run is not None
        if run.last_day == today and not force:
            return today
        for model in SUMMARIES:
            session.execute(delete(model))
        _contracts(session)
        _cases(session)
        _clauses(session)
        for kind in ("visit", "repair"):
            _sla(session, kind, today)
        _ending(session, today)
        _refunds(session)
        _disputes(session)
        run.last_day, run.updated_at = today, hosho.clock()
    return today


def _claim(session: Session) -> None:
    """The job's row exists (inserted once, by whichever refresh comes first), so it can be locked."""
    table = typing.cast(Table, m.DailyRun.__table__)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    row = {"job": JOB, "last_day": date(1, 1, 1), "updated_at": func.now()}
    session.execute(insert(table).values(row).on_conflict_do_nothing())


def _insert(session: Session, model: Any, columns: list[str], chosen: Any) -> None:
    session.execute(typing.cast(Table, model.__table__).insert().from_select(columns, chosen))


KEYS = ["month", "program_id", "plan_id", "retailer_id"]


def _contracts(session: Session) -> None:
    """Applications by applied_on; payments and fees by paid_on; contracts no longer in force by the first day they
    are not (their end, cancelled, replaced or transferred, else the day after coverage ends)."""
    c = m.Contract
    ended = and_(c.ended_on.is_not(None), c.ended_on <= c.coverage_end)
    end_day = case((ended, c.ended_on), else_=plus_days(c.coverage_end, 1))
    zero = literal(0, Integer)
    keys = (c.program_id, c.plan_id, c.retailer_id)
    moves = union_all(
        select(month_of(c.applied_on).label("month"), *keys, literal(1, Integer).label("enrolled"),
               zero.label("started"), zero.label("ended"), zero.label("fees")),
        select(month_of(c.paid_on), *keys, zero, literal(1, Integer), zero, func.coalesce(c.warranty_fee, 0))
        .where(c.paid_on.is_not(None)),
        select(month_of(end_day), *keys, zero, zero, literal(1, Integer), zero).where(c.paid_on.is_not(None)),
    ).subquery()  # fmt: skip
    grouped = select(
        moves.c.month,
        moves.c.program_id,
        moves.c.plan_id,
        moves.c.retailer_id,
        func.sum(moves.c.enrolled),
        func.sum(moves.c.started),
        func.sum(moves.c.ended),
        func.sum(moves.c.fees),
    ).group_by(moves.c.month, moves.c.program_id, moves.c.plan_id, moves.c.retailer_id)
    _insert(session, m.FigureContractMonth, [*KEYS, "enrolled", "started", "ended", "fees"], grouped)


def _decision() -> Any:
    """The stored decision's word (covered, not_covered, or review where a case awaits one); else its flag."""
    rc = m.RepairCase
    word = func.coalesce(rc.decision["decision"].as_string(), case((rc.covered, "covered"), else_="not_covered"))
    return func.substr(word, 1, column_length(m.FigureCaseMonth.decision))  # JSON text has no bound; the column has


def _cases(session: Session) -> None:
    """Cases by cause and decision; repairs paid: the estimate of a covered case repaired (no longer open) after an
    estimate to repair; replacements paid: the cap (修理上限金額, zest 第5条) of a case replaced instead."""
    rc, c = m.RepairCase, m.Contract
    month, decision = month_of(rc.received_on), _decision()
    repaired = rc.covered.is_(True) & (rc.outcome == "repair") & (rc.state != CaseState.OPEN.value)
    replaced = rc.covered.is_(True) & (rc.outcome == "replacement")
    chosen = (
        select(
            month,
            c.program_id,
            c.plan_id,
            c.retailer_id,
            rc.cause,
            decision,
            func.count(),
            func.sum(case((repaired, func.coalesce(rc.estimate, 0)), else_=0)),
            func.sum(case((replaced, func.coalesce(c.repair_cap, 0)), else_=0)),
        )
        .select_from(rc)
        .join(c, c.id == rc.contract_id)
        .group_by(month, c.program_id, c.plan_id, c.retailer_id, rc.cause, decision)
    )
    _insert(session, m.FigureCaseMonth, [*KEYS, "cause", "decision", "cases", "repairs", "replacements"], chosen)


def _clauses(session: Session) -> None:
    """The clauses each stored decision cites, unnested in SQL (json_each on SQLite, json_array_elements on
    PostgreSQL)."""
    rc, c = m.RepairCase, m.Contract
    if session.get_bind().dialect.name == "postgresql":
        cited = func.json_array_elements(rc.decision["clauses"]).table_valued("value")
        label: Any = cited.c.value.op("->>")(literal("label", String))
    else:
        cited = func.json_each(rc.decision, "$.clauses").table_valued("value")
        label = func.json_extract(cited.c.value, "$.label")
    label = func.substr(label, 1, column_length(m.FigureClauseMonth.label))
    month = month_of(rc.received_on)
    chosen = (
        select(month, c.program_id, c.plan_id, c.retailer_id, label, func.count())
        .select_from(rc)
        .join(c, c.id == rc.contract_id)
        .join(cited, true())
        .group_by(month, c.program_id, c.plan_id, c.retailer_id, label)
    )
    _insert(session, m.FigureClauseMonth, [*KEYS, "label", "cited"], chosen)


def _sla(session: Session, kind: str, today: date) -> None:
    """visit: 翌々営業日以内に訪問, the case's visit_by against its first visit_done; repair: 到着後4営業日以内に修理
    完了, repair_due against the first of repaired, shipped or replaced. Met: done on or before the target;
    breached: done later, or not done and the target day has passed; pending: neither yet."""
    rc, c, e = m.RepairCase, m.Contract, m.CaseEvent
    target = rc.visit_by if kind == "visit" else rc.repair_due
    kinds = ("visit_done",) if kind == "visit" else COMPLETED
    # Each case's first completing event, grouped once (a correlated subquery per case was ten times slower).
    firsts = select(e.case_id, func.min(e.on_date).label("on_date")).where(e.kind.in_(kinds))
    first = firsts.group_by(e.case_id).subquery()
    done = first.c.on_date
    cases = (
        select(
            rc.id.label("case_id"),
            rc.contract_id,
            rc.number,
            c.program_id,
            c.plan_id,
            c.retailer_id,
            target.label("target"),
            done.label("done"),
        )
        .join(c, c.id == rc.contract_id)
        .outerjoin(first, first.c.case_id == rc.id)
        .where(rc.covered.is_(True), target.is_not(None))
        .subquery()
    )
    met = cases.c.done.is_not(None) & (cases.c.done <= cases.c.target)
    late = (cases.c.done > cases.c.target) | (cases.c.done.is_(None) & (cases.c.target < today))
    month = month_of(cases.c.target)
    grouped = select(
        month,
        literal(kind, String),
        cases.c.program_id,
        cases.c.plan_id,
        cases.c.retailer_id,
        func.sum(case((met, 1), else_=0)),
        func.sum(case((late, 1), else_=0)),
        func.sum(case((met | late, 0), else_=1)),
    ).group_by(month, cases.c.program_id, cases.c.plan_id, cases.c.retailer_id)
    columns = ["month", "kind", "program_id", "plan_id", "retailer_id", "met", "breached", "pending"]
    _insert(session, m.FigureSlaMonth, columns, grouped)
    breaches = select(
        cases.c.case_id,
        cases.c.contract_id,
        cases.c.number,
        cases.c.program_id,
        cases.c.plan_id,
        cases.c.retailer_id,
        literal(kind, String),
        cases.c.target,
        cases.c.done,
    ).where(late)
    columns = ["case_id", "contract_id", "case_number", "program_id", "plan_id", "retailer_id", "kind", "target"]
    _insert(session, m.FigureSlaBreach, [*columns, "done_on"], breaches)


def _ending(session: Session, today: date) -> None:
    """Active contracts whose coverage ends within ENDING_DAYS days from the day, today included."""
    c = m.Contract
    month = month_of(c.coverage_end)
    window = (c.status == Status.ACTIVE.value) & (c.coverage_end >= today)
    window &= c.coverage_end <= today + timedelta(days=ENDING_DAYS)
    chosen = select(month, c.program_id, c.plan_id, c.retailer_id, func.count()).where(window)
    chosen = chosen.group_by(month, c.program_id, c.plan_id, c.retailer_id)
    _insert(session, m.FigureEndingMonth, [*KEYS, "contracts"], chosen)


def _refunds(session: Session) -> None:
    """Refunds owed after cancellations (the payouts ledger's refunds), by the month owed, payout status and the
    year from the purchase date in which the contract was cancelled."""
    r, c, x = m.Refund, m.Contract, m.Cancellation
    month = month_of(r.created_on)
    years = case(*[(x.cancelled_on <= plus_years(c.purchase_date, n), n) for n in range(1, BRACKETS)], else_=BRACKETS)
    keys = (month, c.program_id, c.plan_id, c.retailer_id, r.status, years)
    chosen = (
        select(*keys, func.count(), func.sum(r.amount))
        .select_from(r)
        .join(c, c.id == r.contract_id)
        .join(x, x.contract_id == r.contract_id)
        .group_by(*keys)
    )
    _insert(session, m.FigureRefundMonth, [*KEYS, "status", "years", "refunds", "yen"], chosen)


Dispute = tuple[date, tuple[str, ...], str]  # (opened on, clauses disputed, outcome: open, covered or not_covered)


def disputes_of(intake: dict[str, Any], events: Iterable[tuple[str, date | None, dict[str, Any]]]) -> list[Dispute]:
    """A case's disputes, from its intake decision and its events (kind, date, data) in order: each disputes the
    grounds (the labels its reasons rest on) of the last decision before it that could refuse cover, but for the
    dispute's own clauses (the grounds its event records)."""
    grounds = tuple(dict.fromkeys(label for reason in intake.get("reasons") or () for label in reason["clauses"]))
    found: list[Dispute] = []
    for kind, on, data in events:
        if kind in DISPUTABLE and data.get("decision") == "not_covered":
            grounds = tuple(data.get("grounds") or ())
        elif kind == "dispute_opened" and on is not None:
            # A refusal also cites the dispute clause (第11条: how to disagree), which is not what is disputed.
            own = set(data.get("grounds") or ())
            found.append((on, tuple(label for label in grounds if label not in own) or grounds, "open"))
        elif kind == "dispute_decided" and found and found[-1][2] == "open":
            found[-1] = (found[-1][0], found[-1][1], str(data.get("decision")))
    return found


def _disputes(session: Session) -> None:
    """Disputes by the month opened, the clause disputed and the outcome; a dispute of a decision resting on two
    clauses counts under each. Disputes are few (a case's event log is read only for disputed cases), so they are
    walked here rather than unnested in SQL."""
    rc, c, e = m.RepairCase, m.Contract, m.CaseEvent
    disputed = (
        select(rc.id, rc.decision, c.program_id, c.plan_id, c.retailer_id)
        .join(c, c.id == rc.contract_id)
        .where(rc.dispute.is_not(None))
    )
    cases = {row.id: row for row in session.execute(disputed)}
    if not cases:
        return
    ids = select(rc.id).where(rc.dispute.is_not(None))  # a subquery: thousands of ids are no bound parameters
    events = select(e.case_id, e.kind, e.on_date, e.data).where(e.case_id.in_(ids)).order_by(e.case_id, e.id)
    longest = column_length(m.FigureDisputeMonth.label)
    counted: Counter[tuple[str, str, str, int | None, str, str]] = Counter()
    for case_id, rows in groupby(session.execute(events), key=lambda row: row.case_id):
        case_row = cases[case_id]
        walked = ((row.kind, row.on_date, row.data or {}) for row in rows)
        for on, grounds, outcome in disputes_of(case_row.decision or {}, walked):
            for label in grounds:
                keys = (on.strftime("%Y-%m"), case_row.program_id, case_row.plan_id, case_row.retailer_id)
                counted[(*keys, label[:longest], outcome)] += 1
    columns = [*KEYS, "label", "outcome", "disputes"]
    found = [dict(zip(columns, (*keys, n), strict=True)) for keys, n in sorted(counted.items(), key=str)]
    if found:
        session.execute(typing.cast(Table, m.FigureDisputeMonth.__table__).insert(), found)
