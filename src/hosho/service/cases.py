"""Repair requests and their cases: the decision at intake, then visits, arrivals, estimates and shipment."""

from __future__ import annotations

from datetime import date
from typing import Any, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from hosho.domain.contract import CaseState, DomainError
from hosho.domain.contract import Contract as DomainContract
from hosho.domain.program import ServiceMode
from hosho.domain.repairs import RepairDecision as DomainDecision
from hosho.domain.repairs import RepairRequest, decide_repair, record_arrival, record_estimate, record_progress
from hosho.programs.catalog import Vocabulary
from hosho.service.calendars import calendar_for
from hosho.service.commands import Estimate, ItemArrived, Progress, RequestRepair
from hosho.service.context import Actor, Hosho, Role, ServiceError, known_program, not_found, retailer_scope
from hosho.service.contracts import _domain_error, change
from hosho.service.results import BoardCase, CaseProgress, Decision, EstimateView, RepairDecision
from hosho.service.search import code_key
from hosho.service.views import case_fields, costs_view, deadline_view, decision_fields
from hosho.store import models as m
from hosho.store import repository

INTAKE = frozenset({Role.ADMIN, Role.AGENT, Role.SUPERVISOR})
REPAIR_DESK = frozenset({Role.ADMIN, Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR})
# Every kind of case event, as the commands define them.
EVENTS = tuple(
    kind for model in (ItemArrived, Estimate, Progress) for kind in get_args(model.model_fields["kind"].annotation)
)


def check_words(command: RequestRepair, vocabulary: Vocabulary) -> None:
    """Causes, parts and claims are words of the vocabulary: each word outside it is named with its field."""
    errors = tuple(
        (name, f"Input should be one of {', '.join(repr(word) for word in words)}")
        for name, value, words in (
            ("cause", command.cause, vocabulary.causes),
            ("part", command.part, vocabulary.parts),
            ("claim", command.claim, vocabulary.claims),
        )
        if value is not None and value not in words
    )
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ServiceError(
            "invalid_request", f"{errors[0][0]}: {errors[0][1]}{more}", field=errors[0][0], errors=errors
        )


def _request(command: RequestRepair) -> RepairRequest:
    return RepairRequest(
        at=command.at,
        cause=command.cause,
        country=command.country,
        needs_parts=command.needs_parts,
        part=command.part,
        install_height_m=command.install_height_m,
        claim=command.claim,
        item=command.item,
    )


def request_repair(hosho: Hosho, actor: Actor, contract_id: int, command: RequestRepair) -> RepairDecision:
    """Decide the request, open its case and store the decision with the clauses it cites."""
    check_words(command, hosho.rules.catalog.vocabulary)
    answer: dict[str, Any] = {}

    def act(session: Session, row: m.Contract, contract: DomainContract) -> DomainDecision:
        calendar = calendar_for(hosho, session, row.program_id, contract.terms)
        decision = decide_repair(contract, _request(command), calendar)
        case = contract.cases[-1]
        stored = m.RepairCase(
            number=case.number,
            requested_at=decision.reception.requested_at,
            received_on=decision.received_on,
            cause=command.cause,
            covered=decision.covered,
            state=case.state.value,
            visit_by=decision.visit_by,
            decision={},
            review=case.review.value if case.review else None,
            item_serial=case.item,
        )
        row.cases.append(stored)
        session.flush()
        fields = decision_fields(
            decision, stored.id, contract.terms, hosho.rules.catalog, contract.plan.service_mode.value
        )
        stored.decision = Decision(**fields).model_dump(mode="json")
        stored.events.append(
            m.CaseEvent(
                at=hosho.clock(), kind="requested", on_date=decision.received_on, data={"decision": fields["decision"]}
            )
        )
        answer.update(fields)
        return decision

    contract, _ = change(hosho, actor, contract_id, "case.requested", act, roles=INTAKE)
    return RepairDecision(**answer, contract_status=contract.status)


def preview_repair(hosho: Hosho, actor: Actor, contract_id: int, command: RequestRepair) -> Decision:
    """The decision an agent shows before saving: computed on a copy, nothing stored."""
    check_words(command, hosho.rules.catalog.vocabulary)
    with hosho.reading() as session:
        row = repository.load(session, contract_id, retailer_id=retailer_scope(actor))
        if row is None:
            raise not_found(f"contract {contract_id}")
        contract = repository.to_domain(row, hosho.rules.catalog)
        calendar = calendar_for(hosho, session, row.program_id, contract.terms)
    try:
        decision = decide_repair(contract, _request(command), calendar)
    except DomainError as error:
        raise _domain_error(error) from None
    fields = decision_fields(decision, None, contract.terms, hosho.rules.catalog, contract.plan.service_mode.value)
    return Decision(**fields)


