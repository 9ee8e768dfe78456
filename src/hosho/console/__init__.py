"""The operator console (オペレーター画面) under /console: server-rendered Japanese pages with vendored htmx.

`mount_console(app, hosho)` adds the pages and their static files to an application; `create_console(hosho)`
builds the pages alone. Every page calls the service layer as the signed-in user.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from starlette.staticfiles import StaticFiles

from hosho.console import auth, board, calendar, calls, cancel, contract, lookup, repairs, replacements
from hosho.console.app import Console, csrf_guard, route_class
from hosho.console.security import secret_from_env
from hosho.service.context import Hosho

PREFIX = "/console"
STATIC = f"{PREFIX}/static"


def create_console(hosho: Hosho, *, secret_key: bytes | None = None) -> APIRouter:
    """The console's pages. The session key is HOSHO_SECRET_KEY, else random for this process."""
    console = Console.build(hosho, secret_key or secret_from_env())
    router = APIRouter(
        prefix=PREFIX,
        route_class=route_class(console),
        dependencies=[Depends(csrf_guard)],
        include_in_schema=False,
    )
    for pages in (auth, lookup, contract, repairs, board, cancel, replacements, calendar, calls):
        pages.routes(router)
    return router


def static_directory() -> Path:
    return Path(str(resources.files("hosho.console") / "static"))


def mount_console(app: FastAPI, hosho: Hosho, *, secret_key: bytes | None = None) -> None:
    """Add the console's pages and static files (htmx, stylesheet) to `app`."""
    app.include_router(create_console(hosho, secret_key=secret_key))
    app.mount(STATIC, StaticFiles(directory=static_directory()), name="console-static")
