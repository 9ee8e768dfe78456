"""Background jobs, enqueued in the transaction of the change that causes them (README: "Jobs").

On PostgreSQL the queue is procrastinate's (its tables are made by our migration 0008): `enqueue` inserts the job
through the session's own connection, so the job exists exactly when the change commits, and `hosho worker`
runs it (several workers may run at once). On SQLite, the embedded default, there is no second process: a job
registered with `background` runs in a thread of this process once the transaction has committed, and the
notices' own work (`DELIVER`, `TICK`) is done by the jobs thread of `hosho serve` (hosho.jobs).

Another feature runs its work in the background in two steps:

    @queue.background("imports.process")          # at import time: registration only, no I/O
    def process(hosho: Hosho, *, import_id: int) -> None: ...

    with hosho.transaction() as session:          # in the service call that causes it
        ...
        queue.enqueue(session, hosho, "imports.process", import_id=import_id)

and adds its module to `TASK_MODULES`, so that the worker imports it. The function is called with keyword
arguments that JSON can carry; it is retried with backoff when it raises (`RETRY`), so it must be safe to run twice.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import cache
from typing import Any

import psycopg
from procrastinate import App, RetryStrategy, SyncPsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import event
from sqlalchemy.orm import Session

from hosho.service.context import Hosho

log = logging.getLogger("hosho.jobs")

DELIVER = "notices.deliver"  # send the e-mails due (after a payment: the certificate, at once)
TICK = "notices.tick"  # the daily work of every day not yet done, then the e-mails (every minute)
# The modules whose `background` functions the worker must know; a feature adds its own here.
TASK_MODULES: tuple[str, ...] = ("hosho.service.import_jobs",)
# A job that raises is tried again after 2, 4, 8, 16 s…; after the last try it stays `failed` in the queue.
RETRY = RetryStrategy(max_attempts=5, exponential_wait=2)

Background = Callable[..., None]
_registry: dict[str, Background] = {}
_lock = threading.Lock()
_local: list[ThreadPoolExecutor] = []


def background(name: str) -> Callable[[Background], Background]:
    """Registers `function(hosho, **kwargs)` as the background job `name` (a decorator; registration only)."""

    def register(function: Background) -> Background:
        if name in _registry and _registry[name] is not function:
            raise ValueError(f"two background jobs are named {name!r}")
        _registry[name] = function
        return function

    return register


def registered() -> dict[str, Background]:
    """Every background job the worker runs: the notices' own are registered by hosho.jobs."""
    for module in TASK_MODULES:
        importlib.import_module(module)
    return dict(_registry)


def enqueue(session: Session, hosho: Hosho, name: str, *, at: datetime | None = None, **kwargs: Any) -> None:
    """The job `name(**kwargs)`, committed (or rolled back) with `session`'s transaction.

    `at` delays it (a retry's time). On SQLite the job runs in a thread of this process after the commit, and
    the notices' own jobs are left to the jobs thread, which runs them every few seconds anyway.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        # The notices' wake-ups are one job per time: a hundred payments at once leave one `deliver` waiting.
        when = at.isoformat() if at is not None else "now"
        lock = f"{name}@{when}" if name in (DELIVER, TICK) else None
        deferrer = _deferrer().configure_task(name, connection=raw, schedule_at=at, queueing_lock=lock)
        if lock is None:
            deferrer.defer(**kwargs)
            return
        # The same wake-up at the same time may be queued already: its refusal must not abort the transaction.
        # psycopg's nested transaction is a SAVEPOINT on this connection, rolled back when the defer raises.
        with contextlib.suppress(AlreadyEnqueued), raw.transaction():
            deferrer.defer(**kwargs)
        return
    if name in (DELIVER, TICK):
        return
    function = _registry.get(name)
    if function is None:
        raise ValueError(f"no background job is named {name!r}")
    event.listen(session, "after_commit", lambda _session: _run_here(hosho, name, function, kwargs), once=True)


@cache
def _deferrer() -> App:
    """An app that only inserts jobs, always on a connection it is given (never a pool of its own)."""
    return App(connector=SyncPsycopgConnector())


def _run_here(hosho: Hosho, name: str, function: Background, kwargs: dict[str, Any]) -> None:
    with _lock:
        if not _local:
            _local.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="hosho-background"))
    _local[0].submit(_logged, hosho, name, function, kwargs)


def _logged(hosho: Hosho, name: str, function: Background, kwargs: dict[str, Any]) -> None:
    try:
        function(hosho, **kwargs)
    except Exception as exc:
        log.error("background job %s: %s", name, type(exc).__name__)
