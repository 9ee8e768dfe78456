"""The console's 取り込み page: upload, progress, result, rejected lines to download; a retailer only its own."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hosho.console import mount_console
from hosho.engine import Engine
from hosho.service import keys, users
from hosho.service.context import Hosho, create_hosho
from tests.integration.queued import run_jobs

PASSWORD = "console-pass-2026"
SECRET = b"0123456789abcdef0123456789abcdef"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HEADER = "販売店コード,受付番号,プログラム,プラン,購入日,購入金額,保証料,氏名,電話番号,郵便番号,住所,型番,製造番号"
LINE = "{shop},{ref},zest,kaden-5y,{day},128000,6400,山田 太郎,090-1234-5678,100-0001,東京都,NA-1,S{ref}"


def _file(*lines: str) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp932")


@pytest.fixture
def client(database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", lambda: cheap)
    hosho: Hosho = create_hosho(database_url, rules=engine)
    keys.ensure_retailer(hosho, code="R1", name="量販店1")
    keys.ensure_retailer(hosho, code="R2", name="量販店2")
    users.create_user(hosho, "shop1", PASSWORD, "retailer", "量販店1の担当", retailer="R1")
    users.create_user(hosho, "shop2", PASSWORD, "retailer", "量販店2の担当", retailer="R2")
    users.create_user(hosho, "tech", PASSWORD, "technician", "技術さん")
    app = FastAPI()
    mount_console(app, hosho, secret_key=SECRET)
    with TestClient(app) as test_client:
        test_client.hosho = hosho  # type: ignore[attr-defined]  # its jobs are run by a worker on PostgreSQL
        yield test_client
    hosho.dispose()


def sign_in(client: TestClient, username: str) -> str:
    token = _token(client.get("/console/login").text)
    answer = client.post(
        "/console/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return _token(client.get("/console/imports").text)


def _token(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None
    return found.group(1)


def _upload(client: TestClient, token: str, data: bytes, name: str = "0401.csv") -> object:
    return client.post(
        "/console/imports",
        data={"csrf_token": token},
        files={"file": (name, data, "text/csv")},
        follow_redirects=False,
    )


def test_an_upload_shows_progress_then_the_result_and_the_rejected_lines_download(client: TestClient) -> None:
    token = sign_in(client, "shop1")
    page = client.get("/console/imports")
    assert "販売店ファイルの取り込み" in page.text and 'aria-current="page">ファイル取り込み' in page.text
    data = _file(
        LINE.format(shop="R1", ref="Z1", day="2024-04-01"), LINE.format(shop="R1", ref="Z2", day="令和6年2月30日")
    )
    answer = _upload(client, token, data)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    for _ in range(200):
        run_jobs(client.hosho)  # type: ignore[attr-defined]
        shown = client.get(location).text
        if "取り込みが終わりました" in shown:
            break
        assert "<progress" in shown
        time.sleep(0.05)
    assert "取り込み" in shown and "0401.csv" in shown
    assert re.search(r"登録した契約</th><td class=\"num\">1 件", shown)
    assert "1 件(1 行)" in shown
    rejects = client.get(f"{location}/rejects")
    assert rejects.status_code == 200 and rejects.headers["content-type"].startswith("text/csv")
    assert rejects.content.decode("cp932").splitlines()[1].split(",")[-4:-1] == ["3", "購入日", "invalid_contract"]
    sign_in(client, "shop2")
    assert client.get(location).status_code == 404


def test_a_file_that_cannot_be_read_is_shown_on_the_page_with_its_line(client: TestClient) -> None:
    token = sign_in(client, "shop1")
    answer = _upload(client, token, _file(LINE.format(shop="R1", ref="Z1", day="2024-04-01") + "," * 50), "bad.csv")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "bad.csv:2: 63 columns, far more than the header" in answer.text  # type: ignore[attr-defined]


def test_a_technician_has_no_import_page(client: TestClient) -> None:
    token = sign_in(client, "tech")
    assert "ファイル取り込み" not in client.get("/console/").text
    assert client.get("/console/imports").status_code == 403
    assert _upload(client, token, _file()).status_code == 403  # type: ignore[attr-defined]


def test_the_upload_has_its_own_body_limit_above_the_console_s(client: TestClient) -> None:
    token = sign_in(client, "shop1")
    # Over the console's 1 MiB (HOSHO_MAX_BODY_BYTES), under the upload's 64 MiB: taken (every line names a
    # retailer that does not exist, so the background import is quick).
    big = _file(*(LINE.format(shop="R9", ref=f"Z{n}", day="2024-04-01") for n in range(12_000)))
    assert len(big) > 1024 * 1024
    answer = _upload(client, token, big)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    location = answer.headers["location"]  # type: ignore[attr-defined]
    for _ in range(400):
        run_jobs(client.hosho)  # type: ignore[attr-defined]
        if "取り込みが終わりました" in client.get(location).text:
            break
        time.sleep(0.05)
    assert "取り込みが終わりました" in client.get(location).text
