"""Repair requests, decided at intake with the clauses they rest on, and the repair desk's cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.contracts import ContractId
from hosho.api.problems import responses
from hosho.domain.contract import CaseState
from hosho.service import cases
from hosho.service.commands import ID_MAX, CaseEvent, RequestRepair
from hosho.service.results import BoardCase, CaseProgress, Decision, RepairDecision

router = APIRouter(tags=["cases"], responses=responses(401, 422, 500))

REQUEST_DESCRIPTION = (
    "The answer names every ground (`reasons`), the clauses with their text in the plan's service mode, when the "
    "request counts as received (after reception hours and closures), the visit or repair deadline in business "
    "days, and who pays each cost. A request on an unpaid contract is refused (409 `not_paid`)."
)


@router.post(
    "/contracts/{contract_id}/repair-requests",
    operation_id="createRepairRequest",
    status_code=201,
    response_model=RepairDecision,
    summary="Take a repair request",
    description=REQUEST_DESCRIPTION + " The decision is stored with its case.",
    responses=responses(403, 404, 409),
)
def request_repair(
    contract_id: ContractId, body: RequestRepair, hosho: HoshoDep, actor: CurrentActor
) -> RepairDecision:
    return cases.request_repair(hosho, actor, contract_id, body)


@router.post(
    "/contracts/{contract_id}/repair-requests/preview",
    operation_id="previewRepairRequest",
    response_model=Decision,
    summary="Preview a repair decision",
    description=REQUEST_DESCRIPTION + " Nothing is stored (`case_id` is null).",
    responses=responses(404, 409),
)
def preview_repair(contract_id: ContractId, body: RequestRepair, hosho: HoshoDep, actor: CurrentActor) -> Decision:
    return cases.preview_repair(hosho, actor, contract_id, body)


@router.get(
    "/cases",
    operation_id="listBoardCases",
    response_model=list[BoardCase],
    summary="The repair desk board",
    description="Covered cases in a state (default: open), soonest visit or repair deadline first.",
)
def board(
    hosho: HoshoDep, actor: CurrentActor, program: str | None = None, state: CaseState | None = None
) -> list[BoardCase]:
    return cases.board(hosho, actor, program=program, state=state.value if state else None)


@router.post(
    "/cases/{case_id}/events",
    operation_id="createCaseEvent",
    response_model=CaseProgress,
    summary="Record a case's progress",
    description="Visits, arrival (starts the send-back repair deadline), estimate (over the cap or unrepairable: "
    "replacement, zest 第5条), repaired, shipped, replaced. 409 when the request was not covered.",
    responses=responses(403, 404, 409),
)
def record_event(
    case_id: Annotated[int, Path(ge=1, le=ID_MAX, description="The case's id")],
    body: CaseEvent,
    hosho: HoshoDep,
    actor: CurrentActor,
) -> CaseProgress:
    return cases.record_event(hosho, actor, case_id, body)
