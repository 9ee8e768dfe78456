"""The dashboard's figures for a provider's BI tool: each as JSON, and each of its tables as CSV (admin keys)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.problems import responses
from hosho.service import figures
from hosho.service.context import Actor, Hosho, not_found
from hosho.service.figures import results
from hosho.service.figures.tables import tables, to_csv

router = APIRouter(tags=["figures"], responses=responses(401, 403, 422, 500))

Text = Annotated[str | None, Query(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]+$")]
MonthQuery = Annotated[
    str | None, Query(alias="from", description="First month, YYYY-MM (default: eleven months before `to`)")
]
ToQuery = Annotated[str | None, Query(alias="to", description="Last month, YYYY-MM, included (default: this month)")]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def _filters(
    program: Text = None,
    plan: Text = None,
    retailer: Annotated[str | None, Query(min_length=1, max_length=40, description="A retailer's code")] = None,
    from_month: MonthQuery = None,
    to_month: ToQuery = None,
) -> dict[str, Any]:
    return {"program": program, "plan": plan, "retailer": retailer, "from": from_month, "to": to_month}


Filters = Annotated[dict[str, Any], Depends(_filters)]
# name in the path, the service's function, the answer's model, the operation ids' stem, a summary.
ROUTES: tuple[tuple[str, Any, type[results.Figure], str, str], ...] = (
    ("sla", figures.sla, results.SlaFigure, "SlaFigure", "SLA attainment by month, breaches with their cases"),
    ("cases", figures.cases, results.CasesFigure, "CasesFigure", "Cases by cause and decision, clauses cited most"),
    ("contracts", figures.contracts, results.ContractsFigure, "ContractsFigure", "Enrolments and contracts in force"),
    ("ending", figures.ending, results.EndingFigure, "EndingFigure", "Contracts ending in the next 90 days"),
    ("refunds", figures.refunds, results.RefundsFigure, "RefundsFigure", "Refunds by month and elapsed year"),
    ("loss-ratio", figures.loss_ratio, results.LossFigure, "LossRatioFigure", "Loss ratio by program, plan, retailer"),
)


def _json_route(name: str, read: Any, model: type[results.Figure], stem: str, summary: str) -> None:
    def answer(hosho: HoshoDep, actor: CurrentActor, filters: Filters) -> Any:
        return read(hosho, actor, filters)

    router.add_api_route(
        f"/figures/{name}",
        answer,
        methods=["GET"],
        response_model=model,
        operation_id=f"get{stem}",
        summary=summary,
        description="Admin keys only. Filters: program, plan, retailer (code), from and to (months YYYY-MM, both "
        "included; the last twelve months by default). Counts and yen are integers; ratios are basis points.",
    )


def _csv_route(name: str, read: Any, stem: str, summary: str) -> None:
    def export(hosho: HoshoDep, actor: CurrentActor, filters: Filters, table: str) -> Response:
        return csv_response(hosho, actor, name, table, filters, read)

    router.add_api_route(
        f"/figures/{name}/{{table}}.csv",
        export,
        methods=["GET"],
        response_class=Response,
        operation_id=f"get{stem}Csv",
        summary=f"{summary} (CSV)",
        description="One of the figure's tables as CSV, UTF-8 with a BOM (Excel opens it as UTF-8), CRLF; the first "
        "line is the Japanese column heads. Admin keys only.",
        responses={200: {"content": {"text/csv": {}}}, **responses(404)},
    )


def csv_response(hosho: Hosho, actor: Actor, name: str, table: str, filters: dict[str, Any], read: Any) -> Response:
    chosen = next((t for t in tables(read(hosho, actor, filters)) if t.key == table), None)
    if chosen is None:
        raise not_found(f"table {table!r} of figure {name!r}")
    disposition = f'attachment; filename="{name}-{table}.csv"'
    return Response(to_csv(chosen), media_type=CSV_MEDIA_TYPE, headers={"Content-Disposition": disposition})


for _name, _read, _model, _stem, _summary in ROUTES:
    _json_route(_name, _read, _model, _stem, _summary)
    _csv_route(_name, _read, _stem, _summary)
