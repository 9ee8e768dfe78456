"""Settings, read once from the command line and the environment by whoever builds the application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from hosho.store.db import DEFAULT_URL

DATABASE_URL = "HOSHO_DATABASE_URL"
API_KEY = "HOSHO_API_KEY"


@dataclass(frozen=True, slots=True)
class Settings:
    # SQLite file in the current directory by default; PostgreSQL with postgresql://user@host/db.
    database_url: str = DEFAULT_URL
    api_key: str | None = None

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
        )


PAYER_PREFIX = "HOSHO_PAYER_"


@dataclass(frozen=True, slots=True)
class Payer:
    """The provider as the Zengin file names it (依頼人): its code from the bank, its name in half-width kana, and the
    account the refunds are paid from. From HOSHO_PAYER_CODE, _NAME, _BANK, _BRANCH, _ACCOUNT_TYPE, _ACCOUNT."""

    code: str
    name: str
    bank_code: str
    branch_code: str
    account_type: int
    account_number: str

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Payer | None:
        """The payer, or None when it is not configured (no file can then be written)."""
        env = os.environ if environ is None else environ
        names = ("CODE", "NAME", "BANK", "BRANCH", "ACCOUNT_TYPE", "ACCOUNT")
        values = [env.get(PAYER_PREFIX + name, "").strip() for name in names]
        if not all(values):
            return None
        code, name, bank, branch, kind, account = values
        return cls(code, name, bank, branch, int(kind) if kind.isdigit() else 0, account)
