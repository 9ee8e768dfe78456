"""Refund payouts (payouts.md): a refund's life from the cancellation to the money received, in Zengin batches.

awaiting_account → ready → in_batch → paid, or → returned (reason kept) → awaiting_account until a new account is
given. A batch not yet answered by the bank can be cancelled: its refunds are ready again. Every step is an entry of
the append-only refund ledger; a refund is in at most one live batch and paid at most once. A 0-yen refund is never
opened, so never paid.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import and_, func, insert, literal, select, update
from sqlalchemy.orm import Session

from hosho.domain import zengin
from hosho.domain.calendar import BusinessCalendar
from hosho.service import banks
from hosho.service.commands import ID_MAX, BankAccountIn, BankAnswer, CreateBatch
from hosho.service.context import Actor, Hosho, Role, ServiceError, forbidden, not_found
from hosho.service.results import BatchStatus as BatchStatus
from hosho.service.results import BatchStatusWord, LedgerEntryKindWord, RefundStatusWord
from hosho.service.results import RefundStatus as RefundStatus
from hosho.settings import Payer
from hosho.store import models as m

FINANCE = frozenset({Role.ADMIN})


class BatchView(BaseModel):
    id: int
    transfer_date: date
    status: BatchStatusWord
    count: int
    total: int


def _require(actor: Actor, *ids: int) -> None:
    if actor.role not in FINANCE:
        raise forbidden("handle refund payouts")
    if any(not 1 <= i <= ID_MAX for i in ids):
        raise not_found("refund or batch")


def _entry(
    hosho: Hosho, actor: Actor, refund: m.Refund, kind: str, on: date, *, batch_id: int | None = None, **data: object
) -> m.RefundEntry:
    return m.RefundEntry(
        refund_id=refund.id,
        kind=kind,
        amount=refund.amount,
        on_date=on,
        batch_id=batch_id,
        data=dict(data),
        at=hosho.clock(),
        actor=actor.name,
    )


def open_refund(
    session: Session,
    hosho: Hosho,
    actor: Actor,
    *,
    contract_id: int,
    amount: int,
    on: date,
    account: BankAccountIn | None,
) -> m.Refund | None:
    """In the cancellation's transaction: the refund owed, ready when an account came with it. 0 yen: none."""
    if amount <= 0:
        return None
    refund = m.Refund(
        contract_id=contract_id,
        amount=amount,
        status=RefundStatus.AWAITING_ACCOUNT.value,
        created_on=on,
        created_at=hosho.clock(),
    )
    session.add(refund)
    session.flush()
    session.add(_entry(hosho, actor, refund, "owed", on))
    if account is not None:
        _attach(session, hosho, actor, refund, account, on, field="bank_account")
    return refund


def _attach(
    session: Session, hosho: Hosho, actor: Actor, refund: m.Refund, given: BankAccountIn, on: date, *, field: str
) -> None:
    snapshot = banks.ensure_snapshot(hosho)  # already loaded: the callers ensured it before the transaction
    account = banks.checked_account(hosho, session, given, field=field, snapshot=snapshot)
    account.refund_id = refund.id
    session.add(account)
    session.flush()
    refund.account_id = account.id
    refund.status = RefundStatus.READY.value
    # Which account, never its number or holder: the ledger may be read more widely than the accounts.
    session.add(_entry(hosho, actor, refund, "account_given", on, account_id=account.id))


def give_account(hosho: Hosho, actor: Actor, refund_id: int, given: BankAccountIn) -> m.Refund:
    """The subscriber's account for a refund waiting for one (or replacing the one given, before it is batched)."""
    _require(actor, refund_id)
    banks.ensure_snapshot(hosho)
    with hosho.transaction() as session:
        refund = session.get(m.Refund, refund_id, with_for_update=True)
        if refund is None:
            raise not_found(f"refund {refund_id}")
        if refund.status not in (RefundStatus.AWAITING_ACCOUNT, RefundStatus.READY):
            raise ServiceError("conflict", f"the refund is {refund.status}: its account can no longer change")
        _attach(session, hosho, actor, refund, given, hosho.today(), field="bank_account")
        session.flush()
        session.expunge(refund)
        return refund


