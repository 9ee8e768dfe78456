"""The console's dashboard page on SQLite and PostgreSQL: for admins, filters as a GET form, tables as CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hosho.console import mount_console
from hosho.service import users
from hosho.service.context import Hosho
from tests.integration.figures_data import build

PASSWORD = "console-pass-2026"
SECRET = b"0123456789abcdef0123456789abcdef"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def console(hosho: Hosho, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", lambda: cheap)
    build(hosho)
    users.create_user(hosho, "admin", PASSWORD, "admin", "管理者さん")
    users.create_user(hosho, "agent", PASSWORD, "agent", "受付さん")
    app = FastAPI()
    mount_console(app, hosho, secret_key=SECRET)
    with TestClient(app) as client:
        yield client


def sign_in(client: TestClient, username: str) -> None:
    found = CSRF.search(client.get("/console/login").text)
    assert found is not None
    answer = client.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": found.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303


def test_an_admin_sees_every_figure_as_a_chart_with_its_table(console: TestClient) -> None:
    sign_in(console, "admin")
    page = console.get("/console/dashboard", params={"from": "2026-01", "to": "2026-12"})
    assert page.status_code == 200
    html = page.text
    assert '<a href="/console/dashboard" aria-current="page">運用ダッシュボード</a>' in html
    for title in (
        "SLA達成率(月別)",
        "修理受付の原因と判定",
        "加入件数と有効契約数",
        "90日以内に満了する契約",
        "解約返金",
        "損害率",
    ):
        assert f">{title}</h2>" in html
    assert html.count('role="img"') == 10  # SLA 1, cases 3 (causes, clauses, disputes), contracts 2, ending 1,
    # refunds 2, loss 1
    assert html.count("<caption>") == 13  # the contracts detail is a download only
    assert 'data-chart="loss-ratio"' in html and "1047.61%" in html  # 110,000 ÷ 10,500, floored
    assert "2026年12月1日" in html  # as of today
    assert 'href="/console/dashboard/refunds/by-bracket.csv?from=2026-01&amp;to=2026-12"' in html


def test_the_filters_narrow_the_page_and_a_bad_month_names_its_field(console: TestClient) -> None:
    sign_in(console, "admin")
    narrowed = console.get("/console/dashboard", params={"retailer": "R2", "from": "2026-01", "to": "2026-12"})
    assert '<option value="R2" selected>' in narrowed.text
    assert "37.50%" not in narrowed.text  # R1's ratio is not R2's page
    bad = console.get("/console/dashboard", params={"from": "2026-13"})
    assert bad.status_code == 422
    assert "開始月をご確認ください" in bad.text


def test_a_table_downloads_as_utf8_csv_from_the_console(console: TestClient) -> None:
    sign_in(console, "admin")
    answer = console.get("/console/dashboard/sla/breaches.csv", params={"from": "2026-01", "to": "2026-12"})
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["案件ID", "契約ID", "案件番号"]
    assert [row[6:] for row in rows[1:]] == [
        ["2026-10-08", "2026-10-13", "5"],
        ["2026-10-07", "未完了", "55"],
        ["2026-08-06", "2026-08-10", "4"],
    ]
    assert console.get("/console/dashboard/sla/nothing.csv").status_code == 404


def test_an_agent_neither_sees_the_link_nor_opens_the_page(console: TestClient) -> None:
    sign_in(console, "agent")
    assert "運用ダッシュボード" not in console.get("/console/").text
    assert console.get("/console/dashboard").status_code == 403
    assert console.get("/console/dashboard/sla/months.csv").status_code == 403
