"""A case after intake on the console: the technician's diagnosis, a supervisor's review, and disputes (見解相違).

Each form posts to the service (hosho.service.adjudication); the case page then shows the agent what to tell the
caller, in Japanese, with the clause texts the decision rests on.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel
from starlette.responses import Response

from hosho.console import forms
from hosho.console.app import Operator, SignedIn, redirect
from hosho.console.contract import terms_of
from hosho.presentation.words import ADJUDICATION
from hosho.service import adjudication, contracts
from hosho.service.commands import DecideDispute, DecideReview, Diagnosis, DisputeOpinion, OpenDispute
from hosho.service.context import ServiceError
from hosho.service.results import CaseView, ContractView

VERDICTS = {"covered": "保証の対象とする", "not_covered": "保証の対象外とする"}
LABELS = {
    "date": ("on", "日付"),
    "cause": ("cause", "判明した原因"),
    "decision": ("decision", "判定"),
    "note": ("note", "判断の理由"),
    "opinion": ("opinion", "第三者の意見"),
}

# What the agent says to the caller after each step, before the clauses.
SCRIPTS = {
    ("diagnosis", "covered"): "技術者の診断の結果、保証の対象として修理いたします。",
    ("diagnosis", "not_covered"): (
        "技術者の診断の結果、今回の症状は保証の対象外となります。理由は次の条項のとおりです。"
        "修理をご希望の場合、費用はお客様のご負担となります。"
    ),
    ("review_decided", "covered"): "審査の結果、保証の対象として修理いたします。",
    (
        "review_decided",
        "not_covered",
    ): "審査の結果、今回のご依頼は保証の対象外となりました。理由は次の条項のとおりです。",
    ("dispute_opened", "not_covered"): (
        "ご意見を承りました。中立的な第三者の意見を求めたうえで、改めて判断しご連絡いたします。"
    ),
    ("third_party_opinion", "not_covered"): "第三者の意見を受け取りました。最終の判断は改めてご連絡いたします。",
    ("dispute_decided", "covered"): "見解相違について再検討した結果、保証の対象として修理いたします。",
    (
        "dispute_decided",
        "not_covered",
    ): "見解相違について第三者の意見も踏まえて再検討しましたが、保証の対象外との判断は変わりません。",
}
REVIEW_SCRIPT = "このご依頼は、規程上当社の判断による扱いのため審査いたします。結果は改めてご連絡いたします。"


def context(op: Operator, view: ContractView, case: CaseView) -> dict[str, Any]:
    """The case page's part: which forms this user may use, and what to tell the caller now."""
    open_case = case.covered and case.state == "open"
    return {
        "tell": _tell(op, view, case),
        "can_diagnose": op.may(adjudication.DIAGNOSERS) and open_case,
        "can_decide_review": op.may(adjudication.DECIDERS) and case.review == "pending",
        "can_dispute": op.may(adjudication.DISPUTE_TAKERS)
        and not case.covered
        and case.state == "closed"
        and case.dispute != "open",
        "can_record_opinion": op.may(adjudication.DISPUTE_TAKERS) and case.dispute == "open",
        "can_decide_dispute": op.may(adjudication.DECIDERS) and case.dispute == "open",
        "verdicts": VERDICTS,
        "adjudication_causes": op.hosho.rules.catalog.vocabulary.causes,
    }


def _tell(op: Operator, view: ContractView, case: CaseView) -> dict[str, Any] | None:
    """The latest decision after intake, as the agent says it: the script, the reasoning and the clause texts."""
    terms = terms_of(op.hosho.rules.catalog, view)
    mode = view.plan.service_mode
    latest = next((event for event in reversed(case.events) if event.kind in ADJUDICATION), None)
    if latest is None or latest.data is None:
        if case.review == "pending":
            return {"title": "要審査", "script": REVIEW_SCRIPT, "reasoning": [], "clauses": [], "decision": "review"}
        return None
    decision = latest.data.get("decision", "")
    # The grounds of the decision, not the cost lines' clauses: what the caller is told it rests on.
    cited = latest.data.get("grounds") or latest.data.get("clauses") or ()
    labels = [label for label in cited if label in terms.clauses]
    return {
        "title": ADJUDICATION[latest.kind],
        "decision": decision,
        "script": SCRIPTS.get((latest.kind, decision), ""),
        "reasoning": latest.data.get("reasoning") or [],
        "clauses": [(label, terms.clauses[label].text_for(mode)) for label in labels],
    }


