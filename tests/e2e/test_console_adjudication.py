"""Adjudication on the console in a real browser (Debian's Chromium, Playwright, headless): a case from intake
through the technician's diagnosis to not covered, and a review through a supervisor's decision. Screenshots go to
artifacts/console/ (names starting with "adj-")."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from hosho.console import mount_console
from hosho.engine import Engine
from hosho.service import contracts, users
from hosho.service.commands import Enrol, EquipmentItem, MakerReplacement, Pay, Subscriber
from hosho.service.context import Role, create_hosho
from tests.e2e.test_console_browser import (
    ADMIN,
    ARGS,
    CHROMIUM,
    NOW,
    PASSWORD,
    SHOTS,
    _free_port,
    _require_browser,
    assert_controls_labelled,
    shot,
)
from tests.integration.databases import fresh_database

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None


def _aircon(name: str, kana: str, phone: str, serial: str) -> Enrol:
    return Enrol(
        program="zest",
        plan="aircon-8y",
        purchase_date=date(2024, 4, 1),
        purchase_price=150_000,
        warranty_fee=9_000,
        subscriber=Subscriber(name=name, name_kana=kana, phone=phone),
        equipment=(EquipmentItem(kind="other", model="CS-X400", serial=serial),),
    )


def _load(hosho: Any) -> dict[str, int]:
    ids = {}
    for key, data in (
        ("kobayashi", _aircon("小林 修", "コバヤシ オサム", "090-5555-6666", "AC-1001")),
        ("watanabe", _aircon("渡辺 京子", "ワタナベ キョウコ", "090-7777-8888", "AC-2001")),
    ):
        created, _ = contracts.enroll(hosho, ADMIN, data)
        contracts.pay_fee(hosho, ADMIN, created.id, Pay(date=date(2024, 4, 1)))
        ids[key] = int(created.id)
    # 第4条第1項(2): the maker replaced 渡辺様's product and nobody told the provider.
    contracts.replace_by_maker(hosho, ADMIN, ids["watanabe"], MakerReplacement(date=date(2024, 6, 1), reported=False))
    users.create_user(hosho, "sato", PASSWORD, Role.AGENT, "佐藤 美咲")
    users.create_user(hosho, "kimura", PASSWORD, Role.SUPERVISOR, "木村 聡")
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    _require_browser()
    with fresh_database("sqlite", tmp_path_factory.mktemp("adjudication")) as url:
        hosho = create_hosho(url, rules=Engine(), clock=lambda: NOW)
        ids = _load(hosho)
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
        yield {"base": f"http://127.0.0.1:{port}", "ids": ids}
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
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield page
    context.close()
    assert problems == []


def sign_in(page: Page, username: str) -> None:
    page.goto("/console/login")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="契約の検索")).to_be_visible()


def take_request(page: Page, contract_id: int) -> None:
    page.goto(f"/console/contracts/{contract_id}/repair")
    page.get_by_label("故障の原因").select_option(label="正常な使用をしていても生じた故障")
    page.get_by_label("故障した機器").select_option(index=1)


def test_a_case_covered_at_intake_is_not_covered_once_the_fault_does_not_reproduce(
    page: Page, server: dict[str, Any]
) -> None:
    sign_in(page, "sato")
    take_request(page, server["ids"]["kobayashi"])
    expect(page.locator("#decision")).to_contain_text("保証の対象です")
    page.get_by_role("button", name="この内容で受け付ける").click()
    expect(page.locator(".verdict.covered")).to_contain_text("保証の対象です")
    expect(page.locator(".facts")).to_contain_text("AC-1001")
    assert_controls_labelled(page)
    shot(page, "adj-01-case-covered-at-intake")

    page.get_by_label("再現しなかった").check()
    page.get_by_label("メモ", exact=True).last.fill("訪問時、冷房・暖房とも正常に動作")
    page.get_by_role("button", name="診断結果を登録する").click()

    expect(page.get_by_role("status").first).to_have_text("診断結果を記録しました。お客様へのご案内をご確認ください。")
    tell = page.locator("#tell")
    expect(tell).to_contain_text("保証の対象外")
    expect(tell).to_contain_text("技術者の診断の結果")
    expect(tell).to_contain_text("第6条(18)")
    expect(tell).to_contain_text("故障内容が再現しない場合")
    expect(page.locator(".verdict.not-covered").first).to_contain_text("保証の対象外です")
    expect(page.locator("#events-title + table")).to_contain_text("故障は再現しませんでした。")
    expect(page.get_by_role("button", name="診断結果を登録する")).to_have_count(0)
    shot(page, "adj-02-diagnosis-not-covered")

    # The caller disagrees (第11条): the dispute is dated on the case and waits on the board.
    page.get_by_label("お申し出の内容").fill("取扱説明書どおりに使っていて、実際に冷えないとのお申し出")
    page.get_by_role("button", name="お申し出を受け付ける").click()
    expect(page.get_by_role("status").first).to_have_text("見解相違のお申し出を受け付けました。")
    expect(page.locator("#tell")).to_contain_text("中立的な第三者の意見を求めたうえで")
    expect(page.locator(".facts")).to_contain_text("見解相違の受付中")
    page.get_by_role("link", name="修理案件ボードへ").click()
    expect(page.locator("#waiting")).to_contain_text("見解相違")
    shot(page, "adj-03-board-open-dispute")
    page.goto(f"/console/contracts/{server['ids']['kobayashi']}")
    expect(page.locator("#products-title + table")).to_contain_text(re.compile(r"1件目.*保証の対象外"))
    shot(page, "adj-03b-contract-item-history")


def test_a_review_waits_for_a_supervisor_who_decides_it_with_a_note(page: Page, server: dict[str, Any]) -> None:
    sign_in(page, "sato")
    take_request(page, server["ids"]["watanabe"])
    decision = page.locator("#decision")
    expect(decision).to_contain_text("要審査です")
    expect(decision).to_contain_text("第4条第1項(2)")
    shot(page, "adj-04-review-preview")
    page.get_by_role("button", name="この内容で受け付ける").click()
    expect(page.locator("#review-verdict")).to_contain_text("要審査")
    expect(page.get_by_role("button", name="判定を登録する")).to_have_count(0)  # an agent does not decide
    page.get_by_role("button", name="サインアウト").click()

    sign_in(page, "kimura")
    page.get_by_role("link", name="修理案件ボード").click()
    waiting = page.locator("#waiting")
    expect(waiting).to_contain_text("審査待ち")
    expect(waiting).to_contain_text("渡辺 京子 様")  # named as the caller names it, as on the board
    shot(page, "adj-05-board-review-queue")
    waiting.get_by_role("link", name=re.compile("^渡辺 京子 様 ・ ")).click()
    assert_controls_labelled(page)
    page.get_by_label("保証の対象とする").check()
    page.get_by_label("判断の理由(監査記録に残ります)").fill("代替品は同型で、報告漏れは販売店の手続きによるもの")
    shot(page, "adj-06-review-form")
    page.get_by_role("button", name="判定を登録する").click()

    expect(page.get_by_role("status").first).to_have_text("審査の判定を記録しました。")
    expect(page.locator(".verdict.covered").first).to_contain_text("保証の対象です")
    expect(page.locator("#tell")).to_contain_text("審査の結果、保証の対象として修理いたします。")
    history = page.locator("#events-title + table")
    expect(history).to_contain_text("審査の判定")
    expect(history).to_contain_text("代替品は同型で")
    expect(history).to_contain_text("担当: user:kimura")
    shot(page, "adj-07-review-decided")
    page.get_by_role("link", name="修理案件ボードへ").click()
    expect(page.locator("#waiting")).not_to_contain_text("渡辺 京子 様")
