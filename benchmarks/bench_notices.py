"""The daily sweep and the e-mails, at scale: `python -m benchmarks.bench_notices [--count 1000000]`.

For each database (a fresh SQLite file, a fresh PostgreSQL database) it loads `--count` paid contracts
(benchmarks.seed_contracts), then times:
  - the first daily run (today only, with the backlog of contracts already past their end expiring at once),
  - the daily run of the next day (the steady state: target ≤ 2 s at 1,000,000 contracts),
  - a catch-up of 30 missed days in one run,
  - one worker sending the notices' e-mails to a local SMTP server (aiosmtpd's Sink, in a process of its own):
    text notices (target ≥ 200 e-mails/s), and certificates with their PDF rendered and attached.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select, text, update

from benchmarks.machine import describe
from benchmarks.seed_contracts import create_postgres_database, drop_postgres_database, seed
from hosho import jobs
from hosho.service import notices
from hosho.service.context import Hosho, create_hosho
from hosho.settings import SmtpSettings
from hosho.store import models as m

PG_URL = "postgresql://postgres@127.0.0.1:5432/hosho_bench_notices"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _smtp_sink() -> tuple[subprocess.Popen[bytes], SmtpSettings]:
    port = _free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return sink, SmtpSettings(host="127.0.0.1", port=port, sender="bench@hosho.example", timeout=10)


def _timed_run(hosho: Hosho, day: date, label: str) -> None:
    began = time.perf_counter()
    done = notices.run_daily(hosho, today=day)
    seconds = time.perf_counter() - began
    produced = sum(done.produced.values())
    print(f"  {label:<44} {seconds:7.3f} s  {produced:>7,} notices {dict(done.produced)}, {done.expired:,} expired")


def _emails(hosho: Hosho, smtp: SmtpSettings, *, kind: str, limit: int, queue: bool = False) -> None:
    """Send up to `limit` pending e-mails of one kind (the others held back), one worker, and time it.

    `queue` (PostgreSQL): through procrastinate's worker (`hosho worker --once`: the tick job, then every job due)
    instead of calling the sending loop directly; the difference is the queue's own cost.
    """
    n = m.Notice
    with hosho.transaction() as session:
        session.execute(
            update(n).where(n.channel == "email", n.state == "pending", n.kind != kind).values(state="held")
        )
        kept = select(n.id).where(n.channel == "email", n.state == "pending").order_by(n.id).limit(limit)
        session.execute(
            update(n)
            .where(n.channel == "email", n.state == "pending", n.id.not_in(kept.scalar_subquery()))
            .values(state="held")
        )
    with hosho.reading() as session:
        count = session.execute(
            select(func.count()).select_from(n).where(n.channel == "email", n.state == "pending")
        ).scalar_one()
    began = time.perf_counter()
    if queue:
        jobs.work(hosho, smtp, once=True)
        sent = _count(hosho, "sent", kind)
    else:
        sent = jobs.deliver(hosho, smtp).sent
    seconds = time.perf_counter() - began
    rate = sent / seconds if seconds else 0.0
    label = f"e-mails ({kind}, {count:,} due{', queue' if queue else ''})"
    print(f"  {label:<44} {seconds:7.3f} s  {sent:,} sent, {rate:,.0f}/s")
    with hosho.transaction() as session:
        session.execute(update(n).where(n.state == "held").values(state="pending"))


def _unsent(hosho: Hosho, kind: str) -> None:
    """The e-mails of `kind` sent already, to send again (the same work, through the queue this time)."""
    n = m.Notice
    with hosho.transaction() as session:
        session.execute(
            update(n).where(n.kind == kind, n.state == "sent").values(state="pending", sent_at=None, attempts=0)
        )


def _count(hosho: Hosho, state: str, kind: str) -> int:
    n = m.Notice
    with hosho.reading() as session:
        query = select(func.count()).select_from(n).where(n.state == state, n.kind == kind)
        return int(session.execute(query).scalar_one())


def _certificates(hosho: Hosho, count: int) -> None:
    """Certificate notices for `count` paid contracts with an address (the loader does not make them)."""
    with hosho.transaction() as session:
        session.execute(
            text(
                "INSERT INTO notices (kind, subject_id, contract_id, on_date, about, channel, state, attempts, "
                "created_at) SELECT 'certificate', c.id, c.id, c.paid_on, c.paid_on, 'email', 'pending', 0, "
                "c.created_at FROM contracts c JOIN subscribers s ON s.id = c.subscriber_id "
                "WHERE c.paid_on IS NOT NULL AND s.email IS NOT NULL ORDER BY c.id LIMIT :count "
                "ON CONFLICT DO NOTHING"
            ),
            {"count": count},
        )


def bench(url: str, count: int, emails: int, certificates: int) -> None:
    print(f"{url.split(':', 1)[0]}: loading {count:,} contracts")
    seed(url, count, append=False, seed_value=20261201)
    hosho = create_hosho(url)
    try:
        today = hosho.today()
        print(f"{hosho.db.dialect.name}, {count:,} contracts:")
        _timed_run(hosho, today, "first daily run (today)")
        _timed_run(hosho, today + timedelta(days=1), "daily run of the next day")
        _timed_run(hosho, today + timedelta(days=31), "catching up 30 missed days")
        sink, smtp = _smtp_sink()
        try:
            _emails(hosho, smtp, kind="coverage_ending", limit=emails)
            if hosho.db.dialect.name == "postgresql":
                _unsent(hosho, "coverage_ending")
                _emails(hosho, smtp, kind="coverage_ending", limit=emails, queue=True)
            _certificates(hosho, certificates)
            _emails(hosho, smtp, kind="certificate", limit=certificates)
        finally:
            sink.terminate()
            sink.wait()
    finally:
        hosho.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000, help="contracts to load (default 1,000,000)")
    parser.add_argument("--emails", type=int, default=2_000, help="text e-mails to send at most")
    parser.add_argument("--certificates", type=int, default=200, help="certificate e-mails (with PDF) to send")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgresql-url", default=PG_URL, help="a database dropped and created for the run")
    args = parser.parse_args(argv)
    print(f"machine: {describe()}")
    for name in args.databases.split(","):
        if name == "sqlite":
            with tempfile.TemporaryDirectory(prefix="hosho-bench-notices-") as folder:
                bench(f"sqlite:///{Path(folder) / 'hosho.sqlite3'}", args.count, args.emails, args.certificates)
        elif name == "postgresql":
            drop_postgres_database(args.postgresql_url)
            create_postgres_database(args.postgresql_url)
            bench(args.postgresql_url, args.count, args.emails, args.certificates)
        else:
            raise SystemExit(f"unknown database {name!r} (sqlite, postgresql)")


if __name__ == "__main__":
    main()
