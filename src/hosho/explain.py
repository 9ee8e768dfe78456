"""The explain view: what a call-center agent reads to a caller, in Japanese, with the clause texts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hosho.domain.program import ProgramVersion
from hosho.presentation.formats import day, moment, yen
from hosho.presentation.words import CASE_STATES, DECISIONS, ESTIMATE_OUTCOMES, STATUSES, STEPS, error_message
from hosho.programs.catalog import Catalog
from hosho.scenarios.runner import Outcome, StepResult


def render(outcome: Outcome, catalog: Catalog) -> str:
    """The scenario's answers as an agent reads them: they are the service's own (the API's JSON)."""
    scenario = outcome.scenario
    assert scenario is not None
    lines = [f"■ {scenario.title}"]
    first = outcome.results[0] if outcome.results else None
    contract = first.answer if first is not None else None
    terms = _terms(catalog, contract)
    if contract is not None and terms is not None:
        plan = contract["plan"]
        lines.append(f"  規程: {terms.name}({terms.provider}) 版 {terms.version}  プラン: {plan['name']}")
    for result in outcome.results:
        lines.append("")
        lines.extend(_step(result, terms, catalog))
    if first is not None and first.answer is not None and not outcome.failures:
        lines.append("")
        lines.append("期待値: すべて一致")
    for failure in outcome.failures:
        lines.append(f"期待値と不一致: {failure}")
    return "\n".join(lines)


def _terms(catalog: Catalog, contract: dict[str, Any] | None) -> ProgramVersion | None:
    if contract is None:
        return None
    program = catalog.programs.get(contract["program"])
    if program is None:
        return None
    return next((v for v in program.versions if v.version == contract["terms_version"]), None)


def _step(result: StepResult, terms: ProgramVersion | None, catalog: Catalog) -> list[str]:
    head = f"[{result.index}] {STEPS[result.action]}" if result.index else f"[加入] {STEPS['enrollment']}"
    out = [head]
    answer = result.answer
    if answer is None:
        refusal = result.facts
        out.append(f"  → {error_message(str(refusal.get('error')))}")
        out += _clauses(refusal.get("clauses") or (), terms)
        return out
    if result.action == "enrollment":
        out += _enrolment(answer, terms)
        out += _clauses(answer.get("clauses") or (), terms, answer["plan"]["service_mode"])
    elif result.action == "repair_request":
        out += _repair(answer, result.command, catalog)
        out += _clauses(answer["clauses"], terms)
    elif result.action == "item_arrived":
        deadline = answer.get("deadline")
        if deadline is not None:
            out += _deadline("修理完了・発送の目安", deadline)
            out += _clauses(deadline.get("clauses") or (), terms)
    elif result.action == "repair_estimate":
        estimate = answer.get("estimate_answer") or {}
        amount = yen(estimate["amount"]) if estimate.get("amount") is not None else "修理不能"
        limit = estimate.get("replacement_limit")
        cap = f"(修理上限金額 {yen(limit)})" if limit is not None else ""
        out.append(f"  見積: {amount}{cap} → {ESTIMATE_OUTCOMES[estimate['outcome']]}")
        out += _costs(estimate.get("costs") or ())
        out += _clauses(estimate.get("clauses") or (), terms)
    elif result.action in CASE_DECISIONS:
        out += _case_decision(answer)
        out += _clauses(answer.get("clauses") or (), terms)
    elif result.action == "repaired":
        out.append(f"  案件: {CASE_STATES.get(answer['state'], answer['state'])}")
    elif result.action == "cancel":
        out += _cancellation(answer)
        out += _clauses(answer.get("clauses") or (), terms)
    else:
        out.append(f"  状態: {STATUSES[answer['status']]}")
        out += _clauses(answer.get("clauses") or (), terms)
    return out


def _enrolment(contract: dict[str, Any], terms: ProgramVersion | None) -> list[str]:
    out = [f"  状態: {STATUSES[contract['status']]}"]
    purchase = date.fromisoformat(contract["purchase_date"])
    maker_end = contract.get("manufacturer_warranty_end")
    if maker_end:
        out.append(f"  メーカー保証: {day(purchase)}〜{day(date.fromisoformat(maker_end))}")
    start, end = date.fromisoformat(contract["coverage_start"]), date.fromisoformat(contract["coverage_end"])
    out.append(f"  保証期間: {day(start)}〜{day(end)}(購入日を含め{contract['plan']['years']}年)")
    consumables = contract.get("consumable_replacement") or {}
    if consumables.get("count") and consumables.get("around"):
        notice = terms.consumables.notice if terms is not None and terms.consumables else ""
        around = date.fromisoformat(consumables["around"])
        out.append(f"  消耗部品の交換: {consumables['count']}回、{day(around)}前後。{notice}")
    return out


def _repair(decision: dict[str, Any], command: Any, catalog: Catalog) -> list[str]:
    cause = catalog.vocabulary.causes.get(command.cause, command.cause)
    verdict = (
        f"{DECISIONS['covered']}です(無償修理)"
        if decision["decision"] == "covered"
        else f"{DECISIONS[decision['decision']]}です"
    )
    requested = datetime.fromisoformat(decision["requested_at"])
    out = [f"  依頼日時: {moment(requested)}  原因: {cause}", f"  → {verdict}"]
    for reason in decision.get("reasons") or ():
        if reason.get("reasoning"):
            out.append(f"    理由: {reason['reasoning']}")
    received_on = date.fromisoformat(decision["received_on"])
    received_at = datetime.fromisoformat(decision["received_at"])
    if received_at <= requested:
        out.append(f"  受付日: {day(received_on)}(受付時間内)")
    else:
        skipped = "、".join(_skipped(item) for item in decision.get("reception_skipped") or ())
        note = f"。除外: {skipped}" if skipped else ""
        out.append(f"  受付日: {day(received_on)}(受付時間外のため次の受付開始 {moment(received_at)} に受付{note})")
    if decision.get("deadline") is not None:
        out += _deadline("訪問期限", decision["deadline"])
    out += _costs(decision.get("costs") or ())
    return out


# The steps after intake that answer with the case's decision (service.adjudication).
CASE_DECISIONS = frozenset({"diagnosis", "decide_review", "dispute", "third_party_opinion", "decide_dispute"})


def _case_decision(answer: dict[str, Any]) -> list[str]:
    out = [f"  → {DECISIONS[answer['decision']]}です"]
    for reason in answer.get("reasons") or ():
        if reason.get("reasoning"):
            out.append(f"    理由: {reason['reasoning']}")
    if answer.get("visit_by"):
        out.append(f"  訪問期限: {day(date.fromisoformat(answer['visit_by']))}(判定日から数えます)")
    out += _costs(answer.get("costs") or ())
    return out


def _skipped(item: dict[str, Any]) -> str:
    d = date.fromisoformat(item["date"])
    return f"{day(d)} {item['reason']}"


def _deadline(title: str, deadline: dict[str, Any]) -> list[str]:
    due, start = date.fromisoformat(deadline["due"]), date.fromisoformat(deadline["clock_start"])
    line = f"  {title}: {day(due)}({day(start)}の{deadline['business_days']}営業日後"
    skipped = deadline.get("skipped") or ()
    if skipped:
        line += "。除外: " + "、".join(_skipped(item) for item in skipped)
    return [line + ")。目安であり、修理完了を約束するものではありません。"]


def _costs(lines: Any) -> list[str]:
    if not lines:
        return []
    out = ["  費用の負担:"]
    for line in lines:
        note = f"({line['note']})" if line.get("note") else ""
        out.append(f"    - {line['item_ja']}: {line['payer_ja']}{note} [{'、'.join(line.get('clauses') or ())}]")
    return out


def _cancellation(answer: dict[str, Any]) -> list[str]:
    b = answer.get("breakdown")
    if b is None:
        return [f"  返金額: {yen(answer['refund'])}"]
    bracket = f"{day(date.fromisoformat(b['bracket_ends']))}まで" if b.get("bracket_ends") else "最終区分"
    return [
        f"  区分: 表の{b['bracket']}行目({bracket})、返金率 {b['rate']}",
        f"  返金額: 購入金額 × {b['rate']} = {yen(b['gross'])}(円未満切り捨て) − 振込手数料 {yen(b['transfer_fee'])}"
        f" = {yen(answer['refund'])}",
    ]


def _clauses(clauses: Any, terms: ProgramVersion | None, mode: str | None = None) -> list[str]:
    """Each label with its text: the answer's own text where it gives one, else the terms'."""
    if not clauses:
        return []
    out = ["  根拠となる条項:"]
    for item in clauses:
        if isinstance(item, dict):
            out.append(f"    {item['label']}: {item['text']}")
            continue
        clause = terms.clauses.get(item) if terms is not None else None
        out.append(f"    {item}: {clause.text_for(mode) if clause else '(条項が見つかりません)'}")
    return out
