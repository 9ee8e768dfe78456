"""A feature's background job (hosho.service.queue), on SQLite and PostgreSQL: it exists exactly when the change
that causes it commits, and runs once: in a thread of the process on SQLite, by the worker on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from hosho import jobs
from hosho.engine import Engine
from hosho.service import queue
from hosho.service.context import Hosho, create_hosho
from hosho.settings import SmtpSettings
from hosho.store import models as m

NAME = "tests.remember"
seen: list[tuple[str, int]] = []
ran = threading.Event()


@queue.background(NAME)
def remember(hosho: Hosho, *, import_id: int) -> None:
    seen.append((hosho.db.dialect.name, import_id))
    ran.set()


@pytest.fixture
def hosho(database_url: str, engine: Engine) -> Iterator[Hosho]:
    seen.clear()
    ran.clear()
    app = create_hosho(database_url, rules=engine)
    yield app
    app.dispose()


def _change(hosho: Hosho, import_id: int, *, fail: bool = False) -> None:
    """A change that causes a job: a daily-run row written with it, so that a rollback is visible."""
    with hosho.transaction() as session:
        session.add(m.DailyRun(job=f"test-{import_id}", last_day=hosho.today(), updated_at=hosho.clock()))
        queue.enqueue(session, hosho, NAME, import_id=import_id)
        if fail:
            raise RuntimeError("the change fails after enqueuing")


def _queued(hosho: Hosho) -> list[int]:
    with hosho.reading() as session:
        rows = session.execute(
            text("select args from procrastinate_jobs where task_name = :name order by id"), {"name": NAME}
        ).scalars()
        return [int(args["import_id"]) for args in rows]


def test_a_job_enqueued_by_a_rolled_back_change_never_runs_and_a_committed_one_runs_once(hosho: Hosho) -> None:
    with pytest.raises(RuntimeError):
        _change(hosho, 1, fail=True)
    _change(hosho, 2)
    if hosho.db.dialect.name == "postgresql":
        assert _queued(hosho) == [2]
        assert seen == []  # nothing runs until a worker does
        jobs.work(hosho, SmtpSettings(host="127.0.0.1", port=9, timeout=1), once=True)
        assert _queued(hosho) == []  # done, and deleted
    else:
        assert ran.wait(10)
    assert seen == [(hosho.db.dialect.name, 2)]


def test_an_unknown_job_name_is_refused_at_once_on_sqlite(hosho: Hosho) -> None:
    # PostgreSQL queues any name (a worker of a newer release may know it); SQLite runs it here, so it must exist.
    if hosho.db.dialect.name == "sqlite":
        refused = pytest.raises(ValueError, match=r"no background job is named 'tests\.nothing'")
        with refused, hosho.transaction() as session:
            queue.enqueue(session, hosho, "tests.nothing")
    else:
        with hosho.transaction() as session:
            queue.enqueue(session, hosho, "tests.nothing")


def test_two_jobs_of_one_name_are_refused_at_registration() -> None:
    with pytest.raises(ValueError, match=r"two background jobs are named 'tests\.remember'"):
        queue.background(NAME)(lambda hosho: None)
