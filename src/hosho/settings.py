"""Settings, read once from the command line and the environment by whoever builds the application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from hosho.store.db import DEFAULT_URL

DATABASE_URL = "HOSHO_DATABASE_URL"
API_KEY = "HOSHO_API_KEY"
MAX_BODY_BYTES = "HOSHO_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024  # the largest enrolment is a few kB; a route may declare its own limit


class SettingsError(ValueError):
    """A setting from the environment that cannot be used; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    # SQLite file in the current directory by default; PostgreSQL with postgresql://user@host/db.
    database_url: str = DEFAULT_URL
    api_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # request bodies over this are refused (413)

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
            max_body_bytes=_positive(env, MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES),
        )


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{name} must be a whole number of bytes, 1 or more (not {text!r})")
    return int(text)
