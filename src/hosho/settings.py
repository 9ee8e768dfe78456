"""Settings, read once from the command line and the environment by whoever builds the application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal

from hosho.store.db import DEFAULT_URL

DATABASE_URL = "HOSHO_DATABASE_URL"
API_KEY = "HOSHO_API_KEY"
MAX_BODY_BYTES = "HOSHO_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024  # the largest enrolment is a few kB; a route may declare its own limit
SESSION_IDLE_MINUTES = "HOSHO_SESSION_IDLE_MINUTES"
SESSION_MAX_HOURS = "HOSHO_SESSION_MAX_HOURS"
SIGNIN_DELAY_SECONDS = "HOSHO_SIGNIN_DELAY_SECONDS"
SIGNIN_USER_LOCK_AFTER = "HOSHO_SIGNIN_USER_LOCK_AFTER"
SIGNIN_ADDRESS_LOCK_AFTER = "HOSHO_SIGNIN_ADDRESS_LOCK_AFTER"
SIGNIN_LOCK_MINUTES = "HOSHO_SIGNIN_LOCK_MINUTES"


class SettingsError(ValueError):
    """A setting from the environment that cannot be used; the message names the variable."""


InvalidSetting = SettingsError  # a number out of its range


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """How long a console session lives and how sign-in failures are throttled (README: "Sessions and sign-in")."""

    # A call-center shift: signed out after 30 minutes without a request, and 12 hours after signing in at most.
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    # Failures in a row for one user name (or one client address): the first half of them are free (typos), then
    # each waits twice as long as the one before, starting at `delay` (capped at a minute); at `lock_after` the
    # name (or address) is locked for `lock`. Failures are forgotten after `lock` without one, or, for the user
    # name, at a successful sign-in. An address is shared by a whole office behind one router: a higher bar.
    delay: timedelta = timedelta(seconds=1)
    user_lock_after: int = 5
    address_lock_after: int = 20
    lock: timedelta = timedelta(minutes=15)

    @classmethod
    def load(cls, environ: Mapping[str, str]) -> SessionSettings:
        default = cls()
        return cls(
            idle=timedelta(minutes=_number(environ, SESSION_IDLE_MINUTES, default.idle / timedelta(minutes=1))),
            absolute=timedelta(hours=_number(environ, SESSION_MAX_HOURS, default.absolute / timedelta(hours=1))),
            delay=timedelta(seconds=_number(environ, SIGNIN_DELAY_SECONDS, default.delay.total_seconds(), low=0)),
            user_lock_after=int(_number(environ, SIGNIN_USER_LOCK_AFTER, default.user_lock_after, low=1, whole=True)),
            address_lock_after=int(
                _number(environ, SIGNIN_ADDRESS_LOCK_AFTER, default.address_lock_after, low=1, whole=True)
            ),
            lock=timedelta(minutes=_number(environ, SIGNIN_LOCK_MINUTES, default.lock / timedelta(minutes=1))),
        )


def _number(environ: Mapping[str, str], name: str, default: float, *, low: float = 0.01, whole: bool = False) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = None
    high = 10_000 if whole else 1_000_000
    if value is None or not low <= value <= high or value != value:
        kind = "a whole number" if whole else "a number"
        raise InvalidSetting(f"{name} must be {kind} from {low:g} to {high:,}, not {text!r}")
    return value


TESTING = "HOSHO_TESTING"
JOBS = "HOSHO_JOBS"  # set by `hosho serve` on SQLite: each worker process runs the jobs in a thread
SMTP_HOST, SMTP_PORT, SMTP_TLS = "HOSHO_SMTP_HOST", "HOSHO_SMTP_PORT", "HOSHO_SMTP_TLS"
SMTP_USER, SMTP_PASSWORD = "HOSHO_SMTP_USER", "HOSHO_SMTP_PASSWORD"
MAIL_FROM, MAIL_TEMPLATES = "HOSHO_MAIL_FROM", "HOSHO_MAIL_TEMPLATES"
TlsMode = Literal["none", "starttls", "ssl"]


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
    sessions: SessionSettings = field(default_factory=SessionSettings)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # request bodies over this are refused (413)
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
            sessions=SessionSettings.load(env),
            max_body_bytes=_positive(env, MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES),
            testing=env.get(TESTING) == "1",
            smtp=SmtpSettings.load(env),
        )


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{name} must be a whole number of bytes, 1 or more (not {text!r})")
    return int(text)


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
