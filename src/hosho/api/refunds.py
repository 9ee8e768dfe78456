"""Refunds by the terms' table, to the yen: a preview, and the cancellation that pays it (only once)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.contracts import ContractId
from hosho.api.problems import responses
from hosho.service import refunds
from hosho.service.commands import YEN_MAX, Cancel, CancelReason
from hosho.service.results import Cancellation, RefundPreview

router = APIRouter(tags=["refunds"], responses=responses(401, 404, 409, 422, 500))


@router.get(
    "/contracts/{contract_id}/refund-preview",
    operation_id="previewRefund",
    response_model=RefundPreview,
    summary="Preview the refund",
    description="What a cancellation on `date` would refund, with the table's bracket and rate (floored to the "
    "yen) and the clauses. Nothing is stored.",
)
def preview(
    contract_id: ContractId,
    hosho: HoshoDep,
    actor: CurrentActor,
    date: Annotated[dt.date, Query(description="The day of cancellation")],
    reason: CancelReason = CancelReason.CUSTOMER,
    transfer_fee: Annotated[int, Query(ge=0, le=YEN_MAX, description="Bank transfer fee deducted, in yen")] = 0,
) -> RefundPreview:
    command = Cancel(date=date, reason=reason, transfer_fee=transfer_fee)
    return refunds.preview(hosho, actor, contract_id, command)


@router.post(
    "/contracts/{contract_id}/cancellation",
    operation_id="createCancellation",
    response_model=Cancellation,
    summary="Cancel the contract",
    description="Cancels and records the refund; a second cancellation is refused (409 `contract_not_active`).",
    responses=responses(403),
)
def cancel(contract_id: ContractId, body: Cancel, hosho: HoshoDep, actor: CurrentActor) -> Cancellation:
    return refunds.cancel_contract(hosho, actor, contract_id, body)
