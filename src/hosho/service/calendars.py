"""The company calendar as operational data: a program's closures per year, set by the provider's staff.

The terms name the usual closures (GW, summer, year end: 弊社特定休日); the actual days change every year, so the
staff set them per program and year. A year they set replaces the terms' annual closures that start in that year;
deadlines computed after the change use it (stored deadlines are not recomputed). Every change is audited.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from hosho.domain.calendar import BusinessCalendar, Closures, DateRange
from hosho.domain.program import ProgramVersion
from hosho.service.commands import SetClosures
from hosho.service.context import Actor, Hosho, Role, ServiceError, forbidden
from hosho.service.results import ClosureSourceWord
from hosho.store import models as m

EDITORS = frozenset({Role.ADMIN})


class ClosureDays(BaseModel):
    first: date
    last: date
    name: str | None


class YearClosures(BaseModel):
    """The closures of one program and year as deadlines use them, and where they come from."""

    program: str
    year: int
    source: ClosureSourceWord  # "terms" (the program's defaults) or "set" (by the provider's staff)
    ranges: list[ClosureDays]
    updated_at: str | None = None
    updated_by: str | None = None


def overrides(session: Session, program_id: str) -> dict[int, tuple[DateRange, ...]]:
    """The years the staff set for a program, as the domain's per-year replacements."""
    rows = session.execute(
        select(m.ProgramClosure.year, m.ProgramClosure.ranges).where(m.ProgramClosure.program_id == program_id)
    )
    return {year: tuple(_range(item) for item in ranges) for year, ranges in rows}


def closures_for(session: Session, program_id: str, terms: ProgramVersion) -> Closures:
    """The terms' closures with the years the staff set put in their place."""
    stored = overrides(session, program_id)
    if not stored:
        return terms.closures
    return replace(terms.closures, by_year={**terms.closures.by_year, **stored})


def calendar_for(hosho: Hosho, session: Session, program_id: str, terms: ProgramVersion) -> BusinessCalendar:
    """The business-day calendar a deadline computed now must use."""
    return hosho.rules.calendar(closures_for(session, program_id, terms))


def year_closures(hosho: Hosho, program_id: str, year: int) -> YearClosures:
    """The closures in force for `year` (those starting in it), for the staff to read before changing them."""
    terms = _current_terms(hosho, program_id)
    _check_year(year)
    with hosho.reading() as session:
        row = session.get(m.ProgramClosure, (program_id, year))
        if row is not None:
            return YearClosures(
                program=program_id,
                year=year,
                source="set",
                ranges=[ClosureDays(first=r.first, last=r.last, name=r.name) for r in map(_range, row.ranges)],
                updated_at=row.updated_at.isoformat(),
                updated_by=row.updated_by,
            )
    closures = terms.closures
    ranges = closures.by_year.get(year) or tuple(closure.starting_in(year) for closure in closures.annual)
    ranges = (*ranges, *(r for r in closures.extra if r.first.year == year))
    return YearClosures(
        program=program_id,
        year=year,
        source="terms",
        ranges=[ClosureDays(first=r.first, last=r.last, name=r.name) for r in ranges],
    )


def set_closures(hosho: Hosho, actor: Actor, program_id: str, command: SetClosures) -> YearClosures:
    """Replace (or, with `ranges: None`, restore to the terms) a program's closures for one year; audited."""
    if actor.role not in EDITORS:
        raise forbidden("set the company calendar")
    _current_terms(hosho, program_id)
    with hosho.transaction() as session:
        row = session.get(m.ProgramClosure, (program_id, command.year), with_for_update=True)
        before = {"ranges": row.ranges} if row is not None else None
        if command.ranges is None:
            if row is not None:
                session.delete(row)
            after = None
        else:
            ranges = [
                {"first": r.first.isoformat(), "last": r.last.isoformat(), "name": r.name} for r in command.ranges
            ]
            if row is None:
                row = m.ProgramClosure(program_id=program_id, year=command.year)
                session.add(row)
            row.ranges, row.updated_at, row.updated_by = ranges, hosho.clock(), actor.name
            after = {"ranges": ranges}
        session.add(
            m.AuditEntry(
                at=hosho.clock(),
                actor=actor.name,
                action="calendar.closures_set" if command.ranges is not None else "calendar.closures_reset",
                entity=f"closures:{program_id}"[:40],
                entity_id=command.year,
                before=before,
                after=after,
            )
        )
    return year_closures(hosho, program_id, command.year)


def _current_terms(hosho: Hosho, program_id: str) -> ProgramVersion:
    program = hosho.rules.catalog.programs.get(program_id)
    if program is None:
        raise ServiceError("not_found", f"program {program_id} not found")
    return program.version_on(hosho.today())


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2060:
        raise ServiceError("invalid_request", "the calendar covers the years 2000 to 2060", field="year")


def _range(item: dict[str, str | None]) -> DateRange:
    first, last = item["first"], item["last"]
    assert first is not None and last is not None
    return DateRange(date.fromisoformat(first), date.fromisoformat(last), item.get("name"))
