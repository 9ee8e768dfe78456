"""Who is calling: an API key in `Authorization: Bearer <key>` or `X-API-Key: <key>`, checked by the service."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from hosho.service import keys
from hosho.service.context import Actor, Hosho, ServiceError

CACHE_SECONDS = 60.0
ACTOR_NAME = "actor_name"  # request.state key read by the access log

bearer = HTTPBearer(auto_error=False, scheme_name="bearer", description="Authorization: Bearer hsk_…")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey", description="X-API-Key: hsk_…")


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

    def actor(self, presented: str) -> Actor | None:
        digest = hashlib.sha256(presented.encode()).hexdigest()
        now = self._clock()
        with self._lock:
            hit = self._found.get(digest)
        if hit is not None and hit[1] > now:
            return hit[0]
        actor = keys.authenticate(self._hosho, presented)
        with self._lock:
            if actor is None:
                self._found.pop(digest, None)
            else:
                self._found[digest] = (actor, now + self._ttl)
                if len(self._found) > 10_000:  # drop what has expired rather than grow without bound
                    self._found = {k: v for k, v in self._found.items() if v[1] > now}
        return actor


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Actor:
    presented = credentials.credentials if credentials is not None else api_key
    if not presented:
        raise ServiceError(401, "unauthorized", "an API key is required (Authorization: Bearer, or X-API-Key)")
    cache: KeyCache = request.app.state.keys
    actor = cache.actor(presented)
    if actor is None:
        raise ServiceError(401, "unauthorized", "the API key is unknown or revoked")
    setattr(request.state, ACTOR_NAME, actor.name)
    return actor


def get_hosho(request: Request) -> Hosho:
    hosho: Hosho = request.app.state.hosho
    return hosho


CurrentActor = Annotated[Actor, Depends(current_actor)]
HoshoDep = Annotated[Hosho, Depends(get_hosho)]
