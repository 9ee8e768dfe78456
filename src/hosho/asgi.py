"""The ASGI entry point for uvicorn's worker processes: `uvicorn --factory hosho.asgi:app_from_env`.

`hosho serve --workers N` migrates and prepares the database once, then each worker builds its own application
here from HOSHO_DATABASE_URL (nothing is built at import time).
"""

from __future__ import annotations

from fastapi import FastAPI

from hosho.api.app import create_app
from hosho.service.context import create_hosho
from hosho.settings import Settings


def app_from_env() -> FastAPI:
    return create_app(create_hosho(Settings.load().database_url))
