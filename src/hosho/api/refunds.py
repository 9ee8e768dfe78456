"""Refunds by the terms' table, to the yen: a preview, and the cancellation that pays it (only once)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.contracts import ContractId
from hosho.api.problems import responses
from hosho.api.schemas import YEN_MAX, CancellationIn, CancellationOut, RefundPreviewOut
from hosho.domain.refunds import CancelReason
from hosho.service import refunds

router = APIRouter(tags=["refunds"], responses=responses(401, 404, 409, 422, 500))


@router.get(
    "/contracts/{contract_id}/refund-preview",
    response_model=RefundPreviewOut,
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
) -> dict[str, Any]:
    return refunds.preview(hosho, actor, contract_id, on=date, reason=reason.value, transfer_fee=transfer_fee)


@router.post(
    "/contracts/{contract_id}/cancellation",
    response_model=CancellationOut,
    summary="Cancel the contract",
    description="Cancels and records the refund; a second cancellation is refused (409 `contract_not_active`).",
    responses=responses(403),
)
def cancel(contract_id: ContractId, body: CancellationIn, hosho: HoshoDep, actor: CurrentActor) -> dict[str, Any]:
    return refunds.cancel_contract(
        hosho, actor, contract_id, on=body.date, reason=body.reason.value, transfer_fee=body.transfer_fee
    )