def bank_calendar(hosho: Hosho) -> BusinessCalendar:
    return hosho.rules.calendar(zengin.BANK_CLOSURES)


def create_batch(hosho: Hosho, actor: Actor, command: CreateBatch) -> BatchView:
    """Every ready refund into one new batch, in one statement: two batches created at once never share a refund."""
    _require(actor)
    transfer_date = command.transfer_date
    try:
        zengin.check_transfer_date(transfer_date, bank_calendar(hosho))
    except zengin.ZenginError as error:
        raise ServiceError("invalid_request", error.message, field=error.field) from None
    with hosho.transaction() as session:
        batch = m.PayoutBatch(
            transfer_date=transfer_date,
            status=BatchStatus.CREATED.value,
            count=0,
            total=0,
            created_at=hosho.clock(),
            created_by=actor.name,
        )
        session.add(batch)
        session.flush()
        session.execute(
            update(m.Refund)
            .where(m.Refund.status == RefundStatus.READY.value)
            .values(status=RefundStatus.IN_BATCH.value, batch_id=batch.id)
            .execution_options(synchronize_session=False)
        )
        count, total = session.execute(
            select(func.count(), func.coalesce(func.sum(m.Refund.amount), 0)).where(m.Refund.batch_id == batch.id)
        ).one()
        if count == 0:
            raise ServiceError("conflict", "no refund is ready to be paid (each needs a bank account)")
        batch.count, batch.total = count, total
        at, today = hosho.clock(), hosho.today()
        session.execute(
            insert(m.RefundEntry).from_select(
                ["refund_id", "kind", "amount", "on_date", "batch_id", "data", "at", "actor"],
                select(
                    m.Refund.id,
                    literal("batched"),
                    m.Refund.amount,
                    literal(today),
                    literal(batch.id),
                    literal({}, m.RefundEntry.data.type),
                    literal(at, m.RefundEntry.at.type),
                    literal(actor.name),
                ).where(m.Refund.batch_id == batch.id),
            )
        )
        return _batch_view(batch)


def _batch_view(batch: m.PayoutBatch) -> BatchView:
    return BatchView(
        id=batch.id, transfer_date=batch.transfer_date, status=batch.status, count=batch.count, total=batch.total
    )


def customer_code(refund_id: int) -> str:
    """The 顧客コード that brings the bank's answer back to the refund: R and the refund's id (20 characters)."""
    return f"R{refund_id:019d}"


def batch_file_name(batch_id: int) -> str:
    """The name the batch's file is downloaded under, by the API and the console alike."""
    return f"furikomi-{batch_id}.txt"


def batch_file(hosho: Hosho, actor: Actor, batch_id: int, payer: Payer | None = None) -> bytes:
    """The batch as a Zengin 総合振込 file: the same bytes every time it is asked for."""
    _require(actor, batch_id)
    payer = payer or Payer.load()
    if payer is None:
        raise ServiceError(
            "conflict",
            "the payer (依頼人) is not configured: set HOSHO_PAYER_CODE, _NAME, _BANK, _BRANCH, "
            "_ACCOUNT_TYPE and _ACCOUNT",
        )
    with hosho.reading() as session:
        batch = session.get(m.PayoutBatch, batch_id)
        if batch is None:
            raise not_found(f"batch {batch_id}")
        if batch.status == BatchStatus.CANCELLED:
            raise ServiceError("conflict", "the batch was cancelled")
        a = m.BankAccount
        rows = session.execute(
            select(
                m.Refund.id,
                m.Refund.amount,
                a.bank_code,
                a.bank_kana,
                a.branch_code,
                a.branch_kana,
                a.account_type,
                a.account_number,
                a.holder,
            )
            .join(a, and_(a.id == m.Refund.account_id))
            .where(m.Refund.batch_id == batch_id)
            .order_by(m.Refund.id)
        ).all()
        own = _payer_account(hosho, session, payer)
    kinds = {kind.value: kind for kind in zengin.AccountType}
    transfers = tuple(
        zengin.Transfer(
            zengin.Account(bank, bank_kana, branch, branch_kana, kinds[kind], number, holder),
            amount,
            customer_code(refund_id),
        )
        for refund_id, amount, bank, bank_kana, branch, branch_kana, kind, number, holder in rows
    )
    try:
        name = zengin.zengin_kana(payer.name, field="HOSHO_PAYER_NAME", limit=40)
        return zengin.write(
            zengin.TransferFile(zengin.Requester(payer.code, name, own), batch.transfer_date, transfers)
        )
    except zengin.ZenginError as error:
        raise ServiceError("conflict", f"{error.field}: {error.message}") from None


