"""Before a body is read: the key is checked, and a body over its route's limit is refused (413) while it arrives.

FastAPI reads a request's body before it resolves the endpoint's dependencies, the key among them: without this
gate, a large POST without a key is read whole (seconds, and the worker's memory) before its 401. The gate wraps
`receive`, which the endpoint first calls once the route is matched, so it knows the route: an API route's key is
checked then, before any byte of the body is taken; a declared Content-Length over the limit is refused at once,
and a body without one (chunked) is counted as it comes and refused as soon as it passes the limit. The console's
forms go through the same gate (their limit; no key: they carry a session); a route may check its own caller before
its body is read (`BEFORE_BODY_ATTRIBUTE`: the console's upload checks the session, so it takes the API's limit).

The limit is `HOSHO_MAX_BODY_BYTES` (Settings), 1 MiB by default; a route that takes larger bodies (an upload)
declares its own with `@max_body_bytes(...)` on its endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hosho.api.access import ApiRoutes
from hosho.api.auth import authenticate, presented_key
from hosho.service.context import ServiceError

LIMIT_ATTRIBUTE = "hosho_max_body_bytes"
# An endpoint's own check before its body is read (a console upload: the signed-in user), raising an HTTPException.
BEFORE_BODY_ATTRIBUTE = "hosho_before_body"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="hosho"'}
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def max_body_bytes(limit: int) -> Callable[[Endpoint], Endpoint]:
    """This endpoint's own body limit, instead of the configured one (e.g. a CSV upload's larger one)."""

    def declare(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, LIMIT_ATTRIBUTE, limit)
        return endpoint

    return declare


class TooLarge(HTTPException):
    """A 413 that carries its limit, so that the problem names it in the client's language."""

    def __init__(self, limit: int) -> None:
        # Connection: close: the rest of the body is never read, so the connection cannot carry another request.
        super().__init__(413, f"the body is larger than {limit:,} bytes", headers={"Connection": "close"})
        self.params = {"limit": f"{limit:,}"}


def too_large(limit: int) -> HTTPException:
    return TooLarge(limit)


class BodyGate:
    """Pure ASGI middleware: key first, then the body, counted against its route's limit.

    Its refusals are HTTPExceptions raised from `receive`: FastAPI passes those on (any other exception reading a
    body becomes a 400), and the application's handlers answer them as problem+json.
    """

    def __init__(self, app: ASGIApp, *, routes: ApiRoutes, limit: int) -> None:
        self.app, self.routes, self.limit = app, routes, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = -1  # -1: the body has not been asked for yet

        async def gated() -> Message:
            nonlocal received
            limit = getattr(scope.get("endpoint"), LIMIT_ATTRIBUTE, self.limit)
            if received < 0:
                received = 0
                await self._before_body(scope, receive, limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, gated, send)

    async def _before_body(self, scope: Scope, receive: Receive, limit: int) -> None:
        request = Request(scope, receive)
        if self.routes.needs_key(scope):
            try:
                await authenticate(request, presented_key(request))
            except ServiceError as refused:
                raise HTTPException(
                    401, refused.message, headers={"WWW-Authenticate": 'Bearer realm="hosho"'}
                ) from None
        check = getattr(scope.get("endpoint"), BEFORE_BODY_ATTRIBUTE, None)
        if check is not None:
            await check(request)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large(limit)
