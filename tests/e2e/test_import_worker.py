"""An upload through the API imported by a real `hosho worker` process on PostgreSQL, and by its successor when the
worker is killed with SIGKILL in the middle of the import (procrastinate's stalled-job recovery, `queue.stalled`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from hosho.api.app import create_app
from hosho.engine import Engine
from hosho.service import imports, keys
from hosho.service.context import Hosho, Role, create_hosho
from hosho.store import models as m
from tests.integration.databases import fresh_database

HEADER = "販売店コード,受付番号,プログラム,プラン,購入日,購入金額,保証料,氏名,電話番号,郵便番号,住所,型番,製造番号"
LINE = "R1,{ref},zest,kaden-5y,2024-04-01,128000,6400,山田 太郎,090-1234-5678,100-0001,東京都,NA-1,S{ref}"
NO_MAIL = {"HOSHO_SMTP_HOST": "127.0.0.1", "HOSHO_SMTP_PORT": "9"}


def _file(count: int) -> bytes:
    return ("\r\n".join([HEADER, *(LINE.format(ref=f"Z{n}") for n in range(count))]) + "\r\n").encode("cp932")


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
def hosho(pg_url: str, engine: Engine) -> Iterator[Hosho]:
    app = create_hosho(pg_url, rules=engine)
    keys.ensure_retailer(app, code="R1", name="家電の店")
    yield app
    app.dispose()


def _upload(hosho: Hosho, data: bytes) -> int:
    key = keys.create_key(hosho, role=Role.RETAILER, name="r1", retailer="R1")
    with TestClient(create_app(hosho)) as client:
        answer = client.post(
            "/v1/imports",
            content=data,
            params={"file_name": "0401.csv"},
            headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
        )
    assert answer.status_code == 202, answer.text
    assert answer.json()["state"] == "running"
    return int(answer.json()["id"])


def _worker(url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hosho.cli", "worker", "--database-url", url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **NO_MAIL},
    )


def _run(hosho: Hosho, run_id: int) -> m.ImportRun:
    with hosho.reading() as session:
        row = session.get(m.ImportRun, run_id)
        assert row is not None
        session.expunge(row)
        return row


def _contracts(hosho: Hosho) -> tuple[int, int]:
    """How many contracts, and how many distinct sale references (each contract once)."""
    with hosho.reading() as session:
        found = session.execute(select(func.count(), func.count(m.Contract.sale_ref.distinct()))).one()
        return int(found[0]), int(found[1])


def _pieces(hosho: Hosho) -> int:
    with hosho.reading() as session:
        return int(session.execute(select(func.count()).select_from(m.ImportFile)).scalar_one())


def test_a_worker_process_imports_a_file_uploaded_through_the_api(pg_url: str, hosho: Hosho) -> None:
    run_id = _upload(hosho, _file(50))
    assert _pieces(hosho) == 1  # stored with the run, waiting for a worker
    worker = _worker(pg_url, "--once")
    _out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    run = _run(hosho, run_id)
    assert (run.state, run.lines_done, run.imported, run.already, run.rejected) == ("done", 50, 50, 0, 0)
    assert _contracts(hosho) == (50, 50) and _pieces(hosho) == 0


def test_a_worker_killed_in_the_middle_of_an_import_is_succeeded_by_one_that_completes_it(
    pg_url: str, hosho: Hosho
) -> None:
    lines = 4 * imports.CHUNK
    run_id = _upload(hosho, _file(lines))
    victim = _worker(pg_url)
    deadline = time.monotonic() + 120
    while _run(hosho, run_id).lines_done < imports.CHUNK and time.monotonic() < deadline:
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    killed = _run(hosho, run_id)
    stored_before, _ = _contracts(hosho)
    assert killed.state == "running" and 0 < killed.lines_done < lines, "the kill did not land in the import"
    assert 0 < stored_before < lines
    # The dead worker's job is run again once its heartbeat is 30 s old (queue.stalled): here it is.
    with hosho.transaction() as session:
        session.execute(text("update procrastinate_workers set last_heartbeat = now() - interval '1 minute'"))
    successor = _worker(pg_url, "--once")
    _out, err = successor.communicate(timeout=300)
    assert successor.returncode == 0, err
    run = _run(hosho, run_id)
    assert (run.state, run.lines_done, run.imported, run.already, run.rejected) == ("done", lines, lines, 0, 0)
    assert run.attempts == 2
    assert _contracts(hosho) == (lines, lines) and _pieces(hosho) == 0
    with hosho.reading() as session:
        left = session.execute(text("select count(*) from procrastinate_jobs where status = 'doing'")).scalar_one()
    assert left == 0
