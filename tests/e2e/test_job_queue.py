"""`hosho worker` on PostgreSQL as procrastinate's worker, in real processes: the certificate's e-mail enqueued with
its payment, two workers at once, a worker killed with SIGKILL in the middle of a batch, a refusing SMTP server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select, text

from hosho import jobs
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.service import contracts, notices, queue
from hosho.service.commands import Pay
from hosho.service.context import SYSTEM, Hosho, ServiceError, create_hosho
from hosho.settings import SmtpSettings
from hosho.store import models as m
from tests.integration.builders import zest_enrolment
from tests.integration.databases import PG_ADMIN_URL, fresh_database, require_pg
from tests.integration.test_mail import Inbox, _free_port

DOMAIN = "provider.example"


@dataclass
class SlowInbox(Inbox):
    """An SMTP server that takes `delay` seconds to accept each message: a batch lasts long enough to be killed."""

    delay: float = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class Mailhost:
    inbox: SlowInbox
    env: dict[str, str]


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
def hosho(pg_url: str, engine: Engine) -> Iterator[Hosho]:
    app = create_hosho(pg_url, rules=engine)
    yield app
    app.dispose()


@pytest.fixture
def mailhost() -> Iterator[Mailhost]:
    inbox = SlowInbox()
    port = _free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    env = {"HOSHO_SMTP_HOST": "127.0.0.1", "HOSHO_SMTP_PORT": str(port), "HOSHO_MAIL_FROM": f"hosho@{DOMAIN}"}
    try:
        yield Mailhost(inbox, env)
    finally:
        server.stop()


def _paid(hosho: Hosho, count: int) -> list[int]:
    application = zest_enrolment()
    application = application.model_copy(
        update={"subscriber": application.subscriber.model_copy(update={"email": "yamada@example.jp"})}
    )
    made = []
    for _ in range(count):
        enrolled, _ = contracts.enroll(hosho, SYSTEM, application)
        contracts.pay_fee(hosho, SYSTEM, enrolled.id, Pay(date=date(2024, 4, 1)))
        made.append(enrolled.id)
    return made


def _worker(url: str, mailhost: Mailhost, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hosho.cli", "worker", "--database-url", url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **mailhost.env},
    )


def _finished(process: subprocess.Popen[str]) -> None:
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err


def _message_ids(mailhost: Mailhost) -> Counter[str]:
    return Counter(str(mail["Message-ID"]) for mail in mailhost.inbox.messages)


def _expected_ids(hosho: Hosho) -> set[str]:
    with hosho.reading() as session:
        ids = session.execute(select(m.Notice.id).where(m.Notice.channel == "email")).scalars()
        return {f"<hosho-notice-{notice_id}@{DOMAIN}>" for notice_id in ids}


def _jobs(hosho: Hosho, task: str) -> list[tuple[str, Any]]:
    with hosho.reading() as session:
        rows = session.execute(
            text("select status, scheduled_at from procrastinate_jobs where task_name = :task order by id"),
            {"task": task},
        ).all()
    return [(row.status, row.scheduled_at) for row in rows]


def _doing(hosho: Hosho) -> int:
    with hosho.reading() as session:
        return int(session.execute(text("select count(*) from procrastinate_jobs where status = 'doing'")).scalar_one())


def test_a_payment_enqueues_its_certificate_e_mail_in_its_own_transaction(hosho: Hosho) -> None:
    [contract] = _paid(hosho, 1)
    assert _jobs(hosho, queue.DELIVER) == [("todo", None)]
    # A payment refused (paid twice) rolls back, and its job with it; another payment shares the one waiting job.
    with pytest.raises(ServiceError):
        contracts.pay_fee(hosho, SYSTEM, contract, Pay(date=date(2024, 4, 2)))
    _paid(hosho, 2)
    assert _jobs(hosho, queue.DELIVER) == [("todo", None)]


def test_worker_once_sends_the_certificates_and_leaves_no_job_behind(
    pg_url: str, hosho: Hosho, mailhost: Mailhost
) -> None:
    _paid(hosho, 3)
    _finished(_worker(pg_url, mailhost, "--once"))
    assert set(_message_ids(mailhost)) == _expected_ids(hosho)
    assert _jobs(hosho, queue.DELIVER) == [] and _jobs(hosho, queue.TICK) == []


def test_two_workers_at_once_send_every_notice_exactly_once(pg_url: str, hosho: Hosho, mailhost: Mailhost) -> None:
    _paid(hosho, 150)
    mailhost.inbox.delay = 0.002
    workers = [_worker(pg_url, mailhost) for _ in range(2)]
    try:
        deadline = time.monotonic() + 90
        while sum(_message_ids(mailhost).values()) < 150 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            process.communicate(timeout=60)
    ids = _message_ids(mailhost)
    assert set(ids) == _expected_ids(hosho) and len(ids) == 150
    assert max(ids.values()) == 1


def test_a_worker_killed_in_a_batch_is_restarted_and_repeats_only_what_it_sent_unrecorded(
    pg_url: str, hosho: Hosho, mailhost: Mailhost
) -> None:
    _paid(hosho, 150)
    mailhost.inbox.delay = 0.02  # a batch of 100 takes 2 s
    victim = _worker(pg_url, mailhost)
    deadline = time.monotonic() + 60
    while len(mailhost.inbox.messages) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    with hosho.reading() as session:
        unrecorded = {
            f"<hosho-notice-{notice_id}@{DOMAIN}>"
            for notice_id in session.execute(select(m.Notice.id).where(m.Notice.state == "sending")).scalars()
        }
    sent_before = set(_message_ids(mailhost))
    assert unrecorded and sent_before & unrecorded, "the kill did not land in the middle of a batch"
    assert _doing(hosho) == 1  # the dead worker's job (a deliver, or the tick that delivers)
    # The claimed batch is the dead worker's until its lease (10 minutes) runs out, and its job until its heartbeat
    # is 30 s old: here both have.
    with hosho.transaction() as session:
        session.execute(text("update notices set next_try_at = now() - interval '1 second' where state = 'sending'"))
        session.execute(text("update procrastinate_workers set last_heartbeat = now() - interval '1 minute'"))
    mailhost.inbox.delay = 0.0
    _finished(_worker(pg_url, mailhost, "--once"))
    ids = _message_ids(mailhost)
    assert set(ids) == _expected_ids(hosho)
    repeated = {message_id for message_id, count in ids.items() if count > 1}
    # Only what was sent and not yet recorded when the worker died goes twice, with the same Message-ID.
    assert repeated == sent_before & unrecorded
    assert max(ids.values()) == 2
    with hosho.reading() as session:
        states = Counter(session.execute(select(m.Notice.state)).scalars())
    assert states == Counter({"sent": 150})
    assert _doing(hosho) == 0  # the dead worker's job was run again, and is done


def test_a_refused_e_mail_is_woken_again_by_a_job_at_its_retry_time(
    pg_url: str, hosho: Hosho, mailhost: Mailhost
) -> None:
    _paid(hosho, 1)
    mailhost.inbox.refuse = "451 4.3.0 try again later"
    _finished(_worker(pg_url, mailhost, "--once"))
    with hosho.reading() as session:
        notice = session.execute(select(m.Notice)).scalar_one()
        retry_at = notice.next_try_at
        assert (notice.state, notice.attempts, notice.last_error) == ("pending", 1, "451 4.3.0 try again later")
    assert _jobs(hosho, queue.DELIVER) == [("todo", retry_at)]
    # A minute later (the backoff) the server accepts: the scheduled job sends it, nothing lost.
    mailhost.inbox.refuse = None
    with hosho.transaction() as session:
        session.execute(text("update notices set next_try_at = now() - interval '1 second'"))
        session.execute(text("update procrastinate_jobs set scheduled_at = now() - interval '1 second'"))
    _finished(_worker(pg_url, mailhost, "--once"))
    assert set(_message_ids(mailhost)) == _expected_ids(hosho)
    assert _jobs(hosho, queue.DELIVER) == []


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def test_the_worker_s_tick_catches_up_the_days_it_was_down_each_notice_once(
    pg_url: str, engine: Engine, mailhost: Mailhost
) -> None:
    clock = Clock(datetime(2029, 2, 20, 9, 0, tzinfo=JST))
    hosho = create_hosho(pg_url, rules=engine, clock=clock)
    smtp = SmtpSettings(host="127.0.0.1", port=int(mailhost.env["HOSHO_SMTP_PORT"]), sender=f"hosho@{DOMAIN}")
    try:
        [contract] = _paid(hosho, 1)
        jobs.work(hosho, smtp, once=True)
        # Down from 21 February to 5 April: the first tick after the start does the missed days.
        clock.now = datetime(2029, 4, 5, 9, 0, tzinfo=JST)
        jobs.work(hosho, smtp, once=True)
        jobs.work(hosho, smtp, once=True)
        made = [(n.kind, n.on, n.state) for n in notices.of_contract(hosho, SYSTEM, contract)]
        status = contracts.get(hosho, SYSTEM, contract).status
    finally:
        hosho.dispose()
    assert made == [
        ("certificate", date(2024, 4, 1), "sent"),
        ("coverage_ending", date(2029, 3, 1), "sent"),
    ]
    assert status == "expired"
    assert set(_message_ids(mailhost)) == _expected_ids_of(pg_url, engine) and len(mailhost.inbox.messages) == 2


def _expected_ids_of(url: str, engine: Engine) -> set[str]:
    hosho = create_hosho(url, rules=engine)
    try:
        return _expected_ids(hosho)
    finally:
        hosho.dispose()


def test_a_database_without_the_queue_s_migration_is_one_line_with_the_hint(mailhost: Mailhost) -> None:
    require_pg()
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/hosho_test_unmigrated_queue"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS hosho_test_unmigrated_queue WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE hosho_test_unmigrated_queue"))
    try:
        process = _worker(url, mailhost, "--once")
        _out, err = process.communicate(timeout=60)
    finally:
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS hosho_test_unmigrated_queue WITH (FORCE)"))
        admin.dispose()
    assert process.returncode == 2
    assert err.strip().endswith('relation "procrastinate_jobs" does not exist (run `hosho migrate` first)'), err
    assert len(err.strip().splitlines()) == 1