def routes(router: APIRouter) -> None:
    def act(
        request: Request,
        op: Operator,
        contract_id: int,
        case_id: int,
        kind: str,
        build: Any,
        call: Any,
    ) -> Response:
        view = contracts.get(op.hosho, op.actor, contract_id)
        if not any(case.id == case_id for case in view.cases):
            raise ServiceError("not_found", f"case {case_id} not found")
        errors = forms.FormErrors()
        command: BaseModel | None = build(errors)
        if command is None:
            return _again(request, op, contract_id, case_id, errors)
        try:
            call(op.hosho, op.actor, case_id, command)
        except ServiceError as error:
            if not forms.refused(errors, error, LABELS):
                raise
            return _again(request, op, contract_id, case_id, errors)
        return redirect(f"/console/contracts/{contract_id}/cases/{case_id}?notice={kind}")

    @router.post("/contracts/{contract_id}/cases/{case_id}/diagnosis", name="console.diagnosis")
    def diagnosis(
        request: Request,
        op: SignedIn,
        contract_id: int,
        case_id: int,
        on: Annotated[str, Form()] = "",
        reproduced: Annotated[str, Form()] = "yes",
        cause: Annotated[str, Form()] = "",
        note: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        op.require(adjudication.DIAGNOSERS)
        causes = op.hosho.rules.catalog.vocabulary.causes

        def build(errors: forms.FormErrors) -> Diagnosis | None:
            day = forms.day(errors, "on", on, "日付")
            found = forms.choice(errors, "cause", cause, {"", *causes}, "判明した原因") if cause else None
            values = {
                "date": day,
                "reproduced": reproduced != "no",
                "cause": found or None,
                "note": note.strip() or None,
            }
            return forms.command(errors, Diagnosis, values, LABELS)

        return act(request, op, contract_id, case_id, "diagnosis", build, adjudication.diagnose)

    @router.post("/contracts/{contract_id}/cases/{case_id}/review", name="console.review")
    def review(
        request: Request,
        op: SignedIn,
        contract_id: int,
        case_id: int,
        on: Annotated[str, Form()] = "",
        decision: Annotated[str, Form()] = "",
        note: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        op.require(adjudication.DECIDERS)
        return act(
            request,
            op,
            contract_id,
            case_id,
            "review_decided",
            lambda errors: _decided(errors, DecideReview, on, decision, note),
            adjudication.decide_review,
        )

    @router.post("/contracts/{contract_id}/cases/{case_id}/dispute", name="console.dispute")
    def dispute(
        request: Request,
        op: SignedIn,
        contract_id: int,
        case_id: int,
        on: Annotated[str, Form()] = "",
        note: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        op.require(adjudication.DISPUTE_TAKERS)

        def build(errors: forms.FormErrors) -> OpenDispute | None:
            day = forms.day(errors, "on", on, "日付")
            if not note.strip():
                errors["note"] = "お申し出の内容を入力してください。"
            return forms.command(errors, OpenDispute, {"date": day, "note": note.strip()}, LABELS)

        return act(request, op, contract_id, case_id, "dispute_opened", build, adjudication.open_dispute)

    @router.post("/contracts/{contract_id}/cases/{case_id}/dispute/opinion", name="console.opinion")
    def opinion(
        request: Request,
        op: SignedIn,
        contract_id: int,
        case_id: int,
        on: Annotated[str, Form()] = "",
        text: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        op.require(adjudication.DISPUTE_TAKERS)

        def build(errors: forms.FormErrors) -> DisputeOpinion | None:
            day = forms.day(errors, "on", on, "日付")
            if not text.strip():
                errors["opinion"] = "第三者の意見を入力してください。"
            return forms.command(errors, DisputeOpinion, {"date": day, "opinion": text.strip()}, LABELS)

        return act(request, op, contract_id, case_id, "third_party_opinion", build, adjudication.record_opinion)

    @router.post("/contracts/{contract_id}/cases/{case_id}/dispute/decision", name="console.dispute_decision")
    def dispute_decision(
        request: Request,
        op: SignedIn,
        contract_id: int,
        case_id: int,
        on: Annotated[str, Form()] = "",
        decision: Annotated[str, Form()] = "",
        note: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        op.require(adjudication.DECIDERS)
        return act(
            request,
            op,
            contract_id,
            case_id,
            "dispute_decided",
            lambda errors: _decided(errors, DecideDispute, on, decision, note),
            adjudication.decide_dispute,
        )


def _decided(
    errors: forms.FormErrors, kind: type[DecideReview] | type[DecideDispute], on: str, decision: str, note: str
) -> DecideReview | DecideDispute | None:
    day = forms.day(errors, "on", on, "日付")
    chosen = forms.choice(errors, "decision", decision, VERDICTS, "判定")
    if not note.strip():
        errors["note"] = "判断の理由を入力してください(監査記録に残ります)。"
    return forms.command(errors, kind, {"date": day, "decision": chosen, "note": note.strip()}, LABELS)


def _again(request: Request, op: Operator, contract_id: int, case_id: int, errors: forms.FormErrors) -> Response:
    """The case page again, each problem next to its field."""
    from hosho.console.board import show_case  # the case page is the repair desk's

    return show_case(request, op, contract_id, case_id, errors)
