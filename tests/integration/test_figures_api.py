"""The figures over HTTP on SQLite and PostgreSQL: JSON as the service answers it, tables as CSV, admin keys only."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hosho.api.app import create_app
from hosho.service import figures, keys
from hosho.service.context import Hosho, Role
from tests.integration.figures_data import ADMIN, RANGE, build


@pytest.fixture
def client(hosho: Hosho) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    build(hosho)
    made = {
        "admin": keys.create_key(hosho, role=Role.ADMIN, name="bi-tool"),
        "agent": keys.create_key(hosho, role=Role.AGENT, name="callcenter"),
        "supervisor": keys.create_key(hosho, role=Role.SUPERVISOR, name="ops-manager"),
        "r1": keys.create_key(hosho, role=Role.RETAILER, name="shop-r1", retailer="R1"),
    }
    headers = {who: {"Authorization": f"Bearer {secret}"} for who, secret in made.items()}
    with TestClient(create_app(hosho)) as test_client:
        yield test_client, headers


def test_every_figure_is_served_as_the_service_computes_it(hosho: Hosho, client: tuple[TestClient, dict]) -> None:
    http, headers = client
    for name, read in figures.FIGURES.items():
        answer = http.get(f"/v1/figures/{name}", params=RANGE, headers=headers["admin"])
        assert answer.status_code == 200, answer.text
        assert answer.json() == read(hosho, ADMIN, RANGE).model_dump(mode="json", by_alias=True)
    total = http.get("/v1/figures/loss-ratio", params={**RANGE, "retailer": "R1"}, headers=headers["admin"]).json()
    assert total["filters"] == {"program": None, "plan": None, "retailer": "R1", "from": "2026-01", "to": "2026-12"}
    assert total["rows"][0]["loss_ratio_bp"] == 37_500


def test_a_table_downloads_as_csv_that_excel_reads_as_utf8(client: tuple[TestClient, dict]) -> None:
    http, headers = client
    answer = http.get("/v1/figures/refunds/by-bracket.csv", params=RANGE, headers=headers["admin"])
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="refunds-by-bracket.csv"' in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows == [
        ["経過年数", "振込の状況", "件数", "返金額(円)"],
        ["1年以内", "口座の連絡待ち", "1", "4800"],
        ["1年超2年以内", "口座の連絡待ち", "1", "1125"],
    ]
    loss = http.get("/v1/figures/loss-ratio/rows.csv", params=RANGE, headers=headers["admin"])
    first = list(csv.reader(io.StringIO(loss.content.decode("utf-8-sig"))))[1]
    assert first == ["全体", "", "", "", "10500", "30000", "80000", "1047.61%"]


def test_a_supervisor_reads_the_figures_as_an_admin_does(client: tuple[TestClient, dict]) -> None:
    http, headers = client
    as_admin = http.get("/v1/figures/cases", params=RANGE, headers=headers["admin"]).json()
    answer = http.get("/v1/figures/cases", params=RANGE, headers=headers["supervisor"])
    assert answer.status_code == 200
    assert answer.json() == as_admin


@pytest.mark.parametrize("who", ["agent", "r1"])
def test_only_the_providers_staff_read_figures(client: tuple[TestClient, dict], who: str) -> None:
    http, headers = client
    for path in ("/v1/figures/sla", "/v1/figures/sla/months.csv"):
        answer = http.get(path, headers=headers[who])
        assert answer.status_code == 403
        assert answer.json()["code"] == "forbidden"
    assert http.get("/v1/figures/sla").status_code == 401


def test_bad_filters_and_unknown_tables_are_problems_naming_what_is_wrong(client: tuple[TestClient, dict]) -> None:
    http, headers = client
    bad = http.get("/v1/figures/cases", params={"from": "2026-1"}, headers=headers["admin"])
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (422, "invalid_request", "from")
    backwards = http.get("/v1/figures/cases", params={"from": "2026-05", "to": "2026-01"}, headers=headers["admin"])
    assert (backwards.status_code, backwards.json()["field"]) == (422, "from")
    missing = http.get("/v1/figures/cases/nothing.csv", headers=headers["admin"])
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_the_figures_have_stable_operation_ids(client: tuple[TestClient, dict]) -> None:
    http, _ = client
    paths = http.get("/v1/openapi.json").json()["paths"]
    assert paths["/v1/figures/sla"]["get"]["operationId"] == "getSlaFigure"
    assert paths["/v1/figures/loss-ratio/{table}.csv"]["get"]["operationId"] == "getLossRatioFigureCsv"
