"""The daily work and the e-mails, as jobs: one tick does every day not yet done and sends what is due.

`hosho worker` runs ticks for ever (several workers may run at once: each notice is produced once, each e-mail
claimed by one worker); `hosho serve` on SQLite runs the same ticks in a thread of its own process, so the
embedded default needs no second process.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from email.message import Message
from functools import partial

from jinja2 import Environment

from hosho.certificates.data import certificate_data
from hosho.certificates.pdf import render_certificate
from hosho.domain.program import NoticeKind
from hosho.mail.messages import Mailer, compose, templates
from hosho.service import contracts, delivery, notices
from hosho.service.context import SYSTEM, Hosho
from hosho.service.delivery import Outgoing
from hosho.service.figures import summary as figures_summary
from hosho.settings import SmtpSettings

log = logging.getLogger("hosho.jobs")
BATCH = 100


@dataclass(slots=True)
class Delivered:
    sent: int = 0
    failed: int = 0


def deliver(hosho: Hosho, settings: SmtpSettings, *, env: Environment | None = None, batch: int = BATCH) -> Delivered:
    """Claim the e-mails due, send them, and record each outcome; until none is due."""
    env = env or templates(settings)
    mailer = Mailer(settings)
    done = Delivered()
    while True:
        claimed = delivery.claim(hosho, limit=batch)
        if not claimed:
            return done
        messages = []
        failed: dict[int, str] = {}
        for outgoing in claimed:
            if not outgoing.to:
                delivery.no_address(hosho, outgoing.notice_id)
                continue
            messages.append((outgoing.notice_id, partial(_message, hosho, settings, env, outgoing)))
        outcome = mailer.send(messages)
        failed.update({notice_id: reason for notice_id, reason in outcome.items() if reason is not None})
        sent = [notice_id for notice_id, reason in outcome.items() if reason is None]
        delivery.record(hosho, sent=sent, failed=failed)
        done.sent += len(sent)
        done.failed += len(failed)
        if len(claimed) < batch:
            return done


def _message(hosho: Hosho, settings: SmtpSettings, env: Environment, outgoing: Outgoing) -> Message:
    attachment = _certificate(hosho, outgoing.contract_id) if outgoing.kind == NoticeKind.CERTIFICATE else None
    return compose(outgoing, hosho.rules.catalog, settings, env, attachment=attachment, sent_at=hosho.clock())


def _certificate(hosho: Hosho, contract_id: int) -> bytes:
    row, contract = contracts.certificate_row(hosho, SYSTEM, contract_id)
    return render_certificate(certificate_data(row, contract, today=hosho.today()))


def tick(hosho: Hosho, settings: SmtpSettings) -> Delivered:
    """The daily work of every day not yet done, then the e-mails due."""
    ran = notices.run_daily(hosho)
    if ran.first is not None:
        log.info("daily work %s…%s: %s, %d expired", ran.first, ran.last, ran.produced, ran.expired)
        figures_summary.refresh(hosho)  # the dashboard's summaries, as of the new day
    done = deliver(hosho, settings)
    if done.sent or done.failed:
        log.info("e-mails: %d sent, %d to retry or failed", done.sent, done.failed)
    return done


def run(hosho: Hosho, settings: SmtpSettings, stop: threading.Event, *, every: float = 30.0) -> None:
    """Ticks until `stop` is set; an error is logged (one line, no personal data) and the next tick tries again."""
    while not stop.is_set():
        try:
            tick(hosho, settings)
        except Exception as exc:
            log.error("jobs: %s", type(exc).__name__)
        stop.wait(every)


def in_background(
    hosho: Hosho, settings: SmtpSettings, *, every: float = 30.0
) -> tuple[threading.Thread, threading.Event]:
    """The jobs in a daemon thread of this process (`hosho serve` on SQLite)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run, args=(hosho, settings, stop), kwargs={"every": every}, name="hosho-jobs", daemon=True
    )
    thread.start()
    return thread, stop
