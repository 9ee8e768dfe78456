"""The repair desk's figures, read from the summaries (figures.summary says what met, breached and pending mean):
SLA attainment by month with its breaches, and cases by cause and decision with the clauses cited most."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hosho.service.figures.filters import Scope
from hosho.service.figures.results import CauseCount, ClauseCount, DisputeCount, SlaBreach, SlaMonth
from hosho.store import models as m

BREACHES_LIMIT = 200
CLAUSES_SHOWN = 20
KINDS = ("visit", "repair")


def sla(session: Session, scope: Scope) -> tuple[list[SlaMonth], list[SlaBreach], int]:
    s = m.FigureSlaMonth
    query = select(s.month, s.kind, func.sum(s.met), func.sum(s.breached), func.sum(s.pending))
    query = scope.contracts(query, s).where(scope.in_month_keys(s.month)).group_by(s.month, s.kind)
    found = {
        (kind, month): (int(met), int(bad), int(pending)) for month, kind, met, bad, pending in session.execute(query)
    }
    months = []
    for kind in KINDS:
        for month in scope.months:
            met, bad, pending = found.get((kind, month), (0, 0, 0))
            due = met + bad
            months.append(
                SlaMonth(
                    month=month,
                    kind=kind,
                    due=due,
                    met=met,
                    breached=bad,
                    pending=pending,
                    attainment_bp=met * 10_000 // due if due else None,
                )
            )
    total = sum(bad for _, bad, _ in found.values())
    return months, _breaches(session, scope), total


def _breaches(session: Session, scope: Scope) -> list[SlaBreach]:
    b = m.FigureSlaBreach
    query = scope.contracts(select(b), b).where(scope.in_months(b.target))
    query = query.order_by(b.target.desc(), b.case_id.desc()).limit(BREACHES_LIMIT)
    return [
        SlaBreach(
            case_id=row.case_id,
            contract_id=row.contract_id,
            case_number=row.case_number,
            program=row.program_id,
            plan=row.plan_id,
            kind=row.kind,
            target=row.target,
            done_on=row.done_on,
            days_late=((row.done_on or scope.today) - row.target).days,
        )
        for row in session.scalars(query)
    ]


def cases(session: Session, scope: Scope) -> tuple[list[CauseCount], list[ClauseCount]]:
    s = m.FigureCaseMonth
    query = scope.contracts(select(s.cause, s.decision, func.sum(s.cases)), s).where(scope.in_month_keys(s.month))
    by_cause = [
        CauseCount(cause=cause, decision=decision, count=int(count))
        for cause, decision, count in session.execute(query.group_by(s.cause, s.decision))
    ]
    by_cause.sort(key=lambda row: (-row.count, row.cause, row.decision))
    k = m.FigureClauseMonth
    cited = func.sum(k.cited)
    query = scope.contracts(select(k.program_id, k.label, cited), k).where(scope.in_month_keys(k.month))
    query = query.group_by(k.program_id, k.label).order_by(cited.desc(), k.program_id, k.label).limit(CLAUSES_SHOWN)
    clauses = [ClauseCount(program=p, label=label, count=int(n)) for p, label, n in session.execute(query)]
    return by_cause, clauses


def disputes(session: Session, scope: Scope) -> list[DisputeCount]:
    """Disputes opened in the months, by program and clause disputed: how many, and how they ended."""
    d = m.FigureDisputeMonth
    query = scope.contracts(select(d.program_id, d.label, d.outcome, func.sum(d.disputes)), d)
    query = query.where(scope.in_month_keys(d.month)).group_by(d.program_id, d.label, d.outcome)
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for program, label, outcome, n in session.execute(query):
        counts.setdefault((program, label), {})[outcome] = int(n)
    found = [
        DisputeCount(
            program=program,
            label=label,
            disputes=sum(ended.values()),
            open=ended.get("open", 0),
            covered=ended.get("covered", 0),
            not_covered=ended.get("not_covered", 0),
        )
        for (program, label), ended in counts.items()
    ]
    found.sort(key=lambda row: (-row.disputes, row.program, row.label))
    return found[:CLAUSES_SHOWN]
