"""Settings, read once from the command line and the environment by whoever builds the application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from hosho.store.db import DEFAULT_URL

DATABASE_URL = "HOSHO_DATABASE_URL"
API_KEY = "HOSHO_API_KEY"
TESTING = "HOSHO_TESTING"


@dataclass(frozen=True, slots=True)
class Settings:
    # SQLite file in the current directory by default; PostgreSQL with postgresql://user@host/db.
    database_url: str = DEFAULT_URL
    api_key: str | None = None
    # HOSHO_TESTING=1: a service started for tests, which runs the daily work up to any day (`advance`).
    testing: bool = False

    @classmethod
    def load(
        cls,
        *,
        database_url: str | None = None,
        api_key: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """An explicit value (a command-line option) wins over the environment, which wins over the default."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=database_url or env.get(DATABASE_URL) or DEFAULT_URL,
            api_key=api_key or env.get(API_KEY) or None,
            testing=env.get(TESTING) == "1",
        )
