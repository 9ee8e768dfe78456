"""Refund preview and cancellation. The unique cancellation row per contract makes a second refund impossible."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from hosho.domain import refunds as domain
from hosho.domain.contract import Contract as DomainContract
from hosho.domain.contract import DomainError
from hosho.service import banks, payouts
from hosho.service.commands import Cancel
from hosho.service.context import Actor, Hosho, Role, not_found, retailer_scope
from hosho.service.contracts import _domain_error, change
from hosho.service.results import Cancellation, ClauseText, Payout, RefundBreakdown, RefundPreview
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
    """Cancel and record the refund (zest 第9条); a second cancellation is refused (contract_not_active).

    The refund is opened for payment in the same transaction, ready when a usable bank account came with the
    cancellation (one that cannot be used refuses the whole cancellation: nothing is changed)."""
    previews: list[RefundPreview] = []
    payout: list[Payout] = []
    if command.bank_account is not None:
        banks.ensure_snapshot(hosho)  # before the transaction: SQLite holds one writer at a time

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
        refund = payouts.open_refund(
            session,
            hosho,
            actor,
            contract_id=row.id,
            amount=result.refund,
            on=command.date,
            account=command.bank_account,
        )
        if refund is not None:
            account = session.get(m.BankAccount, refund.account_id) if refund.account_id is not None else None
            payout.append(Payout(refund_id=refund.id, status=refund.status, holder=account.holder if account else None))
        return result

    contract, _ = change(hosho, actor, contract_id, "contract.cancelled", act, roles=CANCELLERS)
    return Cancellation(**dict(previews[0]), status=contract.status, payout=payout[0] if payout else None)
