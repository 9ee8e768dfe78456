"""The operations dashboard in a real browser (Debian's Chromium, Playwright, headless): the charts and the tables
agree with figures computed here, in Python, from the stored rows; screenshots go to artifacts/dashboard/."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from hosho.console import mount_console
from hosho.engine import Engine
from hosho.service import users
from hosho.service.context import Hosho, create_hosho
from hosho.store import models as m
from tests.e2e.test_console_browser import ARGS, CHROMIUM, _free_port, _require_browser
from tests.integration.databases import fresh_database
from tests.integration.figures_data import build

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboard"
PASSWORD = "dashboard-pass-2026"
FIRST, END = date(2026, 1, 1), date(2027, 1, 1)  # the months shown: 2026-01 … 2026-12

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    _require_browser()
    with fresh_database("sqlite", tmp_path_factory.mktemp("dashboard")) as url:
        hosho = create_hosho(url, rules=Engine())
        build(hosho)
        users.create_user(hosho, "kanri", PASSWORD, "admin", "管理 花子")
        app = FastAPI()
        mount_console(app, hosho, secret_key=os.urandom(32))
        port = _free_port()
        uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=uv.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not uv.started:
            assert time.monotonic() < deadline, "the console server did not start"
            time.sleep(0.05)
        yield {"base": f"http://127.0.0.1:{port}", "hosho": hosho}
        uv.should_exit = True
        thread.join(timeout=10)
        hosho.dispose()


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(base_url=server["base"], locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/console/login")
    page.fill("#username", "kanri")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="契約の検索")).to_be_visible()
    yield page
    context.close()
    assert errors == []  # the CSP refused nothing, no script failed


# --- the expected figures, computed here from the rows --------------------------------------------------------------


def _expected(hosho: Hosho) -> dict[str, Any]:
    with hosho.reading() as session:
        contracts = list(session.scalars(select(m.Contract)))
        stored = list(session.scalars(select(m.RepairCase)))
        refunds = list(session.scalars(select(m.Refund)))
        cancelled = {x.contract_id: x.cancelled_on for x in session.scalars(select(m.Cancellation))}
        by_id = {c.id: c for c in contracts}
        today = hosho.today()
        attainment: dict[tuple[str, str], int | None] = {}
        for kind, target_of, done_kinds in (
            ("訪問(翌々営業日以内)", lambda c: c.visit_by, {"visit_done"}),
            ("修理完了(到着後4営業日以内)", lambda c: c.repair_due, {"repaired", "shipped", "replaced"}),
        ):
            tally: dict[str, list[int]] = {}
            for case in stored:
                target = target_of(case)
                if not case.covered or target is None or not FIRST <= target < END:
                    continue
                done = min((e.on_date for e in case.events if e.kind in done_kinds and e.on_date), default=None)
                met = done is not None and done <= target
                late = (done is not None and done > target) or (done is None and target < today)
                counts = tally.setdefault(f"{target:%Y-%m}", [0, 0])
                counts[0] += met
                counts[1] += met or late
            for month, (met_n, due_n) in tally.items():
                attainment[kind, month] = met_n * 10_000 // due_n if due_n else None
        fees = sum(c.warranty_fee or 0 for c in contracts if c.paid_on and FIRST <= c.paid_on < END)
        paid = 0
        for case in stored:
            if case.covered and FIRST <= case.received_on < END:
                if case.outcome == "repair" and case.state != "open":
                    paid += case.estimate or 0
                elif case.outcome == "replacement":
                    paid += by_id[case.contract_id].repair_cap or 0
        brackets: dict[int, int] = {}
        for refund in refunds:
            contract = by_id[refund.contract_id]
            years = next(
                n
                for n in range(1, 11)
                if cancelled[contract.id] <= contract.purchase_date.replace(year=contract.purchase_date.year + n)
            )
            brackets[years] = brackets.get(years, 0) + refund.amount
    return {
        "attainment": attainment,
        "fees": fees,
        "paid": paid,
        "loss_bp": paid * 10_000 // fees,
        "brackets": brackets,
    }


def _bars(page: Page, chart: str) -> dict[tuple[str, str], int]:
    found = page.evaluate(
        """(chart) => [...document.querySelectorAll(`svg[data-chart="${chart}"] g.bar[data-value]`)]
            .map(g => [g.dataset.category, g.dataset.series, Number(g.dataset.value)])""",
        chart,
    )
    return {(category, series): value for category, series, value in found}


def test_the_charts_and_tables_agree_with_figures_computed_from_the_rows(page: Page, server: dict[str, Any]) -> None:
    expected = _expected(server["hosho"])
    page.goto("/console/dashboard?from=2026-01&to=2026-12")
    expect(page.get_by_role("heading", name="運用ダッシュボード", level=1)).to_be_visible()
    page.screenshot(path=str(SHOTS / "01-dashboard.png"), full_page=True)
    sla = _bars(page, "sla")
    with_targets = {key: value for key, value in expected["attainment"].items() if value is not None}
    assert {(series, month): value for (month, series), value in sla.items()} == with_targets
    assert expected["attainment"]["訪問(翌々営業日以内)", "2026-06"] == 10_000  # the story's one visit on time
    months_table = page.locator("#table-sla-months tbody tr")
    june_visits = months_table.filter(has_text="2026-06").filter(has_text="訪問")
    expect(june_visits.locator("td").last).to_have_text("100.00%")
    loss = _bars(page, "loss-ratio")
    assert loss["全体", "損害率"] == expected["loss_bp"] == 104_761
    total_row = page.locator("#table-loss-ratio-rows tbody tr").first
    cells = total_row.locator("td[data-value]")
    assert int(cells.first.get_attribute("data-value") or -1) == expected["fees"]
    expect(total_row.locator("td").last).to_have_text("1047.61%")
    brackets = _bars(page, "refunds-bracket")
    assert {category: value for (category, _), value in brackets.items()} == {
        "1年以内": expected["brackets"][1],
        "1年超2年以内": expected["brackets"][2],
    }
    for name in ("sla", "cases", "contracts", "ending", "refunds", "loss-ratio"):
        page.locator(f"#figure-{name}").screenshot(path=str(SHOTS / f"figure-{name}.png"))


def test_every_chart_is_an_image_with_a_name_and_every_table_has_a_caption_and_scoped_heads(page: Page) -> None:
    page.goto("/console/dashboard?from=2026-01&to=2026-12")
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].filter(svg => svg.getAttribute('role') !== 'img'
              || !svg.getAttribute('aria-labelledby').split(' ').every(id => document.getElementById(id)
                                                                         && document.getElementById(id).textContent))
            .map(svg => svg.id)"""
    )
    assert unnamed == []
    loose = page.evaluate(
        """() => [...document.querySelectorAll('main table')].filter(t => !t.caption
              || [...t.querySelectorAll('th')].some(th => !th.getAttribute('scope'))).map(t => t.id)"""
    )
    assert loose == []
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('main input, main select, main button')]
            .filter(el => !(el.labels && el.labels.length) && !(el.tagName === 'BUTTON' && el.textContent.trim()))
            .map(el => el.outerHTML)"""
    )
    assert unlabelled == []


def test_the_filter_form_narrows_to_a_retailer_and_keeps_the_choice(page: Page) -> None:
    page.goto("/console/dashboard?from=2026-01&to=2026-12")
    page.select_option("#retailer", "R1")
    page.get_by_role("button", name="表示する").click()
    expect(page).to_have_url(re.compile(r"retailer=R1"))
    expect(page.locator("#retailer")).to_have_value("R1")
    loss = _bars(page, "loss-ratio")
    assert loss["全体", "損害率"] == 37_500  # R1: A's repair 30,000 ÷ D's fee 8,000
    page.screenshot(path=str(SHOTS / "02-dashboard-r1.png"), full_page=True)
