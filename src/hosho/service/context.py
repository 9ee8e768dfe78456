"""What every service call needs: the rules engine, the database, a clock, and who is acting."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Engine as DbEngine
from sqlalchemy.orm import Session, sessionmaker

from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.store.db import WriterGate, make_engine, make_sessionmaker
from hosho.store.reads import HotReads


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"  # call center
    TECHNICIAN = "technician"
    RETAILER = "retailer"
    SUPERVISOR = "supervisor"  # decides what the terms leave to the provider (要審査) and disputes


@dataclass(frozen=True, slots=True)
class Actor:
    name: str  # shown in the audit trail: a key's or user's name, never a customer's data
    role: Role
    retailer_id: int | None = None

    @property
    def idempotency_scope(self) -> str:
        return f"retailer:{self.retailer_id}" if self.retailer_id is not None else f"actor:{self.name}"


SYSTEM = Actor("system", Role.ADMIN)


class ServiceError(Exception):
    """A refusal: its code (the spec's, or not_found, forbidden, conflict, …), and the field and clauses to blame.

    No HTTP in it: the API maps codes to statuses (api/problems.py), the console to Japanese (console/words.py).
    `errors` lists every (field, message) when a request has more than one problem; `field` is the first.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        clauses: tuple[str, ...] = (),
        errors: tuple[tuple[str, str], ...] = (),
        params: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.code, self.message, self.field, self.clauses = code, message, field, tuple(clauses)
        self.errors = errors
        # The refusal's values (ISO dates, a status) for the messages of presentation/words.py DETAILS.
        self.params: Mapping[str, str] = dict(params or {})


def not_found(what: str) -> ServiceError:
    return ServiceError("not_found", f"{what} not found")


def forbidden(action: str) -> ServiceError:
    return ServiceError("forbidden", f"this key's role may not {action}")


def retailer_scope(actor: Actor) -> int | None:
    """The only channel whose contracts the actor may see: a retailer's own; None for everyone else."""
    return actor.retailer_id if actor.role is Role.RETAILER else None


def known_program(hosho: Hosho, program: str | None) -> str | None:
    """A program filter names a shipped program, or the caller hears which field is wrong."""
    if program and program not in hosho.rules.catalog.programs:
        raise ServiceError("invalid_request", f"unknown program {program!r}", field="program")
    return program


def now_jst() -> datetime:
    return datetime.now(JST)


@dataclass
class Hosho:
    """The application: built once by `create_hosho(url)`, shared by every request."""

    rules: Engine
    db: DbEngine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]  # read-only: on SQLite no write lock, on PostgreSQL autocommit (store.db)
    writers: WriterGate  # on SQLite, one writer at a time queues here
    reads: HotReads  # the hot paths' reads on the driver's cursor (store.reads)
    clock: Callable[[], datetime] = field(default=now_jst)
    testing: bool = False  # started for tests (HOSHO_TESTING=1): the daily work may be run up to any day

    def dispose(self) -> None:
        """Close every pooled connection (of the hot reads' pool too)."""
        if self.reads.engine is not self.db:
            self.reads.engine.dispose()
        self.db.dispose()

    def today(self) -> date:
        return self.clock().astimezone(JST).date()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit when the block ends normally, roll back on any exception."""
        with self.writers.held(), self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read: nothing is written."""
        with self.readers() as session:
            yield session


def create_hosho(
    url: str,
    *,
    rules: Engine | None = None,
    clock: Callable[[], datetime] | None = None,
    testing: bool = False,
    **engine_options: object,
) -> Hosho:
    db = make_engine(url, **engine_options)
    # The hot reads retry on a dead connection themselves: on PostgreSQL their own pool skips the pre-ping.
    unpinged = db if db.dialect.name == "sqlite" else make_engine(url, **{**engine_options, "pool_pre_ping": False})
    return Hosho(
        rules=rules or Engine(),
        db=db,
        sessions=make_sessionmaker(db),
        readers=make_sessionmaker(db, read_only=True),
        writers=WriterGate(db),
        reads=HotReads(unpinged),
        clock=clock or now_jst,
        testing=testing,
    )
