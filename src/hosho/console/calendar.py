"""The company calendar (弊社特定休日): each program's closures per year, read by everyone, set by an admin."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from hosho.console.app import Operator, SignedIn, redirect
from hosho.presentation.words import actor_name
from hosho.service import calendars, people
from hosho.service.commands import ClosureRange, SetClosures
from hosho.service.context import Role

FIRST_YEAR, LAST_YEAR = 2000, 2060


def parse_lines(text: str) -> tuple[list[ClosureRange], list[str]]:
    """One closure a line: `2026-12-29..2027-01-03 年末年始` or `2026-08-13 夏季休業` (the name is optional)."""
    ranges: list[ClosureRange] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        span, _, name = line.partition(" ")
        first, _, last = span.partition("..")
        try:
            ranges.append(
                ClosureRange.model_validate({"first": first, "last": last or first, "name": name.strip() or None})
            )
        except ValidationError:
            problems.append(f"{number}行目「{line}」: 「2026-12-29..2027-01-03 年末年始」の形で入力してください。")
    return ranges, problems


def _year(text: str, today: date) -> int:
    return int(text) if text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR else today.year


def _page(
    request: Request, op: Operator, program: str, year: int, *, typed: str | None, problems: list[str]
) -> Response:
    catalog = op.hosho.rules.catalog
    shown = calendars.year_closures(op.hosho, program, year)
    lines = "\n".join(f"{r.first}..{r.last} {r.name or ''}".rstrip() for r in shown.ranges)
    return op.render(
        request,
        "calendar.html",
        {
            "nav": "calendar",
            "programs": {pid: p.versions[-1].name for pid, p in catalog.programs.items()},
            "program": program,
            "year": year,
            "years": range(FIRST_YEAR, LAST_YEAR + 1),
            "shown": shown,
            "updated_by": actor_name(shown.updated_by, people.display_names(op.hosho, [shown.updated_by]))
            if shown.updated_by
            else None,
            "typed": lines if typed is None else typed,
            "problems": problems,
            "editable": op.may({Role.ADMIN}),
        },
        status=422 if problems else 200,
    )


def routes(router: APIRouter) -> None:
    @router.get("/calendar", name="console.calendar")
    def show(request: Request, op: SignedIn, program: str = "", year: str = "") -> Response:
        programs = op.hosho.rules.catalog.programs
        program = program if program in programs else next(iter(programs))
        return _page(request, op, program, _year(year, op.hosho.today()), typed=None, problems=[])

    @router.post("/calendar", name="console.calendar.save")
    def save(
        request: Request,
        op: SignedIn,
        program: Annotated[str, Form()] = "",
        year: Annotated[str, Form()] = "",
        closures: Annotated[str, Form()] = "",
        reset: Annotated[str, Form()] = "",
    ) -> Response:
        op.require({Role.ADMIN})
        programs = op.hosho.rules.catalog.programs
        if program not in programs:
            program = next(iter(programs))
        chosen = _year(year, op.hosho.today())
        if reset:
            calendars.set_closures(op.hosho, op.actor, program, SetClosures(year=chosen, ranges=None))
            return redirect(f"/console/calendar?program={program}&year={chosen}&notice=recorded")
        ranges, problems = parse_lines(closures)
        outside = [
            f"{r.first}〜{r.last}: {chosen}年に始まる休業日を入力してください。"
            for r in ranges
            if r.first.year != chosen
        ]
        if problems or outside:
            return _page(request, op, program, chosen, typed=closures, problems=problems + outside)
        calendars.set_closures(op.hosho, op.actor, program, SetClosures(year=chosen, ranges=ranges))
        return redirect(f"/console/calendar?program={program}&year={chosen}&notice=recorded")
