"""Notices by e-mail through a real local SMTP server (aiosmtpd), on SQLite and PostgreSQL: the certificate with its
PDF, a stable Message-ID, retries with backoff and the console's report after the last try, the call list."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from hosho import jobs
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.service import contracts, delivery, notices
from hosho.service.commands import Pay
from hosho.service.context import SYSTEM, Actor, Hosho, Role, ServiceError, create_hosho
from hosho.settings import SmtpSettings
from hosho.store import models as m
from tests.integration.builders import zest_enrolment

AGENT = Actor("受付 担当", Role.AGENT)
START = datetime(2029, 3, 1, 0, 5, tzinfo=JST)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """An SMTP server's handler: keeps every message, or refuses them all with `refuse`."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse is not None:
            return self.refuse
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@dataclass
class Smtp:
    inbox: Inbox
    settings: SmtpSettings


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    inbox = Inbox()
    port = _free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield Smtp(inbox, SmtpSettings(host="127.0.0.1", port=port, sender="hosho@provider.example", timeout=5))
    finally:
        server.stop()


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hosho(database_url: str, engine: Engine, clock: Clock) -> Iterator[Hosho]:
    app = create_hosho(database_url, rules=engine, clock=clock)
    yield app
    app.dispose()


def _contract(hosho: Hosho, *, email: str | None = "yamada@example.jp", paid_on: date = date(2024, 4, 1)) -> int:
    application = zest_enrolment()
    application = application.model_copy(
        update={"subscriber": application.subscriber.model_copy(update={"email": email})}
    )
    enrolled, _ = contracts.enroll(hosho, SYSTEM, application)
    contracts.pay_fee(hosho, SYSTEM, enrolled.id, Pay(date=paid_on))
    return enrolled.id


