"""The ASGI entry point for uvicorn's worker processes: `uvicorn --factory hosho.asgi:app_from_env`.

`hosho serve --workers N` migrates and prepares the database once, then each worker builds its own application
here from HOSHO_DATABASE_URL (nothing is built at import time): the REST API under /v1 and the console under
/console, whose session cookies every worker signs with the same HOSHO_SECRET_KEY.
"""

from __future__ import annotations

import gc
import os
import sys

from fastapi import FastAPI

from hosho.api.app import create_app
from hosho.console import mount_console
from hosho.service.context import create_hosho
from hosho.settings import JOBS, Settings

SWITCH_INTERVAL_SECONDS = 0.001


def app_from_env() -> FastAPI:
    """The REST API and the console; the console's session key is HOSHO_SECRET_KEY (`hosho serve` sets one)."""
    # A thread waiting for the GIL (the event loop with a response ready, say) gets it within 1 ms instead of
    # CPython's 5 ms: shorter tails under load, measured by benchmarks/bench_service.py.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    settings = Settings.load()
    hosho = create_hosho(settings.database_url, testing=settings.testing)
    app = create_app(hosho, max_body_bytes=settings.max_body_bytes)
    mount_console(app, hosho, settings=settings.sessions)
    hosho.rules.warm()
    if os.environ.get(JOBS) == "1":
        from hosho import jobs

        app.state.jobs = jobs.in_background(hosho, settings.smtp)
    # What start-up built lives as long as the process: out of the collector's sight, a full collection walks
    # only what requests allocate (without this, every few requests paid 45 ms for a walk of the calendars and
    # programs: measured on the case board, benchmarks/bench_console.py).
    gc.freeze()
    return app
