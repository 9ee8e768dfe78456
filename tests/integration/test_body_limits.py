"""The body limit's settings: the configured default, a route's own limit, the console's Japanese refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from hosho.api.app import create_app
from hosho.api.limits import max_body_bytes
from hosho.console import mount_console
from hosho.engine import Engine
from hosho.service.context import create_hosho
from hosho.settings import MAX_BODY_BYTES, Settings, SettingsError
from tests.integration.databases import fresh_database
from tests.integration.test_console import SECRET


@pytest.fixture
def app(tmp_path: Path, engine: Engine) -> Iterator[FastAPI]:
    with fresh_database("sqlite", tmp_path) as url:
        hosho = create_hosho(url, rules=engine)
        app = create_app(hosho, max_body_bytes=1_000)
        mount_console(app, hosho, secret_key=SECRET)

        @app.post("/upload")
        @max_body_bytes(5_000)
        async def upload(request: Request) -> dict[str, int]:
            return {"received": len(await request.body())}

        @app.post("/echo")
        async def echo(request: Request) -> dict[str, int]:
            return {"received": len(await request.body())}

        yield app
        hosho.dispose()


def test_a_route_may_declare_a_larger_limit_than_the_configured_one(app: FastAPI) -> None:
    client = TestClient(app)
    assert client.post("/upload", content=b"x" * 4_000).json() == {"received": 4_000}
    assert client.post("/echo", content=b"x" * 1_000).json() == {"received": 1_000}
    refused = client.post("/echo", content=b"x" * 1_001)
    assert (refused.status_code, refused.json()["code"]) == (413, "too_large")
    assert refused.json()["detail"].endswith("上限は1,000バイトです。")
    larger = client.post("/upload", content=b"x" * 5_001, headers={"Accept-Language": "en"})
    assert larger.json()["detail"].endswith("The body is larger than 5,000 bytes.")


def test_a_console_form_over_the_limit_gets_a_japanese_page_with_the_console_s_headers(app: FastAPI) -> None:
    refused = TestClient(app).post("/console/login", data={"username": "x" * 2_000, "password": "p"})
    assert refused.status_code == 413 and refused.headers["content-type"].startswith("text/html")
    assert "送信された内容が大きすぎるため、お受けできません。" in refused.text
    assert (
        refused.headers["X-Frame-Options"] == "DENY"
        and "default-src 'self'" in refused.headers["Content-Security-Policy"]
    )


def test_the_limit_comes_from_the_environment_and_a_bad_value_names_the_variable() -> None:
    assert Settings.load(environ={}).max_body_bytes == 1024 * 1024
    assert Settings.load(environ={MAX_BODY_BYTES: "2048"}).max_body_bytes == 2048
    for bad in ("1MB", "0", "-5"):
        with pytest.raises(
            SettingsError, match=f"^HOSHO_MAX_BODY_BYTES must be a whole number of bytes, 1 or more \\(not '{bad}'\\)$"
        ):
            Settings.load(environ={MAX_BODY_BYTES: bad})


def test_every_api_route_with_a_body_refuses_a_missing_key_before_it_looks_at_the_body(app: FastAPI) -> None:
    client = TestClient(app)
    paths = app.openapi()["paths"].items()
    writes = [
        (method, path) for path, ops in paths for method in ("post", "put") if method in ops and path[:4] == "/v1/"
    ]
    assert len(writes) >= 12
    for method, path in writes:
        # Over the limit and not JSON: only a key checked first gives 401 rather than 413 or 422.
        url = path.replace("{contract_id}", "1").replace("{case_id}", "1").replace("{refund_id}", "1")
        url = url.replace("{batch_id}", "1").replace("{program}", "zest")
        refused = client.request(method.upper(), url, content=b"{" * 2_000)
        assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized"), path
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="hosho"'
