"""The service's administration commands behind the CLI: migrate, API keys, retailers, and `hosho serve`.

Each opens the database named by the settings; a bad URL, an unreachable server, a missing schema or a busy port
is one line for the user (`Fatal`, exit 2), never a traceback. Heavy imports wait until a command needs them.
"""

from __future__ import annotations

import copy
import errno
import getpass
import os
import secrets
import socket
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hosho.settings import DATABASE_URL, JOBS, SMTP_HOST, SMTP_PORT, Settings

if TYPE_CHECKING:
    from hosho.engine import Engine
    from hosho.service.context import Hosho

DEMO_KEY_NAME = "demo-admin"
DEMO_USER = "demo"
DEMO_SUPERVISOR = "demo-supervisor"  # decides the demo's reviews and disputes (the console's 審査待ち queue)
PASSWORD_ENV = "HOSHO_USER_PASSWORD"


class Fatal(Exception):
    """One line for the user, exit status 2, no traceback."""


def migrate_database(settings: Settings) -> int:
    from hosho.store.db import migrate

    with database(settings) as hosho:
        migrate(hosho.db)
    print(f"database {shown(settings.database_url)}: schema is up to date")
    return 0


def create_key(settings: Settings, *, role: str, name: str, retailer: str | None) -> int:
    from hosho.service import keys
    from hosho.service.context import Role, ServiceError

    if name == DEMO_KEY_NAME:
        raise Fatal(f"the name {DEMO_KEY_NAME!r} is the demo's (its key is revoked at each start): choose another")
    with database(settings) as hosho:
        try:
            key = keys.create_key(hosho, role=Role(role), name=name, retailer=retailer)
        except ServiceError as exc:
            raise Fatal(exc.message) from None
    print(key)
    print(f"{role} key {name!r}: shown this once, only its hash is stored", file=sys.stderr)
    return 0


def list_keys(settings: Settings) -> int:
    """One line per key, revoked ones too: id, prefix, name, role, retailer, created, revoked. Never a secret."""
    from hosho.service import keys

    with database(settings) as hosho:
        found = keys.list_keys(hosho)
    if not found:
        print("no API keys (hosho keys create --role admin --name NAME)", file=sys.stderr)
        return 0
    rows = [("ID", "PREFIX", "NAME", "ROLE", "RETAILER", "CREATED (JST)", "REVOKED")]
    rows += [
        (
            str(key.id),
            key.prefix,
            key.name,
            key.role,
            key.retailer or "-",
            _when(key.created_at),
            _when(key.revoked_at),
        )
        for key in found
    ]
    widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def revoke_key(settings: Settings, which: str) -> int:
    """Revoke a key by its id, prefix or name; running servers refuse it within a minute."""
    from hosho.service import keys
    from hosho.service.context import ServiceError

    with database(settings) as hosho:
        try:
            revoked = keys.revoke(hosho, which)
        except ServiceError as exc:
            raise Fatal(exc.message) from None
    for key, now in revoked:
        done = "revoked" if now else "was already revoked on"
        print(f"key {key.id} {key.name!r} ({key.role}) {done} {_when(key.revoked_at)}")
    return 0


