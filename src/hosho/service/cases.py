"""Repair requests and their cases: the decision at intake, then visits, arrivals, estimates and shipment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hosho.domain.contract import CaseState, DomainError
from hosho.domain.contract import Contract as DomainContract
from hosho.domain.program import ServiceMode
from hosho.domain.repairs import RepairRequest, decide_repair, record_arrival, record_estimate
from hosho.service.context import Actor, Hosho, Role, ServiceError, known_program, not_found, retailer_scope
from hosho.service.contracts import change
from hosho.service.views import case_view, costs_view, deadline_view, decision_view
from hosho.store import models as m

INTAKE = frozenset({Role.ADMIN, Role.AGENT})
REPAIR_DESK = frozenset({Role.ADMIN, Role.AGENT, Role.TECHNICIAN})
EVENTS = ("visit_scheduled", "visit_done", "item_arrived", "estimate", "repaired", "shipped", "replaced")


@dataclass(frozen=True, slots=True)
class RequestInput:
    at: datetime
    cause: str
    country: str = "JP"
    needs_parts: bool = True
    part: str | None = None
    install_height_m: Decimal | None = None
    claim: str = "repair"


def request_repair(hosho: Hosho, actor: Actor, contract_id: int, data: RequestInput) -> dict[str, Any]:
    """Decide the request, open its case and store the decision with the clauses it cites."""
    answer: dict[str, Any] = {}

    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        calendar = hosho.rules.calendar(contract.terms.closures)
        request = RepairRequest(
            at=data.at,
            cause=data.cause,
            country=data.country,
            needs_parts=data.needs_parts,
            part=data.part,
            install_height_m=data.install_height_m,
            claim=data.claim,
        )
        decision = decide_repair(contract, request, calendar)
        case = contract.cases[-1]
        stored = m.RepairCase(
            number=case.number,
            requested_at=decision.reception.requested_at,
            received_on=decision.received_on,
            cause=data.cause,
            covered=decision.covered,
            state=case.state.value,
            visit_by=decision.visit_by,
            decision={},
        )
        row.cases.append(stored)
        session.flush()
        view = decision_view(
            decision, stored, contract.terms, hosho.rules.catalog, calendar, contract.plan.service_mode.value
        )
        stored.decision = json.loads(json.dumps(view, default=_json_default))
        stored.events.append(
            m.CaseEvent(
                at=hosho.clock(), kind="requested", on_date=decision.received_on, data={"decision": view["decision"]}
            )
        )
        answer.update(view)
        return decision

    try:
        contract_view, _ = change(hosho, actor, contract_id, "case.requested", act, roles=INTAKE)
    except ServiceError:
        raise
    answer["contract_status"] = contract_view["status"]
    return answer


def preview_repair(hosho: Hosho, actor: Actor, contract_id: int, data: RequestInput) -> dict[str, Any]:
    """The decision an agent shows before saving: computed on a copy, nothing stored."""
    from hosho.service.contracts import _domain_error
    from hosho.store import repository

    with hosho.reading() as session:
        row = repository.load(session, contract_id, retailer_id=retailer_scope(actor))
        if row is None:
            raise not_found(f"contract {contract_id}")
        contract = repository.to_domain(row, hosho.rules.catalog)
        calendar = hosho.rules.calendar(contract.terms.closures)
        try:
            decision = decide_repair(
                contract,
                RepairRequest(
                    at=data.at,
                    cause=data.cause,
                    country=data.country,
                    needs_parts=data.needs_parts,
                    part=data.part,
                    install_height_m=data.install_height_m,
                    claim=data.claim,
                ),
                calendar,
            )
        except DomainError as error:
            raise _domain_error(error) from None
        placeholder = m.RepairCase(id=None, number=decision.case_number)
        view = decision_view(
            decision, placeholder, contract.terms, hosho.rules.catalog, calendar, contract.plan.service_mode.value
        )
        view["case_id"] = None
        return view


def record_event(
    hosho: Hosho,
    actor: Actor,
    case_id: int,
    *,
    kind: str,
    on: date,
    amount: int | None = None,
    repairable: bool = True,
    check_sheet_on: date | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Progress of a case; arrival and estimate go through the rules (deadline; cap → replacement)."""
    if kind not in EVENTS:
        raise ServiceError(422, "invalid_request", f"unknown event {kind!r} (one of {', '.join(EVENTS)})", field="kind")
    query = select(m.RepairCase.contract_id, m.RepairCase.number).where(m.RepairCase.id == case_id)
    if retailer_scope(actor) is not None:  # another channel's case is not found, as one that does not exist
        query = query.join(m.Contract).where(m.Contract.retailer_id == retailer_scope(actor))
    with hosho.reading() as session:
        located = session.execute(query).one_or_none()
    if located is None:
        raise not_found(f"case {case_id}")
    contract_id, number = located
    result: dict[str, Any] = {}

    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        stored = next(case for case in row.cases if case.number == number)
        if kind == "item_arrived" and contract.plan.service_mode is not ServiceMode.SENDBACK:
            # Same order as the rules: the plan's mode is checked before the case (not_applicable first).
            record_arrival(
                contract, item_on=on, check_sheet_on=on, calendar=hosho.rules.calendar(contract.terms.closures)
            )
        if not stored.covered:
            raise ServiceError(409, "no_open_case", "this request was not covered: there is no repair to record")
        data: dict[str, Any] = {"note": note} if note else {}
        if kind == "item_arrived":
            arrival = record_arrival(
                contract,
                item_on=on,
                check_sheet_on=check_sheet_on or on,
                calendar=hosho.rules.calendar(contract.terms.closures),
            )
            data["repair_due"] = arrival.deadline.due.isoformat()
            result["deadline"] = deadline_view(arrival.deadline, hosho.rules.calendar(contract.terms.closures))
        elif kind == "estimate":
            estimate = record_estimate(contract, amount=amount, repairable=repairable, on=on)
            stored.outcome = estimate.outcome
            data.update(
                outcome=estimate.outcome,
                amount=amount,
                replacement_limit=estimate.replacement_limit,
                clauses=list(estimate.clauses),
            )
            result["estimate_answer"] = {
                "outcome": estimate.outcome,
                "amount": amount,
                "replacement_limit": estimate.replacement_limit,
                "clauses": list(estimate.clauses),
                "costs": costs_view(estimate.costs, hosho.rules.catalog),
            }
        elif kind in ("repaired", "shipped", "replaced"):
            case = next(c for c in contract.cases if c.number == number)
            case.state = CaseState.CLOSED if kind != "repaired" else CaseState.REPAIRED
        stored.events.append(m.CaseEvent(at=hosho.clock(), kind=kind, on_date=on, data=data))
        return None

    try:
        change(hosho, actor, contract_id, f"case.{kind}", act, roles=REPAIR_DESK)
    except DomainError as error:  # pragma: no cover - change() converts these
        raise ServiceError(409, error.code, error.message) from None
    with hosho.reading() as session:
        case_row = session.get(m.RepairCase, case_id)
        assert case_row is not None
        return {**case_view(case_row), **result}


def board(
    hosho: Hosho, actor: Actor, *, program: str | None = None, state: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Open covered cases by deadline, for the repair desk."""
    query = (
        select(m.RepairCase, m.Contract.program_id)
        .join(m.Contract)
        .where(m.RepairCase.covered.is_(True))
        .order_by(m.RepairCase.visit_by, m.RepairCase.repair_due, m.RepairCase.id)
        .limit(limit)
    )
    query = query.where(m.RepairCase.state == (state or CaseState.OPEN.value))
    if known_program(hosho, program):
        query = query.where(m.Contract.program_id == program)
    if actor.role is Role.RETAILER:
        query = query.where(m.Contract.retailer_id == actor.retailer_id)
    with hosho.reading() as session:
        return [{**case_view(case), "program": program_id} for case, program_id in session.execute(query)]


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)