def open_case(hosho: Hosho, actor: Actor, contract_id: int) -> int | None:
    """The id of the contract's open covered case (the one an arrival or an estimate applies to), or None."""
    with hosho.reading() as session:
        row = repository.load(session, contract_id, retailer_id=retailer_scope(actor))
        if row is None:
            raise not_found(f"contract {contract_id}")
        case = repository.to_domain(row, hosho.rules.catalog).open_case()
        if case is None:
            return None
        return next(stored.id for stored in row.cases if stored.number == case.number)


CaseEvent = ItemArrived | Estimate | Progress


def record_event(hosho: Hosho, actor: Actor, case_id: int, command: CaseEvent) -> CaseProgress:
    """Progress of a case; arrival and estimate go through the rules (deadline; cap → replacement)."""
    kind = command.kind
    if not 0 < case_id <= repository.ID_MAX:
        raise not_found(f"case {case_id}")
    query = select(m.RepairCase.contract_id, m.RepairCase.number).where(m.RepairCase.id == case_id)
    if retailer_scope(actor) is not None:  # another channel's case is not found, as one that does not exist
        query = query.join(m.Contract).where(m.Contract.retailer_id == retailer_scope(actor))
    with hosho.reading() as session:
        located = session.execute(query).one_or_none()
    if located is None:
        raise not_found(f"case {case_id}")
    contract_id, number = located
    result: dict[str, Any] = {}

    def act(session: Session, row: m.Contract, contract: DomainContract) -> None:
        stored = next(case for case in row.cases if case.number == number)
        calendar = calendar_for(hosho, session, row.program_id, contract.terms)
        if isinstance(command, ItemArrived) and contract.plan.service_mode is not ServiceMode.SENDBACK:
            # Same order as the rules: the plan's mode is checked before the case (not_applicable first).
            record_arrival(contract, item_on=command.date, check_sheet_on=command.date, calendar=calendar)
        if not stored.covered:
            raise ServiceError("no_open_case", "this request was not covered: there is no repair to record")
        on = command.date
        if not isinstance(command, ItemArrived | Estimate) and on is not None:
            record_progress(contract, number, on)  # the rules date arrivals and estimates themselves
        data: dict[str, Any] = {"note": command.note} if command.note else {}
        if isinstance(command, ItemArrived):
            arrival = record_arrival(
                contract,
                item_on=command.date,
                check_sheet_on=command.check_sheet_date or command.date,
                calendar=calendar,
            )
            data["repair_due"] = arrival.deadline.due.isoformat()
            result["deadline"] = deadline_view(arrival.deadline)
        elif isinstance(command, Estimate):
            on = command.date or stored.received_on
            amount = command.amount
            estimate = record_estimate(contract, amount=amount, repairable=command.repairable, on=on)
            stored.outcome = estimate.outcome
            data.update(
                outcome=estimate.outcome,
                amount=amount,
                replacement_limit=estimate.replacement_limit,
                clauses=list(estimate.clauses),
            )
            result["estimate_answer"] = EstimateView(
                outcome=estimate.outcome,
                amount=amount,
                replacement_limit=estimate.replacement_limit,
                clauses=list(estimate.clauses),
                costs=costs_view(estimate.costs, hosho.rules.catalog),
            )
        elif kind in ("repaired", "shipped", "replaced"):
            case = next(c for c in contract.cases if c.number == number)
            case.state = CaseState.CLOSED if kind != "repaired" else CaseState.REPAIRED
            if kind == "replaced" and isinstance(command, Progress) and command.serial:
                data.update(_replace_item(row, stored, command.serial, on))
        if isinstance(command, Progress) and command.serial and kind != "replaced":
            raise ServiceError("invalid_request", "serial: only a replacement records a new serial", field="serial")
        stored.events.append(m.CaseEvent(at=hosho.clock(), kind=kind, on_date=on, data=data))

    change(hosho, actor, contract_id, f"case.{kind}", act, roles=REPAIR_DESK)
    with hosho.reading() as session:
        case_row = session.get(m.RepairCase, case_id)
        assert case_row is not None
        return CaseProgress(**case_fields(case_row), **result)


def _replace_item(row: m.Contract, stored: m.RepairCase, serial: str, on: date | None) -> dict[str, Any]:
    """The replacement's new serial, kept on the event; when the case names the item, the item takes the new serial
    and keeps its history (the case names the old serial, the event both)."""
    old = stored.item_serial
    item = next((e for e in row.equipment if old is not None and e.serial == old), None)
    if item is None:
        return {"serial": serial}
    item.serial, item.serial_key, item.replaced_on = serial, code_key(serial), on
    return {"serial": serial, "old_serial": old, "new_serial": serial}


def board(
    hosho: Hosho, actor: Actor, *, program: str | None = None, state: str | None = None, limit: int = 200
) -> list[BoardCase]:
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
        return [BoardCase(**case_fields(case), program=program_id) for case, program_id in session.execute(query)]
