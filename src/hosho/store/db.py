"""Database factory and migrations. SQLite file by default; PostgreSQL by URL; the same migrations for both."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_URL = "sqlite:///hosho.sqlite3"
# Connections kept per process: more than the requests one process serves at once (api.app.THREADS, the
# console's), so that a busy worker reuses its connections instead of opening and closing them.
POOL_SIZE = 10
READ_ONLY = "hosho_read_only"  # execution option of the engine that read-only sessions are bound to


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Bound parameters and fetched rows hold names, phones and addresses: keep them out of SQL logs and error texts.
    options.setdefault("hide_parameters", True)
    _hide_rows_in_sql_logs()
    if url.startswith("sqlite"):
        if make_url(url).database not in (None, "", ":memory:"):
            options.setdefault("pool_size", POOL_SIZE)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options.setdefault("pool_size", POOL_SIZE)
    options.setdefault("pool_pre_ping", True)  # a connection the server has closed is replaced, not used
    return create_engine(url, **options)


class _HiddenRows(logging.Filter):
    """SQLAlchemy logs every fetched row at DEBUG ("Row %r"); `hide_parameters` does not cover rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.endswith("Row %r"):
            record.msg, record.args = record.msg.removesuffix("%r") + "[hidden: may hold personal data]", ()
        return True


def _hide_rows_in_sql_logs() -> None:
    # Every Engine logs through this one logger unless given a logging_name, which Hosho never sets.
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(existing, _HiddenRows) for existing in logger.filters):
        logger.addFilter(_HiddenRows())


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys on; WAL so readers never block the writer; no implicit transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock at BEGIN: concurrent read-modify-write transactions queue instead of
    # deadlocking. Readers begin DEFERRED: under WAL they read a snapshot and never wait for a writer.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for units of work, or (read_only) for reads: on SQLite they never take the write lock; on
    PostgreSQL they run in autocommit, which spares a BEGIN and a COMMIT round trip and changes nothing that a
    reader sees (at READ COMMITTED every statement takes its own snapshot anyway), and ends with no ROLLBACK, at
    which psycopg would drop the statements it has prepared on the connection."""
    if not read_only:
        return sessionmaker(engine, expire_on_commit=False)
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    return sessionmaker(engine.execution_options(**options), expire_on_commit=False)


class WriterGate:
    """SQLite has one writer at a time; its busy handler makes the others sleep and retry (up to 100 ms a try).

    Writers of a SQLite file queue here instead: threads on a lock, processes (uvicorn workers) on an advisory
    lock of a file beside the database, so the next writer starts the moment the last one commits. PostgreSQL
    locks rows itself: there the gate is open.
    """

    def __init__(self, engine: Engine) -> None:
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._path = None if database in (None, "", ":memory:") else Path(f"{database}-writer.lock")
        self._threads = threading.RLock() if engine.dialect.name == "sqlite" else None
        self._depth = threading.local()

    @contextmanager
    def held(self) -> Iterator[None]:
        if self._threads is None:
            yield
            return
        with self._threads:
            depth = getattr(self._depth, "value", 0)
            self._depth.value = depth + 1
            try:
                if depth or self._path is None:
                    yield
                    return
                with self._path.open("a") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    try:
                        yield
                    finally:
                        fcntl.flock(lock, fcntl.LOCK_UN)
            finally:
                self._depth.value = depth


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision` (idempotent)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
