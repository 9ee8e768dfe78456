"""Who is calling: an API key in `Authorization: Bearer <key>` or `X-API-Key: <key>`, checked by the service."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from hosho.logs import ACTOR_NAME
from hosho.service import keys
from hosho.service.context import Actor, Hosho, ServiceError

CACHE_SECONDS = 60.0

bearer = HTTPBearer(auto_error=False, scheme_name="bearer", description="Authorization: Bearer hsk_…")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey", description="X-API-Key: hsk_…")


def _digest(presented: str) -> str:
    return hashlib.sha256(presented.encode()).hexdigest()


class KeyCache:
    """Successful lookups for CACHE_SECONDS, keyed by the SHA-256 of the presented key (the key itself is not kept).

    A key revoked in the database is therefore refused at most CACHE_SECONDS later by a running process.
    """

    def __init__(
        self, hosho: Hosho, *, ttl: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._hosho, self._ttl, self._clock = hosho, ttl, clock
        self._found: dict[str, tuple[Actor, float]] = {}
        self._lock = threading.Lock()

    def cached(self, presented: str) -> Actor | None:
        """The actor of a key looked up less than `ttl` ago; no I/O, so it runs on the event loop."""
        return self._hit(_digest(presented))

    def _hit(self, digest: str) -> Actor | None:
        with self._lock:
            hit = self._found.get(digest)
        return hit[0] if hit is not None and hit[1] > self._clock() else None

    def actor(self, presented: str) -> Actor | None:
        """The cached actor, else the database's answer (None for an unknown or revoked key), remembered."""
        digest = _digest(presented)
        hit = self._hit(digest)
        if hit is not None:
            return hit
        now = self._clock()
        actor = keys.authenticate(self._hosho, presented)
        with self._lock:
            if actor is None:
                self._found.pop(digest, None)
            else:
                self._found[digest] = (actor, now + self._ttl)
                if len(self._found) > 10_000:  # drop what has expired rather than grow without bound
                    self._found = {k: v for k, v in self._found.items() if v[1] > now}
        return actor


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Actor:
    return await authenticate(request, credentials.credentials if credentials is not None else api_key)


def presented_key(request: Request) -> str | None:
    """The key in the headers, as `current_actor` reads them (for a check made before its dependencies run)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


async def authenticate(request: Request, presented: str | None) -> Actor:
    """The key's actor, noted for the access log; 401 (ServiceError) without a key or with a bad one."""
    # async: a cache hit answers on the event loop; only a miss takes a worker thread (it reads the database).
    if not presented:
        raise ServiceError("unauthorized", "an API key is required (Authorization: Bearer, or X-API-Key)")
    cache: KeyCache = request.app.state.keys
    actor = cache.cached(presented) or await run_in_threadpool(cache.actor, presented)
    if actor is None:
        raise ServiceError("unauthorized", "the API key is unknown or revoked")
    setattr(request.state, ACTOR_NAME, actor.name)
    return actor


async def get_hosho(request: Request) -> Hosho:
    hosho: Hosho = request.app.state.hosho
    return hosho


CurrentActor = Annotated[Actor, Depends(current_actor)]
HoshoDep = Annotated[Hosho, Depends(get_hosho)]
