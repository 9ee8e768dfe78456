"""One log line per request, and the last net for unexpected errors.

Logs hold no personal data: method, route, status, duration and the key's or user's name only. Never a body,
never the query string (searches carry phones and names), never an exception's message (a database driver's
message carries row values), and never the path itself: its route's template (`/v1/contracts/{contract_id}`)
stands for it, and a path no route matches is logged as NO_ROUTE, whatever was typed in it.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hosho.api.problems import problem_response
from hosho.logs import ACTOR_NAME
from hosho.presentation.words import negotiate_language

logger = logging.getLogger("hosho.api")

NO_ROUTE = "(unmatched)"  # one word, as every field of the line


class ApiRoutes:
    """The API's routes (every one needs a key) and the template each matched route is logged under.

    A route keeps the path it was declared with: a router included under a prefix (`/v1`) is registered here with
    that prefix. Other routes (health, the console's, declared with their whole path) are logged by their own path.
    """

    def __init__(self) -> None:
        self._prefixed: dict[int, str] = {}  # by the route object's id: Starlette's routes are not hashable

    def include(self, router: APIRouter, prefix: str) -> None:
        for route in router.routes:
            self._prefixed[id(route)] = prefix + _template(route)

    def needs_key(self, scope: Scope) -> bool:
        return id(scope.get("route")) in self._prefixed

    def template(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None:
            return self._prefixed.get(id(route), _template(route))
        if scope.get("endpoint") is not None and scope.get("root_path"):
            return f"{scope['root_path']}/{{path}}"  # a mounted application: the console's static files
        return NO_ROUTE


def _template(route: object) -> str:
    """`/contracts/{contract_id}`: the path as declared, less its converters (`{path:path}` → `{path}`)."""
    return str(getattr(route, "path_format", None) or getattr(route, "path", NO_ROUTE))


def exception_summary(exc: BaseException) -> str:
    """The exception's types and frames (file, line, function, source line), without any message."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        lines.append(f"{type(current).__module__}.{type(current).__qualname__} (message withheld)")
        lines.extend(line.rstrip("\n") for line in traceback.format_tb(current.__traceback__))
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


class AccessLog:
    """Pure ASGI middleware, inside Starlette's error middleware, so nothing it catches is re-raised."""

    def __init__(self, app: ASGIApp, *, routes: ApiRoutes) -> None:
        self.app, self.routes = app, routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_and_note(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception as exc:
            logger.error(
                "unexpected error on %s %s by %s\n%s",
                scope.get("method"),
                self.routes.template(scope),
                _actor(scope),
                exception_summary(exc),
            )
            if not response_started:
                language = negotiate_language(Headers(scope=scope).get("accept-language"))
                response = problem_response(500, "internal_error", language=language)
                await response(scope, receive, send_and_note)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            path = self.routes.template(scope)
            actor = _actor(scope)
            logger.info(
                "%s %s %s %.1fms %s",
                scope.get("method"),
                path,
                status,
                elapsed_ms,
                actor,
                extra={
                    "http_method": scope.get("method"),
                    "http_path": path,
                    "http_status": status,
                    "duration_ms": round(elapsed_ms, 1),
                    "key_name": actor,
                },
            )


def _actor(scope: Scope) -> str:
    state: Any = scope.get("state") or {}
    return str(state.get(ACTOR_NAME, "-"))
