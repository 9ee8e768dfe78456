"""Notices: a contract's notices, and `advance` (the daily work up to a day) for testing services only."""

from __future__ import annotations

from fastapi import APIRouter

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.contracts import ContractId
from hosho.api.problems import responses
from hosho.service import notices
from hosho.service.commands import Advance

router = APIRouter(tags=["notices"], responses=responses(401, 404, 422, 500))


@router.get(
    "/contracts/{contract_id}/notices",
    operation_id="listContractNotices",
    response_model=list[notices.NoticeView],
    summary="A contract's notices",
    description="Every notice produced for the contract (and its repair cases), in the order produced: `on` is the "
    "day whose daily work produced it, `channel` how it goes (email, call, post, desk), `state` where it is.",
)
def contract_notices(contract_id: ContractId, hosho: HoshoDep, actor: CurrentActor) -> list[notices.NoticeView]:
    return notices.of_contract(hosho, actor, contract_id)


@router.post(
    "/contracts/{contract_id}/advance",
    operation_id="advanceContract",
    response_model=notices.Advanced,
    summary="Run the daily work up to a day, on one contract (testing services only)",
    description="Runs the daily work (notices, expiry) of every day up to and including `to` on this contract's "
    "data, and answers its status and notices. Only a service started with `HOSHO_TESTING=1` does this (for "
    "`hosho check --api`); any other answers 404. Admin only.",
    responses=responses(403),
)
def advance(contract_id: ContractId, body: Advance, hosho: HoshoDep, actor: CurrentActor) -> notices.Advanced:
    return notices.advance(hosho, actor, contract_id, body)
