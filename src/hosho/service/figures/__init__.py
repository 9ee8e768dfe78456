"""The operations dashboard's figures (issue 13), for the provider's staff: each a read of set-based SQL.

Every function takes the same filters (program, plan, retailer code, from and to months) and answers a result of
`figures.results`; only the provider's admins and supervisors may read them (they span every channel).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from hosho.service.context import Actor, Hosho, Role, forbidden
from hosho.service.figures import business, operations, summary
from hosho.service.figures.filters import FigureFilters, Scope, scope
from hosho.service.figures.results import (
    CasesFigure,
    ContractsFigure,
    EndingFigure,
    Figure,
    Filters,
    LossFigure,
    RefundsFigure,
    SlaFigure,
)
from hosho.store import models as m

READERS = frozenset({Role.ADMIN, Role.SUPERVISOR})  # the provider's staff, not agents or retailers


def _open(hosho: Hosho, actor: Actor, filters: FigureFilters | dict[str, Any]) -> tuple[Scope, dict[str, Any]]:
    if actor.role not in READERS:
        raise forbidden("read the dashboard's figures")
    chosen = scope(hosho, filters)
    with hosho.reading() as session:
        day = summary.as_of(session)
    if day != chosen.today:  # the daily work has not run today yet: the first reader brings them up to date
        day = summary.refresh(hosho)
    return chosen, {"filters": Filters.model_validate(chosen.echo()), "as_of": day}


def sla(hosho: Hosho, actor: Actor, filters: FigureFilters | dict[str, Any]) -> SlaFigure:
    chosen, head = _open(hosho, actor, filters)
    with hosho.reading() as session:
        months, breaches, total = operations.sla(session, chosen)
    return SlaFigure(
        **head, months=months, breaches=breaches, breaches_total=total, breaches_limit=operations.BREACHES_LIMIT
    )


def cases(hosho: Hosho, actor: Actor, filters: FigureFilters | dict[str, Any]) -> CasesFigure:
    chosen, head = _open(hosho, actor, filters)
    with hosho.reading() as session:
        by_cause, clauses = operations.cases(session, chosen)
        disputes = operations.disputes(session, chosen)
    return CasesFigure(**head, by_cause=by_cause, clauses=clauses, disputes=disputes)


def contracts(hosho: Hosho, actor: Actor, filters: FigureFilters | dict[str, Any]) -> ContractsFigure:
    chosen, head = _open(hosho, actor, filters)
    with hosho.reading() as session:
        return ContractsFigure(**head, months=business.contracts(session, chosen))


def ending(hosho: Hosho, actor: Actor, filters: FigureFilters | dict[str, Any]) -> EndingFigure:
    """Contracts whose coverage ends in the next 90 days (the month range does not apply: it is from today)."""
    chosen, head = _open(hosho, actor, filters)
    with hosho.reading() as session:
        by_month, listed, total = business.ending(session, chosen)
    return EndingFigure(
        **head,
        window_days=summary.ENDING_DAYS,
        by_month=by_month,
        contracts=listed,
        contracts_total=total,
        contracts_limit=business.ENDING_LIMIT,
    )


def refunds(hosho: Hosho, actor: Actor, filters: FigureFilters | dict[str, Any]) -> RefundsFigure:
    chosen, head = _open(hosho, actor, filters)
    with hosho.reading() as session:
        by_month, by_bracket = business.refunds(session, chosen)
    return RefundsFigure(**head, by_month=by_month, by_bracket=by_bracket)


def loss_ratio(hosho: Hosho, actor: Actor, filters: FigureFilters | dict[str, Any]) -> LossFigure:
    chosen, head = _open(hosho, actor, filters)
    with hosho.reading() as session:
        return LossFigure(**head, rows=business.losses(session, chosen))


# The figures by the name the API and the exports use.
FIGURES: dict[str, Callable[[Hosho, Actor, FigureFilters | dict[str, Any]], Figure]] = {
    "sla": sla,
    "cases": cases,
    "contracts": contracts,
    "ending": ending,
    "refunds": refunds,
    "loss-ratio": loss_ratio,
}


def retailers(hosho: Hosho, actor: Actor) -> list[tuple[str, str]]:
    """The channels a filter may name: (code, name), by code."""
    if actor.role not in READERS:
        raise forbidden("read the dashboard's figures")
    with hosho.reading() as session:
        rows = session.execute(select(m.Retailer.code, m.Retailer.name).order_by(m.Retailer.code))
        return [(code, name) for code, name in rows]
