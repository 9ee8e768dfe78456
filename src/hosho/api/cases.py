"""Repair requests, decided at intake with the clauses they rest on, and the repair desk's cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.contracts import ContractId
from hosho.api.problems import responses
from hosho.domain.contract import CaseState
from hosho.service import adjudication, cases
from hosho.service.commands import (
    ID_MAX,
    CaseEvent,
    DecideDispute,
    DecideReview,
    Diagnosis,
    DisputeOpinion,
    OpenDispute,
    RequestRepair,
)
from hosho.service.results import BoardCase, CaseDecision, CaseProgress, Decision, RepairDecision

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


CaseId = Annotated[int, Path(ge=1, le=ID_MAX, description="The case's id")]


@router.post(
    "/cases/{case_id}/diagnosis",
    response_model=CaseDecision,
    operation_id="diagnoseCase",
    summary="Record the technician's diagnosis",
    description="On the visit, or once a send-back item has arrived: a fault that does not reproduce (zest "
    "第6条(18)) or a cause the terms exclude makes the case not covered with that clause; the cost lines are "
    "recomputed. 409 `case_already_repaired` once the repair is done. Repair desk, agents, supervisors, admins.",
    responses=responses(403, 404, 409),
)
def diagnose(case_id: CaseId, body: Diagnosis, hosho: HoshoDep, actor: CurrentActor) -> CaseDecision:
    return adjudication.diagnose(hosho, actor, case_id, body)


@router.post(
    "/cases/{case_id}/review-decision",
    response_model=CaseDecision,
    operation_id="decideReview",
    summary="Decide a case under review",
    description="A ground the terms leave to the provider (要審査, zest 第4条第1項(2)): a supervisor or an admin "
    "records covered or not_covered with a note. Decided once: 409 `review_already_decided`.",
    responses=responses(403, 404, 409),
)
def decide_review(case_id: CaseId, body: DecideReview, hosho: HoshoDep, actor: CurrentActor) -> CaseDecision:
    return adjudication.decide_review(hosho, actor, case_id, body)


@router.post(
    "/cases/{case_id}/dispute",
    response_model=CaseDecision,
    operation_id="openDispute",
    summary="Open a dispute (見解相違)",
    description="zest 第11条: the subscriber disputes a not-covered decision. 409 `dispute_not_allowed` on a "
    "covered case.",
    responses=responses(403, 404, 409),
)
def open_dispute(case_id: CaseId, body: OpenDispute, hosho: HoshoDep, actor: CurrentActor) -> CaseDecision:
    return adjudication.open_dispute(hosho, actor, case_id, body)


@router.post(
    "/cases/{case_id}/dispute/opinion",
    response_model=CaseDecision,
    operation_id="recordDisputeOpinion",
    summary="Record the third party's opinion",
    description="The neutral third party's opinion on an open dispute, dated.",
    responses=responses(403, 404, 409),
)
def record_opinion(case_id: CaseId, body: DisputeOpinion, hosho: HoshoDep, actor: CurrentActor) -> CaseDecision:
    return adjudication.record_opinion(hosho, actor, case_id, body)


@router.post(
    "/cases/{case_id}/dispute/decision",
    response_model=CaseDecision,
    operation_id="decideDispute",
    summary="Decide a dispute",
    description="The final decision (supervisor or admin) closes the dispute; covered reopens the case.",
    responses=responses(403, 404, 409),
)
def decide_dispute(case_id: CaseId, body: DecideDispute, hosho: HoshoDep, actor: CurrentActor) -> CaseDecision:
    return adjudication.decide_dispute(hosho, actor, case_id, body)


@router.get(
    "/cases/review-queue",
    response_model=list[BoardCase],
    operation_id="listReviewQueue",
    summary="Cases waiting for a supervisor",
    description="Cases under review (要審査) and open disputes, oldest first. Not for retailer keys (403).",
    responses=responses(403),
)
def review_queue(hosho: HoshoDep, actor: CurrentActor, program: str | None = None) -> list[BoardCase]:
    return adjudication.queue(hosho, actor, program=program)
