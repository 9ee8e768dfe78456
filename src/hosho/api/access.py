"""One log line per request, and the last net for unexpected errors.

Logs hold no personal data: method, path, status, duration and the key's name only. Never a body, never the
query string (searches carry phones and names), never an exception's message (a database driver's message
carries row values); a path that could hold personal data is replaced by its route.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hosho.api.auth import ACTOR_NAME
from hosho.api.problems import problem_response

logger = logging.getLogger("hosho.api")

# ASCII ids and words only, and no run of ten digits or more (a phone number).
_SAFE_PATH = re.compile(r"^(?!.*\d{10})[A-Za-z0-9/._\-]{0,200}$")


def loggable_path(scope: Scope, prefix: str = "") -> str:
    """The path, or its route's template (`/v1/contracts/{contract_id}`) when it could hold personal data."""
    path = str(scope.get("path", ""))
    if _SAFE_PATH.match(path):
        return path
    template = getattr(scope.get("route"), "path", None)
    if template is None:
        return "(redacted)"
    # A route included under a prefix may keep its own path only.
    return str(template) if str(template).startswith(prefix) else prefix + str(template)


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

    def __init__(self, app: ASGIApp, *, prefix: str = "") -> None:
        self.app, self.prefix = app, prefix

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
                loggable_path(scope, self.prefix),
                _actor(scope),
                exception_summary(exc),
            )
            if not response_started:
                response = problem_response(500, "internal_error", "an unexpected error occurred; it has been logged")
                await response(scope, receive, send_and_note)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            path = loggable_path(scope, self.prefix)
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
