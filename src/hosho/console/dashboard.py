"""The operations dashboard (運用ダッシュボード) for the provider's staff: every figure as a chart with its table,
filters as a GET form, and each table as CSV (issue 13)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from hosho.console.app import SignedIn
from hosho.console.charts import Series, bars, legend
from hosho.presentation import figures as words
from hosho.service import figures
from hosho.service.context import Hosho, Role, ServiceError, not_found
from hosho.service.figures import results
from hosho.service.figures.tables import Table, tables, to_csv

STAFF = {Role.ADMIN, Role.SUPERVISOR}
FIELD_NAMES = {"program": "プログラム", "plan": "プラン", "retailer": "販売店", "from": "開始月", "to": "終了月"}
Param = Annotated[str, Query(max_length=40)]


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}件"


def _yen(value: int | None) -> str:
    return "—" if value is None else f"{value:,}円"


def _ratio(value: int | None) -> str:
    return words.percent(value) if value is not None else "対象なし"


def _sum(rows: list[Any], key: str, value: str, keys: list[str]) -> list[int]:
    totals = dict.fromkeys(keys, 0)
    for row in rows:
        totals[getattr(row, key)] = totals.get(getattr(row, key), 0) + getattr(row, value)
    return [totals[k] for k in keys]


def _charts(hosho: Hosho, shown: dict[str, results.Figure]) -> dict[str, list[Any]]:
    """Each figure's charts (markup) in the order the page shows them."""
    causes = hosho.rules.catalog.vocabulary.causes
    sla = shown["sla"]
    cases = shown["cases"]
    contracts = shown["contracts"]
    ending = shown["ending"]
    refunds = shown["refunds"]
    losses = shown["loss-ratio"]
    assert isinstance(sla, results.SlaFigure) and isinstance(cases, results.CasesFigure)
    assert isinstance(contracts, results.ContractsFigure) and isinstance(ending, results.EndingFigure)
    assert isinstance(refunds, results.RefundsFigure) and isinstance(losses, results.LossFigure)
    months = sorted({row.month for row in sla.months})
    attainment = {(row.kind, row.month): row.attainment_bp for row in sla.months}
    sla_series = [Series(words.SLA_KINDS[k], [attainment.get((k, mo)) for mo in months]) for k in ("visit", "repair")]
    cause_keys = list(dict.fromkeys(row.cause for row in cases.by_cause))
    decisions = list(dict.fromkeys(row.decision for row in cases.by_cause))
    by_cause = {(row.cause, row.decision): row.count for row in cases.by_cause}
    cause_series = [Series(words.DECISIONS.get(d, d), [by_cause.get((c, d), 0) for c in cause_keys]) for d in decisions]
    dispute_series = [
        Series("判断待ち", [r.open for r in cases.disputes]),
        Series("対象に変更", [r.covered for r in cases.disputes]),
        Series("対象外を維持", [r.not_covered for r in cases.disputes]),
    ]
    contract_months = sorted({row.month for row in contracts.months} | set(months))
    ending_months = sorted({row.month for row in ending.by_month})
    refund_months = sorted({row.month for row in refunds.by_month})
    statuses = list(dict.fromkeys([*(r.status for r in refunds.by_month), *(r.status for r in refunds.by_bracket)]))
    brackets = sorted({row.years for row in refunds.by_bracket})
    refund_yen = {(r.month, r.status): r.yen for r in refunds.by_month}
    bracket_yen = {(r.years, r.status): r.yen for r in refunds.by_bracket}
    loss_labels = [_loss_label(r) for r in losses.rows]
    return {
        "sla": [
            legend(sla_series),
            bars(key="sla", title="SLA達成率(目標日の月別)", categories=months, series=sla_series, label=_ratio,
                 ceiling=10_000, summary="訪問と修理完了の、期限内に済んだ割合。"),
        ],
        "cases": [
            legend(cause_series),
            bars(key="cases", title="原因と判定別の件数", categories=[causes.get(c, c) for c in cause_keys],
                 series=cause_series, label=_count),
            bars(key="clauses", title="判定で引用の多い条項",
                 categories=[f"{r.program} {r.label}" for r in cases.clauses],
                 series=[Series("引用件数", [r.count for r in cases.clauses])], label=_count),
            legend(dispute_series),
            bars(key="disputes", title="見解相違の多い条項と結果",
                 categories=[f"{r.program} {r.label}" for r in cases.disputes], series=dispute_series, label=_count,
                 summary="対象外の判定に見解相違の申し出があった条項と、その結果の件数。"),
        ],
        "contracts": [
            bars(key="active", title="有効契約数(月末)", categories=contract_months,
                 series=[Series("有効契約数", _sum(contracts.months, "month", "active", contract_months))],
                 label=_count),
            bars(key="enrolled", title="加入件数(申込日の月別)", categories=contract_months,
                 series=[Series("加入件数", _sum(contracts.months, "month", "enrolled", contract_months))],
                 label=_count),
        ],
        "ending": [
            bars(key="ending", title="90日以内に満了する契約(満了月別)", categories=ending_months,
                 series=[Series("件数", _sum(ending.by_month, "month", "count", ending_months))], label=_count),
        ],
        "refunds": [
            legend([Series(words.REFUND_STATUSES.get(s, s), []) for s in statuses]),
            bars(key="refunds-month", title="返金額(月別・振込の状況別)", categories=refund_months,
                 series=[Series(words.REFUND_STATUSES.get(s, s), [refund_yen.get((mo, s), 0) for mo in refund_months])
                         for s in statuses], label=_yen),
            bars(key="refunds-bracket", title="返金額(購入日からの経過年数別)",
                 categories=[words.years_bracket(y, figures.summary.BRACKETS) for y in brackets],
                 series=[Series(words.REFUND_STATUSES.get(s, s), [bracket_yen.get((y, s), 0) for y in brackets])
                         for s in statuses], label=_yen),
        ],
        "loss-ratio": [
            bars(key="loss-ratio", title="損害率", categories=loss_labels,
                 series=[Series("損害率", [r.loss_ratio_bp for r in losses.rows])], label=_ratio),
        ],
    }  # fmt: skip


