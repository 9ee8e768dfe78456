"""Repair-request intake: the cause in Japanese words, the decision shown before saving, then the case."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from hosho.console import forms
from hosho.console.app import Operator, SignedIn, is_htmx, redirect
from hosho.console.contract import terms_of
from hosho.domain.calendar import JST
from hosho.domain.program import ProgramVersion, ServiceMode
from hosho.presentation.words import error_message
from hosho.service import cases, contracts
from hosho.service.commands import RequestRepair
from hosho.service.context import ServiceError
from hosho.service.results import ContractView, Decision

COUNTRIES = {"JP": "日本国内", "ZZ": "日本国外"}
# The request's fields as the form names and shows them: (form field, label).
LABELS = {
    "at": ("requested_at", "依頼日時"),
    "cause": ("cause", "故障の原因"),
    "part": ("part", "部品"),
    "claim": ("claim", "ご請求の内容"),
    "country": ("country", "故障した場所"),
    "install_height_m": ("install_height_m", "設置場所の高さ"),
    "needs_parts": ("needs_parts", "部品交換の要否"),
    "item": ("item", "故障した機器"),
}


@dataclass
class Intake:
    """The intake form as typed, so it can be shown again with its problems."""

    requested_at: str
    cause: str = ""
    needs_parts: bool = True
    part: str = ""
    install_height_m: str = ""
    claim: str = "repair"
    country: str = "JP"
    item: str = ""
    errors: forms.FormErrors = field(default_factory=forms.FormErrors)

    def request(self, terms: ProgramVersion, vocabulary: Any, serials: set[str] | None = None) -> RequestRepair | None:
        """The service's command, or None with each problem said next to its field."""
        errors = self.errors
        at = forms.local_datetime(errors, "requested_at", self.requested_at, "依頼日時")
        cause = forms.choice(errors, "cause", self.cause, set(terms.causes), "故障の原因")
        part = forms.choice(errors, "part", self.part, {"", *vocabulary.parts}, "部品") if self.part else None
        claim = forms.choice(errors, "claim", self.claim, {"repair", *terms.requests.claims}, "ご請求の内容")
        country = forms.choice(errors, "country", self.country, COUNTRIES, "故障した場所")
        height = forms.metres(errors, "install_height_m", self.install_height_m, "設置場所の高さ")
        item = forms.choice(errors, "item", self.item, serials or set(), "故障した機器") if self.item else None
        values = {
            "at": at,
            "cause": cause,
            "country": country,
            "needs_parts": self.needs_parts,
            "part": part or None,
            "install_height_m": height,
            "claim": claim,
            "item": item or None,
        }
        return forms.command(errors, RequestRepair, values, LABELS)


def _intake_form(
    requested_at: Annotated[str, Form()] = "",
    cause: Annotated[str, Form()] = "",
    needs_parts: Annotated[str, Form()] = "",
    part: Annotated[str, Form()] = "",
    install_height_m: Annotated[str, Form()] = "",
    claim: Annotated[str, Form()] = "repair",
    country: Annotated[str, Form()] = "JP",
    item: Annotated[str, Form()] = "",
) -> Intake:
    """The posted intake form, for the preview and the save alike (a checkbox posts "on" or nothing)."""
    return Intake(requested_at, cause, needs_parts == "on", part, install_height_m, claim, country, item)


IntakeForm = Annotated[Intake, Depends(_intake_form)]


def _jst_now(op: Operator) -> str:
    return op.hosho.clock().astimezone(JST).strftime("%Y-%m-%dT%H:%M")


def _options(terms: ProgramVersion, vocabulary: Any) -> dict[str, Any]:
    causes = [(key, name) for key, name in vocabulary.causes.items() if key in terms.causes]
    claims = {"repair": vocabulary.claims.get("repair", "故障の修理")}
    claims.update({key: vocabulary.claims.get(key, key) for key in terms.requests.claims})
    parts = {"": "指定なし", **vocabulary.parts}
    return {"causes": causes, "claims": claims, "parts": parts, "countries": COUNTRIES}


def sendback_note(terms: ProgramVersion, mode: str) -> str | None:
    """For send-back plans the deadline starts when the item arrives: say so before it does."""
    level = terms.sla.get(ServiceMode.SENDBACK)
    if mode != ServiceMode.SENDBACK.value or level is None:
        return None
    return f"修理品と確認シートの到着後、{level.business_days}営業日以内に修理して発送します(目安)。"


def routes(router: APIRouter) -> None:
    def page(
        request: Request, op: Operator, contract_id: int, intake: Intake, decision: Any, refusal: str | None = None
    ) -> Response:
        view = contracts.get(op.hosho, op.actor, contract_id)
        terms = terms_of(op.hosho.rules.catalog, view)
        vocabulary = op.hosho.rules.catalog.vocabulary
        context = {
            "c": view,
            "terms": terms,
            "form": intake,
            "decision": decision,
            "refusal": refusal,
            "sendback_note": sendback_note(terms, view.plan.service_mode),
            **_options(terms, vocabulary),
        }
        status = 422 if intake.errors else 409 if refusal else 200
        return op.render(request, "repair.html", context, status=status)

    def contract_and_terms(op: Operator, contract_id: int) -> tuple[ContractView, ProgramVersion]:
        view = contracts.get(op.hosho, op.actor, contract_id)
        return view, terms_of(op.hosho.rules.catalog, view)

    @router.get("/contracts/{contract_id}/repair", name="console.repair")
    def intake_page(request: Request, op: SignedIn, contract_id: int) -> Response:
        op.require(cases.INTAKE)
        return page(request, op, contract_id, Intake(requested_at=_jst_now(op)), None)

    @router.post("/contracts/{contract_id}/repair/preview", name="console.repair_preview")
    def preview(request: Request, op: SignedIn, contract_id: int, intake: IntakeForm) -> Response:
        op.require(cases.INTAKE)
        view, terms = contract_and_terms(op, contract_id)
        data = intake.request(terms, op.hosho.rules.catalog.vocabulary, {e.serial for e in view.equipment})
        decision: Decision | None = None
        refusal = None
        if data is not None:
            try:
                decision = cases.preview_repair(op.hosho, op.actor, contract_id, data)
            except ServiceError as error:
                if error.code in ("forbidden", "not_found"):
                    raise
                if not forms.refused(intake.errors, error, LABELS):
                    refusal = error_message(error.code)
        if not is_htmx(request):
            return page(request, op, contract_id, intake, decision, refusal)
        return op.render(
            request,
            "_decision.html",
            {
                "c": view,
                "terms": terms,
                "form": intake,
                "decision": decision,
                "refusal": refusal,
                "sendback_note": sendback_note(terms, view.plan.service_mode),
            },
        )

    @router.post("/contracts/{contract_id}/repair", name="console.repair_save")
    def save(request: Request, op: SignedIn, contract_id: int, intake: IntakeForm) -> Response:
        op.require(cases.INTAKE)
        view, terms = contract_and_terms(op, contract_id)
        data = intake.request(terms, op.hosho.rules.catalog.vocabulary, {e.serial for e in view.equipment})
        if data is None:
            return page(request, op, contract_id, intake, None)
        try:
            answer = cases.request_repair(op.hosho, op.actor, contract_id, data)
        except ServiceError as error:
            if not forms.refused(intake.errors, error, LABELS):
                raise
            return page(request, op, contract_id, intake, None)
        return redirect(f"/console/contracts/{contract_id}/cases/{answer.case_id}?notice=requested")
