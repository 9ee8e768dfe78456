"""Consumable-part replacement (消耗部品の交換): the contracts whose replacement falls in the coming months.

The terms say the provider calls the subscriber first (3年経過前後に弊社よりご連絡の上で実施), so the console lists
them with a phone number, soonest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, exists, func, select
from sqlalchemy.orm import Session

from hosho.domain.contract import Status
from hosho.domain.periods import anniversary, period_end
from hosho.service import audit
from hosho.service.context import Actor, Hosho, Role, ServiceError, not_found, retailer_scope
from hosho.service.views import certificate_display
from hosho.store import models as m
from hosho.store import repository

_ONE_DAY = timedelta(days=1)
MAX_MONTHS = 24
MAX_PER_PAGE = 200
# Far past any list (10 million contracts at the largest page size), and a LIMIT every database takes.
MAX_PAGE = 50_000
# Who records that a replacement was carried out: the call center that arranged it and the technician who did it.
RECORDERS = frozenset({Role.ADMIN, Role.AGENT, Role.TECHNICIAN})
# How far back the overdue list looks: longer than any plan's coverage.
OVERDUE_LOOKBACK_YEARS = 15
OVERDUE_LIMIT = 200


def purchase_window(start: date, end: date, years: int) -> tuple[date, date]:
    """The purchase dates whose `years`-th anniversary falls in [start, end] (anniversary never decreases)."""
    low = _years_before(start, years)
    while anniversary(low - _ONE_DAY, years) >= start:
        low -= _ONE_DAY
    while anniversary(low, years) < start:
        low += _ONE_DAY
    high = _years_before(end, years)
    while anniversary(high + _ONE_DAY, years) <= end:
        high += _ONE_DAY
    while anniversary(high, years) > end:
        high -= _ONE_DAY
    return low, high


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February in a common year
        return d.replace(year=d.year - years, day=28)


def due_for_replacement(
    hosho: Hosho,
    actor: Actor,
    *,
    months: int = 3,
    program: str | None = None,
    today: date | None = None,
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """Active contracts whose replacement date (around the Nth anniversary of purchase) falls from today to the
    end of the `months`-th month; the window, each contract's date and the notice the terms give."""
    if not 1 <= months <= MAX_MONTHS:
        raise ServiceError("invalid_request", f"months must be 1–{MAX_MONTHS}", field="months")
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        raise ServiceError("invalid_request", f"page 1–{MAX_PAGE} and per_page 1–{MAX_PER_PAGE}", field="page")
    start = today or hosho.today()
    end = period_end(start, months=months)
    answer: dict[str, Any] = {"from": start, "to": end, "months": months, "page": page, "per_page": per_page}
    groups = [group for group in _groups(hosho, program) if group.years]
    c = m.Contract
    wanted = page * per_page
    total = 0
    keys: list[tuple[date, int, _Group]] = []
    with hosho.reading() as session:
        for group in groups:
            low, high = purchase_window(start, end, group.years)
            # One plan at a time: the (program, plan, status, terms, purchase date) index answers the count and
            # the keys in purchase-date order from the index alone; only the page's rows are read in full.
            where = (*_pending(group), c.purchase_date >= low, c.purchase_date <= high)
            scope = (c.retailer_id == actor.retailer_id,) if actor.role is Role.RETAILER else ()
            total += session.execute(select(func.count()).select_from(c).where(*where, *scope)).scalar_one()
            first = session.execute(
                select(c.purchase_date, c.id).where(*where, *scope).order_by(c.purchase_date, c.id).limit(wanted)
            )
            keys += [(bought, contract_id, group) for bought, contract_id in first]
        keys.sort(key=lambda key: (key[0], key[1]))
        chosen = {contract_id: group for _, contract_id, group in keys[wanted - per_page : wanted]}
        rows = _listed(session, chosen)
    items = [_item(row, chosen[row.id], start) for row in rows]
    return {**answer, "items": items, "total": total}


