"""What every figure is filtered by, and the SQL pieces the figures share (the same on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import Field, ValidationError
from sqlalchemy import String, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from hosho.service.commands import Command, fits
from hosho.service.context import Hosho, ServiceError, known_program
from hosho.store import models as m

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MONTHS_SHOWN = 12  # without a range: the last twelve months, this one included
MONTHS_MAX = 120  # a range of ten years at most: a figure is a page, not an export of the whole history
Month = Annotated[str, Field(pattern=MONTH.pattern, description="A month written YYYY-MM")]


class FigureFilters(Command):
    """program, plan and retailer (its code) narrow the contracts; from and to are months, both included."""

    program: Annotated[str, fits(m.Contract.program_id)] | None = None
    plan: Annotated[str, fits(m.Contract.plan_id)] | None = None
    retailer: Annotated[str, fits(m.Retailer.code)] | None = None
    from_month: Month | None = Field(default=None, alias="from")
    to_month: Month | None = Field(default=None, alias="to")


@dataclass(frozen=True, slots=True)
class Scope:
    """Filters checked and resolved: the months as the first day of `first` and the day after `last` ends."""

    program: str | None
    plan: str | None
    retailer: str | None
    first: date
    end: date  # exclusive: the first day of the month after the last month shown
    today: date

    @property
    def months(self) -> list[str]:
        shown, day = [], self.first
        while day < self.end:
            shown.append(month_key(day))
            day = next_month(day)
        return shown

    def contracts(self, query: Any, contract: Any = m.Contract) -> Any:
        """The contract filters applied to a query that has the contracts table (or an alias of it)."""
        if self.program:
            query = query.where(contract.program_id == self.program)
        if self.plan:
            query = query.where(contract.plan_id == self.plan)
        if self.retailer:
            chosen = select(m.Retailer.id).where(m.Retailer.code == self.retailer).scalar_subquery()
            query = query.where(contract.retailer_id == chosen)
        return query

    def in_months(self, column: Any) -> Any:
        return (column >= self.first) & (column < self.end)

    @property
    def first_month(self) -> str:
        return month_key(self.first)

    @property
    def last_month(self) -> str:
        return month_key(previous_month(self.end))

    def in_month_keys(self, column: Any) -> Any:
        """A summary's 'YYYY-MM' column within the months (text in this form sorts as the months do)."""
        return (column >= self.first_month) & (column <= self.last_month)

    def echo(self) -> dict[str, Any]:
        """The filters as the answer states them."""
        return {
            "program": self.program,
            "plan": self.plan,
            "retailer": self.retailer,
            "from": month_key(self.first),
            "to": month_key(previous_month(self.end)),
        }


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _first_day(text: str) -> date:
    return date(int(text[:4]), int(text[5:7]), 1)


def scope(hosho: Hosho, filters: FigureFilters | dict[str, Any]) -> Scope:
    """Check the filters: an unknown program or plan, a malformed month or a range backwards names its field."""
    if not isinstance(filters, FigureFilters):
        try:
            filters = FigureFilters.model_validate({k: v for k, v in filters.items() if v not in (None, "")})
        except ValidationError as error:
            detail = error.errors(include_url=False)[0]
            name = str(detail["loc"][0]) if detail["loc"] else "filters"
            raise ServiceError("invalid_request", f"{name}: {detail['msg']}", field=name) from None
    known_program(hosho, filters.program)
    if filters.plan is not None:
        programs = [filters.program] if filters.program else list(hosho.rules.catalog.programs)
        plans = {plan for program in programs for plan in _plans(hosho, program)}
        if filters.plan not in plans:
            raise ServiceError("invalid_request", f"unknown plan {filters.plan!r}", field="plan")
    if filters.retailer is not None:
        with hosho.reading() as session:
            known = session.scalar(select(m.Retailer.id).where(m.Retailer.code == filters.retailer))
        if known is None:
            raise ServiceError("invalid_request", f"unknown retailer {filters.retailer!r}", field="retailer")
    today = hosho.today()
    end = next_month(_first_day(filters.to_month)) if filters.to_month else next_month(today.replace(day=1))
    if filters.from_month:
        first = _first_day(filters.from_month)
    else:
        first = end
        for _ in range(MONTHS_SHOWN):
            first = previous_month(first)
    if first >= end:
        raise ServiceError("invalid_request", "from must not be after to", field="from")
    if (end.year - first.year) * 12 + end.month - first.month > MONTHS_MAX:
        raise ServiceError("invalid_request", f"a range of at most {MONTHS_MAX} months", field="from")
    return Scope(filters.program, filters.plan, filters.retailer, first, end, today)


def _plans(hosho: Hosho, program: str) -> set[str]:
    return {plan for version in hosho.rules.catalog.programs[program].versions for plan in version.plans}


class month_of(FunctionElement[Any]):
    """A date's month as 'YYYY-MM' text."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def basis_points(part: int, whole: int) -> int | None:
    """part ÷ whole in basis points (1/100 of a percent), floored; integers only; None when whole is 0."""
    return part * 10_000 // whole if whole > 0 else None
