"""A large file's contracts are judged by worker processes (service.import_work): what is stored, refused and
counted is what the importing process alone stores, refuses and counts, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hosho.engine import Engine
from hosho.imports.reading import stream
from hosho.service import import_work, imports, keys
from hosho.service.context import SYSTEM, create_hosho
from hosho.store import models as m
from tests.integration.databases import DATABASES, fresh_database
from tests.integration.test_imports import _file, _ipro, _zest

# Times are the clock's when each run wrote: everything else must be the same, ids and certificate numbers too.
TIMES = {"created_at", "at"}
TABLES = ("subscribers", "contracts", "equipment", "notices", "audit_log")


def _mixed() -> bytes:
    """Contracts of every kind the rules see: paid and not, with and without e-mail, systems whose lines are apart,
    unreadable values, refusals of the terms, a retailer not registered, and lines of another retailer."""
    lines: list[str] = []
    for n in range(120):
        if n % 7 == 0:
            lines.append(_zest(f"Z{n}", paid="2024-04-05", mail=f"m{n}@example.jp" if n % 2 else ""))
        elif n % 11 == 0:
            lines.append(_zest(f"Z{n}", day="2024-02-30"))  # no such day: unreadable
        elif n % 13 == 0:
            lines.append(_zest(f"Z{n}", day="2010-04-01"))  # long past the window the terms allow
        else:
            lines.append(_zest(f"Z{n}", day="令和6年4月1日", serial=f"S{n}"))
        if n % 5 == 0:
            lines.append(_ipro(f"I{n}", "カメラ", f"C{n}"))  # its recorder comes later in the file
    for n in range(0, 120, 5):
        lines.append(_ipro(f"I{n}", "レコーダー", f"R{n}" if n % 3 else ""))  # no serial: the system is refused
    lines.append(_zest("X1").replace("R1,", "R9,", 1))  # a retailer not registered
    lines.append(_zest("X2").replace("R1,", "R2,", 1))
    return _file(*lines)


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    hosho = create_hosho(url)
    try:
        with hosho.reading() as session:
            found = {}
            for table in TABLES:
                result = session.execute(text(f"SELECT * FROM {table} ORDER BY id"))
                columns = list(result.keys())
                found[table] = [
                    tuple(value for column, value in zip(columns, row, strict=True) if column not in TIMES)
                    for row in result
                ]
            return found
    finally:
        hosho.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_worker_processes_store_refuse_and_count_what_the_importing_process_does(kind: str, tmp_path: Path) -> None:
    data = _mixed()
    runs = []
    for workers in (0, 2):
        folder = tmp_path / f"workers-{workers}"
        folder.mkdir()
        with fresh_database(kind, folder) as url:
            hosho = create_hosho(url)  # its own rules from the program files: the workers build theirs alike
            keys.ensure_retailer(hosho, code="R1", name="家電の店")
            keys.ensure_retailer(hosho, code="R2", name="別の店")
            outcome = imports.import_file(hosho, SYSTEM, name="sales.csv", data=data, chunk=17, workers=workers)
            hosho.dispose()
            runs.append((outcome.run.last_line, outcome.rejects, _dump(url)))
    alone, with_workers = runs
    assert alone[0] == with_workers[0]
    assert alone[1] == with_workers[1]  # the rejects file, byte for byte
    assert alone[2] == with_workers[2]
    imported = int(alone[0].split()[0])
    assert 0 < imported < 140 and len(alone[2]["contracts"]) == imported
    assert any(row for row in alone[2]["notices"])  # paid contracts' certificates are on their way


def test_every_column_of_the_imported_rows_is_written() -> None:
    """The writer's columns are the tables' columns, each once: a column added to a table must be added here."""
    for model, columns in (
        (m.Contract, imports.CONTRACT_ROW),
        (m.Subscriber, imports.SUBSCRIBER_ROW),
        (m.Equipment, imports.EQUIPMENT_ROW),
        (m.AuditEntry, imports.AUDIT_ROW),
        (m.Notice, imports.NOTICE_ROW),
    ):
        assert len(set(columns)) == len(columns), model.__tablename__
        assert set(columns) == {column.name for column in model.__table__.columns}, model.__tablename__


def test_workers_are_used_for_a_large_file_on_a_machine_of_two_cores_or_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(import_work.WORKERS, raising=False)
    rules = Engine()
    cores = os.cpu_count() or 1
    assert import_work.worker_count(import_work.POOL_BYTES - 1, rules) == 0
    assert import_work.worker_count(import_work.POOL_BYTES, rules) == (cores if cores > 1 else 0)
    monkeypatch.setenv(import_work.WORKERS, "0")
    assert import_work.worker_count(10**6, rules) == 0
    monkeypatch.setenv(import_work.WORKERS, "3")
    assert import_work.worker_count(10, rules) == 3
    assert import_work.worker_count(10, rules, workers=1) == 1
    # Rules given in code (a test's catalogue) cannot be rebuilt in another process: the importing process judges.
    assert import_work.worker_count(10**6, Engine(rules.catalog)) == 0


def test_a_worker_that_dies_is_reported_at_once_never_waited_for(tmp_path: Path) -> None:
    """Killed at any moment (here before its first chunk), a worker is an end of file on its own pipe: the import
    stops with WorkerLost instead of waiting for a result that will not come."""
    data = _mixed()
    read_file, sales, _ = stream("sales.csv", data)
    with pytest.raises(import_work.WorkerLost), import_work.Judges(Engine(), workers=1) as judges:
        judges._pool[0].process.kill()
        list(judges.verdicts(([sale] for sale in sales), read_file.header, None))
    assert not judges._pool
