"""The repair desk: the case board (today's visits, send-back items due, overdue first) and each case's record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from hosho.console import adjudication as adjudication_pages
from hosho.console import forms
from hosho.console.app import Operator, SignedIn, redirect
from hosho.presentation.words import CASE_STATES, EVENTS
from hosho.service import adjudication, cases, contracts, people
from hosho.service.commands import Estimate, ItemArrived, Progress
from hosho.service.context import ServiceError
from hosho.service.results import CaseView, ContractView

# An event's fields as the form names and shows them: (form field, label).
LABELS = {
    "kind": ("kind", "記録する内容"),
    "date": ("on", "日付"),
    "amount": ("amount", "見積金額"),
    "check_sheet_date": ("check_sheet_on", "確認シートの到着日"),
    "note": ("note", "メモ"),
}

FINISHED = frozenset({"repaired", "shipped", "replaced"})


def _progress(view: CaseView, today: date) -> dict[str, Any]:
    """What the board needs to know of a case's events: the visit day, whether it is done, whether it is late."""
    case = view.model_dump()
    kinds = {event["kind"] for event in case["events"]}
    scheduled = [event["date"] for event in case["events"] if event["kind"] == "visit_scheduled" and event["date"]]
    visit_on: date | None = scheduled[-1] if scheduled else None
    visited = "visit_done" in kinds
    finished = bool(kinds & FINISHED) or case["state"] != "open"
    late_visit = case["visit_by"] is not None and case["visit_by"] < today and not visited
    late_repair = case["repair_due"] is not None and case["repair_due"] < today and not finished
    last = case["events"][-1] if case["events"] else None
    return {
        **case,
        "visit_on": visit_on,
        "visited": visited,
        "finished": finished,
        "overdue": (late_visit or late_repair) and case["state"] == "open",
        "last_event": last,
    }


def arrange(items: Sequence[CaseView], today: date) -> dict[str, list[dict[str, Any]]]:
    rows = [_progress(case, today) for case in items]
    visits_today = [
        row
        for row in rows
        if not row["visited"] and (row["visit_on"] == today or (row["visit_on"] is None and row["visit_by"] == today))
    ]
    sendback_due = sorted(
        (row for row in rows if row["repair_due"] is not None and not row["finished"]),
        key=lambda row: (row["repair_due"], row["id"]),
    )
    rows.sort(key=lambda row: (not row["overdue"], row["visit_by"] or row["repair_due"] or date.max, row["id"]))
    return {"all": rows, "visits_today": visits_today, "sendback_due": sendback_due}


def _programs(op: Operator) -> dict[str, str]:
    return {pid: program.versions[-1].name for pid, program in op.hosho.rules.catalog.programs.items()}


def _case_of(op: Operator, contract_id: int, case_id: int) -> tuple[ContractView, CaseView]:
    view = contracts.get(op.hosho, op.actor, contract_id)
    case = next((case for case in view.cases if case.id == case_id), None)
    if case is None:
        raise ServiceError("not_found", f"case {case_id} not found")
    return view, case


def _case_values(op: Operator) -> dict[str, str]:
    return {
        "kind": "",
        "on": op.hosho.today().isoformat(),
        "amount": "",
        "check_sheet_on": "",
        "note": "",
        "repairable": "on",
    }


def show_case(
    request: Request,
    op: Operator,
    contract_id: int,
    case_id: int,
    errors: dict[str, str],
    values: dict[str, str] | None = None,
) -> Response:
    """A case's page: its facts, the repair desk's form, what to tell the caller, the forms after intake."""
    view, case = _case_of(op, contract_id, case_id)
    status = 200 if not errors else 422
    return op.render(
        request,
        "case.html",
        {
            "c": view,
            "case": _progress(case, op.hosho.today()),
            "causes": op.hosho.rules.catalog.vocabulary.causes,
            "can_record": op.may(cases.REPAIR_DESK) and case.covered and case.state != "review",
            "values": values or _case_values(op),
            "errors": errors,
            "events": EVENTS,
            **adjudication_pages.context(op, view, case),
        },
        status=status,
    )


def routes(router: APIRouter) -> None:
    @router.get("/cases", name="console.board")
    def board(request: Request, op: SignedIn, program: str = "", state: str = "open") -> Response:
        op.require(cases.REPAIR_DESK)
        programs = _programs(op)
        program = program if program in programs else ""
        # Cases under review are listed apart (審査待ち・見解相違), not as a state of the board.
        state = state if state in CASE_STATES and state != "review" else "open"
        items = cases.board(op.hosho, op.actor, program=program or None, state=state)
        waiting = adjudication.queue(op.hosho, op.actor, program=program or None)  # REPAIR_DESK may read it
        today = op.hosho.today()
        return op.render(
            request,
            "board.html",
            {
                "board": arrange(items, today),
                "holders": people.contract_names(op.hosho, [item.contract_id for item in (*items, *waiting)]),
                "waiting": [_progress(case, today) for case in waiting],
                "programs": programs,
                "program": program,
                "state": state,
                "limit_reached": len(items) >= 200,
            },
        )

    @router.get("/contracts/{contract_id}/cases/{case_id}", name="console.case")
    def case(request: Request, op: SignedIn, contract_id: int, case_id: int) -> Response:
        return show_case(request, op, contract_id, case_id, {})

    @router.post("/contracts/{contract_id}/cases/{case_id}/events", name="console.record")
    def record(
        request: Request,
        op: SignedIn,
        contract_id: int,
        case_id: int,
        kind: Annotated[str, Form()] = "",
        on: Annotated[str, Form()] = "",
        amount: Annotated[str, Form()] = "",
        repairable: Annotated[str, Form()] = "",
        check_sheet_on: Annotated[str, Form()] = "",
        note: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        op.require(cases.REPAIR_DESK)
        _case_of(op, contract_id, case_id)  # the case must be this contract's, and the contract visible
        values = {
            "kind": kind,
            "on": on,
            "amount": amount,
            "repairable": repairable,
            "check_sheet_on": check_sheet_on,
            "note": note,
        }
        errors = forms.FormErrors()
        chosen = forms.choice(errors, "kind", kind, EVENTS, "記録する内容")
        day = forms.day(errors, "on", on, "日付")
        sheet = forms.day(errors, "check_sheet_on", check_sheet_on, "確認シートの到着日", required=False)
        yen = forms.yen(errors, "amount", amount, "見積金額")
        if chosen == "estimate" and yen is None and repairable == "on" and "amount" not in errors:
            errors["amount"] = "修理できる場合は、見積金額を入力してください。"
        memo = note.strip() or None
        event: ItemArrived | Estimate | Progress | None
        if chosen == "item_arrived":
            event = forms.command(errors, ItemArrived, {"date": day, "check_sheet_date": sheet, "note": memo}, LABELS)
        elif chosen == "estimate":
            fields = {"date": day, "amount": yen, "repairable": repairable == "on", "note": memo}
            event = forms.command(errors, Estimate, fields, LABELS)
        else:
            event = forms.command(errors, Progress, {"kind": chosen, "date": day, "note": memo}, LABELS)
        if event is None:
            return show_case(request, op, contract_id, case_id, errors, values)
        try:
            cases.record_event(op.hosho, op.actor, case_id, event)
        except ServiceError as error:
            if not forms.refused(errors, error, LABELS):
                raise
            return show_case(request, op, contract_id, case_id, errors, values)
        return redirect(f"/console/contracts/{contract_id}/cases/{case_id}?notice=recorded")
