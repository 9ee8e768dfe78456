"""`hosho serve` on SQLite, started again after a stop that left an upload's import unfinished, completes it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hosho.engine import Engine
from hosho.service import import_jobs, imports, keys, queue
from hosho.service.context import Actor, Role, create_hosho
from tests.e2e.test_serve import serving
from tests.integration.databases import fresh_database

HEADER = "販売店コード,受付番号,プログラム,プラン,購入日,購入金額,保証料,氏名,電話番号,郵便番号,住所,型番,製造番号"
LINE = "R1,{ref},zest,kaden-5y,2024-04-01,128000,6400,山田 太郎,090-1234-5678,100-0001,東京都,NA-1,S{ref}"


def test_a_server_started_again_completes_the_import_a_stopped_one_left(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ("\r\n".join([HEADER, *(LINE.format(ref=f"Z{n}") for n in range(20))]) + "\r\n").encode("cp932")
    with fresh_database("sqlite", tmp_path) as url:
        hosho = create_hosho(url, rules=engine)
        shop = Actor("r1", Role.RETAILER, retailer_id=keys.ensure_retailer(hosho, code="R1", name="家電の店"))
        # The upload is taken and its job enqueued, and the server stops before the job runs.
        monkeypatch.setattr(queue, "_run_here", lambda *_args: None)
        run_id = import_jobs.start(hosho, shop, name="0401.csv", data=data).id or 0
        monkeypatch.undo()
        assert imports.get_run(hosho, shop, run_id).state == "running"
        with serving(tmp_path, "--no-demo", "--database-url", url):
            deadline = time.monotonic() + 60
            while imports.get_run(hosho, shop, run_id).state == "running" and time.monotonic() < deadline:
                time.sleep(0.1)
        run = imports.get_run(hosho, shop, run_id)
        hosho.dispose()
    assert (run.state, run.lines_done, run.imported, run.already, run.rejected) == ("done", 20, 20, 0, 0)
    assert f"resumed: {run_id}" in (tmp_path / "serve.log").read_text()
