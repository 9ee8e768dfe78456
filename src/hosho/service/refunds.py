"""Refund preview and cancellation. The unique cancellation row per contract makes a second refund impossible."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from hosho.domain.contract import Contract as DomainContract
from hosho.domain.contract import DomainError
from hosho.domain.refunds import Cancellation, CancelReason, cancel
from hosho.service.context import Actor, Hosho, Role, ServiceError, not_found, retailer_scope
from hosho.service.contracts import _domain_error, change
from hosho.store import models as m
from hosho.store import repository

CANCELLERS = frozenset({Role.ADMIN, Role.AGENT, Role.RETAILER})


def _view(result: Cancellation, contract: DomainContract, on: date) -> dict[str, Any]:
    b = result.breakdown
    terms = contract.terms
    return {
        "refund": result.refund,
        "reason": result.reason.value,
        "cancelled_on": on,
        "clauses": [{"label": label, "text": terms.clauses[label].text_for(None)} for label in result.clauses],
        "breakdown": None
        if b is None
        else {
            "bracket": b.bracket + 1,
            "bracket_ends": b.bracket_ends,
            "rate": str(b.rate),
            "gross": b.gross,
            "transfer_fee": b.transfer_fee,
        },
    }


def preview(
    hosho: Hosho, actor: Actor, contract_id: int, *, on: date, reason: str, transfer_fee: int = 0
) -> dict[str, Any]:
    with hosho.reading() as session:
        row = repository.load(session, contract_id, retailer_id=retailer_scope(actor))
        if row is None:
            raise not_found(f"contract {contract_id}")
        contract = repository.to_domain(row, hosho.rules.catalog)
        try:
            result = cancel(contract, on=on, reason=_reason(reason), transfer_fee=transfer_fee)
        except DomainError as error:
            raise _domain_error(error) from None
        return _view(result, contract, on)


def _reason(reason: str) -> CancelReason:
    try:
        return CancelReason(reason)
    except ValueError:
        choices = ", ".join(r.value for r in CancelReason)
        raise ServiceError(
            422, "invalid_request", f"unknown reason {reason!r} (one of {choices})", field="reason"
        ) from None


def cancel_contract(
    hosho: Hosho, actor: Actor, contract_id: int, *, on: date, reason: str, transfer_fee: int = 0
) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    why = _reason(reason)

    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        result = cancel(contract, on=on, reason=why, transfer_fee=transfer_fee)
        session.add(
            m.Cancellation(
                contract_id=row.id,
                cancelled_on=on,
                reason=reason,
                transfer_fee=transfer_fee,
                refund=result.refund,
                clauses=list(result.clauses),
                created_at=hosho.clock(),
            )
        )
        answer.update(_view(result, contract, on))
        return result

    contract_view, _ = change(hosho, actor, contract_id, "contract.cancelled", act, roles=CANCELLERS)
    answer["status"] = contract_view["status"]
    return answer
