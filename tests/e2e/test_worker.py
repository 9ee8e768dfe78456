"""`hosho worker` as an operator runs it: the daily work and the e-mails to a real SMTP server; bad settings are one
line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from hosho.asgi import app_from_env
from hosho.service import contracts
from hosho.service.commands import Pay
from hosho.service.context import SYSTEM, create_hosho
from hosho.store.db import make_engine, migrate
from tests.integration.builders import zest_enrolment
from tests.integration.test_mail import Inbox, _free_port


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hosho.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'hosho.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    hosho = create_hosho(url)
    application = zest_enrolment()
    application = application.model_copy(
        update={"subscriber": application.subscriber.model_copy(update={"email": "yamada@example.jp"})}
    )
    enrolled, _ = contracts.enroll(hosho, SYSTEM, application)
    contracts.pay_fee(hosho, SYSTEM, enrolled.id, Pay(date=date(2024, 4, 1)))
    hosho.dispose()
    return url


def test_worker_once_does_the_daily_work_and_e_mails_the_certificate(tmp_path: Path) -> None:
    url = _database(tmp_path)
    inbox = Inbox()
    port = _free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        env = {
            "HOSHO_SMTP_HOST": "127.0.0.1",
            "HOSHO_SMTP_PORT": str(port),
            "HOSHO_MAIL_FROM": "hosho@provider.example",
        }
        first = _run("worker", "--once", "--database-url", url, env=env)
        again = _run("worker", "--once", "--database-url", url, env=env)
    finally:
        server.stop()
    assert (first.returncode, first.stdout.strip()) == (0, "e-mails: 1 sent, 0 to retry or failed"), first.stderr
    assert again.stdout.strip() == "e-mails: 0 sent, 0 to retry or failed"
    [mail] = inbox.messages
    assert mail["From"].addresses[0].addr_spec == "hosho@provider.example"
    assert "加入者証の発行のお知らせ" in mail["Subject"]


def test_a_bad_smtp_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    result = _run(
        "worker", "--once", "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}", env={"HOSHO_SMTP_PORT": "25a"}
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "hosho worker: HOSHO_SMTP_PORT must be a port number (1–65535), got '25a'"
    assert "Traceback" not in result.stderr


def test_the_served_application_on_sqlite_sends_the_notices_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hosho serve` on SQLite sets HOSHO_JOBS=1: each worker's application runs the jobs in a thread of its own."""
    url = _database(tmp_path)
    inbox = Inbox()
    port = _free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    for name, value in {
        "HOSHO_DATABASE_URL": url,
        "HOSHO_JOBS": "1",
        "HOSHO_SMTP_HOST": "127.0.0.1",
        "HOSHO_SMTP_PORT": str(port),
    }.items():
        monkeypatch.setenv(name, value)
    app = app_from_env()
    thread, stop = app.state.jobs
    try:
        deadline = time.monotonic() + 60
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=30)
        server.stop()
    [mail] = inbox.messages
    assert "加入者証の発行のお知らせ" in mail["Subject"]
