"""Refund preview and cancellation. The unique cancellation row per contract makes a second refund impossible."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from hosho.domain import refunds as domain
from hosho.domain.contract import Contract as DomainContract
from hosho.domain.contract import DomainError
from hosho.service.commands import Cancel
from hosho.service.context import Actor, Hosho, Role, not_found, retailer_scope
from hosho.service.contracts import _domain_error, change
from hosho.service.results import Cancellation, ClauseText, RefundBreakdown, RefundPreview
from hosho.store import models as m
from hosho.store import repository

CANCELLERS = frozenset({Role.ADMIN, Role.AGENT, Role.RETAILER})


def _view(result: domain.Cancellation, contract: DomainContract, on: date) -> RefundPreview:
    b = result.breakdown
    terms = contract.terms
    return RefundPreview(
        refund=result.refund,
        reason=result.reason.value,
        cancelled_on=on,
        clauses=[ClauseText(label=label, text=terms.clauses[label].text_for(None)) for label in result.clauses],
        breakdown=None
        if b is None
        else RefundBreakdown(
            bracket=b.bracket + 1,
            bracket_ends=b.bracket_ends,
            rate=str(b.rate),
            gross=b.gross,
            transfer_fee=b.transfer_fee,
        ),
    )


def _cancel(contract: DomainContract, command: Cancel) -> domain.Cancellation:
    reason = domain.CancelReason(command.reason.value)
    return domain.cancel(contract, on=command.date, reason=reason, transfer_fee=command.transfer_fee)


def preview(hosho: Hosho, actor: Actor, contract_id: int, command: Cancel) -> RefundPreview:
    """What a cancellation on the command's day would refund, by the terms' table; nothing is stored."""
    with hosho.reading() as session:
        row = repository.load(session, contract_id, retailer_id=retailer_scope(actor))
        if row is None:
            raise not_found(f"contract {contract_id}")
        contract = repository.to_domain(row, hosho.rules.catalog)
    try:
        result = _cancel(contract, command)
    except DomainError as error:
        raise _domain_error(error) from None
    return _view(result, contract, command.date)


def cancel_contract(hosho: Hosho, actor: Actor, contract_id: int, command: Cancel) -> Cancellation:
    """Cancel and record the refund (zest 第9条); a second cancellation is refused (contract_not_active)."""
    previews: list[RefundPreview] = []

    def act(session: Session, row: m.Contract, contract: DomainContract) -> domain.Cancellation:
        result = _cancel(contract, command)
        session.add(
            m.Cancellation(
                contract_id=row.id,
                cancelled_on=command.date,
                reason=command.reason.value,
                transfer_fee=command.transfer_fee,
                refund=result.refund,
                clauses=list(result.clauses),
                created_at=hosho.clock(),
            )
        )
        previews.append(_view(result, contract, command.date))
        return result

    contract, _ = change(hosho, actor, contract_id, "contract.cancelled", act, roles=CANCELLERS)
    return Cancellation(**dict(previews[0]), status=contract.status)