def overdue(
    hosho: Hosho, actor: Actor, *, program: str | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """Active contracts whose replacement date has passed with no replacement recorded, the longest overdue first
    (at most OVERDUE_LIMIT: a list to work through, not a report)."""
    start = today or hosho.today()
    c = m.Contract
    found: list[tuple[date, int, _Group]] = []
    with hosho.reading() as session:
        for group in (group for group in _groups(hosho, program) if group.years):
            low, high = purchase_window(_years_before(start, OVERDUE_LOOKBACK_YEARS), start - _ONE_DAY, group.years)
            where = (*_pending(group), c.purchase_date >= low, c.purchase_date <= high)
            scope = (c.retailer_id == actor.retailer_id,) if actor.role is Role.RETAILER else ()
            rows = session.execute(
                select(c.purchase_date, c.id).where(*where, *scope).order_by(c.purchase_date, c.id).limit(OVERDUE_LIMIT)
            )
            found += [(bought, contract_id, group) for bought, contract_id in rows]
        found.sort(key=lambda key: (key[0], key[1]))
        chosen = {contract_id: group for _, contract_id, group in found[:OVERDUE_LIMIT]}
        listed = _listed(session, chosen)
    return [_item(row, chosen[row.id], start) for row in listed]


def _listed(session: Session, chosen: Iterable[int]) -> Sequence[Row[Any]]:
    """The chosen contracts with what the list shows of their subscriber, in purchase order."""
    c, s = m.Contract, m.Subscriber
    return session.execute(
        select(c.id, c.program_id, c.plan_id, c.certificate_number, c.purchase_date)
        .add_columns(s.name, s.name_kana, s.phone)
        .join(s, s.id == c.subscriber_id)
        .where(c.id.in_(chosen))
        .order_by(c.purchase_date, c.id)
    ).all()


def record_done(hosho: Hosho, actor: Actor, contract_id: int, *, on: date) -> date:
    """The contract's consumable replacement was carried out on `on`: it leaves the lists, and the trail says who."""
    if actor.role not in RECORDERS:
        raise ServiceError("forbidden", "this role may not record a consumable replacement")
    if on > hosho.today():
        raise ServiceError("invalid_request", "a replacement is recorded once it is done, not before", field="date")
    with hosho.transaction() as session:
        row = repository.load(session, contract_id, retailer_id=retailer_scope(actor), for_update=True)
        if row is None:
            raise not_found(f"contract {contract_id}")
        terms = hosho.rules.catalog.program(row.program_id)
        version = next(v for v in terms.versions if v.effective_from == row.terms_version)
        plan = version.plans.get(row.plan_id)
        if plan is None or not plan.consumable_replacements or version.consumables is None:
            raise ServiceError("invalid_request", "this plan includes no consumable replacement", field="contract_id")
        if row.status != Status.ACTIVE.value:
            raise ServiceError("contract_not_active", f"the contract is {row.status}")
        if session.get(m.ConsumableReplacementDone, contract_id) is not None:
            raise ServiceError("invalid_request", "this replacement is already recorded as done", field="contract_id")
        if on < row.purchase_date:
            raise ServiceError("invalid_request", "a replacement is done after the purchase", field="date")
        session.add(
            m.ConsumableReplacementDone(
                contract_id=contract_id, done_on=on, recorded_by=actor.name, recorded_at=hosho.clock()
            )
        )
        audit.record(session, hosho, actor, "contract.consumable_replaced", row, repository.snapshot(row))
    return on


def _pending(group: _Group) -> tuple[Any, ...]:
    """Active contracts of one plan of one terms version whose replacement is not recorded as done."""
    c, done = m.Contract, m.ConsumableReplacementDone
    return (
        c.program_id == group.program_id,
        c.plan_id == group.plan_id,
        c.status == Status.ACTIVE.value,
        c.terms_version == group.terms_version,
        ~exists().where(done.contract_id == c.id),
    )


def _item(row: Any, group: _Group, start: date) -> dict[str, Any]:
    around = anniversary(row.purchase_date, group.years)
    return {
        "id": row.id,
        "program": row.program_id,
        "plan": row.plan_id,
        "certificate_number": certificate_display(row.certificate_number),
        "purchase_date": row.purchase_date,
        "around": around,
        "days_until": (around - start).days,
        "subscriber": {"name": row.name, "name_kana": row.name_kana, "phone": row.phone},
        "notice": group.notice,
        "clauses": list(group.clauses),
    }


@dataclass(frozen=True, slots=True)
class _Group:
    """One plan of one terms version whose contracts include a consumable replacement."""

    program_id: str
    terms_version: date
    plan_id: str
    years: int
    notice: str
    clauses: tuple[str, ...]


def _groups(hosho: Hosho, program: str | None) -> list[_Group]:
    groups = []
    for program_id, versions in hosho.rules.catalog.programs.items():
        if program is not None and program_id != program:
            continue
        for terms in versions.versions:
            rule = terms.consumables
            if rule is None:
                continue
            for plan in terms.plans.values():
                if plan.consumable_replacements > 0:
                    groups.append(
                        _Group(program_id, terms.effective_from, plan.id, rule.around_years, rule.notice, rule.clauses)
                    )
    return groups
