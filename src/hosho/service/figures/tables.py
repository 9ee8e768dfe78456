"""Each figure as tables: what the console shows behind a chart and what a CSV export holds, the same cells.

A cell is an int (counts and yen, so a spreadsheet can sum them) or text. CSV is UTF-8 with a BOM and CRLF line
ends: Excel opens it as UTF-8 by the BOM, and no subscriber's or retailer's name is lost to CP932's narrower set.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from hosho.presentation import figures as words
from hosho.service.figures.results import (
    CasesFigure,
    ContractsFigure,
    EndingFigure,
    Figure,
    LossFigure,
    RefundsFigure,
    SlaFigure,
)
from hosho.service.figures.summary import BRACKETS

Cell = int | str


@dataclass(frozen=True, slots=True)
class Table:
    key: str  # stable: the CSV's name (figure-key.csv)
    caption: str
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    on_page: bool = True  # False: too long to read on a page, downloaded as CSV only


def _retailer(code: str | None) -> str:
    return code if code is not None else words.NO_RETAILER


def _text(value: object) -> str:
    return "" if value is None else str(value)


def tables(figure: Figure) -> list[Table]:
    if isinstance(figure, SlaFigure):
        return _sla(figure)
    if isinstance(figure, CasesFigure):
        return _cases(figure)
    if isinstance(figure, ContractsFigure):
        return _contracts(figure)
    if isinstance(figure, EndingFigure):
        return _ending(figure)
    if isinstance(figure, RefundsFigure):
        return _refunds(figure)
    if isinstance(figure, LossFigure):
        return _losses(figure)
    raise TypeError(f"no tables for {type(figure).__name__}")


def _sla(figure: SlaFigure) -> list[Table]:
    months = Table(
        "months",
        "SLA達成率(目標日の月別)",
        ("月", "種類", "期限到来", "達成", "超過", "期限前", "達成率"),
        [
            (r.month, words.SLA_KINDS[r.kind], r.due, r.met, r.breached, r.pending, words.percent(r.attainment_bp))
            for r in figure.months
        ],
    )
    more = (
        f"(全{figure.breaches_total}件のうち新しい{len(figure.breaches)}件)"
        if figure.breaches_total > len(figure.breaches)
        else ""
    )
    breaches = Table(
        "breaches",
        f"SLA超過の案件{more}",
        ("案件ID", "契約ID", "案件番号", "プログラム", "プラン", "種類", "目標日", "完了日", "超過日数"),
        [
            (
                b.case_id,
                b.contract_id,
                b.case_number,
                b.program,
                b.plan,
                words.SLA_KINDS[b.kind],
                b.target.isoformat(),
                b.done_on.isoformat() if b.done_on else "未完了",
                b.days_late,
            )
            for b in figure.breaches
        ],
    )
    return [months, breaches]


def _cases(figure: CasesFigure) -> list[Table]:
    by_cause = Table(
        "by-cause",
        "原因と判定別の件数",
        ("原因", "判定", "件数"),
        [(r.cause, words.DECISIONS.get(r.decision, r.decision), r.count) for r in figure.by_cause],
    )
    clauses = Table(
        "clauses",
        "判定で引用の多い条項",
        ("プログラム", "条項", "引用件数"),
        [(r.program, r.label, r.count) for r in figure.clauses],
    )
    disputes = Table(
        "disputes",
        "見解相違の多い条項と結果",
        ("プログラム", "条項", "見解相違", "判断待ち", "対象に変更", "対象外を維持"),
        [(r.program, r.label, r.disputes, r.open, r.covered, r.not_covered) for r in figure.disputes],
    )
    return [by_cause, clauses, disputes]


def _contracts(figure: ContractsFigure) -> list[Table]:
    months = sorted({r.month for r in figure.months})
    last = months[-1] if months else None
    totals: dict[str, list[int]] = {month: [0, 0] for month in months}
    plans: dict[tuple[str, str], list[int]] = {}
    channels: dict[str, list[int]] = {}
    for r in figure.months:
        totals[r.month][0] += r.enrolled
        totals[r.month][1] += r.active
        for sums in (plans.setdefault((r.program, r.plan), [0, 0]), channels.setdefault(_retailer(r.retailer), [0, 0])):
            sums[0] += r.enrolled
            sums[1] += r.active if r.month == last else 0
    at_end = f"有効契約数({last}末)" if last else "有効契約数"
    return [
        Table(
            "months",
            "月別の加入件数と月末の有効契約数",
            ("月", "加入件数", "有効契約数(月末)"),
            [(month, enrolled, active) for month, (enrolled, active) in totals.items()],
        ),
        Table(
            "plans",
            "プラン別の加入件数(期間計)と有効契約数",
            ("プログラム", "プラン", "加入件数", at_end),
            [(program, plan, enrolled, active) for (program, plan), (enrolled, active) in sorted(plans.items())],
        ),
        Table(
            "retailers",
            "販売店別の加入件数(期間計)と有効契約数",
            ("販売店", "加入件数", at_end),
            [(code, enrolled, active) for code, (enrolled, active) in sorted(channels.items())],
        ),
        Table(
            "detail",
            "月別・プラン別・販売店別の加入件数と月末の有効契約数",
            ("月", "プログラム", "プラン", "販売店", "加入件数", "有効契約数(月末)"),
            [(r.month, r.program, r.plan, _retailer(r.retailer), r.enrolled, r.active) for r in figure.months],
            on_page=False,
        ),
    ]


def _ending(figure: EndingFigure) -> list[Table]:
    plans: dict[tuple[str, str, str], int] = {}
    for r in figure.by_month:
        plans[(r.month, r.program, r.plan)] = plans.get((r.month, r.program, r.plan), 0) + r.count
    by_month = Table(
        "by-month",
        f"{figure.window_days}日以内に満了する契約(満了月・プラン別)",
        ("満了月", "プログラム", "プラン", "件数"),
        [(month, program, plan, count) for (month, program, plan), count in sorted(plans.items())],
    )
    detail = Table(
        "detail",
        f"{figure.window_days}日以内に満了する契約(満了月・プラン・販売店別)",
        ("満了月", "プログラム", "プラン", "販売店", "件数"),
        [(r.month, r.program, r.plan, _retailer(r.retailer), r.count) for r in figure.by_month],
        on_page=False,
    )
    listed = Table(
        "contracts",
        f"満了が近い契約(全{figure.contracts_total}件、満了日順に最大{figure.contracts_limit}件)",
        ("契約ID", "加入者証番号", "プログラム", "プラン", "販売店", "保証期限"),
        [
            (
                c.contract_id,
                _text(c.certificate_number),
                c.program,
                c.plan,
                _retailer(c.retailer),
                c.coverage_end.isoformat(),
            )
            for c in figure.contracts
        ],
    )
    return [by_month, listed, detail]


def _refunds(figure: RefundsFigure) -> list[Table]:
    by_month = Table(
        "by-month",
        "返金(返金額確定の月別、振込の状況別)",
        ("月", "振込の状況", "件数", "返金額(円)"),
        [(r.month, words.REFUND_STATUSES.get(r.status, r.status), r.count, r.yen) for r in figure.by_month],
    )
    by_bracket = Table(
        "by-bracket",
        "返金(購入日からの経過年数別、振込の状況別)",
        ("経過年数", "振込の状況", "件数", "返金額(円)"),
        [
            (words.years_bracket(r.years, BRACKETS), words.REFUND_STATUSES.get(r.status, r.status), r.count, r.yen)
            for r in figure.by_bracket
        ],
    )
    return [by_month, by_bracket]


def _losses(figure: LossFigure) -> list[Table]:
    return [
        Table(
            "rows",
            "損害率(修理・交換の支払額 ÷ 受領した保証料、小数第3位以下切り捨て)",
            ("区分", "プログラム", "プラン", "販売店", "受領保証料(円)", "修理(円)", "交換(円)", "損害率"),
            [
                (
                    words.LOSS_BY[r.by],
                    _text(r.program),
                    _text(r.plan),
                    _retailer(r.retailer) if r.by == "retailer" else "",
                    r.fees,
                    r.repairs,
                    r.replacements,
                    words.percent(r.loss_ratio_bp),
                )
                for r in figure.rows
            ],
        )
    ]


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM, CRLF: Excel reads it as UTF-8; the first line is the heads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8-sig")
