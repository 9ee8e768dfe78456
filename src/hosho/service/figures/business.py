"""The business's figures: enrolments and contracts in force, contracts ending soon, refunds, and the loss ratio.

Each is a few grouped statements (set-based, the same SQL on SQLite and PostgreSQL); the months' running totals
and the roll-ups are summed here from the grouped rows, in integers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from hosho.domain.contract import CaseState, Status
from hosho.service.figures.filters import Scope, basis_points, month_of
from hosho.service.figures.results import (
    ContractMonth,
    EndingContract,
    EndingMonth,
    LossRow,
    RefundBracket,
    RefundMonth,
)
from hosho.store import models as m
from hosho.store.sqldates import plus_days, plus_years

ENDING_DAYS = 90
ENDING_LIMIT = 200
# Refund brackets: the n-th year from the purchase date (zest 第9条: 購入日から1年以内 does not count the purchase
# date, so the anniversary itself is still in the first year). The longest plan is eight years; the last bracket
# gathers anything later.
BRACKETS = 10

Group = tuple[str, str, int | None]  # program, plan, retailer id


def _codes(session: Session) -> dict[int, str]:
    return {id_: code for id_, code in session.execute(select(m.Retailer.id, m.Retailer.code))}


def _end_day(c: Any = m.Contract) -> Any:
    """The first day a paid contract is no longer in force: its end (cancelled, replaced, transferred), or the
    day after its coverage ends."""
    ended = and_(c.ended_on.is_not(None), c.ended_on <= c.coverage_end)
    return case((ended, c.ended_on), else_=plus_days(c.coverage_end, 1))


def contracts(session: Session, scope: Scope) -> list[ContractMonth]:
    c = m.Contract
    keys = (c.program_id, c.plan_id, c.retailer_id)
    enrolled: dict[tuple[str, Group], int] = {}
    query = select(month_of(c.applied_on), *keys, func.count()).where(scope.in_months(c.applied_on))
    for month, program, plan, retailer, count in session.execute(
        scope.contracts(query).group_by(month_of(c.applied_on), *keys)
    ):
        enrolled[(month, (program, plan, retailer))] = count
    # In force at a month's end = paid by then − no longer in force by then: two grouped counts over all history.
    moves: dict[Group, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    starts = select(month_of(c.paid_on), *keys, func.count()).where(c.paid_on.is_not(None), c.paid_on < scope.end)
    for month, program, plan, retailer, count in session.execute(
        scope.contracts(starts).group_by(month_of(c.paid_on), *keys)
    ):
        moves[(program, plan, retailer)][month] += count
    end = _end_day()
    ends = select(month_of(end), *keys, func.count()).where(c.paid_on.is_not(None), end < scope.end)
    for month, program, plan, retailer, count in session.execute(scope.contracts(ends).group_by(month_of(end), *keys)):
        moves[(program, plan, retailer)][month] -= count
    codes = _codes(session)
    shown = scope.months
    rows = []
    groups = sorted(set(moves) | {group for _, group in enrolled}, key=lambda g: (g[0], g[1], codes.get(g[2] or 0, "")))
    for group in groups:
        before = sum(n for month, n in moves[group].items() if month < shown[0])
        running = before
        for month in shown:
            running += moves[group].get(month, 0)
            count = enrolled.get((month, group), 0)
            if running or count:
                rows.append(
                    ContractMonth(
                        month=month,
                        program=group[0],
                        plan=group[1],
                        retailer=codes.get(group[2]) if group[2] is not None else None,
                        enrolled=count,
                        active=running,
                    )
                )
    rows.sort(key=lambda row: row.month)
    return rows


def ending(session: Session, scope: Scope) -> tuple[list[EndingMonth], list[EndingContract], int]:
    """Contracts in force whose coverage ends within the next ENDING_DAYS days, today included."""
    c = m.Contract
    window = (c.status == Status.ACTIVE.value) & (c.coverage_end >= scope.today)
    window &= c.coverage_end <= scope.today + timedelta(days=ENDING_DAYS)
    keys = (c.program_id, c.plan_id, c.retailer_id)
    codes = _codes(session)
    grouped = scope.contracts(select(month_of(c.coverage_end), *keys, func.count()).where(window))
    by_month = [
        EndingMonth(month=month, program=program, plan=plan, retailer=codes.get(retailer), count=count)
        for month, program, plan, retailer, count in session.execute(grouped.group_by(month_of(c.coverage_end), *keys))
    ]
    by_month.sort(key=lambda row: (row.month, row.program, row.plan, row.retailer or ""))
    listed = scope.contracts(select(c.id, c.certificate_number, *keys, c.coverage_end).where(window))
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
            listed.order_by(c.coverage_end, c.id).limit(ENDING_LIMIT)
        )
    ]
    return by_month, contracts, sum(row.count for row in by_month)


def _bracket(cancelled_on: Any, purchase_date: Any) -> Any:
    whens = [(cancelled_on <= plus_years(purchase_date, n), n) for n in range(1, BRACKETS)]
    return case(*whens, else_=BRACKETS)


def refunds(session: Session, scope: Scope) -> tuple[list[RefundMonth], list[RefundBracket]]:
    """Refunds owed after cancellations (the payouts ledger's refunds), with where their payout stands."""
    r, c, x = m.Refund, m.Contract, m.Cancellation
    base = select().select_from(r).join(c, c.id == r.contract_id)
    base = scope.contracts(base).where(scope.in_months(r.created_on))
    month = month_of(r.created_on)
    by_month = [
        RefundMonth(month=key, status=status, count=count, yen=int(yen))
        for key, status, count, yen in session.execute(
            base.add_columns(month, r.status, func.count(), func.sum(r.amount))
            .group_by(month, r.status)
            .order_by(month, r.status)
        )
    ]
    bracket = _bracket(x.cancelled_on, c.purchase_date)
    with_cancellation = base.join(x, x.contract_id == r.contract_id)
    by_bracket = [
        RefundBracket(years=int(years), status=status, count=count, yen=int(yen))
        for years, status, count, yen in session.execute(
            with_cancellation.add_columns(bracket, r.status, func.count(), func.sum(r.amount))
            .group_by(bracket, r.status)
            .order_by(bracket, r.status)
        )
    ]
    return by_month, by_bracket


def losses(session: Session, scope: Scope) -> list[LossRow]:
    """Loss ratio = (repairs + replacements paid) ÷ warranty fees received, per program, plan and retailer.

    Fees: the warranty fee of each contract paid in the months. Repairs: the estimate of each covered case received
    in the months whose outcome was a repair and that is repaired or closed. Replacements: the cap (修理上限金額, the
    most a replacement product costs, zest 第5条) of each case whose outcome was a replacement.
    """
    c, rc = m.Contract, m.RepairCase
    keys = (c.program_id, c.plan_id, c.retailer_id)
    sums: dict[Group, list[int]] = defaultdict(lambda: [0, 0, 0])
    fees = scope.contracts(
        select(*keys, func.sum(c.warranty_fee)).where(c.paid_on.is_not(None), scope.in_months(c.paid_on))
    )
    for program, plan, retailer, yen in session.execute(fees.group_by(*keys)):
        sums[(program, plan, retailer)][0] += int(yen or 0)
    repaired = (rc.outcome == "repair") & (rc.state != CaseState.OPEN.value)
    repairs = func.sum(case((repaired, func.coalesce(rc.estimate, 0)), else_=0))
    replacements = func.sum(case((rc.outcome == "replacement", func.coalesce(c.repair_cap, 0)), else_=0))
    claims = scope.contracts(select(*keys, repairs, replacements).select_from(rc).join(c, c.id == rc.contract_id))
    claims = claims.where(rc.covered.is_(True), scope.in_months(rc.received_on))
    for program, plan, retailer, repair_yen, replacement_yen in session.execute(claims.group_by(*keys)):
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
