"""Fresh, migrated databases for tests: SQLite files and PostgreSQL databases cloned from a migrated template.

PostgreSQL tests fail (not skip) when CI=true and the server is unreachable.
"""

from __future__ import annotations

import atexit
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hosho.store.db import make_engine, migrate

PG_ADMIN_URL = os.environ.get("HOSHO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# One template per test process, so that parallel runs against one server never drop each other's template.
TEMPLATE = f"hosho_test_template_{os.getpid()}"


def pg_available() -> bool:
    try:
        with create_engine(PG_ADMIN_URL).connect() as connection:
            connection.execute(text("select 1"))
        return True
    except Exception:  # any failure to connect means "not here"
        return False


def require_pg() -> None:
    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and unreachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL is not reachable")


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


_template_ready: dict[str, Path | bool] = {}


def _ensure_pg_template() -> None:
    if _template_ready.get("pg"):
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    engine = make_engine(_pg_url(TEMPLATE))
    migrate(engine)
    engine.dispose()
    admin.dispose()
    _template_ready["pg"] = True
    atexit.register(_drop_template)


def _drop_template() -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
    admin.dispose()


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated, empty database of `kind` ('sqlite' or 'postgresql')."""
    if kind == "sqlite":
        template = _template_ready.get("sqlite")
        if not isinstance(template, Path):
            template = Path(tmp_path.parent.parent) / f"hosho-template-{uuid.uuid4().hex}.sqlite3"
            engine = make_engine(f"sqlite:///{template}")
            migrate(engine)
            engine.dispose()
            _template_ready["sqlite"] = template
        path = tmp_path / "hosho.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    require_pg()
    _ensure_pg_template()
    name = f"hosho_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


DATABASES = ["sqlite", "postgresql"]
