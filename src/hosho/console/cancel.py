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
    "bank_account": ("bank_account", "振込先口座"),
}
# The refund's bank account (optional: finance can record it later on the payouts page), as the form names its parts.
ACCOUNT = {
    "bank_code": "銀行コード(4桁)",
    "branch_code": "支店コード(3桁)",
    "account_type": "預金種目",
    "account_number": "口座番号(7桁まで)",
    "holder": "口座名義(カナ)",
}
ACCOUNT_TYPES = {"1": "普通", "2": "当座", "4": "貯蓄"}


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
    def __init__(self, cancelled_on: str, reason: str, transfer_fee: str, account: dict[str, str] | None = None):
        self.cancelled_on, self.reason, self.transfer_fee = cancelled_on, reason, transfer_fee
        self.account = {name: (account or {}).get(name, "") for name in ACCOUNT}
        self.account["account_type"] = self.account["account_type"] or "1"
        self.errors = forms.FormErrors()

    def read(self) -> CancelCommand | None:
        """The service's command, or None with each problem said next to its field."""
        on = forms.day(self.errors, "cancelled_on", self.cancelled_on, "解約日")
        reason = forms.choice(self.errors, "reason", self.reason, REASONS, "解約の理由")
        fee = forms.yen(self.errors, "transfer_fee", self.transfer_fee, "振込手数料")
        values = {"date": on, "reason": reason, "transfer_fee": fee or 0, "bank_account": self._account()}
        return forms.command(self.errors, CancelCommand, values, LABELS)

    def _account(self) -> dict[str, object] | None:
        """None when no part of the account is given; else every part is needed (the service checks the codes)."""
        given = {name: value.strip() for name, value in self.account.items() if name != "account_type"}
        if not any(given.values()):
            return None
        for name, value in given.items():
            if not value:
                self.errors.setdefault(name, f"{ACCOUNT[name]}を入力してください(振込先は全項目が必要です)。")
        kind = self.account["account_type"]
        if kind not in ACCOUNT_TYPES:
            self.errors.setdefault("account_type", "預金種目は普通・当座・貯蓄から選んでください。")
        return {**given, "account_type": int(kind) if kind.isdigit() else 0}

    def refused_account(self, error: ServiceError) -> bool:
        """The service's refusal of the account (bank or branch not found, a holder the bank cannot carry), said
        next to the part it names."""
        if error.code != "invalid_bank_account":
            return False
        name = (error.field or "").rsplit(".", 1)[-1]
        name = name if name in ACCOUNT else "bank_code"
        self.errors.setdefault(name, f"{ACCOUNT[name]}: {error_message(error.code)}")
        return True


def _cancel_form(
    cancelled_on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    transfer_fee: Annotated[str, Form()] = "",
    bank_code: Annotated[str, Form()] = "",
    branch_code: Annotated[str, Form()] = "",
    account_type: Annotated[str, Form()] = "",
    account_number: Annotated[str, Form()] = "",
    holder: Annotated[str, Form()] = "",
) -> Cancel:
    """The posted cancellation form, for the preview and the confirmation alike."""
    account = {
        "bank_code": bank_code,
        "branch_code": branch_code,
        "account_type": account_type,
        "account_number": account_number,
        "holder": holder,
    }
    return Cancel(cancelled_on, reason, transfer_fee, account)


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
            "account_labels": ACCOUNT,
            "account_types": ACCOUNT_TYPES,
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
            if forms.refused(form.errors, error, LABELS) or form.refused_account(error):
                return op.render(request, "cancel.html", context(op, contract_id, form), status=422)
            raise
        return redirect(f"/console/contracts/{contract_id}?notice=cancelled")
