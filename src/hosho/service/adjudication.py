"""After intake: diagnosis, a supervisor's review, disputes (見解相違); each a change of the contract's aggregate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hosho.domain import adjudication as rules
from hosho.domain.calendar import BusinessCalendar
from hosho.domain.contract import CaseState, DisputeState, ReviewState
from hosho.domain.contract import Contract as DomainContract
from hosho.service.calendars import calendar_for
from hosho.service.commands import DecideDispute, DecideReview, Diagnosis, DisputeOpinion, OpenDispute
from hosho.service.context import (
    Actor,
    Hosho,
    Role,
    ServiceError,
    forbidden,
    known_program,
    not_found,
    retailer_scope,
)
from hosho.service.contracts import change
from hosho.service.results import BoardCase, CaseDecision, CaseView, ContractView, ReasonView
from hosho.service.views import case_fields, clause_texts, costs_view
from hosho.store import models as m
from hosho.store import repository

# The repair desk records what the technician found; a supervisor (or an admin) decides what the terms leave to
# the provider, and a dispute's outcome.
DIAGNOSERS = frozenset({Role.ADMIN, Role.AGENT, Role.TECHNICIAN, Role.SUPERVISOR})
DECIDERS = frozenset({Role.ADMIN, Role.SUPERVISOR})
DISPUTE_TAKERS = frozenset({Role.ADMIN, Role.AGENT, Role.SUPERVISOR})
QUEUE_READERS = DIAGNOSERS

Act = Callable[[DomainContract, int, BusinessCalendar], rules.Verdict]


def diagnose(hosho: Hosho, actor: Actor, case_id: int, command: Diagnosis) -> CaseDecision:
    """第6条(18) and the causes' rules, applied to what the technician found; cost lines recomputed."""
    words = hosho.rules.catalog.vocabulary.causes
    if command.cause is not None and command.cause not in words:
        raise ServiceError("invalid_request", f"cause: unknown cause {command.cause!r}", field="cause")
    finding = rules.Finding(on=command.date, reproduced=command.reproduced, cause=command.cause)
    data = {"reproduced": command.reproduced, "cause": command.cause, "note": command.note}
    return _decide(
        hosho,
        actor,
        case_id,
        "diagnosis",
        DIAGNOSERS,
        data,
        lambda c, n, _: rules.diagnose(c, n, finding),
        command.date,
    )


def decide_review(hosho: Hosho, actor: Actor, case_id: int, command: DecideReview) -> CaseDecision:
    """A supervisor's decision on a 要審査 case, with its note; a second decision is refused."""

    def act(contract: DomainContract, number: int, calendar: BusinessCalendar) -> rules.Verdict:
        return rules.decide_review(contract, number, on=command.date, decision=command.decision, calendar=calendar)

    data = {"decision": command.decision, "note": command.note}
    return _decide(hosho, actor, case_id, "review_decided", DECIDERS, data, act, command.date)


def open_dispute(hosho: Hosho, actor: Actor, case_id: int, command: OpenDispute) -> CaseDecision:
    data = {"note": command.note}
    return _decide(
        hosho,
        actor,
        case_id,
        "dispute_opened",
        DISPUTE_TAKERS,
        data,
        lambda c, n, _: rules.open_dispute(c, n, on=command.date),
        command.date,
    )


def record_opinion(hosho: Hosho, actor: Actor, case_id: int, command: DisputeOpinion) -> CaseDecision:
    data = {"opinion": command.opinion}
    return _decide(
        hosho,
        actor,
        case_id,
        "third_party_opinion",
        DISPUTE_TAKERS,
        data,
        lambda c, n, _: rules.record_opinion(c, n, on=command.date),
        command.date,
    )


def decide_dispute(hosho: Hosho, actor: Actor, case_id: int, command: DecideDispute) -> CaseDecision:
    def act(contract: DomainContract, number: int, calendar: BusinessCalendar) -> rules.Verdict:
        return rules.decide_dispute(contract, number, on=command.date, decision=command.decision, calendar=calendar)

    data = {"decision": command.decision, "note": command.note}
    return _decide(hosho, actor, case_id, "dispute_decided", DECIDERS, data, act, command.date)


def locate(hosho: Hosho, actor: Actor, case_id: int) -> tuple[int, int]:
    """The contract and number of a case the actor may see (another channel's case is not found)."""
    if not 0 < case_id <= repository.ID_MAX:
        raise not_found(f"case {case_id}")
    query = select(m.RepairCase.contract_id, m.RepairCase.number).where(m.RepairCase.id == case_id)
    if retailer_scope(actor) is not None:
        query = query.join(m.Contract).where(m.Contract.retailer_id == retailer_scope(actor))
    with hosho.reading() as session:
        located = session.execute(query).one_or_none()
    if located is None:
        raise not_found(f"case {case_id}")
    return located[0], located[1]


