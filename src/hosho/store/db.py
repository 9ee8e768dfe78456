"""Database factory and migrations. SQLite file by default; PostgreSQL by URL; the same migrations for both."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_URL = "sqlite:///hosho.sqlite3"


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # Bound parameters and fetched rows hold names, phones and addresses: keep them out of SQL logs and error texts.
    options.setdefault("hide_parameters", True)
    _hide_rows_in_sql_logs()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


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


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock at BEGIN: concurrent read-modify-write transactions queue instead of deadlocking.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


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
