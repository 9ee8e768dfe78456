"""The explain view: what a call-center agent reads to a caller, in Japanese, with the clause texts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hosho.domain.calendar import BusinessCalendar
from hosho.domain.contract import Contract
from hosho.domain.enrollment import Enrollment
from hosho.domain.program import CostLine, ProgramVersion
from hosho.domain.refunds import Cancellation
from hosho.domain.repairs import ArrivalAnswer, Deadline, EstimateAnswer, RepairDecision
from hosho.programs.catalog import Catalog
from hosho.scenarios.runner import Outcome, StepResult

WEEKDAYS_JA = "月火水木金土日"
STATUS_JA = {
    "pending": "未払い(加入者証未発行)",
    "active": "有効",
    "cancelled": "解約済み",
    "ended": "終了(代替品提供)",
    "expired": "期間満了",
    "transferred": "譲渡により終了",
}
ACTION_JA = {
    "enrollment": "加入申込",
    "pay": "保証料金の受領",
    "repair_request": "修理依頼",
    "item_arrived": "修理品・確認シート到着",
    "repair_estimate": "修理見積",
    "cancel": "解約",
    "transfer_ownership": "所有者の変更(譲渡)",
    "report_change": "変更の届出",
    "manufacturer_replacement": "メーカー・販売店による代替品の提供",
}


def day(d: date) -> str:
    return f"{d.isoformat()}({WEEKDAYS_JA[d.weekday()]})"


def moment(t: datetime) -> str:
    return f"{day(t.date())} {t.strftime('%H:%M')}"


def render(outcome: Outcome, catalog: Catalog) -> str:
    scenario = outcome.scenario
    assert scenario is not None
    lines = [f"■ {scenario.title}"]
    contract = outcome.contract
    first = outcome.results[0]
    terms = contract.terms if contract else None
    if terms is not None and contract is not None:
        lines.append(f"  規程: {terms.name}({terms.provider}) 版 {terms.version}  プラン: {contract.plan.name}")
    for result in outcome.results:
        lines.append("")
        lines.extend(_step(result, contract, terms, outcome.calendar, catalog))
    if first.error is None and not outcome.failures:
        lines.append("")
        lines.append("期待値: すべて一致")
    for failure in outcome.failures:
        lines.append(f"期待値と不一致: {failure}")
    return "\n".join(lines)


def _step(
    result: StepResult,
    contract: Contract | None,
    terms: ProgramVersion | None,
    calendar: BusinessCalendar | None,
    catalog: Catalog,
) -> list[str]:
    head = f"[{result.index}] {ACTION_JA[result.action]}" if result.index else f"[加入] {ACTION_JA['enrollment']}"
    out = [head]
    if result.error is not None:
        out.append(f"  → お受けできません: {result.error.code} — {result.error.message}")
        out += _clauses(result.error.clauses, terms, contract)
        return out
    answer = result.answer
    mode = contract.plan.service_mode.value if contract is not None else None
    if isinstance(answer, Enrollment):
        c = answer.contract
        out.append(f"  状態: {STATUS_JA[result.facts['status']]}")
        coverage = answer.coverage
        if coverage.manufacturer_warranty_end:
            out.append(
                f"  メーカー保証: {day(c.purchase_date)}〜{day(coverage.manufacturer_warranty_end)}"
                f"(購入日を含め{c.manufacturer_warranty_months}か月)"
            )
        out.append(f"  保証期間: {day(c.coverage_start)}〜{day(c.coverage_end)}(購入日を含め{c.plan.term_years}年)")
        if answer.window_ends:
            out.append(f"  申込期限: {day(answer.window_ends)}(運用開始日の翌日から起算して1か月)")
        if answer.consumables.count and answer.consumables.around:
            notice = c.terms.consumables.notice if c.terms.consumables else ""
            out.append(
                f"  消耗部品の交換: {answer.consumables.count}回、{day(answer.consumables.around)}前後。{notice}"
            )
        out += _clauses(answer.clauses, c.terms, c, mode)
    elif isinstance(answer, RepairDecision):
        out += _repair(answer, result.payload, calendar, catalog, terms)
        out += _clauses(answer.clauses, terms, contract, mode)
    elif isinstance(answer, ArrivalAnswer):
        out += _deadline("修理完了・発送の目安", answer.deadline)
        out += _clauses(answer.clauses, terms, contract, mode)
    elif isinstance(answer, EstimateAnswer):
        amount = f"{answer.amount:,}円" if answer.amount is not None else "修理不能"
        limit = f"(修理上限金額 {answer.replacement_limit:,}円)" if answer.replacement_limit is not None else ""
        verdict = {
            "repair": "修理します",
            "replacement": "代替品の提供で修理に代えます。サービスは終了します",
            "unrepairable": "修理できません",
        }[answer.outcome]
        out.append(f"  見積: {amount}{limit} → {verdict}")
        out += _costs(answer.costs, catalog)
        out += _clauses(answer.clauses, terms, contract, mode)
    elif isinstance(answer, Cancellation):
        out += _cancellation(answer)
        out += _clauses(answer.clauses, terms, contract, mode)
    else:
        out.append(f"  状態: {STATUS_JA[result.facts['status']]}")
        out += _clauses(result.facts.get("clauses", ()), terms, contract, mode)
    return out


def _repair(
    decision: RepairDecision,
    payload: Any,
    calendar: BusinessCalendar | None,
    catalog: Catalog,
    terms: ProgramVersion | None,
) -> list[str]:
    cause = catalog.vocabulary.causes.get(payload.cause, payload.cause)
    verdict = "保証の対象です(無償修理)" if decision.covered else "保証の対象外です"
    out = [f"  依頼日時: {moment(decision.reception.requested_at)}  原因: {cause}", f"  → {verdict}"]
    for reason in decision.reasons:
        if reason.reasoning:
            out.append(f"    理由: {reason.reasoning}")
    reception = decision.reception
    if reception.immediate:
        out.append(f"  受付日: {day(reception.received_on)}(受付時間内)")
    else:
        skipped = "、".join(f"{d.month}/{d.day} {why}" for d, why in reception.skipped)
        note = f"。除外: {skipped}" if skipped else ""
        opens = moment(reception.received_at)
        out.append(f"  受付日: {day(reception.received_on)}(受付時間外のため次の受付開始 {opens} に受付{note})")
    if decision.deadline is not None:
        out += _deadline("訪問期限", decision.deadline)
    out += _costs(decision.costs, catalog)
    return out


def _deadline(title: str, deadline: Deadline) -> list[str]:
    """The deadline as the domain derived it, with the days it passed over (nothing asks the calendar again)."""
    line = f"  {title}: {day(deadline.due)}({day(deadline.clock_start)}の{deadline.business_days}営業日後"
    if deadline.skipped:
        line += "。除外: " + "、".join(f"{d.month}/{d.day} {why}" for d, why in deadline.skipped)
    return [line + ")。目安であり、修理完了を約束するものではありません。"]


def _costs(lines: tuple[CostLine, ...], catalog: Catalog) -> list[str]:
    if not lines:
        return []
    out = ["  費用の負担:"]
    for line in lines:
        item = catalog.vocabulary.cost_items.get(line.item, line.item)
        payer = catalog.vocabulary.payers.get(line.payer.value, line.payer.value)
        note = f"({line.note})" if line.note else ""
        out.append(f"    - {item}: {payer}{note} [{'、'.join(line.clauses)}]")
    return out


def _cancellation(answer: Cancellation) -> list[str]:
    b = answer.breakdown
    if b is None:
        return [f"  返金額: {answer.refund:,}円"]
    bracket = f"{b.bracket_ends.isoformat()}まで" if b.bracket_ends else "最終区分"
    return [
        f"  区分: 表の{b.bracket + 1}行目({bracket})、返金率 {b.rate}",
        f"  返金額: 購入金額 × {b.rate} = {b.gross:,}円(円未満切り捨て) − 振込手数料 {b.transfer_fee:,}円"
        f" = {answer.refund:,}円",
    ]


def _clauses(
    labels: Any, terms: ProgramVersion | None, contract: Contract | None, mode: str | None = None
) -> list[str]:
    if not labels or terms is None:
        return []
    out = ["  根拠となる条項:"]
    for label in labels:
        clause = terms.clauses.get(label)
        text = clause.text_for(mode) if clause else "(条項が見つかりません)"
        out.append(f"    {label}: {text}")
    return out
