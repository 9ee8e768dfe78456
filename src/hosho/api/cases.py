"""Repair requests, decided at intake with the clauses they rest on, and the repair desk's cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.exceptions import RequestValidationError

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.contracts import ContractId
from hosho.api.problems import enum_error, responses
from hosho.api.schemas import (
    ID_MAX,
    BoardCaseOut,
    CaseEventIn,
    CaseProgressOut,
    DecisionOut,
    RepairDecisionOut,
    RepairRequestIn,
)
from hosho.domain.calendar import JST
from hosho.domain.contract import CaseState
from hosho.programs.catalog import Vocabulary
from hosho.service import cases

router = APIRouter(tags=["cases"], responses=responses(401, 422, 500))

REQUEST_DESCRIPTION = (
    "The answer names every ground (`reasons`), the clauses with their text in the plan's service mode, when the "
    "request counts as received (after reception hours and closures), the visit or repair deadline in business "
    "days, and who pays each cost. A request on an unpaid contract is refused (409 `not_paid`)."
)


def request_input(body: RepairRequestIn, vocabulary: Vocabulary) -> cases.RequestInput:
    """The body in the service's words; causes, parts and claims must be words of the vocabulary."""
    errors = [
        enum_error(("body", name), value, words)
        for name, value, words in (
            ("cause", body.cause, vocabulary.causes),
            ("part", body.part, vocabulary.parts),
            ("claim", body.claim, vocabulary.claims),
        )
        if value is not None and value not in words
    ]
    if errors:
        raise RequestValidationError(errors)
    return cases.RequestInput(
        at=body.at if body.at.tzinfo is not None else body.at.replace(tzinfo=JST),
        cause=body.cause,
        country=body.country,
        needs_parts=body.needs_parts,
        part=body.part,
        install_height_m=body.install_height_m,
        claim=body.claim,
    )


@router.post(
    "/contracts/{contract_id}/repair-requests",
    status_code=201,
    response_model=RepairDecisionOut,
    summary="Take a repair request",
    description=REQUEST_DESCRIPTION + " The decision is stored with its case.",
    responses=responses(403, 404, 409),
)
def request_repair(
    contract_id: ContractId, body: RepairRequestIn, hosho: HoshoDep, actor: CurrentActor
) -> dict[str, Any]:
    return cases.request_repair(hosho, actor, contract_id, request_input(body, hosho.rules.catalog.vocabulary))


@router.post(
    "/contracts/{contract_id}/repair-requests/preview",
    response_model=DecisionOut,
    summary="Preview a repair decision",
    description=REQUEST_DESCRIPTION + " Nothing is stored (`case_id` is null).",
    responses=responses(404, 409),
)
def preview_repair(
    contract_id: ContractId, body: RepairRequestIn, hosho: HoshoDep, actor: CurrentActor
) -> dict[str, Any]:
    return cases.preview_repair(hosho, actor, contract_id, request_input(body, hosho.rules.catalog.vocabulary))


@router.get(
    "/cases",
    response_model=list[BoardCaseOut],
    summary="The repair desk board",
    description="Covered cases in a state (default: open), soonest visit or repair deadline first.",
)
def board(
    hosho: HoshoDep, actor: CurrentActor, program: str | None = None, state: CaseState | None = None
) -> list[dict[str, Any]]:
    return cases.board(hosho, actor, program=program, state=state.value if state else None)


@router.post(
    "/cases/{case_id}/events",
    response_model=CaseProgressOut,
    summary="Record a case's progress",
    description="Visits, arrival (starts the send-back repair deadline), estimate (over the cap or unrepairable: "
    "replacement, zest 第5条), repaired, shipped, replaced. 409 when the request was not covered.",
    responses=responses(403, 404, 409),
)
def record_event(
    case_id: Annotated[int, Path(ge=1, le=ID_MAX, description="The case's id")],
    body: CaseEventIn,
    hosho: HoshoDep,
    actor: CurrentActor,
) -> dict[str, Any]:
    answer = cases.record_event(
        hosho,
        actor,
        case_id,
        kind=body.kind.value,
        on=body.date,
        amount=body.amount,
        repairable=body.repairable,
        check_sheet_on=body.check_sheet_date,
        note=body.note,
    )
    return answer
