"""The repair desk's figures: SLA attainment by month with its breaches, and cases by cause, decision and clause.

SLA targets are the days the cases already store (rules at intake and arrival decided them): `visit_by` for
onsite visits (翌々営業日以内に訪問), `repair_due` for send-back repairs (到着後4営業日以内に修理完了). A target is met
when the visit (event visit_done), or the repair's completion (repaired, shipped or replaced), is dated on or
before it; it is breached when done later, or not done and the day has passed. Before that day it is pending.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, literal, select, true
from sqlalchemy.orm import Session

from hosho.service.figures.filters import Scope, month_of
from hosho.service.figures.results import CauseCount, ClauseCount, SlaBreach, SlaMonth
from hosho.store import models as m

BREACHES_LIMIT = 200
CLAUSES_SHOWN = 20
# The events that complete a send-back repair (the case leaves the desk's open list with them).
COMPLETED = ("repaired", "shipped", "replaced")
TARGETS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "visit": (m.RepairCase.visit_by, ("visit_done",)),
    "repair": (m.RepairCase.repair_due, COMPLETED),
}


def _done(kinds: tuple[str, ...]) -> Any:
    """The first day the case's target was reached, by its events (None while not reached)."""
    e = m.CaseEvent
    return (
        select(func.min(e.on_date))
        .where(e.case_id == m.RepairCase.id, e.kind.in_(kinds))
        .correlate(m.RepairCase)
        .scalar_subquery()
    )


def _cases(scope: Scope, target: Any, done: Any, *columns: Any) -> Any:
    rc = m.RepairCase
    query = select(*columns).join(m.Contract, m.Contract.id == rc.contract_id)
    return scope.contracts(query).where(rc.covered.is_(True), scope.in_months(target))


def sla(session: Session, scope: Scope) -> tuple[list[SlaMonth], list[SlaBreach], int]:
    months: list[SlaMonth] = []
    breaches: list[SlaBreach] = []
    total = 0
    for kind, (target, kinds) in TARGETS.items():
        done = _done(kinds)
        inner = _cases(scope, target, done, target.label("target"), done.label("done")).subquery()
        met = (inner.c.done.is_not(None)) & (inner.c.done <= inner.c.target)
        late = (inner.c.done > inner.c.target) | (inner.c.done.is_(None) & (inner.c.target < scope.today))
        rows = session.execute(
            select(
                month_of(inner.c.target).label("month"),
                func.sum(case((met, 1), else_=0)),
                func.sum(case((late, 1), else_=0)),
                func.count(),
            )
            .group_by(month_of(inner.c.target))
            .order_by(month_of(inner.c.target))
        ).all()
        found = {month: (int(ok), int(bad), int(count)) for month, ok, bad, count in rows}
        for month in scope.months:
            ok, bad, count = found.get(month, (0, 0, 0))
            due = ok + bad
            attainment = ok * 10_000 // due if due else None
            months.append(
                SlaMonth(
                    month=month,
                    kind=kind,  # type: ignore[arg-type]
                    due=due,
                    met=ok,
                    breached=bad,
                    pending=count - due,
                    attainment_bp=attainment,
                )
            )
        total += sum(bad for _, bad, _ in found.values())
        breaches.extend(_breaches(session, scope, kind, target, done))
    breaches.sort(key=lambda b: (b.target, b.case_id), reverse=True)
    return months, breaches[:BREACHES_LIMIT], total


def _breaches(session: Session, scope: Scope, kind: str, target: Any, done: Any) -> list[SlaBreach]:
    rc, c = m.RepairCase, m.Contract
    late = (done > target) | (done.is_(None) & (target < scope.today))
    query = (
        _cases(scope, target, done, rc.id, rc.contract_id, rc.number, c.program_id, c.plan_id, target, done)
        .where(late)
        .order_by(target.desc(), rc.id.desc())
        .limit(BREACHES_LIMIT)
    )
    found = []
    for case_id, contract_id, number, program, plan, day, done_on in session.execute(query):
        until = done_on or scope.today
        found.append(
            SlaBreach(
                case_id=case_id,
                contract_id=contract_id,
                case_number=number,
                program=program,
                plan=plan,
                kind=kind,  # type: ignore[arg-type]
                target=day,
                done_on=done_on,
                days_late=(until - day).days,
            )
        )
    return found


def _decision() -> Any:
    """The stored decision's word (covered, not_covered, or review where a case awaits one); else its flag."""
    rc = m.RepairCase
    return func.coalesce(rc.decision["decision"].as_string(), case((rc.covered, "covered"), else_="not_covered"))


def cases(session: Session, scope: Scope) -> tuple[list[CauseCount], list[ClauseCount]]:
    rc, c = m.RepairCase, m.Contract
    decision = _decision()
    query = scope.contracts(select(rc.cause, decision, func.count()).join(c, c.id == rc.contract_id))
    query = query.where(scope.in_months(rc.received_on)).group_by(rc.cause, decision)
    by_cause = [CauseCount(cause=cause, decision=word, count=count) for cause, word, count in session.execute(query)]
    by_cause.sort(key=lambda row: (-row.count, row.cause, row.decision))
    return by_cause, _clauses(session, scope)


def _clauses(session: Session, scope: Scope) -> list[ClauseCount]:
    """The clauses the decisions cite, most cited first: the stored decisions' clause lists, unnested in SQL."""
    rc, c = m.RepairCase, m.Contract
    if session.get_bind().dialect.name == "postgresql":
        cited = func.json_array_elements(rc.decision["clauses"]).table_valued("value")
        label: Any = cited.c.value.op("->>")(literal("label"))
    else:
        cited = func.json_each(rc.decision, "$.clauses").table_valued("value")
        label = func.json_extract(cited.c.value, "$.label")
    count = func.count().label("count")
    query = select(c.program_id, label.label("label"), count).select_from(rc).join(c, c.id == rc.contract_id)
    query = scope.contracts(query).join(cited, true()).where(scope.in_months(rc.received_on))
    query = query.group_by(c.program_id, label).order_by(count.desc(), c.program_id, label).limit(CLAUSES_SHOWN)
    return [ClauseCount(program=p, label=str(text), count=int(n)) for p, text, n in session.execute(query)]
