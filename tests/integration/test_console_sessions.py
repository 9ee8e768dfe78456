"""Console sessions end when they should, and sign-in resists guessing: on SQLite and PostgreSQL.

Sessions live in the database, so two applications on one database stand for two `hosho serve` workers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hosho import admin, cli
from hosho.console import mount_console
from hosho.console.security import COOKIE
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.service import contracts, users
from hosho.service.context import Hosho, create_hosho
from hosho.settings import SessionSettings
from tests.integration.test_console import (  # noqa: F401 - fixtures, used by name
    ADMIN,
    PASSWORD,
    SECRET,
    _token,
    fast_hashing,
    sign_in,
    world,
)

WRONG = "ユーザー名またはパスワードが正しくありません。"
OFFICE = ("203.0.113.7", 50000)
pytestmark = pytest.mark.usefixtures("world")  # one user of every role (and two contracts), fast Argon2id
ELSEWHERE = ("198.51.100.9", 50000)


class Clock:
    """The application's clock (hosho.clock), moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 2, 10, 11, 0, tzinfo=JST)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app_hosho(database_url: str, engine: Engine, clock: Clock) -> Iterator[Hosho]:
    hosho = create_hosho(database_url, rules=engine, clock=clock)
    yield hosho
    hosho.dispose()


@pytest.fixture
def second_worker(database_url: str, engine: Engine, clock: Clock) -> Iterator[Hosho]:
    """Another process's application on the same database."""
    hosho = create_hosho(database_url, rules=engine, clock=clock)
    yield hosho
    hosho.dispose()


def console_client(hosho: Hosho, client: tuple[str, int] = OFFICE) -> TestClient:
    app = FastAPI()
    mount_console(app, hosho, secret_key=SECRET, settings=SessionSettings())
    return TestClient(app, client=client)


@pytest.fixture
def client(app_hosho: Hosho) -> Iterator[TestClient]:
    with console_client(app_hosho) as test_client:
        yield test_client


def attempt(client: TestClient, username: str, password: str) -> tuple[int, str, str | None]:
    """One sign-in through the form: (status, page text, Retry-After); a success signs the client in."""
    token = _token(client.get("/console/login").text)
    answer = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return answer.status_code, answer.text, answer.headers.get("retry-after")


def signed_in(client: TestClient) -> bool:
    answer = client.get("/console/", follow_redirects=False)
    assert answer.status_code in (200, 303), answer.status_code
    return answer.status_code == 200


