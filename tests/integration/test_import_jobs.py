"""An uploaded file's import as a job on the queue (hosho.service.import_jobs), on SQLite and PostgreSQL: the file is
stored with its run, the job completes it and deletes the file, and a job started again (a crash, a killed worker, a
restarted server) stores each contract once and leaves the run's counts right."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from hosho.engine import Engine
from hosho.service import import_jobs, imports, keys, queue
from hosho.service.context import Actor, Hosho, Role, ServiceError, create_hosho
from hosho.service.results import ImportRun
from hosho.store import models as m
from tests.integration.databases import fresh_database
from tests.integration.queued import run_jobs

HEADER = "販売店コード,受付番号,プログラム,プラン,購入日,購入金額,保証料,氏名,電話番号,郵便番号,住所,型番,製造番号"
LINE = "{shop},{ref},zest,kaden-5y,{day},128000,6400,山田 太郎,090-1234-5678,100-0001,東京都,NA-1,S{ref}"


def _file(*refs: str, bad: tuple[str, ...] = ()) -> bytes:
    lines = [LINE.format(shop="R1", ref=ref, day="令和6年2月30日" if ref in bad else "2024-04-01") for ref in refs]
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp932")


@pytest.fixture
def shop(hosho: Hosho) -> Actor:
    retailer_id = keys.ensure_retailer(hosho, code="R1", name="家電の店")
    return Actor("r1-key", Role.RETAILER, retailer_id=retailer_id)


def _finished(hosho: Hosho, actor: Actor, run_id: int) -> ImportRun:
    for _ in range(400):
        run_jobs(hosho)
        run = imports.get_run(hosho, actor, run_id)
        if run.state != "running":
            return run
        time.sleep(0.05)
    raise AssertionError("the import's job did not finish")


def _counts(run: ImportRun) -> tuple[str, int, int, int, int, int]:
    return (run.state, run.lines_done, run.imported, run.already, run.rejected, run.rejected_lines)


def _contracts(hosho: Hosho) -> list[str]:
    with hosho.reading() as session:
        return sorted(session.execute(select(m.Contract.sale_ref)).scalars().all())  # type: ignore[arg-type]


def _pieces(hosho: Hosho, run_id: int) -> int:
    with hosho.reading() as session:
        query = select(func.count()).select_from(m.ImportFile).where(m.ImportFile.run_id == run_id)
        return int(session.execute(query).scalar_one())


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Jobs enqueued but not run by themselves (SQLite's thread held back; PostgreSQL has no worker running): the
    test runs `process` itself, as a worker would, once or twice."""
    seen: list[int] = []
    monkeypatch.setattr(queue, "_run_here", lambda _hosho, _name, _function, kwargs: seen.append(kwargs["import_id"]))
    return seen


def test_an_upload_s_job_imports_the_stored_file_and_then_deletes_it(hosho: Hosho, shop: Actor) -> None:
    started = import_jobs.start(hosho, shop, name="0401.csv", data=_file("Z1", "Z2", "Z3", bad=("Z2",)))
    assert (started.state, started.lines, started.file_name) == ("running", 3, "0401.csv")
    run = _finished(hosho, shop, started.id or 0)
    assert _counts(run) == ("done", 3, 2, 0, 1, 1)
    assert _contracts(hosho) == ["Z1", "Z3"]
    assert _pieces(hosho, run.id or 0) == 0  # the file is gone, its rejected lines stay
    assert imports.rejected_lines(hosho, shop, run.id or 0) is not None


def test_a_file_that_cannot_be_read_stores_nothing_and_enqueues_nothing(hosho: Hosho, shop: Actor) -> None:
    with pytest.raises(ServiceError) as refused:
        import_jobs.start(hosho, shop, name="bad.csv", data=b"\x00\x01 not a csv")
    assert refused.value.code == "invalid_file"
    with hosho.reading() as session:
        assert session.execute(select(func.count()).select_from(m.ImportRun)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(m.ImportFile)).scalar_one() == 0


