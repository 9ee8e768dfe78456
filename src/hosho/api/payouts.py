"""Refund payouts for the finance staff (admin keys): refunds by status, bank accounts, Zengin batches and their
file, and the bank's answer per transfer (payouts.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.problems import responses
from hosho.service import payouts
from hosho.service.commands import ID_MAX, YEN_MAX, BankAccountIn, BankAnswer, CreateBatch

router = APIRouter(tags=["payouts"], responses=responses(401, 403, 404, 409, 422, 500))

RefundId = Annotated[int, Path(ge=1, le=ID_MAX, description="The refund's id")]
BatchId = Annotated[int, Path(ge=1, le=ID_MAX, description="The batch's id")]


@router.get(
    "/refunds",
    operation_id="listRefunds",
    response_model=payouts.RefundPage,
    summary="Refunds",
    description="Newest first, by status, the day the refund became owed, amount and a part of the subscriber's name "
    "(at most 100). Each with its bank account (names as in the Zengin code snapshot it was given with) and ledger.",
)
def list_refunds(
    hosho: HoshoDep,
    actor: CurrentActor,
    status: payouts.RefundStatus | None = None,
    owed_from: dt.date | None = None,
    owed_to: dt.date | None = None,
    amount: Annotated[int | None, Query(ge=0, le=YEN_MAX)] = None,
    subscriber: Annotated[
        str | None, Query(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$", description="Part of a name")
    ] = None,
) -> payouts.RefundPage:
    return payouts.refunds(
        hosho,
        actor,
        status=status,
        created_from=owed_from,
        created_to=owed_to,
        amount=amount,
        subscriber=subscriber,
    )


@router.get(
    "/refunds/{refund_id}",
    operation_id="getRefund",
    response_model=payouts.RefundView,
    summary="A refund with its ledger",
    description="The refund with its bank account (if given) and every entry of its ledger, oldest first.",
)
def get_refund(refund_id: RefundId, hosho: HoshoDep, actor: CurrentActor) -> payouts.RefundView:
    return payouts.refund(hosho, actor, refund_id)


@router.put(
    "/refunds/{refund_id}/bank-account",
    operation_id="setRefundBankAccount",
    response_model=payouts.RefundView,
    summary="Give the account a refund is paid to",
    description="For a refund waiting for an account (or returned by the bank), or to replace one not yet batched. "
    "Bank and branch must exist in the Zengin code data; the holder is stored in the bank's characters "
    "(`invalid_bank_account` names the field otherwise).",
)
def give_account(refund_id: RefundId, body: BankAccountIn, hosho: HoshoDep, actor: CurrentActor) -> payouts.RefundView:
    payouts.give_account(hosho, actor, refund_id, body)
    return payouts.refund(hosho, actor, refund_id)


@router.get(
    "/payout-batches",
    operation_id="listPayoutBatches",
    response_model=list[payouts.BatchView],
    summary="Batches, newest first",
    description="Every payout batch with its transfer date, status, count and total.",
)
def list_batches(hosho: HoshoDep, actor: CurrentActor) -> list[payouts.BatchView]:
    return payouts.batches(hosho, actor)


@router.post(
    "/payout-batches",
    operation_id="createPayoutBatch",
    status_code=201,
    response_model=payouts.BatchView,
    summary="Create a batch of every ready refund",
    description="The transfer date must be a bank business day (not Saturday, Sunday, a national holiday or "
    "12/31–1/3; the refusal names the next one). 409 when no refund is ready.",
)
def create_batch(body: CreateBatch, hosho: HoshoDep, actor: CurrentActor) -> payouts.BatchView:
    return payouts.create_batch(hosho, actor, body)


@router.get(
    "/payout-batches/{batch_id}/file",
    operation_id="getPayoutBatchFile",
    summary="The batch as a Zengin 総合振込 file",
    description="120-byte records in JIS X 0201 (CP932 bytes), CRLF; the same bytes every time.",
    responses={
        200: {
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The file",
        }
    },
    response_class=Response,
)
def batch_file(batch_id: BatchId, hosho: HoshoDep, actor: CurrentActor) -> Response:
    data = payouts.batch_file(hosho, actor, batch_id)
    disposition = f'attachment; filename="{payouts.batch_file_name(batch_id)}"'
    return Response(data, media_type="application/octet-stream", headers={"Content-Disposition": disposition})


@router.post(
    "/payout-batches/{batch_id}/cancellation",
    operation_id="cancelPayoutBatch",
    response_model=payouts.BatchView,
    summary="Cancel a batch the bank has not answered",
    description="Its refunds are ready again.",
)
def cancel_batch(batch_id: BatchId, hosho: HoshoDep, actor: CurrentActor) -> payouts.BatchView:
    return payouts.cancel_batch(hosho, actor, batch_id)


@router.post(
    "/payout-batches/{batch_id}/answers",
    operation_id="createBankAnswer",
    response_model=payouts.RefundView,
    summary="Record the bank's answer for one transfer",
    description="Paid, or returned with the reason (the refund then waits for a new account). The same answer twice "
    "changes nothing.",
)
def record_answer(batch_id: BatchId, body: BankAnswer, hosho: HoshoDep, actor: CurrentActor) -> payouts.RefundView:
    payouts.record_answer(hosho, actor, batch_id, body)
    return payouts.refund(hosho, actor, body.refund_id)
