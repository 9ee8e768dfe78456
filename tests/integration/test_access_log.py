"""The access log of the whole application (API and console): the route's template, never the path typed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from hosho.api.app import create_app
from hosho.console import mount_console
from hosho.engine import Engine
from hosho.service import keys, users
from hosho.service.context import Role, create_hosho
from tests.integration.databases import fresh_database
from tests.integration.test_console import SECRET, sign_in

PHONE = "090-1234-5678"
EMAIL = "taro.yamada@example.jp"


@pytest.fixture
def served(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, str]]:
    """The application `hosho serve` runs, on SQLite (nothing here depends on the database): (client, agent key)."""
    monkeypatch.setattr(users, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    with fresh_database("sqlite", tmp_path) as url:
        hosho = create_hosho(url, rules=engine)
        app = create_app(hosho)
        mount_console(app, hosho, secret_key=SECRET)
        users.create_user(hosho, "yamada", "console-pass-2026", Role.AGENT, "山田(コールセンター)")
        key = keys.create_key(hosho, role=Role.AGENT, name="callcenter")
        with TestClient(app) as client:
            yield client, key
        hosho.dispose()


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "hosho.api" and hasattr(r, "http_status")]


def test_a_phone_or_an_email_in_a_path_is_logged_as_its_route(
    served: tuple[TestClient, str], caplog: pytest.LogCaptureFixture
) -> None:
    client, key = served
    auth = {"Authorization": f"Bearer {key}"}
    with caplog.at_level(logging.INFO, logger="hosho.api"):
        client.get(f"/v1/contracts/{PHONE}", headers=auth)
        client.get(f"/v1/contracts/{EMAIL}/audit", headers=auth)
        client.post(f"/v1/cases/{PHONE}/events", headers=auth, json={})
        client.get(f"/v1/no-such-thing/{PHONE}", headers=auth)
        client.get(f"/{EMAIL}")
    lines = access_lines(caplog)
    assert [line.split()[:3] for line in lines] == [
        ["GET", "/v1/contracts/{contract_id}", "422"],
        ["GET", "/v1/contracts/{contract_id}/audit", "422"],
        ["POST", "/v1/cases/{case_id}/events", "422"],
        ["GET", "(unmatched)", "404"],
        ["GET", "(unmatched)", "404"],
    ]
    assert all(line.endswith("key:callcenter") for line in lines[:3])
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records if r.name == "hosho.api")
    assert PHONE not in logged and EMAIL not in logged and "taro" not in logged


def test_console_lines_name_their_route_under_console_and_the_signed_in_user(
    served: tuple[TestClient, str], caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = served
    sign_in(client, "yamada")
    with caplog.at_level(logging.INFO, logger="hosho.api"):
        client.get("/console/search", params={"q": PHONE}, headers={"HX-Request": "true"})
        client.get("/console/contracts/1")
        client.get("/console/static/htmx.min.js")
        client.get(f"/console/{PHONE}")
    lines = access_lines(caplog)
    assert [(line.split()[:3], line.split()[-1]) for line in lines] == [
        (["GET", "/console/search", "200"], "user:yamada"),
        (["GET", "/console/contracts/{contract_id}", "404"], "user:yamada"),
        (["GET", "/console/static/{path}", "200"], "-"),
        (["GET", "/console/{path}", "404"], "-"),  # the console's catch-all: its own not-found page
    ]
    assert not any("/v1/console" in line or PHONE in line for line in lines)