def test_a_big_file_is_stored_in_pieces_and_read_back_whole(
    hosho: Hosho, shop: Actor, held: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_jobs, "PIECE", 100)
    data = _file(*(f"Z{n}" for n in range(30)))
    started = import_jobs.start(hosho, shop, name="big.csv", data=data)
    assert _pieces(hosho, started.id or 0) == -(-len(data) // 100)
    import_jobs.process(hosho, import_id=started.id or 0)
    assert _counts(imports.get_run(hosho, shop, started.id or 0)) == ("done", 30, 30, 0, 0, 0)
    assert len(_contracts(hosho)) == 30


def _crash_once(monkeypatch: pytest.MonkeyPatch, target: str, *, after: int) -> None:
    """`imports.<target>` raises once, on its call number `after` + 1 (as if the process died there)."""
    original: Callable[..., Any] = getattr(imports, target)
    calls = [0]

    def crashing(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == after + 1:
            monkeypatch.setattr(imports, target, original)
            raise ConnectionError("the database went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(imports, target, crashing)


@pytest.mark.parametrize("where", ["after a chunk and its counts", "after a chunk, before its counts"])
def test_a_job_run_again_after_a_crash_stores_each_contract_once_and_counts_right(
    hosho: Hosho, shop: Actor, held: list[int], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    # Z1 was imported before, by another file: it is `already` there, whatever happens to this run.
    earlier = import_jobs.start(hosho, shop, name="0331.csv", data=_file("Z1"))
    import_jobs.process(hosho, import_id=earlier.id or 0)
    finish = imports.finish
    monkeypatch.setattr(imports, "finish", lambda hosho, opened: finish(hosho, opened, chunk=2))
    # The first start dies after its first chunk (Z1, Z2) is committed: with its counts noted, or just before.
    if "before" in where:
        _crash_once(monkeypatch, "_note", after=0)
    else:
        _crash_once(monkeypatch, "_store", after=1)
    started = import_jobs.start(hosho, shop, name="0401.csv", data=_file("Z1", "Z2", "Z3", "Z4", "Z5", bad=("Z4",)))
    run_id = started.id or 0
    with pytest.raises(ConnectionError):
        import_jobs.process(hosho, import_id=run_id)
    stopped = imports.get_run(hosho, shop, run_id)
    assert stopped.state == "failed" and stopped.error == import_jobs.STOPPED
    assert _contracts(hosho) == ["Z1", "Z2"] and _pieces(hosho, run_id) > 0
    # The queue runs it again: it completes, each contract stored once, Z2 counted as this run's.
    import_jobs.process(hosho, import_id=run_id)
    run = imports.get_run(hosho, shop, run_id)
    assert _counts(run) == ("done", 5, 3, 1, 1, 1) and run.error is None
    assert _contracts(hosho) == ["Z1", "Z2", "Z3", "Z5"] and _pieces(hosho, run_id) == 0
    # And once more (a retry of a job that had finished): nothing changes.
    import_jobs.process(hosho, import_id=run_id)
    assert _counts(imports.get_run(hosho, shop, run_id)) == ("done", 5, 3, 1, 1, 1)
    assert _contracts(hosho) == ["Z1", "Z2", "Z3", "Z5"]


def test_a_job_killed_after_its_last_commit_is_settled_when_run_again(
    hosho: Hosho, shop: Actor, held: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    started = import_jobs.start(hosho, shop, name="0401.csv", data=_file("Z1", "Z2"))
    run_id = started.id or 0
    # The first start stores everything and marks the run done, and dies before deleting the file.
    monkeypatch.setattr(import_jobs, "_settle", lambda *args, **kwargs: None)
    import_jobs.process(hosho, import_id=run_id)
    monkeypatch.undo()
    assert _pieces(hosho, run_id) > 0
    import_jobs.process(hosho, import_id=run_id)
    assert _counts(imports.get_run(hosho, shop, run_id)) == ("done", 2, 2, 0, 0, 0)
    assert _pieces(hosho, run_id) == 0


def test_a_server_started_again_resumes_the_imports_it_left_unfinished(
    hosho: Hosho, shop: Actor, held: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `hosho serve` calls it on SQLite only (on PostgreSQL `hosho worker` runs the jobs again): it is safe on both.
    stored = import_jobs.start(hosho, shop, name="0401.csv", data=_file("Z1", "Z2")).id or 0
    # A run from before the file was stored (the thread of an earlier release): it cannot be resumed.
    lost = import_jobs.start(hosho, shop, name="0402.csv", data=_file("Z3")).id or 0
    with hosho.transaction() as session:
        session.execute(update(m.ImportRun).where(m.ImportRun.id == lost).values(state="running"))
        session.query(m.ImportFile).filter(m.ImportFile.run_id == lost).delete()
    monkeypatch.undo()  # the server's thread runs jobs again
    assert import_jobs.resume(hosho) == [stored]
    assert _counts(_finished(hosho, shop, stored)) == ("done", 2, 2, 0, 0, 0)
    failed = imports.get_run(hosho, shop, lost)
    assert (failed.state, failed.error) == ("failed", import_jobs.LOST)
    assert _contracts(hosho) == ["Z1", "Z2"]
    assert import_jobs.resume(hosho) == []


def test_a_retailer_s_stored_run_imports_only_its_own_lines_when_run_by_the_job(
    hosho: Hosho, shop: Actor, held: list[int]
) -> None:
    keys.ensure_retailer(hosho, code="R2", name="別の店")
    data = _file("Z1") + LINE.format(shop="R2", ref="Y1", day="2024-04-01").encode("cp932") + b"\r\n"
    started = import_jobs.start(hosho, shop, name="0401.csv", data=data)
    import_jobs.process(hosho, import_id=started.id or 0)
    assert _counts(imports.get_run(hosho, shop, started.id or 0)) == ("done", 2, 1, 0, 1, 1)
    assert _contracts(hosho) == ["Z1"]


@settings(max_examples=30, deadline=None)
@given(
    contracts=st.integers(min_value=1, max_value=9),
    bad=st.sets(st.integers(min_value=0, max_value=8)),
    before=st.sets(st.integers(min_value=0, max_value=8)),
    chunk=st.integers(min_value=1, max_value=4),
    crash_in=st.sampled_from(["_store", "_note"]),
    crash_at=st.integers(min_value=0, max_value=5),
)
def test_wherever_a_job_dies_its_rerun_stores_each_contract_once_and_counts_like_one_clean_run(
    engine: Engine,
    tmp_path_factory: pytest.TempPathFactory,
    contracts: int,
    bad: set[int],
    before: set[int],
    chunk: int,
    crash_in: str,
    crash_at: int,
) -> None:
    refs = [f"Z{n}" for n in range(contracts)]
    bad_refs = {f"Z{n}" for n in bad if n < contracts}
    earlier = [f"Z{n}" for n in sorted(before) if n < contracts and f"Z{n}" not in bad_refs]
    with fresh_database("sqlite", tmp_path_factory.mktemp("job")) as url:
        hosho = create_hosho(url, rules=engine)
        try:
            run, stored = _crash_then_rerun(hosho, refs, bad_refs, earlier, chunk, crash_in, crash_at)
        finally:
            hosho.dispose()
    good = [ref for ref in refs if ref not in bad_refs]
    assert stored == sorted(good)
    assert _counts(run) == ("done", contracts, len(good) - len(earlier), len(earlier), len(bad_refs), len(bad_refs))


def _crash_then_rerun(
    hosho: Hosho, refs: list[str], bad: set[str], earlier: list[str], chunk: int, crash_in: str, crash_at: int
) -> tuple[ImportRun, list[str]]:
    """`earlier` imported by another file, then `refs` by a job that dies at `crash_in`'s call `crash_at` + 1 (if
    it comes to it) and is run again."""
    shop = Actor("r1-key", Role.RETAILER, retailer_id=keys.ensure_retailer(hosho, code="R1", name="家電の店"))
    original = getattr(imports, crash_in)
    calls = [0]

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == crash_at + 1:
            raise ConnectionError("the process died here")
        return original(*args, **kwargs)

    finish = imports.finish
    chunked = patch.object(imports, "finish", lambda hosho, opened: finish(hosho, opened, chunk=chunk))
    with patch.object(queue, "_run_here", lambda *_args: None), chunked:
        if earlier:
            first = import_jobs.start(hosho, shop, name="a.csv", data=_file(*earlier)).id or 0
            import_jobs.process(hosho, import_id=first)
        run_id = import_jobs.start(hosho, shop, name="b.csv", data=_file(*refs, bad=tuple(bad))).id or 0
        with patch.object(imports, crash_in, dying), contextlib.suppress(ConnectionError):
            import_jobs.process(hosho, import_id=run_id)
        import_jobs.process(hosho, import_id=run_id)
    return imports.get_run(hosho, shop, run_id), _contracts(hosho)
