"""Refund payouts for the finance staff (経理): refunds waiting for an account, batches to create and download, and
the bank's answer to record (payouts.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from hosho.console.app import Operator, SignedIn, redirect
from hosho.service import payouts
from hosho.service.commands import BankAccountIn, BankAnswer, CreateBatch
from hosho.service.context import Role, ServiceError

FINANCE = {Role.ADMIN}
STATUSES = {
    "awaiting_account": "口座の連絡待ち",
    "ready": "振込待ち",
    "in_batch": "振込依頼中",
    "paid": "振込済み",
}
ACCOUNT_TYPES = {1: "普通", 2: "当座", 4: "貯蓄"}
ENTRY_KINDS = {
    "owed": "返金額の確定",
    "account_given": "振込先口座の登録",
    "batched": "振込依頼データに追加",
    "batch_cancelled": "振込依頼の取消し",
    "paid": "振込完了",
    "returned": "振込不能・組戻し",
}
# What the finance staff read for a refusal of the service, by its code and field.
FIELD_NAMES = {
    "bank_code": "銀行コード(4桁)",
    "branch_code": "支店コード(3桁)",
    "account_type": "預金種目",
    "account_number": "口座番号(7桁まで)",
    "holder": "口座名義(カナ)",
    "transfer_date": "振込指定日",
    "reason": "理由",
}


def _context(op: Operator, **extra: object) -> dict[str, object]:
    return {
        "nav": "payouts",
        "statuses": STATUSES,
        "account_types": ACCOUNT_TYPES,
        "entry_kinds": ENTRY_KINDS,
        "waiting": payouts.refunds(op.hosho, op.actor, status=payouts.RefundStatus.AWAITING_ACCOUNT, limit=50),
        "ready": payouts.refunds(op.hosho, op.actor, status=payouts.RefundStatus.READY, limit=50),
        "batches": payouts.batches(op.hosho, op.actor, limit=20),
        "problem": None,
        "today": op.hosho.today(),
        **extra,
    }


def _problem(error: ServiceError | ValidationError) -> str:
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False)[0]
        name = str(first["loc"][-1]) if first["loc"] else ""
        return f"{FIELD_NAMES.get(name, name)}をご確認ください。"
    name = (error.field or "").rsplit(".", 1)[-1]
    label = FIELD_NAMES.get(name)
    prefix = f"{label}: " if label else ""
    if error.code == "invalid_bank_account":
        return (
            f"{prefix}この口座には振り込めません。銀行・支店コードと、口座名義(カナ)をご確認ください。({error.message})"
        )
    if name == "transfer_date":
        return f"{prefix}銀行の営業日を指定してください。({error.message})"
    return f"{prefix}お受けできません。({error.message})"


def routes(router: APIRouter) -> None:
    @router.get("/payouts", name="console.payouts")
    def page(request: Request, op: SignedIn) -> Response:
        op.require(FINANCE)
        return op.render(request, "payouts.html", _context(op))

    @router.get("/payouts/refunds/{refund_id}", name="console.payouts.refund")
    def refund(request: Request, op: SignedIn, refund_id: int) -> Response:
        op.require(FINANCE)
        return op.render(
            request, "refund.html", {**_context(op), "refund": payouts.refund(op.hosho, op.actor, refund_id)}
        )

    @router.post("/payouts/refunds/{refund_id}/account", name="console.payouts.account")
    def give_account(
        request: Request,
        op: SignedIn,
        refund_id: int,
        bank_code: Annotated[str, Form()] = "",
        branch_code: Annotated[str, Form()] = "",
        account_type: Annotated[str, Form()] = "1",
        account_number: Annotated[str, Form()] = "",
        holder: Annotated[str, Form()] = "",
    ) -> Response:
        op.require(FINANCE)
        try:
            given = BankAccountIn(
                bank_code=bank_code.strip(),
                branch_code=branch_code.strip(),
                account_type=int(account_type) if account_type.isdigit() else 0,
                account_number=account_number.strip(),
                holder=holder,
            )
            payouts.give_account(op.hosho, op.actor, refund_id, given)
        except (ServiceError, ValidationError) as error:
            if isinstance(error, ServiceError) and error.code in ("not_found", "forbidden"):
                raise
            shown = payouts.refund(op.hosho, op.actor, refund_id)
            typed = {
                "bank_code": bank_code,
                "branch_code": branch_code,
                "account_type": account_type,
                "account_number": account_number,
                "holder": holder,
            }
            context = {**_context(op), "refund": shown, "problem": _problem(error), "typed": typed}
            return op.render(request, "refund.html", context, status=422)
        return redirect(f"/console/payouts/refunds/{refund_id}?notice=recorded")

    @router.post("/payouts/batches", name="console.payouts.create")
    def create_batch(request: Request, op: SignedIn, transfer_date: Annotated[str, Form()] = "") -> Response:
        op.require(FINANCE)
        try:
            batch = payouts.create_batch(
                op.hosho, op.actor, CreateBatch.model_validate({"transfer_date": transfer_date})
            )
        except (ServiceError, ValidationError) as error:
            if isinstance(error, ServiceError) and error.code == "forbidden":
                raise
            return op.render(request, "payouts.html", _context(op, problem=_problem(error)), status=422)
        return redirect(f"/console/payouts?notice=recorded#batch-{batch.id}")

    @router.get("/payouts/batches/{batch_id}/file", name="console.payouts.file")
    def batch_file(op: SignedIn, batch_id: int) -> Response:
        op.require(FINANCE)
        data = payouts.batch_file(op.hosho, op.actor, batch_id)
        disposition = f'attachment; filename="{payouts.batch_file_name(batch_id)}"'
        return Response(data, media_type="application/octet-stream", headers={"Content-Disposition": disposition})

    @router.post("/payouts/batches/{batch_id}/cancel", name="console.payouts.cancel")
    def cancel_batch(op: SignedIn, batch_id: int) -> Response:
        op.require(FINANCE)
        payouts.cancel_batch(op.hosho, op.actor, batch_id)
        return redirect("/console/payouts?notice=recorded")

    @router.post("/payouts/batches/{batch_id}/answers", name="console.payouts.answer")
    def answer(
        request: Request,
        op: SignedIn,
        batch_id: int,
        refund_id: Annotated[str, Form()] = "",
        result: Annotated[str, Form()] = "paid",
        date: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ) -> Response:
        op.require(FINANCE)
        try:
            command = BankAnswer.model_validate(
                {
                    "refund_id": int(refund_id) if refund_id.isdigit() and len(refund_id) < 19 else 0,
                    "result": result,
                    "date": date,
                    "reason": reason.strip() or None,
                }
            )
            payouts.record_answer(op.hosho, op.actor, batch_id, command)
        except (ServiceError, ValidationError) as error:
            if isinstance(error, ServiceError) and error.code in ("not_found", "forbidden"):
                raise
            return op.render(request, "payouts.html", _context(op, problem=_problem(error)), status=422)
        return redirect(f"/console/payouts/refunds/{command.refund_id}?notice=recorded")