def _payer_account(hosho: Hosho, session: Session, payer: Payer) -> zengin.Account:
    given = BankAccountIn(
        bank_code=payer.bank_code,
        branch_code=payer.branch_code,
        account_type=payer.account_type,
        account_number=payer.account_number,
        holder=payer.name,
    )
    account = banks.checked_account(hosho, session, given, field="HOSHO_PAYER", snapshot=banks.ensure_snapshot(hosho))
    return zengin.Account(
        account.bank_code,
        account.bank_kana,
        account.branch_code,
        account.branch_kana,
        zengin.AccountType(account.account_type),
        account.account_number,
        account.holder[:30],
    )


def cancel_batch(hosho: Hosho, actor: Actor, batch_id: int) -> BatchView:
    """A batch the bank has not answered: cancelled, its refunds ready again."""
    _require(actor, batch_id)
    with hosho.transaction() as session:
        batch = session.get(m.PayoutBatch, batch_id, with_for_update=True)
        if batch is None:
            raise not_found(f"batch {batch_id}")
        if batch.status == BatchStatus.CANCELLED:
            return _batch_view(batch)
        answered = session.execute(
            select(func.count())
            .select_from(m.Refund)
            .where(m.Refund.batch_id == batch_id, m.Refund.status != RefundStatus.IN_BATCH.value)
        ).scalar_one()
        if answered:
            raise ServiceError("conflict", "the bank has answered for this batch: it can no longer be cancelled")
        refunds = session.execute(select(m.Refund).where(m.Refund.batch_id == batch_id)).scalars().all()
        for refund in refunds:
            refund.status, refund.batch_id = RefundStatus.READY.value, None
            session.add(_entry(hosho, actor, refund, "batch_cancelled", hosho.today(), batch_id=batch_id))
        batch.status = BatchStatus.CANCELLED.value
        return _batch_view(batch)


class Answer(StrEnum):
    PAID = "paid"
    RETURNED = "returned"


def record_answer(hosho: Hosho, actor: Actor, batch_id: int, command: BankAnswer) -> bool:
    """The bank's answer for one transfer; the same answer twice changes nothing (returns False the second time)."""
    _require(actor, batch_id)
    refund_id, answer, on, reason = command.refund_id, Answer(command.result), command.date, command.reason
    if answer is Answer.RETURNED and not reason:
        raise ServiceError("invalid_request", "a returned transfer needs its reason", field="reason")
    with hosho.transaction() as session:
        refund = session.get(m.Refund, refund_id, with_for_update=True)
        if refund is None:
            raise not_found(f"refund {refund_id}")
        done = session.execute(
            select(m.RefundEntry.kind).where(
                m.RefundEntry.refund_id == refund_id,
                m.RefundEntry.batch_id == batch_id,
                m.RefundEntry.kind.in_((Answer.PAID.value, Answer.RETURNED.value)),
            )
        ).scalar_one_or_none()
        if done == answer.value:
            return False
        if done is not None or refund.batch_id != batch_id or refund.status != RefundStatus.IN_BATCH:
            raise ServiceError("conflict", f"refund {refund_id} is not awaiting the bank's answer in this batch")
        if answer is Answer.PAID:
            refund.status = RefundStatus.PAID.value
            session.add(_entry(hosho, actor, refund, "paid", on, batch_id=batch_id))
        else:
            # Returned (振込不能, 組戻し): the money is owed again, to an account the subscriber has yet to give.
            refund.status, refund.account_id, refund.batch_id = RefundStatus.AWAITING_ACCOUNT.value, None, None
            session.add(_entry(hosho, actor, refund, "returned", on, batch_id=batch_id, reason=reason))
        return True