def _when(moment: datetime | None) -> str:
    from hosho.domain.calendar import JST

    return "-" if moment is None else moment.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def _width(text: str) -> int:
    """Columns a terminal gives the text: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def add_retailer(settings: Settings, *, code: str, name: str) -> int:
    from hosho.service import keys

    with database(settings) as hosho:
        retailer_id = keys.ensure_retailer(hosho, code=code, name=name)
    print(f"retailer {code} (id {retailer_id})")
    return 0


def _resume_imports(settings: Settings, rules: Engine) -> None:
    """SQLite: the imports a stopped server left unfinished run again in a thread of this process (it lives as long
    as the server); on PostgreSQL `hosho worker` runs them again."""
    from hosho.service import import_jobs
    from hosho.service.context import create_hosho

    resumed = import_jobs.resume(create_hosho(settings.database_url, rules=rules))
    if resumed:
        print(f"  imports left unfinished by the last stop, resumed: {', '.join(map(str, resumed))}", flush=True)


def serve(settings: Settings, *, host: str, port: int, workers: int, demo: bool, rules: Engine) -> int:
    """Migrate, load the demo data, print where to go and a key, then run uvicorn until interrupted."""
    import uvicorn

    from hosho.console.security import SECRET_ENV
    from hosho.service import keys
    from hosho.store.db import migrate

    listener = listen(host, port)
    with database(settings, rules) as hosho:
        migrate(hosho.db)
        if demo:
            from hosho.demo import load_demo

            summary = load_demo(hosho)
            done = f"loaded in {summary.seconds:.1f} s" if summary.created else "already there"
            print(f"demo data: {summary.contracts} contracts ({done})")
        # The demo's key lives until the next start, whatever that start is: production keys come from
        # `hosho keys create` alone, and a key printed on a terminal is not one of them.
        revoked = keys.revoke_named(hosho, DEMO_KEY_NAME)
        key = demo_key(hosho) if demo and hosho.db.dialect.name == "sqlite" else None
        base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        print(f"Hosho is serving {base}  (database {shown(settings.database_url)})")
        print(f"  API docs (OpenAPI): {base}/v1/docs")
        if demo:
            password = demo_user(hosho)
            print(f"  console: {base}/console/  user {DEMO_USER} / password {password} (new at each start)")
            password = demo_user(hosho, DEMO_SUPERVISOR)
            print(f"           supervisor {DEMO_SUPERVISOR} / password {password} (reviews and disputes)")
        else:
            print(f"  console: {base}/console/  (users: hosho users create --username NAME --role agent ...)")
        if revoked:
            print(f"  the previous start's demo key is revoked ({DEMO_KEY_NAME})")
        if key is not None:
            print(f"  demo admin key (revoked at the next start): {key}")
            print(f"  try: HOSHO_API_KEY={key} hosho check --api {base} ../shared/spec/examples", flush=True)
            print("  (scenarios that `advance` the daily work need a service started with HOSHO_TESTING=1)", flush=True)
        else:
            print("  API keys: hosho keys create --role admin --name NAME (printed once); hosho keys list", flush=True)
        embedded = hosho.db.dialect.name == "sqlite"
    if embedded:
        # The embedded default needs no second process: each worker runs the daily work and the e-mails in a
        # thread (hosho.asgi); they share the work safely (each notice once, each e-mail claimed by one).
        os.environ[JOBS] = "1"
        if demo and SMTP_HOST not in os.environ:
            _demo_mailbox(settings)
        smtp = Settings.load().smtp
        print(f"  notices: the daily work and e-mails run in this process (SMTP {smtp.host}:{smtp.port})", flush=True)
        _resume_imports(settings, rules)
    else:
        print("  notices: run `hosho worker` beside it (as many as you like)", flush=True)
    # Each worker builds its own application from the environment (hosho.asgi), on the socket bound here; their
    # console cookies must verify in any of them, so they share one session key (random unless configured).
    os.environ[DATABASE_URL] = settings.database_url
    os.environ.setdefault(SECRET_ENV, secrets.token_urlsafe(32))
    with listener:
        uvicorn.run(
            "hosho.asgi:app_from_env",
            factory=True,
            fd=listener.fileno(),
            workers=workers,
            log_config=log_config(),
            access_log=False,  # uvicorn's line carries the query string (phones, names): hosho.api logs instead
        )
    return 0


def _demo_mailbox(settings: Settings) -> None:
    """The demo's e-mails go to a local SMTP server (aiosmtpd, installed with the dev tools) that keeps them in
    ./hosho-mail.mbox, so that the demo shows them without a mail server of its own."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
    except ImportError:
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    Controller(Mailbox(Path("hosho-mail.mbox")), hostname="127.0.0.1", port=port).start()
    os.environ[SMTP_HOST], os.environ[SMTP_PORT] = "127.0.0.1", str(port)
    print("  e-mails: to a local SMTP server, kept in ./hosho-mail.mbox (demo)", flush=True)


def worker(settings: Settings, *, every: float, once: bool, rules: Engine) -> int:
    """The daily work and the e-mails, every `every` seconds until SIGINT or SIGTERM (or once)."""
    import signal
    import threading

    from hosho import jobs

    with database(settings, rules) as hosho:
        if hosho.db.dialect.name == "postgresql":
            # procrastinate's worker: the tick every minute (the daily work, then the e-mails), the certificate's
            # e-mail as soon as its payment commits, retries at their time, and other features' background jobs.
            jobs.check_queue(hosho)  # a database that cannot be reached or lacks migration 0008: one line
            if not once:
                print(f"hosho worker: procrastinate's worker on {shown(settings.database_url)} (the tick every minute)")
            try:
                jobs.work(hosho, settings.smtp, once=once)
            except jobs.QueueError as exc:
                raise Fatal(f"database {shown(settings.database_url)}: {exc}") from None
            return 0
        if once:
            done = jobs.tick(hosho, settings.smtp)
            print(f"e-mails: {done.sent} sent, {done.failed} to retry or failed")
            return 0
        stop = threading.Event()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: stop.set())
        print(f"hosho worker: the daily work and e-mails every {every:g} s (database {shown(settings.database_url)})")
        jobs.run(hosho, settings.smtp, stop, every=every)
    return 0


