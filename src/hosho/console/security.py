"""Signed session cookies and per-session CSRF tokens, with the standard library's hmac.

The cookie holds the session's CSRF token, when it was issued and, once signed in, the user's id and the
session's random token, signed with HMAC-SHA256 under HOSHO_SECRET_KEY (or a random key per process, which signs
everyone out when the server restarts). The signature alone never signs anyone in: the token must name a live
session in the database (service.sessions), so signing out, a password change or a deactivation ends it on every
worker at once. Before sign-in the cookie holds only the sign-in form's CSRF token, and nothing is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "hosho_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SECRET_ENV = "HOSHO_SECRET_KEY"
MAX_AGE_SECONDS = 12 * 60 * 60  # one working day: an agent signs in once per shift
_CONTEXT = b"hosho.console.session.v1|"  # binds the signature to this use of the key


@dataclass(frozen=True, slots=True)
class SessionData:
    user_id: int | None  # None before sign-in: the sign-in form still needs its CSRF token
    csrf: str
    issued: int
    token: str | None = None  # the server-side session's token (its hash is in console_sessions)


def secret_from_env() -> bytes:
    configured = os.environ.get(SECRET_ENV)
    return configured.encode() if configured else secrets.token_bytes(32)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    def __init__(self, secret: bytes, *, clock: Callable[[], float] = time.time, max_age: int = MAX_AGE_SECONDS):
        if len(secret) < 16:
            raise ValueError(f"{SECRET_ENV} must be at least 16 bytes")
        self._secret, self._clock, self._max_age = secret, clock, max_age

    def new(self, user_id: int | None = None, token: str | None = None) -> SessionData:
        """A fresh session with a fresh CSRF token (also at sign-in, so a planted cookie is worth nothing)."""
        return SessionData(user_id, secrets.token_urlsafe(32), int(self._clock()), token)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, _CONTEXT + payload.encode(), hashlib.sha256).digest())

    def encode(self, data: SessionData) -> str:
        fields = {"u": data.user_id, "c": data.csrf, "t": data.issued, "s": data.token}
        body = json.dumps(fields, separators=(",", ":"))
        payload = _b64(body.encode())
        return f"{payload}.{self._sign(payload)}"

    def decode(self, value: str | None) -> SessionData | None:
        if not value or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            body = json.loads(_unb64(payload))
            token = body.get("s")
            data = SessionData(body["u"], str(body["c"]), int(body["t"]), str(token) if token else None)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if not 0 <= self._clock() - data.issued <= self._max_age:
            return None
        return data

    def read(self, request: Request) -> SessionData | None:
        return self.decode(request.cookies.get(COOKIE))

    def write(self, response: Response, data: SessionData, request: Request) -> None:
        response.set_cookie(
            COOKIE,
            self.encode(data),
            path="/console",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/console", httponly=True, samesite="lax")


def csrf_matches(session: SessionData | None, presented: str | None) -> bool:
    if session is None or not presented:
        return False
    return hmac.compare_digest(session.csrf.encode(), presented.encode())


def same_origin(request: Request) -> bool:
    """A browser's Origin, when it sends one, must be this server (a second line behind the token)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host
