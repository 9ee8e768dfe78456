"""The 取り込み page in a real Chromium: choose a file, watch the progress page turn into the result, download the
rejected lines. Screenshots go to artifacts/console/ beside the console's own."""

from __future__ import annotations

from typing import Any

from hosho.service import keys
from tests.e2e.test_console_browser import browser, page, server, shot, sign_in  # noqa: F401 - pytest fixtures

HEADER = "販売店コード,受付番号,プログラム,プラン,購入日,購入金額,保証料,氏名,電話番号,郵便番号,住所,型番,製造番号"
LINE = "R1,{ref},zest,kaden-5y,{day},128000,6400,山田 太郎,090-1234-5678,100-0001,東京都,NA-1,S{ref}"


def test_an_agent_imports_a_file_sees_the_result_and_downloads_the_rejected_lines(
    page: Any,  # noqa: F811 - the fixture imported above
    server: dict[str, Any],  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    keys.ensure_retailer(server["hosho"], code="R1", name="家電の店")
    lines = [LINE.format(ref=f"B{n}", day="2024-04-01") for n in range(30)]
    lines.append(LINE.format(ref="BAD", day="令和6年2月30日"))
    data = ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp932")
    sign_in(page)
    page.get_by_role("link", name="ファイル取り込み").click()
    expect(page.get_by_role("heading", name="販売店ファイルの取り込み")).to_be_visible()
    page.locator("#file").set_input_files(files=[{"name": "0401.csv", "mimeType": "text/csv", "buffer": data}])
    shot(page, "imports-01-chosen")
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_role("heading", name="0401.csv")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("取り込みが終わりました。", timeout=20_000)
    expect(page.get_by_role("row", name="登録した契約")).to_contain_text("30 件")
    expect(page.get_by_role("row", name="誤りのため登録しなかった契約")).to_contain_text("1 件(1 行)")
    shot(page, "imports-02-result")
    with page.expect_download() as download:
        page.get_by_role("link", name="誤りのある行をダウンロード").click()
    content = download.value.path().read_bytes().decode("cp932").splitlines()
    assert content[1].split(",")[-4:-1] == ["32", "購入日", "invalid_contract"]