def _loss_label(row: results.LossRow) -> str:
    """全体, プログラム別 zest, プラン別 zest kaden-5y, 販売店別 R1."""
    if row.by == "retailer":
        return f"{words.LOSS_BY[row.by]} {row.retailer or words.NO_RETAILER}"
    return " ".join([words.LOSS_BY[row.by], *(part for part in (row.program, row.plan) if part)])


def _form(hosho: Hosho, op: SignedIn) -> dict[str, Any]:
    catalog = hosho.rules.catalog.programs
    programs = [(pid, program.versions[-1].name) for pid, program in sorted(catalog.items())]
    plans = [
        (plan_id, f"{pid} {plan.name}")
        for pid, program in sorted(catalog.items())
        for plan_id, plan in program.versions[-1].plans.items()
    ]
    return {"programs": programs, "plans": plans, "retailers": figures.retailers(hosho, op.actor)}


def routes(router: APIRouter) -> None:
    @router.get("/dashboard", name="console.dashboard")
    def page(
        request: Request,
        op: SignedIn,
        program: Param = "",
        plan: Param = "",
        retailer: Param = "",
        from_month: Annotated[str, Query(alias="from", max_length=20)] = "",
        to_month: Annotated[str, Query(alias="to", max_length=20)] = "",
    ) -> Response:
        op.require(STAFF)
        chosen = {"program": program, "plan": plan, "retailer": retailer, "from": from_month, "to": to_month}
        context: dict[str, Any] = {
            "nav": "dashboard",
            "chosen": chosen,
            "titles": words.FIGURE_TITLES,
            **_form(op.hosho, op),
        }
        try:
            shown = {name: read(op.hosho, op.actor, chosen) for name, read in figures.FIGURES.items()}
        except ServiceError as error:
            if error.code != "invalid_request":
                raise
            label = FIELD_NAMES.get(error.field or "", "指定")
            context["problem"] = f"{label}をご確認ください。({error.message})"
            return op.render(request, "dashboard.html", context, status=422)
        query = urlencode({k: v for k, v in _echo(shown["sla"]).items() if v})
        context.update(
            problem=None,
            figures=shown,
            charts=_charts(op.hosho, shown),
            tables={name: tables(figure) for name, figure in shown.items()},
            query=query,
            as_of=shown["sla"].as_of,
            filters=shown["sla"].filters,
        )
        return op.render(request, "dashboard.html", context)

    @router.get("/dashboard/{name}/{table}.csv", name="console.dashboard.csv")
    def csv_file(
        op: SignedIn,
        name: str,
        table: str,
        program: Param = "",
        plan: Param = "",
        retailer: Param = "",
        from_month: Annotated[str, Query(alias="from", max_length=20)] = "",
        to_month: Annotated[str, Query(alias="to", max_length=20)] = "",
    ) -> Response:
        op.require(STAFF)
        read = figures.FIGURES.get(name)
        if read is None:
            raise not_found(f"figure {name!r}")
        chosen = {"program": program, "plan": plan, "retailer": retailer, "from": from_month, "to": to_month}
        found: Table | None = next((t for t in tables(read(op.hosho, op.actor, chosen)) if t.key == table), None)
        if found is None:
            raise not_found(f"table {table!r} of figure {name!r}")
        disposition = f'attachment; filename="{name}-{table}.csv"'
        return Response(
            to_csv(found), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition}
        )


def _echo(figure: results.Figure) -> dict[str, str | None]:
    f = figure.filters
    return {"program": f.program, "plan": f.plan, "retailer": f.retailer, "from": f.from_month, "to": f.to_month}