# --- reading: refunds by status, date, amount and subscriber; batches ----------------------------------------------


class LedgerEntry(BaseModel):
    kind: LedgerEntryKindWord
    amount: int
    on: date
    batch_id: int | None
    reason: str | None


class RefundView(BaseModel):
    id: int
    contract_id: int
    certificate_number: str | None
    subscriber: str
    amount: int
    status: RefundStatusWord
    created_on: date
    batch_id: int | None
    account: banks.AccountView | None
    ledger: list[LedgerEntry]


class RefundPage(BaseModel):
    items: list[RefundView]
    total: int


def refunds(
    hosho: Hosho,
    actor: Actor,
    *,
    status: RefundStatus | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    amount: int | None = None,
    subscriber: str | None = None,
    limit: int = 100,
) -> RefundPage:
    """Refunds, newest first, by status, date owed, amount and subscriber (a part of the name)."""
    _require(actor)
    query = (
        select(m.Refund, m.Contract.certificate_number, m.Subscriber.name)
        .join(m.Contract, m.Contract.id == m.Refund.contract_id)
        .join(m.Subscriber, m.Subscriber.id == m.Contract.subscriber_id)
    )
    if status is not None:
        query = query.where(m.Refund.status == status.value)
    if created_from is not None:
        query = query.where(m.Refund.created_on >= created_from)
    if created_to is not None:
        query = query.where(m.Refund.created_on <= created_to)
    if amount is not None:
        query = query.where(m.Refund.amount == amount)
    if subscriber:
        query = query.where(m.Subscriber.name.contains(subscriber, autoescape=True))
    with hosho.reading() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(query.order_by(m.Refund.id.desc()).limit(limit)).all()
        return RefundPage(items=[_refund_view(session, r, number, name) for r, number, name in rows], total=total)


def refund(hosho: Hosho, actor: Actor, refund_id: int) -> RefundView:
    _require(actor, refund_id)
    with hosho.reading() as session:
        found = session.execute(
            select(m.Refund, m.Contract.certificate_number, m.Subscriber.name)
            .join(m.Contract, m.Contract.id == m.Refund.contract_id)
            .join(m.Subscriber, m.Subscriber.id == m.Contract.subscriber_id)
            .where(m.Refund.id == refund_id)
        ).one_or_none()
        if found is None:
            raise not_found(f"refund {refund_id}")
        return _refund_view(session, *found)


def _refund_view(session: Session, row: m.Refund, number: str | None, name: str) -> RefundView:
    account = session.get(m.BankAccount, row.account_id) if row.account_id is not None else None
    entries = session.execute(
        select(m.RefundEntry).where(m.RefundEntry.refund_id == row.id).order_by(m.RefundEntry.id)
    ).scalars()
    return RefundView(
        id=row.id,
        contract_id=row.contract_id,
        certificate_number=number,
        subscriber=name,
        amount=row.amount,
        status=row.status,
        created_on=row.created_on,
        batch_id=row.batch_id,
        account=banks.view(account) if account is not None else None,
        ledger=[
            LedgerEntry(kind=e.kind, amount=e.amount, on=e.on_date, batch_id=e.batch_id, reason=e.data.get("reason"))
            for e in entries
        ],
    )


def batches(hosho: Hosho, actor: Actor, *, limit: int = 100) -> list[BatchView]:
    _require(actor)
    with hosho.reading() as session:
        rows = session.execute(select(m.PayoutBatch).order_by(m.PayoutBatch.id.desc()).limit(limit)).scalars()
        return [_batch_view(batch) for batch in rows]
