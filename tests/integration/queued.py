"""The queue's jobs in tests: on PostgreSQL a worker runs what is due (`hosho worker --once`); on SQLite the jobs run
in a thread of the test's own process by themselves."""

from __future__ import annotations

from hosho import jobs
from hosho.service.context import Hosho
from hosho.settings import SmtpSettings

NO_MAIL = SmtpSettings(host="127.0.0.1", port=9, timeout=1)  # nothing listens: no e-mail leaves a test


def run_jobs(hosho: Hosho) -> None:
    """The jobs due, run now on PostgreSQL (a no-op on SQLite)."""
    if hosho.db.dialect.name == "postgresql":
        jobs.work(hosho, NO_MAIL, once=True)
