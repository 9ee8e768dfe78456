"""The operator console (オペレーター画面) under /console: server-rendered Japanese pages with vendored htmx.

`mount_console(app, hosho)` adds the pages and their static files to an application; `create_console(hosho)`
builds the pages alone. Every page calls the service layer as the signed-in user.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from starlette.staticfiles import StaticFiles

from hosho.console import (
    adjudication,
    auth,
    board,
    calendar,
    calls,
    cancel,
    changes,
    contract,
    dashboard,
    imports,
    lookup,
    payouts,
    repairs,
    replacements,
)
from hosho.console import preferences as mine
from hosho.console.app import Console, csrf_guard, route_class
from hosho.console.security import secret_from_env
from hosho.service.context import Hosho, ServiceError
from hosho.settings import SessionSettings

PREFIX = "/console"
STATIC = f"{PREFIX}/static"


def create_console(
    hosho: Hosho, *, secret_key: bytes | None = None, settings: SessionSettings | None = None
) -> APIRouter:
    """The console's pages. The session key is HOSHO_SECRET_KEY, else random for this process."""
    console = Console.build(hosho, secret_key or secret_from_env(), settings or SessionSettings())
    router = APIRouter(
        prefix=PREFIX,
        route_class=route_class(console),
        dependencies=[Depends(csrf_guard)],
        include_in_schema=False,
    )
    pages_of_contracts = (contract, repairs, board, adjudication, cancel, changes)
    for pages in (auth, lookup, *pages_of_contracts, replacements, calendar, payouts, calls, dashboard, imports, mine):
        pages.routes(router)
    # Last, and without the CSRF check: any other path under /console is the console's own Japanese 404 page,
    # with its security headers (not the API's problem+json).
    unknown = APIRouter(prefix=PREFIX, route_class=route_class(console), include_in_schema=False)

    @unknown.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    def no_such_page(request: Request) -> None:
        raise ServiceError("no_page", "no such console page")

    console_router = APIRouter()
    console_router.include_router(router)
    console_router.include_router(unknown)
    return console_router


def static_directory() -> Path:
    return Path(str(resources.files("hosho.console") / "static"))


def mount_console(
    app: FastAPI, hosho: Hosho, *, secret_key: bytes | None = None, settings: SessionSettings | None = None
) -> None:
    """Add the console's pages and static files (htmx, stylesheet) to `app`; sessions as `settings` say."""
    # The static files first: the pages end with a catch-all for unknown console paths.
    app.mount(STATIC, StaticFiles(directory=static_directory()), name="console-static")
    app.include_router(create_console(hosho, secret_key=secret_key, settings=settings))
