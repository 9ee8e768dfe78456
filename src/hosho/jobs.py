"""The daily work and the e-mails, as jobs: one tick does every day not yet done and sends what is due.

`hosho worker` runs ticks for ever (several workers may run at once: each notice is produced once, each e-mail
claimed by one worker); `hosho serve` on SQLite runs the same ticks in a thread of its own process, so the
embedded default needs no second process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass
from email.message import Message
from functools import partial

from jinja2 import Environment
from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from psycopg_pool import PoolTimeout
from sqlalchemy import text

from hosho.certificates.data import certificate_data
from hosho.certificates.pdf import render_certificate
from hosho.domain.program import NoticeKind
from hosho.mail.messages import Mailer, compose, templates
from hosho.service import contracts, delivery, notices, queue
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


# PostgreSQL: the same work as procrastinate jobs (README: "Jobs"). The periodic tick runs every minute: the daily
# work is a no-op once the day is done (one locked row), so a worker that starts late catches up within a minute,
# and e-mails left by a dead worker are claimed again once their lease has run out.
TICK_CRON = "* * * * *"
STALLED = "queue.stalled"
STALLED_CRON = "*/5 * * * *"


def worker_app(hosho: Hosho, settings: SmtpSettings) -> App:
    """A procrastinate app on `hosho`'s database whose tasks are the notices' and every `queue.background` job."""
    app = App(connector=PsycopgConnector(conninfo=conninfo(hosho)))
    env = templates(settings)

    @app.periodic(cron=TICK_CRON, periodic_id="tick")
    @app.task(name=queue.TICK, retry=queue.RETRY, pass_context=False)
    def tick_job(timestamp: int | None = None) -> None:
        ran = notices.run_daily(hosho)
        if ran.first is not None:
            log.info("daily work %s…%s: %s, %d expired", ran.first, ran.last, ran.produced, ran.expired)
            figures_summary.refresh(hosho)  # the dashboard's summaries, as of the new day
        _deliver_job(hosho, settings, env)

    @app.task(name=queue.DELIVER, retry=queue.RETRY)
    def deliver_job() -> None:
        _deliver_job(hosho, settings, env)

    @app.periodic(cron=STALLED_CRON, periodic_id="stalled")
    @app.task(name=STALLED, queueing_lock=STALLED, pass_context=False)
    async def stalled_job(timestamp: int | None = None) -> None:
        # A job whose worker died (kill -9, a lost machine) stays `doing`: once the worker's heartbeat is older
        # than 30 s it is run again. Every job is safe to run twice (the notices' leases, a feature's own rule).
        for job in await app.job_manager.get_stalled_jobs():
            log.warning("job %s of a dead worker: run again", job.task_name)
            await app.job_manager.retry_job(job)

    for name, function in queue.registered().items():
        app.task(name=name, retry=queue.RETRY)(partial(function, hosho))
    del tick_job, deliver_job, stalled_job
    return app


def _deliver_job(hosho: Hosho, settings: SmtpSettings, env: Environment) -> None:
    """The e-mails due; a refused one is woken again by a job scheduled at its retry time (the backoff)."""
    done = deliver(hosho, settings, env=env)
    if done.sent or done.failed:
        log.info("e-mails: %d sent, %d to retry or failed", done.sent, done.failed)
    retry = delivery.next_retry(hosho)
    if retry is not None:
        with hosho.transaction() as session:
            queue.enqueue(session, hosho, queue.DELIVER, at=retry)


def conninfo(hosho: Hosho) -> str:
    """libpq's form of the SQLAlchemy URL (postgresql+psycopg://… → postgresql://…)."""
    return hosho.db.url.set(drivername="postgresql").render_as_string(hide_password=False)


class QueueError(Exception):
    """The queue's connection failed (the server went away): one line for the operator, not a traceback."""


def check_queue(hosho: Hosho) -> None:
    """The database answers and has the queue's tables (migration 0008); SQLAlchemy's error says what is wrong."""
    with hosho.reading() as session:
        session.execute(text("SELECT 1 FROM procrastinate_jobs LIMIT 1"))


def work(hosho: Hosho, settings: SmtpSettings, *, once: bool = False, concurrency: int = 1) -> None:
    """procrastinate's worker until SIGINT or SIGTERM; `once`: the tick now, then every job due, then return."""
    try:
        _work(hosho, settings, once=once, concurrency=concurrency)
    except (ConnectorException, PoolTimeout) as exc:
        raise QueueError(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__) from exc


def _work(hosho: Hosho, settings: SmtpSettings, *, once: bool, concurrency: int) -> None:
    app = worker_app(hosho, settings)

    async def main() -> None:
        async with app.open_async():
            if once:
                await app.configure_task(queue.TICK).defer_async()
                with contextlib.suppress(AlreadyEnqueued):
                    await app.configure_task(STALLED).defer_async()
            await app.run_worker_async(
                concurrency=concurrency,
                wait=not once,
                install_signal_handlers=not once,
                delete_jobs="successful",
            )

    asyncio.run(main())
