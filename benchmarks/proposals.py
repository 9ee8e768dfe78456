"""The lookup-path changes proposed from the service benchmark, applied by monkeypatching, to measure them.

Run: .venv/bin/python -m benchmarks.bench_service --app benchmarks.proposals:app_from_env
with HOSHO_BENCH_PROPOSALS=a,b,… to choose among those below (default: all of them).

Nothing here is imported by Hosho; each patch mirrors an exact change proposed for src/ (see the report):
  pool           store.db.make_engine: pool_size=20 (not SQLAlchemy's 5), so a worker serving more than five
                 requests at once keeps its connections instead of opening and closing one per request
  deferred-read  store.db + service.context: read sessions BEGIN DEFERRED on SQLite, only writers BEGIN IMMEDIATE
  writer-lock    service.context: on SQLite, a process's write transactions queue on a lock of their own before
                 BEGIN IMMEDIATE, not in SQLite's busy handler (which sleeps up to 100 ms between tries)
  no-count       service.contracts.search: no COUNT(*) when the first page is not full (a certificate lookup)
  retailer-cache service.contracts.view: retailer codes (never renamed) from a per-process map, not a query
  no-ping        store.db.make_engine: no pool_pre_ping round trip before every request's first statement
  core-lookup    service.contracts.search: a search by certificate number alone reads one Core statement
                 (contract, subscriber, retailer code, case count) and one for the equipment, not five ORM ones
  lean-enrol     service.contracts: a new contract starts with `cases=[]` (the audit snapshot lazy-loaded them),
                 and the Idempotency-Key is looked up only when the INSERT hits the unique key (a repeat)
  threads        api.app: at most THREADS sync endpoints run at once per worker (anyio's limiter, default 40);
                 the rest wait on the event loop instead of contending for the GIL
  sqlite-cache   store.db: on SQLite, a 256 MiB page cache per connection and a LIFO pool of THREADS connections,
                 so the hot pages stay in the process when the OS drops its file cache
  async-deps     api.auth: `get_hosho` and `current_actor` as `async def` (a key-cache hit does no I/O), so FastAPI
                 does not hop to a worker thread twice per request before the endpoint's own hop
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hosho.api import auth
from hosho.service import contracts
from hosho.service.context import Actor, Hosho, create_hosho
from hosho.service.search import code_key, name_key, phone_key, prefix_upper_bound
from hosho.service.views import contract_view
from hosho.settings import Settings
from hosho.store import db
from hosho.store import models as m

ALL = (
    "pool",
    "deferred-read",
    "writer-lock",
    "no-count",
    "retailer-cache",
    "no-ping",
    "core-lookup",
    "lean-enrol",
    "async-deps",
    "threads",
    "sqlite-cache",
)
SQLITE_CACHE_KIB = 262_144  # page cache per SQLite connection (SQLite's default is 2 MiB)
THREADS = 4  # worker threads per process for sync endpoints (anyio's default is 40)
POOL_SIZE = 20  # connections kept per worker process: at least the requests one worker serves at once
READ_ONLY = "hosho_read_only"


def app_from_env() -> FastAPI:
    chosen = [p for p in os.environ.get("HOSHO_BENCH_PROPOSALS", ",".join(ALL)).split(",") if p]
    unknown = set(chosen) - set(ALL)
    if unknown:
        raise SystemExit(f"unknown proposals {sorted(unknown)}; known: {', '.join(ALL)}")
    url = Settings.load().database_url
    options: dict[str, Any] = {"pool_size": POOL_SIZE} if "pool" in chosen else {}
    if "sqlite-cache" in chosen and url.startswith("sqlite"):
        options.update(pool_size=int(os.environ.get("HOSHO_BENCH_THREADS", THREADS)) + 1, pool_use_lifo=True)
    hosho = create_hosho(url, **options)
    if "sqlite-cache" in chosen and url.startswith("sqlite"):
        event.listen(hosho.db, "connect", _sqlite_cache)
    if "deferred-read" in chosen:
        deferred_reads(hosho)
    if "writer-lock" in chosen and hosho.db.dialect.name == "sqlite":
        writer_lock(hosho)
    if "no-count" in chosen:
        contracts.search = search
    if "retailer-cache" in chosen:
        contracts.view = view_with_cached_retailer
    if "lean-enrol" in chosen:
        lean_enrol()
    if "no-ping" in chosen:
        hosho.db.pool._pre_ping = False
    if "core-lookup" in chosen:
        contracts.search = core_lookup(contracts.search)
    if "async-deps" in chosen:
        if "hosho.api.contracts" in sys.modules:
            raise SystemExit("async-deps must patch hosho.api.auth before the routes are imported")
        auth.get_hosho, auth.current_actor = get_hosho, current_actor
        auth.CurrentActor = Annotated[Actor, Depends(current_actor)]
        auth.HoshoDep = Annotated[Hosho, Depends(get_hosho)]
    from hosho.api.app import create_app  # the routes read hosho.api.auth's dependencies when imported

    app = create_app(hosho)
    if "threads" in chosen:
        app.add_middleware(ThreadLimit, tokens=int(os.environ.get("HOSHO_BENCH_THREADS", THREADS)))
    return app


class ThreadLimit:
    """Sets anyio's default thread limiter of the worker's event loop on the first request."""

    def __init__(self, app: Any, tokens: int) -> None:
        self.app, self.tokens, self.done = app, tokens, False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.done:
            anyio.to_thread.current_default_thread_limiter().total_tokens = self.tokens
            self.done = True
        await self.app(scope, receive, send)


def _sqlite_cache(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


# --- deferred-read -----------------------------------------------------------------------------------------------


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock at BEGIN (read-modify-write transactions queue instead of deadlocking); readers
    # BEGIN DEFERRED: under WAL they read a snapshot and never wait for the write lock.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def deferred_reads(hosho: Hosho) -> None:
    if hosho.db.dialect.name == "sqlite":
        event.remove(hosho.db, "begin", db._sqlite_begin_immediate)
        event.listen(hosho.db, "begin", _sqlite_begin)

    @contextmanager
    def reading() -> Iterator[Session]:
        with hosho.sessions(execution_options={READ_ONLY: True}) as session:
            yield session

    hosho.reading = reading  # type: ignore[method-assign]


# --- writer-lock -------------------------------------------------------------------------------------------------

_WRITER = threading.Lock()


def writer_lock(hosho: Hosho) -> None:
    """service.context.Hosho.transaction holds a per-process lock around the whole unit of work on SQLite."""
    transaction = hosho.transaction

    @contextmanager
    def serialized() -> Iterator[Session]:
        with _WRITER, transaction() as session:
            yield session

    hosho.transaction = serialized  # type: ignore[method-assign]


# --- retailer-cache ----------------------------------------------------------------------------------------------

_RETAILER_CODES: dict[int, str] = {}


def view_with_cached_retailer(session: Session, hosho: Hosho, row: m.Contract) -> dict[str, Any]:
    code = None
    if row.retailer_id is not None:
        code = _RETAILER_CODES.get(row.retailer_id)
        if code is None:
            query = select(m.Retailer.code).where(m.Retailer.id == row.retailer_id)
            code = _RETAILER_CODES[row.retailer_id] = session.execute(query).scalar_one()
    return contract_view(row, hosho.rules.catalog, retailer_code=code)


# --- lean-enrol --------------------------------------------------------------------------------------------------


def _no_cases_yet(target: m.Contract, args: Any, kwargs: dict[str, Any]) -> None:
    kwargs.setdefault("cases", [])


def lean_enrol() -> None:
    event.listen(m.Contract, "init", _no_cases_yet)

    def enroll(
        hosho: Hosho, actor: Actor, data: contracts.EnrollmentInput, *, idempotency_key: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        contracts._require(actor, contracts.WRITERS, "enrol contracts")
        fingerprint = data.fingerprint()
        try:
            with hosho.transaction() as session:
                return contracts._enroll(hosho, session, actor, data, idempotency_key, fingerprint), True
        except IntegrityError:
            # The key was used before (a retry, or a race): answer with the first contract, or 409 on another body.
            if idempotency_key is None:
                raise
            existing = contracts._by_idempotency(hosho, actor, idempotency_key, fingerprint)
            if existing is None:
                raise
            return existing, False

    contracts.enroll = enroll


# --- no-count ----------------------------------------------------------------------------------------------------


def search(
    hosho: Hosho,
    actor: Actor,
    *,
    certificate_number: str | None = None,
    serial: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    status: str | None = None,
    program: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> dict[str, Any]:
    """service.contracts.search, counting only when the page is full or not the first."""
    query = select(m.Contract).join(m.Subscriber)
    if certificate_number:
        query = query.where(m.Contract.certificate_number == code_key(certificate_number))
    if serial:
        ids = select(m.Equipment.contract_id).where(m.Equipment.serial_key == code_key(serial))
        query = query.where(m.Contract.id.in_(ids))
    if phone:
        query = query.where(m.Subscriber.phone_key == phone_key(phone))
    if name:
        key = name_key(name)
        upper = prefix_upper_bound(key)
        query = query.where(
            ((m.Subscriber.name_key >= key) & (m.Subscriber.name_key < upper))
            | ((m.Subscriber.kana_key >= key) & (m.Subscriber.kana_key < upper))
        )
    if status:
        query = query.where(m.Contract.status == status)
    if program:
        query = query.where(m.Contract.program_id == program)
    if (scope := contracts._scope(actor)) is not None:
        query = query.where(m.Contract.retailer_id == scope)
    with hosho.reading() as session:
        rows = session.execute(query.order_by(m.Contract.id).offset((page - 1) * per_page).limit(per_page)).unique()
        items = [contracts.view(session, hosho, row) for row in rows.scalars()]
        if page == 1 and len(items) < per_page:
            total = len(items)  # the whole result is on this page: no COUNT(*) round trip
        else:
            total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


# --- core-lookup -------------------------------------------------------------------------------------------------

_C, _S, _R, _E, _RC = (t.__table__ for t in (m.Contract, m.Subscriber, m.Retailer, m.Equipment, m.RepairCase))
_LOOKUP = (
    select(
        _C,
        _S.c.name,
        _S.c.name_kana,
        _S.c.phone,
        _S.c.email,
        _S.c.postal_code.label("subscriber_postal_code"),
        _S.c.address,
        _R.c.code.label("retailer_code"),
        select(func.count()).where(_RC.c.contract_id == _C.c.id).scalar_subquery().label("case_count"),
    )
    .join(_S, _S.c.id == _C.c.subscriber_id)
    .outerjoin(_R, _R.c.id == _C.c.retailer_id)
)
_EQUIPMENT = select(_E.c.kind, _E.c.model, _E.c.serial, _E.c.service_mode).order_by(_E.c.id)


def core_lookup(search_orm: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def search(hosho: Hosho, actor: Actor, *, certificate_number: str | None = None, **filters: Any) -> dict[str, Any]:
        page, per_page = filters.pop("page", 1), filters.pop("per_page", 20)
        if not certificate_number or page != 1 or any(v is not None for v in filters.values()):
            return search_orm(
                hosho, actor, certificate_number=certificate_number, page=page, per_page=per_page, **filters
            )
        query = _LOOKUP.where(_C.c.certificate_number == code_key(certificate_number))
        if (scope := contracts._scope(actor)) is not None:
            query = query.where(_C.c.retailer_id == scope)
        with hosho.db.connect() as connection:
            connection = connection.execution_options(**{READ_ONLY: True})
            with connection.begin():
                row = connection.execute(query).one_or_none()
                if row is None:
                    return {"items": [], "page": 1, "per_page": per_page, "total": 0}
                if row.case_count:  # rare: cases and their events are read by the ORM path
                    return search_orm(hosho, actor, certificate_number=certificate_number, per_page=per_page)
                equipment = connection.execute(_EQUIPMENT.where(_E.c.contract_id == row.id)).all()
        values = row._mapping
        person = SimpleNamespace(
            name=values["name"],
            name_kana=values["name_kana"],
            phone=values["phone"],
            email=values["email"],
            postal_code=values["subscriber_postal_code"],
            address=values["address"],
        )
        contract = SimpleNamespace(
            **{c.name: values[c] for c in _C.c}, subscriber=person, equipment=equipment, cases=[]
        )
        view = contract_view(contract, hosho.rules.catalog, retailer_code=values["retailer_code"])  # type: ignore[arg-type]
        return {"items": [view], "page": 1, "per_page": per_page, "total": 1}

    return search


# --- async-deps --------------------------------------------------------------------------------------------------


async def get_hosho(request: Request) -> Hosho:
    hosho: Hosho = request.app.state.hosho
    return hosho


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(auth.bearer)],
    api_key: Annotated[str | None, Depends(auth.api_key_header)],
) -> Actor:
    """api.auth.current_actor on the event loop; only a key-cache miss goes to a thread (it reads the database)."""
    presented = credentials.credentials if credentials is not None else api_key
    if not presented:
        raise auth.ServiceError(401, "unauthorized", "an API key is required (Authorization: Bearer, or X-API-Key)")
    cache: auth.KeyCache = request.app.state.keys
    actor = cache.cached(presented) if hasattr(cache, "cached") else _cached(cache, presented)
    if actor is None:
        actor = await run_in_threadpool(cache.actor, presented)
    if actor is None:
        raise auth.ServiceError(401, "unauthorized", "the API key is unknown or revoked")
    setattr(request.state, auth.ACTOR_NAME, actor.name)
    return actor


def _cached(cache: auth.KeyCache, presented: str) -> Actor | None:
    # KeyCache.actor's hit path, without the database fallback (the proposal adds this as KeyCache.cached).
    digest = auth.hashlib.sha256(presented.encode()).hexdigest()
    with cache._lock:
        hit = cache._found.get(digest)
    return hit[0] if hit is not None and hit[1] > cache._clock() else None
