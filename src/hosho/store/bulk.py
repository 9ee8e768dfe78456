"""Bulk writes for the import of retailer files: the databases' own fast paths, inside the caller's transaction.

PostgreSQL: rows are copied (`COPY … FROM STDIN`) into a temporary staging table, then moved by one set-based
`INSERT … SELECT`. SQLite: one `executemany` per table. Ids are taken before the rows are written (a sequence's
next values, or on SQLite the next ids under the write lock that `BEGIN IMMEDIATE` holds), so that a contract's
subscriber, items, notice and audit entry point at it without a round trip per row. Nothing here commits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import JSON, Date, DateTime, Table, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hosho.store import models as m

# pg_advisory_xact_lock's key for imports: two imports' chunks take turns, so the check of what is stored and
# the write that follows it see the same rows (the unique key would refuse a twin anyway; this avoids the retry).
IMPORT_LOCK = 0x686F73686F494D50  # "hoshoIMP"


def lock_imports(session: Session) -> None:
    """Until the transaction ends, no other import writes (SQLite's BEGIN IMMEDIATE has done that already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK - 2**63})


def stored_sales(session: Session, retailer_id: int, refs: Sequence[str]) -> dict[str, str | None]:
    """The retailer's contracts among these sale references: sale_ref → the content's fingerprint."""
    found: dict[str, str | None] = {}
    if session.get_bind().dialect.name == "postgresql":  # one array parameter, not thousands
        rows = session.execute(
            text(
                "SELECT sale_ref, request_hash FROM contracts WHERE retailer_id = :retailer AND sale_ref = ANY(:refs)"
            ),
            {"retailer": retailer_id, "refs": list(refs)},
        )
        return {ref: fingerprint for ref, fingerprint in rows}
    for start in range(0, len(refs), 10_000):
        part = list(refs[start : start + 10_000])
        rows = session.execute(
            select(m.Contract.sale_ref, m.Contract.request_hash).where(
                m.Contract.retailer_id == retailer_id, m.Contract.sale_ref.in_(part)
            )
        )
        found.update({ref: fingerprint for ref, fingerprint in rows if ref is not None})
    return found


def next_ids(session: Session, model: type[m.Base], count: int) -> list[int]:
    """`count` unused ids of the model's table, in increasing order."""
    table = _table(model)
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        # The sequence by its oid, found once: a name in the select list would be looked up again for every row.
        sequence = session.execute(
            text("SELECT CAST(CAST(pg_get_serial_sequence(:table, 'id') AS regclass) AS oid)"), {"table": table.name}
        ).scalar_one()
        taken = session.execute(
            text("SELECT array_agg(nextval(CAST(CAST(:sequence AS oid) AS regclass))) FROM generate_series(1, :count)"),
            {"sequence": sequence, "count": count},
        ).scalar_one()
        return sorted(taken)
    # SQLite: this transaction began IMMEDIATE, so it holds the write lock: nobody else takes these ids.
    last = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()
    return list(range(int(last) + 1, int(last) + 1 + count))


class JsonText(str):
    """A JSON column's value already written as SQLAlchemy's JSON type writes it (`json.dumps`): stored as it is."""

    __slots__ = ()


def storable(dialect: str, model: type[m.Base], columns: Sequence[str]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function taking a row's values (in the order of `columns`) to what `write` hands the driver.

    JSON as SQLAlchemy's JSON type writes it, None included ('null', as the ORM stores an explicit None); on SQLite
    dates and times as its Date and DateTime types store them (wall-clock time, microseconds, no offset). Needs no
    connection: an import's worker processes prepare their rows with it."""
    return _storable(dialect, model.__tablename__, tuple(columns))


@lru_cache(maxsize=64)
def _storable(dialect: str, table_name: str, columns: tuple[str, ...]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    kinds = {column.name: column.type for column in m.Base.metadata.tables[table_name].columns}
    sqlite = dialect != "postgresql"
    convert: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        found = _json if isinstance(kinds[name], JSON) else _sqlite_converter(kinds[name]) if sqlite else None
        if found is not None:
            convert.append((i, found))
    if not convert:
        return tuple

    def storable_row(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for i, f in convert:
            value = values[i]
            if value is not None or f is _json:
                values[i] = f(value)
        return tuple(values)

    return storable_row


def _json(value: Any) -> str:
    return value if isinstance(value, JsonText) else json.dumps(value)


def write(session: Session, model: type[m.Base], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert `rows` (values in the order of `columns`, ids included, made by `storable`) with the database's bulk
    path."""
    table = _table(model)
    if not rows:
        return
    names = ", ".join(columns)
    if session.get_bind().dialect.name != "postgresql":
        # The driver's executemany: SQLAlchemy's own bind processing would cost more than the insert.
        marks = ", ".join("?" for _ in columns)
        driver = session.connection().connection.driver_connection
        statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        try:
            driver.executemany(statement, rows)  # type: ignore[union-attr]
        except sqlite3.IntegrityError as error:  # as SQLAlchemy would raise it: the caller's retry catches that
            raise IntegrityError(statement, None, error) from error
        return
    stage = f"import_stage_{table.name}"
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table.name}) ON COMMIT DELETE ROWS"))
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    session.execute(text(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {stage} ORDER BY id"))
    session.execute(text(f"DELETE FROM {stage}"))


def raw_load(session: Session, model: type[m.Base], rows: list[tuple[Any, ...]], columns: Sequence[str]) -> None:
    """The benchmark's yardstick: the same rows straight into the table (COPY, or executemany), no checks."""
    table = _table(model)
    if session.get_bind().dialect.name == "postgresql":
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in row])
        return
    marks = ", ".join("?" for _ in columns)
    driver = session.connection().connection.driver_connection
    driver.executemany(  # type: ignore[union-attr]
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",
        [tuple(_sqlite(v) for v in r) for r in rows],
    )


def _sqlite_converter(kind: Any) -> Callable[[Any], Any] | None:
    if isinstance(kind, DateTime):
        return _sqlite_datetime
    if isinstance(kind, Date):
        return date.isoformat
    return None


def _sqlite_datetime(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite types store it (DateTime: wall-clock time with microseconds, no offset)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _table(model: type[m.Base]) -> Table:
    return cast(Table, model.__table__)
