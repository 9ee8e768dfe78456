"""The business's figures: enrolments and contracts in force, contracts ending soon, refunds, and the loss ratio.

Each is a few grouped statements (set-based, the same SQL on SQLite and PostgreSQL); the months' running totals
and the roll-ups are summed here from the grouped rows, in integers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hosho.domain.contract import Status
from hosho.service.figures.filters import Scope, basis_points
from hosho.service.figures.results import (
    ContractMonth,
    EndingContract,
    EndingMonth,
    LossRow,
    RefundBracket,
    RefundMonth,
)
from hosho.service.figures.summary import ENDING_DAYS
from hosho.store import models as m

ENDING_LIMIT = 200

Group = tuple[str, str, int | None]  # program, plan, retailer id


def _codes(session: Session) -> dict[int, str]:
    return {id_: code for id_, code in session.execute(select(m.Retailer.id, m.Retailer.code))}


def contracts(session: Session, scope: Scope) -> list[ContractMonth]:
    """Applications by month; in force at a month's end = paid by then − no longer in force by then: the summary's
    started − ended before the first month shown (one sum per group), then month by month."""
    s = m.FigureContractMonth
    keys = (s.program_id, s.plan_id, s.retailer_id)
    net = func.sum(s.started) - func.sum(s.ended)
    before = scope.contracts(select(*keys, net), s).where(s.month < scope.first_month).group_by(*keys)
    running: dict[Group, int] = {(p, plan, r): int(n) for p, plan, r, n in session.execute(before)}
    shown = scope.contracts(select(s.month, *keys, func.sum(s.enrolled), net), s)
    shown = shown.where(scope.in_month_keys(s.month)).group_by(s.month, *keys)
    moves: dict[tuple[str, Group], tuple[int, int]] = {
        (month, (p, plan, r)): (int(enrolled), int(n)) for month, p, plan, r, enrolled, n in session.execute(shown)
    }
    codes = _codes(session)
    groups = sorted(set(running) | {group for _, group in moves}, key=lambda g: (g[0], g[1], codes.get(g[2] or 0, "")))
    rows = []
    for month in scope.months:
        for group in groups:
            enrolled, change = moves.get((month, group), (0, 0))
            active = running[group] = running.get(group, 0) + change
            if active or enrolled:
                retailer = codes.get(group[2]) if group[2] is not None else None
                rows.append(
                    ContractMonth(
                        month=month,
                        program=group[0],
                        plan=group[1],
                        retailer=retailer,
                        enrolled=enrolled,
                        active=active,
                    )
                )
    return rows


def ending(session: Session, scope: Scope) -> tuple[list[EndingMonth], list[EndingContract], int]:
    """Contracts in force whose coverage ends within the next ENDING_DAYS days, today included: counted in the
    summary as of its day; the soonest listed from the contracts (their status and coverage_end index)."""
    e, c = m.FigureEndingMonth, m.Contract
    keys = (e.program_id, e.plan_id, e.retailer_id)
    codes = _codes(session)
    grouped = scope.contracts(select(e.month, *keys, func.sum(e.contracts)), e).group_by(e.month, *keys)
    by_month = [
        EndingMonth(month=month, program=program, plan=plan, retailer=codes.get(retailer), count=int(count))
        for month, program, plan, retailer, count in session.execute(grouped)
    ]
    by_month.sort(key=lambda row: (row.month, row.program, row.plan, row.retailer or ""))
    window = (c.status == Status.ACTIVE.value) & (c.coverage_end >= scope.today)
    window &= c.coverage_end <= scope.today + timedelta(days=ENDING_DAYS)
    listed = scope.contracts(select(c.id, c.certificate_number, c.program_id, c.plan_id, c.retailer_id, c.coverage_end))
    contracts = [
        EndingContract(
            contract_id=id_,
            certificate_number=number,
            program=program,
            plan=plan,
            retailer=codes.get(retailer),
            coverage_end=end,
        )
        for id_, number, program, plan, retailer, end in session.execute(
            listed.where(window).order_by(c.coverage_end, c.id).limit(ENDING_LIMIT)
        )
    ]
    return by_month, contracts, sum(row.count for row in by_month)


def refunds(session: Session, scope: Scope) -> tuple[list[RefundMonth], list[RefundBracket]]:
    """Refunds owed in the months (the summary of the payouts ledger's refunds), with where their payout stands."""
    f = m.FigureRefundMonth
    base = scope.contracts(select(), f).where(scope.in_month_keys(f.month))
    by_month = [
        RefundMonth(month=month, status=status, count=int(count), yen=int(yen))
        for month, status, count, yen in session.execute(
            base.add_columns(f.month, f.status, func.sum(f.refunds), func.sum(f.yen))
            .group_by(f.month, f.status)
            .order_by(f.month, f.status)
        )
    ]
    by_bracket = [
        RefundBracket(years=int(years), status=status, count=int(count), yen=int(yen))
        for years, status, count, yen in session.execute(
            base.add_columns(f.years, f.status, func.sum(f.refunds), func.sum(f.yen))
            .group_by(f.years, f.status)
            .order_by(f.years, f.status)
        )
    ]
    return by_month, by_bracket


def losses(session: Session, scope: Scope) -> list[LossRow]:
    """Loss ratio = (repairs + replacements paid) ÷ warranty fees received, per program, plan and retailer: fees of
    the contracts paid in the months, claims of the cases received in them (figures.summary says what is paid)."""
    sums: dict[Group, list[int]] = defaultdict(lambda: [0, 0, 0])
    f = m.FigureContractMonth
    fees = scope.contracts(select(f.program_id, f.plan_id, f.retailer_id, func.sum(f.fees)), f)
    fees = fees.where(scope.in_month_keys(f.month)).group_by(f.program_id, f.plan_id, f.retailer_id)
    for program, plan, retailer, yen in session.execute(fees):
        sums[(program, plan, retailer)][0] += int(yen or 0)
    k = m.FigureCaseMonth
    claims = scope.contracts(
        select(k.program_id, k.plan_id, k.retailer_id, func.sum(k.repairs), func.sum(k.replacements)), k
    )
    claims = claims.where(scope.in_month_keys(k.month)).group_by(k.program_id, k.plan_id, k.retailer_id)
    for program, plan, retailer, repair_yen, replacement_yen in session.execute(claims):
        sums[(program, plan, retailer)][1] += int(repair_yen or 0)
        sums[(program, plan, retailer)][2] += int(replacement_yen or 0)
    codes = _codes(session)
    rolled: dict[tuple[str, str | None, str | None, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (program, plan, retailer), values in sums.items():
        code = codes.get(retailer) if retailer is not None else None
        for key in (
            ("total", None, None, None),
            ("program", program, None, None),
            ("plan", program, plan, None),
            ("retailer", None, None, code),
        ):
            rolled[key] = [a + b for a, b in zip(rolled[key], values, strict=True)]
    order = {"total": 0, "program": 1, "plan": 2, "retailer": 3}
    rows = [
        LossRow(
            by=by,  # type: ignore[arg-type]
            program=program,
            plan=plan,
            retailer=retailer,
            fees=fee,
            repairs=repair,
            replacements=replacement,
            loss_ratio_bp=basis_points(repair + replacement, fee),
        )
        for (by, program, plan, retailer), (fee, repair, replacement) in rolled.items()
    ]
    rows.sort(key=lambda row: (order[row.by], row.program or "", row.plan or "", row.retailer or ""))
    return rows
