"""`hosho serve --workers 2` on PostgreSQL: a session ended on one worker is ended on all; a lock holds on all."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from hosho.service import users
from hosho.service.context import Role, create_hosho
from tests.e2e.test_serve import CSRF, serving
from tests.integration.databases import fresh_database

USER, PASSWORD = "kato", "kaden-hosho-2026"


def _sign_in(browser: httpx.Client, user: str, password: str) -> httpx.Response:
    token = CSRF.search(browser.get("/console/login").text)
    assert token is not None
    form = {"username": user, "password": password, "csrf_token": token.group(1)}
    return browser.post("/console/login", data=form)


def test_signing_out_and_a_lock_hold_on_every_worker(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as database:
        hosho = create_hosho(database)
        users.create_user(hosho, USER, PASSWORD, Role.AGENT, "加藤")
        hosho.dispose()
        with serving(tmp_path, "--workers", "2", "--no-demo", "--database-url", database) as (base, _):
            _sessions_and_locks(base, tmp_path / "serve.log", USER, PASSWORD)


def _sessions_and_locks(base: str, log: Path, user: str, password: str) -> None:
    with httpx.Client(base_url=base) as browser, httpx.Client(base_url=base) as copy:
        assert _sign_in(browser, user, password).status_code == 303
        copy.cookies.update(browser.cookies)
        assert all(copy.get("/console/").status_code == 200 for _ in range(4))
        token = CSRF.search(browser.get("/console/").text)
        assert token is not None
        assert browser.post("/console/logout", data={"csrf_token": token.group(1)}).status_code == 303
        # Whichever worker answers, the copied cookie is refused.
        assert all(copy.get("/console/").headers["location"].startswith("/console/login") for _ in range(6))

    with httpx.Client(base_url=base) as guesser:
        for attempt, wait in enumerate((0, 0, 1.2, 2.2, 0), start=1):
            answer = _sign_in(guesser, user, f"guess-number-{attempt}")
            time.sleep(wait)
        assert answer.status_code == 429 and 890 <= int(answer.headers["retry-after"]) <= 900
        for _ in range(4):
            refused = _sign_in(guesser, user, password)
            assert refused.status_code == 429 and "に解除されます" in refused.text
    time.sleep(0.5)  # the workers' log lines reach the file
    written = log.read_text()
    assert f"sign-in failed for user '{user}' from 127.0.0.1 (5 in a row for the user" in written
    assert "guess-number" not in written