def log_config() -> dict[str, Any]:
    """uvicorn's logging, plus Hosho's own lines (hosho.api: one per request, no personal data) on stderr."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["hosho"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before any work so that a busy port is one line, not a log after start-up.

    TCP_NODELAY is set here: uvicorn's own socket for several workers leaves Nagle's algorithm on, and every
    keep-alive response then waits about 40 ms for the client's delayed ACK (uvicorn#3149). Accepted
    connections inherit the option on Linux.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise Fatal(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise Fatal(f"port {port} on {host} is already in use (another server? choose --port)") from None
        raise Fatal(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    listener.set_inheritable(True)
    return listener


def demo_user(hosho: Hosho, username: str = DEMO_USER) -> str:
    """A demo console user with a new password, which is returned to be printed: DEMO_USER is an admin (every
    page), DEMO_SUPERVISOR a supervisor (the review queue: decides reviews and disputes)."""
    from hosho.service import users
    from hosho.service.context import Role, ServiceError

    role, name = (Role.SUPERVISOR, "デモ審査担当") if username == DEMO_SUPERVISOR else (Role.ADMIN, "デモ管理者")
    password = secrets.token_urlsafe(12)
    try:
        users.create_user(hosho, username, password, role, name)
    except ServiceError as exc:
        if exc.code != "conflict":
            raise
        users.set_password(hosho, username, password)
    return password


def create_user(settings: Settings, *, username: str, role: str, name: str, retailer: str | None) -> int:
    """A console user; the password comes from HOSHO_USER_PASSWORD, else is asked for twice (never an argument)."""
    from hosho.service import users
    from hosho.service.context import Role, ServiceError

    password = os.environ.get(PASSWORD_ENV) or _ask_password()
    with database(settings) as hosho:
        try:
            user = users.create_user(hosho, username, password, Role(role), name, retailer)
        except ServiceError as exc:
            raise Fatal(exc.message) from None
    print(f"console user {user.username!r} ({user.role.value}) created")
    return 0


def set_user_password(settings: Settings, *, username: str) -> int:
    """A new password (from HOSHO_USER_PASSWORD, else asked twice); the user's sessions end at once."""
    from hosho.service import users
    from hosho.service.context import ServiceError

    password = os.environ.get(PASSWORD_ENV) or _ask_password()
    with database(settings) as hosho:
        try:
            user = users.set_password(hosho, username, password)
        except ServiceError as exc:
            raise Fatal(exc.message) from None
    print(f"console user {user.username!r}: new password set, every session of the user ended")
    return 0


def set_user_active(settings: Settings, *, username: str, active: bool) -> int:
    """Deactivate a console user (no sign-in, sessions end at once on every worker), or activate them again."""
    from hosho.service import users
    from hosho.service.context import ServiceError

    with database(settings) as hosho:
        try:
            user = users.set_active(hosho, username, active)
        except ServiceError as exc:
            raise Fatal(exc.message) from None
    done = "activated: may sign in again" if active else "deactivated: signed out everywhere, may not sign in"
    print(f"console user {user.username!r} {done}")
    return 0


def _ask_password() -> str:
    if not sys.stdin.isatty():
        raise Fatal(f"give the password in {PASSWORD_ENV} (no terminal to ask on)")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise Fatal("the two passwords differ")
    return first


def demo_key(hosho: Hosho) -> str:
    """A new admin key for the demo, named DEMO_KEY_NAME: the next `hosho serve` revokes it."""
    from hosho.service import keys
    from hosho.service.context import Role

    return keys.create_key(hosho, role=Role.ADMIN, name=DEMO_KEY_NAME)


@contextmanager
def database(settings: Settings, rules: Engine | None = None) -> Iterator[Hosho]:
    """The application on the settings' database; database errors become one line."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

    from hosho.service.context import create_hosho

    where = shown(settings.database_url)
    try:
        hosho = create_hosho(settings.database_url, rules=rules)
    except (ArgumentError, ImportError) as exc:
        raise Fatal(f"invalid database URL {where}: {exc}") from None
    try:
        yield hosho
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        hint = " (run `hosho migrate` first)" if "no such table" in reason or "does not exist" in reason else ""
        raise Fatal(f"database {where}: {reason}{hint}") from None
    except SQLAlchemyError as exc:
        raise Fatal(f"database {where}: {exc}") from None
    finally:
        hosho.dispose()


def shown(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def create_payouts(settings: Settings, *, transfer_date: date, out: Path) -> int:
    """A batch of every ready refund, written as a Zengin 総合振込 file: `N transfers, total X円, FILE`."""
    from hosho.service import payouts
    from hosho.service.commands import CreateBatch
    from hosho.service.context import Actor, Role, ServiceError
    from hosho.settings import Payer

    payer = Payer.load()
    if payer is None:
        raise Fatal(
            "the payer (依頼人) is not configured: set HOSHO_PAYER_CODE, _NAME, _BANK, _BRANCH, _ACCOUNT_TYPE, _ACCOUNT"
        )
    if not out.parent.is_dir():
        raise Fatal(f"{out.parent}: no such folder")
    actor = Actor("cli:payouts", Role.ADMIN)
    with database(settings) as hosho:
        try:
            batch = payouts.create_batch(hosho, actor, CreateBatch(transfer_date=transfer_date))
            data = payouts.batch_file(hosho, actor, batch.id, payer)
        except ServiceError as exc:
            raise Fatal(exc.message) from None
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(data)
    partial.replace(out)  # the file appears whole or not at all
    print(f"{batch.count} transfers, total {batch.total:,}円, {out}")
    return 0


def refresh_figures(settings: Settings) -> int:
    """Rebuild the dashboard's summaries as of today (the daily work's step; also done by the first reader of a day)."""
    from hosho.service.figures import summary

    with database(settings) as hosho:
        day = summary.refresh(hosho, force=True)
    print(f"dashboard figures rebuilt as of {day.isoformat()}")
    return 0
