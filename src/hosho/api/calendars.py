"""The company calendar: a program's closures per year, read by everyone, set by the provider's staff (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.problems import responses
from hosho.service import calendars
from hosho.service.commands import SetClosures

router = APIRouter(tags=["programs"], responses=responses(401, 404, 422, 500))

ProgramId = Annotated[str, Path(min_length=1, max_length=40, description="The program's id")]


@router.get(
    "/programs/{program}/closures/{year}",
    operation_id="getClosures",
    response_model=calendars.YearClosures,
    summary="A program's company closures in a year",
    description="The closures (弊社特定休日) that start in `year` as deadlines use them: the terms' defaults "
    "(`source: terms`) or the days the provider's staff set (`source: set`).",
)
def year_closures(
    program: ProgramId,
    year: Annotated[int, Path(ge=2000, le=2060)],
    hosho: HoshoDep,
    actor: CurrentActor,
) -> calendars.YearClosures:
    return calendars.year_closures(hosho, program, year)


@router.put(
    "/programs/{program}/closures",
    operation_id="setClosures",
    response_model=calendars.YearClosures,
    summary="Set a program's company closures for a year",
    description="Replaces the terms' annual closures that start in `year` (a year-end closure may run into the next "
    "year); `ranges: null` returns the year to the terms. Deadlines computed from then on use it; those already "
    "stored are not recomputed. Audited. Admin only.",
    responses=responses(403),
)
def set_closures(program: ProgramId, body: SetClosures, hosho: HoshoDep, actor: CurrentActor) -> calendars.YearClosures:
    return calendars.set_closures(hosho, actor, program, body)
