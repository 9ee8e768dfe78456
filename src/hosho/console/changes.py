"""A change report (変更の届出, zest 第4条): 氏名, 電話番号, 住所 (filled from the postal code), メール.

The form shows the details on record; what the agent changes is reported, nothing else. The address is filled
from Japan Post's data for the postal code typed (htmx swaps the address field; without script the page returns).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from hosho.console import forms
from hosho.console.app import Operator, SignedIn, is_htmx, redirect
from hosho.service import contracts, people
from hosho.service.commands import ChangedFields, ReportChange
from hosho.service.context import ServiceError
from hosho.service.results import ContractView

# The reported fields as the form names and shows them: (form field, label), in the form's order.
LABELS = {
    "name": ("name", "お名前"),
    "name_kana": ("name_kana", "フリガナ"),
    "phone": ("phone", "電話番号"),
    "postal_code": ("postal_code", "郵便番号"),
    "address": ("address", "住所"),
    "email": ("email", "メール"),
}
REPORTERS = contracts.WRITERS
UNKNOWN_POSTAL_CODE = "この郵便番号は日本郵便のデータにありません。番号をお確かめください。"


class ChangeForm:
    def __init__(self, on: str, values: dict[str, str]):
        self.on, self.values = on, values
        self.errors = forms.FormErrors()
        self.area_note: str | None = None

    @classmethod
    def of(cls, view: ContractView, on: str) -> ChangeForm:
        person = view.subscriber
        return cls(on, {name: getattr(person, name) or "" for name in LABELS})

    def read(self, view: ContractView) -> ReportChange | None:
        """The command with the fields that differ from the record, or None with each problem by its field."""
        on = forms.day(self.errors, "on", self.on, "届出日")
        record = ChangeForm.of(view, "").values
        changed = {name: value.strip() for name, value in self.values.items() if _same(value) != _same(record[name])}
        if not changed and not self.errors:
            self.errors["name"] = "変更された項目がありません。変わった項目を書き換えてください。"
            return None
        if "name" in changed and "name_kana" not in changed and record["name_kana"]:
            # The service drops the old furigana with the old name; the agent is asked for the new one instead.
            self.errors["name_kana"] = "お名前が変わったときは、新しいお名前のフリガナを入力してください。"
        if changed.get("name_kana") == "" and "name" in changed:
            del changed["name_kana"]  # a new name without furigana: the old furigana goes with the old name
        for name, value in changed.items():
            if not value:
                self.errors[name] = f"{LABELS[name][1]}は空にできません。新しい内容を入力してください。"
        if changed.get("postal_code"):
            try:
                people.postal_area(changed["postal_code"])
            except ServiceError:
                self.errors["postal_code"] = UNKNOWN_POSTAL_CODE
        fields = forms.command(self.errors, ChangedFields, changed, LABELS)
        if fields is None or on is None:
            return None
        return ReportChange(date=on, fields=fields)


def _posted(
    on: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    name_kana: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    postal_code: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
) -> ChangeForm:
    """The posted form, for filling the address and for the report alike."""
    values = {"name": name, "name_kana": name_kana, "phone": phone, "postal_code": postal_code}
    return ChangeForm(on, {**values, "address": address, "email": email})


Posted = Annotated[ChangeForm, Depends(_posted)]


def _same(text: str) -> str:
    """Width and spacing do not make a change (１００ is 100)."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def routes(router: APIRouter) -> None:
    def page(op: Operator, request: Request, view: ContractView, form: ChangeForm, status: int = 200) -> Response:
        context = {"c": view, "c_id": view.id, "form": form, "labels": LABELS}
        return op.render(request, "changes.html", context, status=status)

    @router.get("/contracts/{contract_id}/changes", name="console.changes")
    def changes_page(request: Request, op: SignedIn, contract_id: int) -> Response:
        op.require(REPORTERS)
        view = contracts.get(op.hosho, op.actor, contract_id)
        return page(op, request, view, ChangeForm.of(view, op.hosho.today().isoformat()))

    @router.post("/contracts/{contract_id}/changes/address", name="console.changes_address")
    def fill_address(
        request: Request,
        op: SignedIn,
        contract_id: int,
        form: Posted,
    ) -> Response:
        """The address field filled from the postal code: the area Japan Post gives, for the agent to complete."""
        op.require(REPORTERS)
        view = contracts.get(op.hosho, op.actor, contract_id)
        try:
            area = people.postal_area(form.values["postal_code"])
        except ServiceError:
            form.errors["postal_code"] = UNKNOWN_POSTAL_CODE
        else:
            if not form.values["address"].startswith(area):
                form.values["address"] = area
            form.area_note = f"「{area}」を入力しました。番地・建物名を続けて入力してください。"
        if is_htmx(request):
            return op.render(request, "_address.html", {"c_id": contract_id, "form": form, "labels": LABELS})
        return page(op, request, view, form)

    @router.post("/contracts/{contract_id}/changes", name="console.changes_report")
    def report(
        request: Request,
        op: SignedIn,
        contract_id: int,
        form: Posted,
    ) -> Response:
        op.require(REPORTERS)
        view = contracts.get(op.hosho, op.actor, contract_id)
        command = form.read(view)
        if command is None:
            return page(op, request, view, form, status=422)
        try:
            contracts.report_changes(op.hosho, op.actor, contract_id, command)
        except ServiceError as error:
            if not _said_by_field(form, error):
                raise
            return page(op, request, view, form, status=422)
        return redirect(f"/console/contracts/{contract_id}?notice=change_reported")


def _said_by_field(form: ChangeForm, error: ServiceError) -> bool:
    """A refusal naming a reported field (fields.phone) is said next to that field."""
    if error.code != "invalid_request" or not error.field:
        return False
    name = error.field.rsplit(".", 1)[-1]
    if name not in LABELS:
        return False
    form.errors[name] = f"{LABELS[name][1]}をご確認ください。"
    return True
