"""The call list (電話でのご連絡): notices with no e-mail address, letters to post, and e-mails that failed after
the last try. Who to call, why, and a form to record the call's outcome."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import Response

from hosho.console.app import Operator, SignedIn, redirect
from hosho.service import delivery
from hosho.service.context import ServiceError

MAX_OUTCOME = 400


def _page(request: Request, op: Operator, *, problem: tuple[int, str] | None = None, typed: str = "") -> Response:
    op.require(delivery.CALLERS)
    tasks = delivery.call_list(op.hosho, op.actor)
    return op.render(
        request,
        "calls.html",
        {"nav": "calls", "tasks": tasks, "problem": problem, "typed": typed, "max_outcome": MAX_OUTCOME},
        status=422 if problem else 200,
    )


def routes(router: APIRouter) -> None:
    @router.get("/calls", name="console.calls")
    def show(request: Request, op: SignedIn) -> Response:
        return _page(request, op)

    @router.post("/calls/{notice_id}", name="console.calls.record")
    def record(
        request: Request,
        op: SignedIn,
        notice_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
        outcome: Annotated[str, Form()] = "",
    ) -> Response:
        op.require(delivery.CALLERS)
        try:
            delivery.record_call(op.hosho, op.actor, notice_id, outcome=outcome)
        except ServiceError as error:
            if error.field != "outcome":
                raise
            return _page(request, op, problem=(notice_id, "結果を400文字以内で入力してください。"), typed=outcome)
        return redirect("/console/calls?notice=recorded")