def _decide(
    hosho: Hosho,
    actor: Actor,
    case_id: int,
    kind: str,
    roles: frozenset[Role],
    data: dict[str, Any],
    act: Act,
    on: date,
) -> CaseDecision:
    contract_id, number = locate(hosho, actor, case_id)
    answer: dict[str, Any] = {}

    def apply(session: Session, row: m.Contract, contract: DomainContract) -> rules.Verdict:
        stored = next(case for case in row.cases if case.number == number)
        before = _case_state(stored)
        calendar = calendar_for(hosho, session, row.program_id, contract.terms)
        verdict = act(contract, number, calendar)
        terms, mode = contract.terms, contract.plan.service_mode.value
        recorded = {**{k: v for k, v in data.items() if v is not None}, "decision": verdict.decision}
        recorded["clauses"] = list(verdict.clauses)
        recorded["grounds"] = list(dict.fromkeys(label for reason in verdict.reasons for label in reason.clauses))
        recorded["reasoning"] = [reason.reasoning for reason in verdict.reasons if reason.reasoning]
        recorded["by"] = actor.name
        stored.events.append(m.CaseEvent(at=hosho.clock(), kind=kind, on_date=on, data=recorded))
        # The case's own trail: who decided what, with the note, beside the contract's snapshot.
        session.add(
            m.AuditEntry(
                at=hosho.clock(),
                actor=actor.name,
                action=f"case.{kind}",
                entity="case",
                entity_id=case_id,
                before=before,
                after={**_case_state(stored, contract.cases[number - 1]), **recorded},
            )
        )
        answer.update(
            decision=verdict.decision,
            reasons=[
                ReasonView(key=r.key, clauses=list(r.clauses), reasoning=r.reasoning or None) for r in verdict.reasons
            ],
            clauses=clause_texts(terms, verdict.clauses, mode),
            costs=costs_view(verdict.costs, hosho.rules.catalog),
        )
        return verdict

    contract, _ = change(hosho, actor, contract_id, f"case.{kind}", apply, roles=roles)
    with hosho.reading() as session:
        case_row = session.get(m.RepairCase, case_id)
        assert case_row is not None
        return CaseDecision(**case_fields(case_row), **answer, contract_status=contract.status)


def _case_state(stored: m.RepairCase, case: Any = None) -> dict[str, Any]:
    """The audited state of a case (the domain's when given: the row is written back after the change)."""
    source = case if case is not None else stored
    review, dispute = source.review, source.dispute
    return {
        "case": stored.number,
        "covered": source.covered,
        "state": source.state.value if isinstance(source.state, CaseState) else source.state,
        "review": review.value if isinstance(review, ReviewState) else review,
        "dispute": dispute.value if isinstance(dispute, DisputeState) else dispute,
    }


def queue(hosho: Hosho, actor: Actor, *, program: str | None = None, limit: int = 200) -> list[BoardCase]:
    """Cases waiting for a supervisor (要審査) and open disputes, oldest first (not for retailers)."""
    if actor.role not in QUEUE_READERS:
        raise forbidden("read the review queue")
    query = (
        select(m.RepairCase, m.Contract.program_id)
        .join(m.Contract)
        .where((m.RepairCase.review == ReviewState.PENDING.value) | (m.RepairCase.dispute == DisputeState.OPEN.value))
        .order_by(m.RepairCase.received_on, m.RepairCase.id)
        .limit(limit)
    )
    if known_program(hosho, program):
        query = query.where(m.Contract.program_id == program)
    with hosho.reading() as session:
        return [BoardCase(**case_fields(case), program=program_id) for case, program_id in session.execute(query)]


def item_histories(view: ContractView) -> dict[str, list[CaseView]]:
    """Each listed item's cases, by its current serial: a replaced item's earlier serials lead to it."""
    successor: dict[str, str] = {}
    for case in view.cases:
        for event in case.events:
            data = event.data or {}
            if event.kind == "replaced" and data.get("old_serial") and data.get("new_serial"):
                successor[data["old_serial"]] = data["new_serial"]

    def current(serial: str) -> str:
        seen = {serial}
        while serial in successor and successor[serial] not in seen:
            serial = successor[serial]
            seen.add(serial)
        return serial

    histories: dict[str, list[CaseView]] = {item.serial: [] for item in view.equipment}
    for case in view.cases:
        if case.item_serial is not None:
            histories.setdefault(current(case.item_serial), []).append(case)
    return histories