def test_a_cookie_copied_before_signing_out_is_refused_after_it(
    client: TestClient, app_hosho: Hosho, request: pytest.FixtureRequest
) -> None:
    ids = request.getfixturevalue("world")
    token = sign_in(client, "agent")
    copied = client.cookies[COOKIE]
    contract = f"/console/contracts/{ids['R1']}"
    assert client.get(contract).status_code == 200
    assert client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303

    client.cookies.set(COOKIE, copied, path="/console")
    page = client.get(contract, follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (
        303,
        f"/console/login?next=%2Fconsole%2Fcontracts%2F{ids['R1']}",
    )
    search = client.get("/console/search?q=yamada", headers={"HX-Request": "true"}, follow_redirects=False)
    assert search.headers["HX-Redirect"].startswith("/console/login") and "山田" not in search.text
    form = {"cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "0", "csrf_token": token}
    cancel = client.post(f"{contract}/cancel", data=form, follow_redirects=False)
    assert cancel.headers["location"].startswith("/console/login")
    assert contracts.get(app_hosho, ADMIN, ids["R1"]).status == "active"
    # The sign-in page no longer takes the old cookie for a signed-in user either: it asks for the password.
    login = client.get("/console/login", follow_redirects=False)
    assert login.status_code == 200 and 'name="password"' in login.text


def test_signing_out_on_one_worker_ends_the_session_on_the_other(app_hosho: Hosho, second_worker: Hosho) -> None:
    with console_client(app_hosho) as first, console_client(second_worker) as second:
        token = sign_in(first, "agent")
        second.cookies.set(COOKIE, first.cookies[COOKIE], path="/console")
        assert signed_in(second)
        first.post("/console/logout", data={"csrf_token": token})
        assert not signed_in(second)


def test_a_password_change_ends_every_session_of_that_user_only(app_hosho: Hosho) -> None:
    with console_client(app_hosho) as agent, console_client(app_hosho) as other_desk, console_client(app_hosho) as boss:
        sign_in(agent, "agent")
        sign_in(other_desk, "agent")
        sign_in(boss, "admin")
        users.set_password(app_hosho, "agent", "a-new-password-2026")
        assert (signed_in(agent), signed_in(other_desk), signed_in(boss)) == (False, False, True)
        assert attempt(agent, "agent", PASSWORD)[0] == 200
        assert attempt(agent, "agent", "a-new-password-2026")[0] == 303


def test_a_restart_that_resets_the_demo_password_ends_the_demo_session(client: TestClient, app_hosho: Hosho) -> None:
    first_password = admin.demo_user(app_hosho)
    assert attempt(client, admin.DEMO_USER, first_password)[0] == 303
    assert signed_in(client)
    admin.demo_user(app_hosho)  # what `hosho serve` does at its next start
    assert not signed_in(client)


def test_a_deactivated_user_is_signed_out_at_once_and_cannot_sign_in(
    client: TestClient, app_hosho: Hosho, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sign_in(client, "agent")
    assert cli.main(["users", "deactivate", "agent", "--database-url", database_url]) == 0
    assert "deactivated" in capsys.readouterr().out
    assert not signed_in(client)
    status, page, _ = attempt(client, "agent", PASSWORD)
    assert status == 200 and WRONG in page
    assert cli.main(["users", "activate", "agent", "--database-url", database_url]) == 0
    assert attempt(client, "agent", PASSWORD)[0] == 303
    assert cli.main(["users", "deactivate", "nobody", "--database-url", database_url]) == 2
    assert "user 'nobody' not found" in capsys.readouterr().err


def test_a_session_ends_after_30_idle_minutes_and_12_hours_at_most(client: TestClient, clock: Clock) -> None:
    sign_in(client, "agent")
    for _ in range(3):  # every request moves the idle limit on
        clock.advance(minutes=29)
        assert signed_in(client)
    clock.advance(minutes=31)
    assert not signed_in(client)

    sign_in(client, "agent")
    for _ in range(35):  # 11 h 40 min of steady work
        clock.advance(minutes=20)
        assert signed_in(client)
    clock.advance(minutes=20, seconds=1)
    assert not signed_in(client)


def test_five_wrong_passwords_lock_the_user_and_the_lock_lifts_on_time(client: TestClient, clock: Clock) -> None:
    for failure in range(1, 5):
        status, page, retry = attempt(client, "agent", f"wrong-password-{failure}")
        assert (status, retry) == (200, None) and WRONG in page
        clock.advance(seconds=10)  # past the rising delay (1 s, then 2 s)
    status, page, retry = attempt(client, "agent", "wrong-password-5")  # at 11:00:40
    assert (status, retry) == (429, "900")
    assert "このユーザー名でのサインインを一時的に停止しています。11時16分に解除されます。" in page

    clock.advance(minutes=14, seconds=59)
    status, page, retry = attempt(client, "agent", PASSWORD)
    assert (status, retry) == (429, "1") and not signed_in(client)
    clock.advance(seconds=1)
    assert attempt(client, "agent", PASSWORD)[0] == 303 and signed_in(client)


def test_failures_in_quick_succession_wait_longer_each_time(client: TestClient, clock: Clock) -> None:
    assert attempt(client, "agent", "wrong-password-1")[0] == 200
    assert attempt(client, "agent", "wrong-password-2")[0] == 200
    assert attempt(client, "agent", "wrong-password-3")[0] == 200  # the third waits 1 s
    status, page, retry = attempt(client, "agent", PASSWORD)
    assert (status, retry) == (429, "1") and "1秒ほどおいてから" in page and not signed_in(client)
    clock.advance(seconds=1)
    assert attempt(client, "agent", "wrong-password-4")[0] == 200  # the fourth waits 2 s
    assert attempt(client, "agent", PASSWORD)[2] == "2"
    clock.advance(seconds=2)
    assert attempt(client, "agent", PASSWORD)[0] == 303
    # The success has reset the user's counter: a fifth mistake now is the first of a new count, not a lock.
    client.cookies.clear()
    assert attempt(client, "agent", "wrong-password-5")[:3:2] == (200, None)


def test_failures_on_one_worker_count_on_the_other(app_hosho: Hosho, second_worker: Hosho, clock: Clock) -> None:
    with console_client(app_hosho) as first, console_client(second_worker) as second:
        for failure in range(5):
            status = attempt(first if failure % 2 else second, "agent", f"wrong-password-{failure}")[0]
            clock.advance(seconds=10)
        assert status == 429
        assert attempt(first, "agent", PASSWORD)[0] == 429
        assert attempt(second, "agent", PASSWORD)[0] == 429


def test_one_address_trying_many_names_is_locked_for_every_name(app_hosho: Hosho, clock: Clock) -> None:
    with console_client(app_hosho, OFFICE) as office, console_client(app_hosho, ELSEWHERE) as elsewhere:
        for guess in range(19):
            assert attempt(office, f"user{guess}", "password-guess")[0] == 200
            clock.advance(minutes=1)  # past every delay, never long enough to be forgotten
        status, page, retry = attempt(office, "user19", "password-guess")
        assert (status, retry) == (429, "900")
        assert "この接続元からのサインインの失敗が続いたため" in page and "11時34分に解除されます" in page
        assert attempt(office, "agent", PASSWORD)[0] == 429
        assert attempt(elsewhere, "agent", PASSWORD)[0] == 303


def test_a_failed_sign_in_is_logged_with_the_name_and_address_but_not_the_password(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hosho"):
        attempt(client, "agent", "Secret-Guess-2026")
    failed = [record.getMessage() for record in caplog.records if "sign-in failed" in record.getMessage()]
    assert failed == ["sign-in failed for user 'agent' from 203.0.113.7 (1 in a row for the user, 1 for the address)"]
    assert all("Secret-Guess-2026" not in record.getMessage() for record in caplog.records)


def test_signing_in_again_over_a_session_ends_the_old_one(client: TestClient) -> None:
    token = sign_in(client, "agent")
    old = client.cookies[COOKIE]
    form = {"username": "admin", "password": PASSWORD, "csrf_token": token}
    assert client.post("/console/login", data=form, follow_redirects=False).status_code == 303
    assert signed_in(client)
    client.cookies.set(COOKIE, old, path="/console")
    assert not signed_in(client)
