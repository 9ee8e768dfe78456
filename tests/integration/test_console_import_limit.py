"""The console's upload takes the API's limit (1 GiB): the body gate checks the session, the role and the browser's
origin before any byte of the body is read, so a stranger cannot make the server read a large body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hosho.api.app import create_app
from hosho.console import mount_console
from hosho.engine import Engine
from hosho.service import imports, keys, users
from hosho.service.context import Hosho, create_hosho
from hosho.store import models as m
from tests.integration.databases import fresh_database
from tests.integration.test_console_imports import PASSWORD, SECRET, sign_in

BOUNDARY = "hosho-test-boundary"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


class Body:
    """A request body that remembers whether the server asked for it."""

    def __init__(self) -> None:
        self.read = False

    def __iter__(self) -> Iterator[bytes]:
        self.read = True
        yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'.encode()
        yield b"x" * 1024 + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def hosho(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hosho]:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", lambda: cheap)
    with fresh_database("sqlite", tmp_path) as url:
        app = create_hosho(url, rules=engine)
        keys.ensure_retailer(app, code="R1", name="量販店1")
        users.create_user(app, "shop1", PASSWORD, "retailer", "量販店1の担当", retailer="R1")
        users.create_user(app, "tech", PASSWORD, "technician", "技術さん")
        yield app
        app.dispose()


@pytest.fixture
def client(hosho: Hosho) -> Iterator[TestClient]:
    app = create_app(hosho)  # the API's app, with its body gate, as `hosho serve` builds it
    mount_console(app, hosho, secret_key=SECRET)
    with TestClient(app) as test_client:
        yield test_client


def _runs(hosho: Hosho) -> int:
    with hosho.reading() as session:
        return int(session.execute(select(func.count()).select_from(m.ImportRun)).scalar_one())


def test_the_upload_page_offers_the_api_s_limit(client: TestClient) -> None:
    sign_in(client, "shop1")
    page = client.get("/console/imports").text
    assert "ファイル(1GBまで。" in page and imports.MAX_FILE_BYTES == 1 << 30


def test_a_stranger_s_upload_is_sent_to_sign_in_before_its_body_is_read(client: TestClient, hosho: Hosho) -> None:
    body = Body()
    answer = client.post("/console/imports", content=iter(body), headers=MULTIPART, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login?next=")
    assert not body.read and _runs(hosho) == 0


def test_a_technician_s_upload_is_refused_before_its_body_is_read(client: TestClient, hosho: Hosho) -> None:
    sign_in(client, "tech")
    body = Body()
    answer = client.post("/console/imports", content=iter(body), headers=MULTIPART)
    assert answer.status_code == 403 and "お受けできません" in answer.text
    assert not body.read and _runs(hosho) == 0


def test_an_upload_from_another_site_is_refused_before_its_body_is_read(client: TestClient, hosho: Hosho) -> None:
    sign_in(client, "shop1")
    body = Body()
    headers = {**MULTIPART, "Origin": "https://evil.example"}
    answer = client.post("/console/imports", content=iter(body), headers=headers)
    assert answer.status_code == 403 and "お受けできません" in answer.text
    assert not body.read and _runs(hosho) == 0


def test_a_signed_in_upload_declared_over_the_limit_is_refused_with_a_japanese_page(client: TestClient) -> None:
    sign_in(client, "shop1")
    headers = {**MULTIPART, "Content-Length": str(imports.MAX_FILE_BYTES + 1)}
    answer = client.post("/console/imports", content=b"", headers=headers)
    assert answer.status_code == 413 and "送信された内容が大きすぎるため、お受けできません。" in answer.text
