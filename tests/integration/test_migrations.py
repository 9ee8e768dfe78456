"""Migrations on SQLite and PostgreSQL: empty to head, idempotent, the models' schema exactly, and down and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text

from hosho.store.db import alembic_config, make_engine, migrate
from hosho.store.models import Base
from tests.integration.databases import DATABASES, PG_ADMIN_URL, require_pg

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
MODEL_TABLES = set(Base.metadata.tables)
DDL = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE")
QUEUE = "procrastinate_"  # the job queue's tables (migration 0008, PostgreSQL only): the library's, not our models


@pytest.fixture(params=DATABASES)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no tables at all (not the migrated test template)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    require_pg()
    name = f"hosho_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE template0"))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _tables(engine: Engine) -> set[str]:
    return {name for name in inspect(engine).get_table_names() if not name.startswith(QUEUE)}


def _queue_tables(engine: Engine) -> set[str]:
    return {name for name in inspect(engine).get_table_names() if name.startswith(QUEUE)}


def _schema(engine: Engine) -> dict[str, Any]:
    """What the database reports about every table: columns, keys, indexes and constraints."""
    inspector = inspect(engine)
    return {
        table: {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            "primary_key": inspector.get_pk_constraint(table),
            "foreign_keys": sorted(map(repr, inspector.get_foreign_keys(table))),
            "indexes": sorted(map(repr, inspector.get_indexes(table))),
            "unique": sorted(map(repr, inspector.get_unique_constraints(table))),
        }
        for table in sorted(inspector.get_table_names())
    }


def _drift(engine: Engine) -> list[Any]:
    """What `alembic revision --autogenerate` would write: empty when the migrations build the models' schema."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [
            change
            for change in compare_metadata(context, Base.metadata)
            if not (change[0] == "remove_table" and change[1].name.startswith(QUEUE))
            and not (change[0] == "remove_index" and change[1].table.name.startswith(QUEUE))
        ]


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_migrations_take_an_empty_database_to_head(empty: Engine) -> None:
    assert (_tables(empty), _revision(empty)) == (set(), None)
    migrate(empty)
    assert _revision(empty) == HEAD
    assert _tables(empty) == MODEL_TABLES | {"alembic_version"}
    queue = {"procrastinate_jobs", "procrastinate_events", "procrastinate_periodic_defers", "procrastinate_workers"}
    assert _queue_tables(empty) == (queue if empty.dialect.name == "postgresql" else set())


def test_running_the_migrations_again_changes_nothing(empty: Engine) -> None:
    migrate(empty)
    schema = _schema(empty)
    statements: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(empty, "before_cursor_execute", remember)
    try:
        migrate(empty)
    finally:
        event.remove(empty, "before_cursor_execute", remember)
    assert any("alembic_version" in s for s in statements), "the second run did not even look at the version"
    assert [s for s in statements if s.lstrip().upper().startswith(DDL)] == []
    assert (_schema(empty), _revision(empty)) == (schema, HEAD)


def test_the_migrated_schema_is_exactly_the_models(empty: Engine) -> None:
    migrate(empty)
    assert _drift(empty) == []


def test_downgrade_to_base_and_upgrade_again_rebuilds_the_same_schema(empty: Engine) -> None:
    migrate(empty)
    schema = _schema(empty)
    _downgrade(empty, "base")
    assert (_tables(empty) - {"alembic_version"}, _queue_tables(empty), _revision(empty)) == (set(), set(), None)
    migrate(empty)
    assert (_schema(empty), _revision(empty)) == (schema, HEAD)
    assert _drift(empty) == []
