"""Consumable replacement: whom to call in the coming months, before the year-3 replacement (消耗部品の交換)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from hosho.console.app import SignedIn, redirect
from hosho.service import consumables
from hosho.service.context import ServiceError

MONTH_CHOICES = (1, 2, 3, 6, 12)


def routes(router: APIRouter) -> None:
    @router.get("/consumables", name="console.consumables")
    def due(request: Request, op: SignedIn, months: int = 3, program: str = "", page: int = 1) -> Response:
        months = months if months in MONTH_CHOICES else 3
        catalog = op.hosho.rules.catalog
        programs = {
            pid: p.versions[-1].name for pid, p in catalog.programs.items() if any(v.consumables for v in p.versions)
        }
        program = program if program in programs else ""
        page = min(max(page, 1), consumables.MAX_PAGE)
        found = consumables.due_for_replacement(op.hosho, op.actor, months=months, program=program or None, page=page)
        late = consumables.overdue(op.hosho, op.actor, program=program or None)
        plans = {
            (pid, plan.id): plan.name
            for pid, p in catalog.programs.items()
            for version in p.versions
            for plan in version.plans.values()
        }
        return op.render(
            request,
            "consumables.html",
            {
                "found": found,
                "overdue": late,
                "can_record": op.may(consumables.RECORDERS),
                "months": months,
                "month_choices": MONTH_CHOICES,
                "programs": programs,
                "program": program,
                "plans": plans,
                "page": page,
                "pages": max(1, -(-found["total"] // found["per_page"])),
            },
        )

    @router.post("/consumables/{contract_id}/done", name="console.consumable_done")
    def done(op: SignedIn, contract_id: int, on: Annotated[str, Form()] = "") -> Response:
        op.require(consumables.RECORDERS)
        try:
            day = date.fromisoformat(on.strip())
        except ValueError:
            raise ServiceError("invalid_request", "the day it was done is written YYYY-MM-DD", field="date") from None
        consumables.record_done(op.hosho, op.actor, contract_id, on=day)
        return redirect("/console/consumables?notice=replacement_done")
