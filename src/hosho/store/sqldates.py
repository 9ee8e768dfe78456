"""Date arithmetic in SQL, the same on SQLite and PostgreSQL, for set-based statements (the daily sweep).

SQLite stores a date as its ISO text and computes with date(); PostgreSQL adds integers and intervals to dates.
Both give the domain's answers (`domain.periods.anniversary`: 29 February falls on 28 February in a common year).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class plus_days(FunctionElement[Any]):
    """`column + days` (days may be negative)."""

    type = Date()
    inherit_cache = False  # the days or years are compiled into the SQL: never share a cached statement
    name = "plus_days"

    def __init__(self, column: Any, days: int):
        self.days = int(days)
        super().__init__(column)


class plus_years(FunctionElement[Any]):
    """The same month and day `years` later; 29 February falls on 28 February in a common year."""

    type = Date()
    inherit_cache = False  # the days or years are compiled into the SQL: never share a cached statement
    name = "plus_years"

    def __init__(self, column: Any, years: int):
        self.years = int(years)
        super().__init__(column)


def _argument(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(next(iter(element.clauses)), **kw)


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element: plus_days, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({_argument(element, compiler, **kw)}, '{element.days:+d} days')"


@compiles(plus_days, "postgresql")
def _plus_days_postgresql(element: plus_days, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(({_argument(element, compiler, **kw)}) + ({element.days:d}))"


@compiles(plus_years, "sqlite")
def _plus_years_sqlite(element: plus_years, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite carries 29 February over into 1 March of a common year; the domain's anniversary is 28 February.
    column = _argument(element, compiler, **kw)
    shifted = f"date({column}, '{element.years:+d} years')"
    return (
        f"(CASE WHEN strftime('%m-%d', {column}) = '02-29' AND strftime('%m-%d', {shifted}) = '03-01' "
        f"THEN date({column}, '{element.years:+d} years', '-1 days') ELSE {shifted} END)"
    )


@compiles(plus_years, "postgresql")
def _plus_years_postgresql(element: plus_years, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({_argument(element, compiler, **kw)}) + make_interval(years => {element.years:d}) AS DATE)"
