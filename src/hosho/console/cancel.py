"""Cancellation: the refund preview with the row of the terms' table it comes from, then the confirmation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from hosho.console import forms
from hosho.console.app import Operator, SignedIn, is_htmx, redirect
from hosho.console.contract import terms_of
from hosho.domain.program import ProgramVersion
from hosho.domain.refunds import bracket_ends
from hosho.presentation.words import REASONS, error_message
from hosho.service import contracts, refunds
from hosho.service.commands import Cancel as CancelCommand
from hosho.service.context import ServiceError

# The cancellation's fields as the form names and shows them: (form field, label).
LABELS = {
    "date": ("cancelled_on", "解約日"),
    "reason": ("reason", "解約の理由"),
    "transfer_fee": ("transfer_fee", "振込手数料"),
}


def refund_table(terms: ProgramVersion, plan_id: str, purchase_date: date) -> list[dict[str, Any]]:
    """The plan's rows of the refund table with the dates they cover for this purchase (初日不算入)."""
    rule = terms.cancellation
    if not rule.refunds_allowed:
        return []
    rates = terms.plans[plan_id].refund_rates
    years = rule.bracket_years
    ends = bracket_ends(purchase_date, years)
    rows = []
    for index, rate in enumerate(rates):
        if index == 0:
            period, first = f"購入日から{years[0]}年以内", purchase_date
        elif index < len(years):
            period, first = f"{years[index - 1]}年超{years[index]}年以内", ends[index - 1] + timedelta(days=1)
        else:
            period, first = f"{years[-1]}年超", ends[-1] + timedelta(days=1)
        rows.append(
            {
                "row": index + 1,
                "period": period,
                "from": first,
                "to": ends[index] if index < len(ends) else None,
                "rate": str(rate),
            }
        )
    return rows


class Cancel:
    def __init__(self, cancelled_on: str, reason: str, transfer_fee: str):
        self.cancelled_on, self.reason, self.transfer_fee = cancelled_on, reason, transfer_fee
        self.errors = forms.FormErrors()

    def read(self) -> CancelCommand | None:
        """The service's command, or None with each problem said next to its field."""
        on = forms.day(self.errors, "cancelled_on", self.cancelled_on, "解約日")
        reason = forms.choice(self.errors, "reason", self.reason, REASONS, "解約の理由")
        fee = forms.yen(self.errors, "transfer_fee", self.transfer_fee, "振込手数料")
        values = {"date": on, "reason": reason, "transfer_fee": fee or 0}
        return forms.command(self.errors, CancelCommand, values, LABELS)


def _cancel_form(
    cancelled_on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    transfer_fee: Annotated[str, Form()] = "",
) -> Cancel:
    """The posted cancellation form, for the preview and the confirmation alike."""
    return Cancel(cancelled_on, reason, transfer_fee)


CancelForm = Annotated[Cancel, Depends(_cancel_form)]


def routes(router: APIRouter) -> None:
    def context(op: Operator, contract_id: int, form: Cancel) -> dict[str, Any]:
        view = contracts.get(op.hosho, op.actor, contract_id)
        terms = terms_of(op.hosho.rules.catalog, view)
        return {
            "c": view,
            "terms": terms,
            "form": form,
            "reasons": REASONS,
            "table": refund_table(terms, view.plan.id, view.purchase_date),
            "preview": None,
            "refusal": None,
        }

    @router.get("/contracts/{contract_id}/cancel", name="console.cancel")
    def cancel_page(request: Request, op: SignedIn, contract_id: int) -> Response:
        op.require(refunds.CANCELLERS)
        form = Cancel(op.hosho.today().isoformat(), "customer", "0")
        return op.render(request, "cancel.html", context(op, contract_id, form))

    @router.post("/contracts/{contract_id}/cancel/preview", name="console.cancel_preview")
    def preview(request: Request, op: SignedIn, contract_id: int, form: CancelForm) -> Response:
        op.require(refunds.CANCELLERS)
        page = context(op, contract_id, form)
        command = form.read()
        if command is not None:
            try:
                page["preview"] = refunds.preview(op.hosho, op.actor, contract_id, command)
            except ServiceError as error:
                if error.code in ("forbidden", "not_found"):
                    raise
                if not forms.refused(form.errors, error, LABELS):
                    page["refusal"] = error_message(error.code)
        template = "_refund.html" if is_htmx(request) else "cancel.html"
        return op.render(request, template, page)

    @router.post("/contracts/{contract_id}/cancel", name="console.cancel_confirm")
    def confirm(request: Request, op: SignedIn, contract_id: int, form: CancelForm) -> Response:
        op.require(refunds.CANCELLERS)
        command = form.read()
        if command is None:
            return op.render(request, "cancel.html", context(op, contract_id, form), status=422)
        try:
            refunds.cancel_contract(op.hosho, op.actor, contract_id, command)
        except ServiceError as error:
            # A second confirmation (a double click, a reload) finds the contract cancelled: nothing more is paid.
            if error.code == "contract_not_active" and contracts.get(op.hosho, op.actor, contract_id).status == (
                "cancelled"
            ):
                return redirect(f"/console/contracts/{contract_id}?notice=already_cancelled")
            if forms.refused(form.errors, error, LABELS):
                return op.render(request, "cancel.html", context(op, contract_id, form), status=422)
            raise
        return redirect(f"/console/contracts/{contract_id}?notice=cancelled")
