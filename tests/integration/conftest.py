from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hosho.engine import Engine
from hosho.service.context import Hosho, create_hosho
from tests.integration.databases import DATABASES, fresh_database


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database; every test using it runs on SQLite and on PostgreSQL."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def hosho(database_url: str, engine: Engine) -> Iterator[Hosho]:
    app = create_hosho(database_url, rules=engine)
    yield app
    app.dispose()
