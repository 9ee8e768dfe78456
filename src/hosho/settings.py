"""Settings, read once from the command line and the environment by whoever builds the application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hosho.store.db import DEFAULT_URL

DATABASE_URL = "HOSHO_DATABASE_URL"
API_KEY = "HOSHO_API_KEY"
TESTING = "HOSHO_TESTING"
JOBS = "HOSHO_JOBS"  # set by `hosho serve` on SQLite: each worker process runs the jobs in a thread
SMTP_HOST, SMTP_PORT, SMTP_TLS = "HOSHO_SMTP_HOST", "HOSHO_SMTP_PORT", "HOSHO_SMTP_TLS"
SMTP_USER, SMTP_PASSWORD = "HOSHO_SMTP_USER", "HOSHO_SMTP_PASSWORD"
MAIL_FROM, MAIL_TEMPLATES = "HOSHO_MAIL_FROM", "HOSHO_MAIL_TEMPLATES"
TlsMode = Literal["none", "starttls", "ssl"]


class SettingsError(ValueError):
    """A setting that cannot be used: the message names the variable."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where notices are e-mailed: an SMTP server (TLS: none, starttls or ssl), its credentials, the sender, and
    a folder of templates that replace the shipped ones file by file (a provider's own wording)."""

    host: str = "127.0.0.1"
    port: int = 25
    tls: TlsMode = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "hosho@localhost"
    templates: Path | None = None
    timeout: float = 10.0

    @classmethod
    def load(cls, environ: Mapping[str, str]) -> SmtpSettings:
        port_text = environ.get(SMTP_PORT, "25")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError(f"{SMTP_PORT} must be a port number (1–65535), got {port_text!r}")
        tls = environ.get(SMTP_TLS, "none")
        if tls not in ("none", "starttls", "ssl"):
            raise SettingsError(f"{SMTP_TLS} must be none, starttls or ssl, got {tls!r}")
        sender = environ.get(MAIL_FROM, "hosho@localhost")
        if "@" not in sender:
            raise SettingsError(f"{MAIL_FROM} must be an e-mail address, got {sender!r}")
        templates = environ.get(MAIL_TEMPLATES)
        if templates and not Path(templates).is_dir():
            raise SettingsError(f"{MAIL_TEMPLATES} must be a folder of templates, got {templates!r}")
        return cls(
            host=environ.get(SMTP_HOST, "127.0.0.1"),
            port=int(port_text),
            tls=tls,  # type: ignore[arg-type]  # checked above
            username=environ.get(SMTP_USER) or None,
            password=environ.get(SMTP_PASSWORD) or None,
            sender=sender,
            templates=Path(templates) if templates else None,
        )


@dataclass(frozen=True, slots=True)
class Settings:
    # SQLite file in the current directory by default; PostgreSQL with postgresql://user@host/db.
    database_url: str = DEFAULT_URL
    api_key: str | None = None
    # HOSHO_TESTING=1: a service started for tests, which runs the daily work up to any day (`advance`).
    testing: bool = False
    smtp: SmtpSettings = SmtpSettings()

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
            smtp=SmtpSettings.load(env),
        )