def _states(hosho: Hosho, contract_id: int) -> list[tuple[str, str, int]]:
    with hosho.reading() as session:
        from sqlalchemy import select

        from hosho.store import models as m

        rows = session.execute(
            select(m.Notice.kind, m.Notice.state, m.Notice.attempts)
            .where(m.Notice.contract_id == contract_id)
            .order_by(m.Notice.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_the_certificate_is_e_mailed_with_its_pdf_and_a_message_id_of_its_notice(hosho: Hosho, smtp: Smtp) -> None:
    contract = _contract(hosho)
    done = jobs.deliver(hosho, smtp.settings)
    again = jobs.deliver(hosho, smtp.settings)
    assert (done.sent, again.sent) == (1, 0)
    [mail] = smtp.inbox.messages
    [notice] = notices.of_contract(hosho, SYSTEM, contract)
    assert mail["Message-ID"] == f"<hosho-notice-{notice.id}@provider.example>"
    assert mail["To"].addresses[0].addr_spec == "yamada@example.jp"
    assert mail["Subject"].startswith("【延長保証サービス規程】加入者証の発行のお知らせ")
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "山田 太郎 様" in text and "2029年3月31日" in text and "第1条" in text
    [pdf] = list(mail.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    assert _states(hosho, contract) == [("certificate", "sent", 1)]


def test_the_coverage_ending_notice_names_the_end_date_and_that_repairs_after_it_are_paid(
    hosho: Hosho, smtp: Smtp
) -> None:
    _contract(hosho)
    jobs.deliver(hosho, smtp.settings)
    notices.run_daily(hosho, today=date(2029, 3, 1))
    jobs.deliver(hosho, smtp.settings)
    mail = smtp.inbox.messages[-1]
    assert "保証期間満了のお知らせ" in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "2029年3月31日(土)をもって満了" in text
    assert "第6条(16)" in text and "別途費用" in text
    assert list(mail.iter_attachments()) == []


def test_a_refused_e_mail_is_retried_with_backoff_and_reported_after_the_last_try(
    hosho: Hosho, smtp: Smtp, clock: Clock
) -> None:
    contract = _contract(hosho)
    smtp.inbox.refuse = "554 5.7.1 mailbox unavailable"
    waits = []
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        assert jobs.deliver(hosho, smtp.settings).failed == 1
        # Not again before its backoff has passed.
        assert jobs.deliver(hosho, smtp.settings).failed == 0
        waits.append(delivery.backoff(attempt))
        clock.now += delivery.backoff(attempt)
    assert waits[:4] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
    assert _states(hosho, contract) == [("certificate", "failed", delivery.MAX_ATTEMPTS)]
    assert jobs.deliver(hosho, smtp.settings).failed == 0
    [task] = delivery.call_list(hosho, AGENT)
    assert (task.channel, task.state, task.name) == ("email", "failed", "山田 太郎")
    assert task.last_error == "554 5.7.1 mailbox unavailable"
    assert smtp.inbox.messages == []


def test_an_unreachable_server_is_retried_and_nothing_is_lost(hosho: Hosho, smtp: Smtp, clock: Clock) -> None:
    contract = _contract(hosho)
    down = replace(smtp.settings, port=_free_port())
    assert jobs.deliver(hosho, down).failed == 1
    assert _states(hosho, contract) == [("certificate", "pending", 1)]
    clock.now += delivery.backoff(1)
    assert jobs.deliver(hosho, smtp.settings).sent == 1
    assert _states(hosho, contract) == [("certificate", "sent", 2)]


def test_a_batch_left_by_a_dead_worker_is_sent_again_after_its_lease_with_the_same_message_id(
    hosho: Hosho, smtp: Smtp, clock: Clock
) -> None:
    _contract(hosho)
    [claimed] = delivery.claim(hosho)  # a worker claims, sends, and dies before recording
    assert jobs.deliver(hosho, smtp.settings).sent == 0
    clock.now += delivery.LEASE
    assert jobs.deliver(hosho, smtp.settings).sent == 1
    [mail] = smtp.inbox.messages
    assert mail["Message-ID"] == f"<hosho-notice-{claimed.notice_id}@provider.example>"


def test_a_provider_s_template_replaces_the_shipped_one(hosho: Hosho, smtp: Smtp, tmp_path: Path) -> None:
    (tmp_path / "certificate.txt").write_text(
        "件名: 加入者証 {{ certificate_number }}\n\n{{ name }} 様 ご加入ありがとうございます。\n"
    )
    _contract(hosho)
    jobs.deliver(hosho, replace(smtp.settings, templates=tmp_path))
    [mail] = smtp.inbox.messages
    assert mail["Subject"].startswith("加入者証 ZEST-")


def test_a_template_without_its_subject_line_fails_that_notice_with_the_file_named(
    hosho: Hosho, smtp: Smtp, tmp_path: Path
) -> None:
    (tmp_path / "certificate.txt").write_text("{{ name }} 様\n")
    contract = _contract(hosho)
    assert jobs.deliver(hosho, replace(smtp.settings, templates=tmp_path)).failed == 1
    with hosho.reading() as session:
        [row] = session.execute(select(m.Notice).where(m.Notice.contract_id == contract)).scalars()
        assert row.last_error is not None and "certificate.txt" in row.last_error


def test_without_an_address_the_notice_is_a_call_whose_outcome_the_agent_records(hosho: Hosho, smtp: Smtp) -> None:
    contract = _contract(hosho, email=None)
    notices.run_daily(hosho, today=date(2029, 3, 1))
    assert jobs.deliver(hosho, smtp.settings).sent == 0
    tasks = delivery.call_list(hosho, AGENT)
    assert [(t.kind, t.channel) for t in tasks] == [("certificate", "post"), ("coverage_ending", "call")]
    call = tasks[1]
    assert (call.phone, call.contract_id) == ("090-1234-5678", contract)
    done = delivery.record_call(hosho, AGENT, call.notice_id, outcome="ご本人に満了日をお伝えした")
    assert (done.state, done.outcome) == ("done", "ご本人に満了日をお伝えした")
    assert [t.kind for t in delivery.call_list(hosho, AGENT)] == ["certificate"]
    with pytest.raises(ServiceError) as again:
        delivery.record_call(hosho, AGENT, call.notice_id, outcome="二度目")
    assert again.value.code == "conflict"
    with pytest.raises(ServiceError) as empty:
        delivery.record_call(hosho, AGENT, tasks[0].notice_id, outcome="  ")
    assert empty.value.field == "outcome"
    trail = contracts.audit_trail(hosho, SYSTEM, contract)
    assert trail[-1].action == "notice.call_recorded" and trail[-1].actor == "受付 担当"


def test_two_workers_at_once_send_every_e_mail_once(hosho: Hosho, smtp: Smtp) -> None:
    made = [_contract(hosho) for _ in range(12)]
    errors: list[BaseException] = []

    def work() -> None:
        try:
            jobs.deliver(hosho, smtp.settings, batch=3)
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    ids = sorted(mail["Message-ID"] for mail in smtp.inbox.messages)
    assert len(ids) == len(made) == len(set(ids))


def test_a_server_that_never_answers_times_out_and_the_notice_waits_for_its_retry(
    hosho: Hosho, smtp: Smtp, clock: Clock
) -> None:
    contract = _contract(hosho)
    with socket.socket() as silent:  # accepts the connection, then says nothing: no SMTP greeting ever comes
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mute = replace(smtp.settings, port=int(silent.getsockname()[1]), timeout=0.5)
        assert jobs.deliver(hosho, mute).failed == 1
    assert _states(hosho, contract) == [("certificate", "pending", 1)]
    with hosho.reading() as session:
        error = session.execute(select(m.Notice.last_error).where(m.Notice.contract_id == contract)).scalar_one()
    assert error == "SMTPServerDisconnected: Connection unexpectedly closed: timed out"
    assert delivery.call_list(hosho, AGENT) == []  # not on the console before its last try
    clock.now += delivery.backoff(1)
    assert jobs.deliver(hosho, smtp.settings).sent == 1
    assert _states(hosho, contract) == [("certificate", "sent", 2)]
