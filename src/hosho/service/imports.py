"""Importing a retailer's file (import.md): every contract through the API's own enrolment rules, written in bulk.

Each contract is the `Enrol` command the API takes (imports.reading), decided by the same `contracts.decide` (the
same codes and clause labels); a fee paid on the day given goes through the domain's own `pay` (service.import_work,
in worker processes for a large file). The rows are the
same values (`contracts.contract_values`, …), written by the databases' bulk paths (store.bulk) a chunk of
contracts per transaction. A contract is keyed by (retailer, 受付番号): a rerun skips what a killed run committed,
a changed sale is `conflicts_with_existing`, and a chunk is committed whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hosho.domain.program import NoticeKind
from hosho.imports.reading import FileError, Problem, ReadFile, Sale, rejects, stream
from hosho.presentation.words import error_message
from hosho.service.commands import ID_MAX
from hosho.service.context import Actor, Hosho, Role, ServiceError, forbidden, not_found
from hosho.service.contracts import WRITERS, certificate_number
from hosho.service.import_work import CONTRACT, EQUIPMENT, SUBSCRIBER, Judges, Rows, Verdict, Writing, worker_count
from hosho.service.results import ImportRun
from hosho.service.sweep import NOTICE_COLUMNS, PENDING
from hosho.store import bulk
from hosho.store import models as m

MAX_FILE_BYTES = 1 << 30  # 1 GiB: a million lines of CP932 are about 150 MB (`hosho import`, the API's upload)
CHUNK = 5_000  # contracts per transaction: a killed run loses at most this much work, never half a contract
ACTION = "contract.imported"
logger = logging.getLogger("hosho.imports")
Progress = Callable[[int, int], None]  # (lines done, lines in the file)
WithRun = Callable[[Session, int], None]  # (the transaction opening the run, the run's id)


@dataclass(slots=True)
class _Key:
    """A contract of the file by its key (retailer, 受付番号) and its content's fingerprint."""

    sale: Sale
    retailer_id: int
    fingerprint: str
    refusal: Problem | None  # the rules' (import_work.Verdict)
    rows: Rows | None


@dataclass(slots=True)
class _Counts:
    lines_done: int = 0
    imported: int = 0
    already: int = 0
    rejected: list[Sale] = field(default_factory=list)

    @property
    def rejected_lines(self) -> int:
        return sum(len(sale.lines) for sale in self.rejected)


@dataclass(frozen=True, slots=True)
class Outcome:
    run: ImportRun
    rejects: bytes | None  # the rejected lines in the file's encoding (import.md), None when none was rejected


@dataclass(slots=True)
class Opened:
    """A file read through once (so it is readable) and its run opened; `finish` stores its contracts."""

    actor: Actor
    name: str
    sha256: str
    size: int  # bytes
    read_file: ReadFile
    sales: Iterator[Sale]
    lines: int
    codes: dict[str, int]
    scope: str | None
    run_id: int | None  # None for a dry run
    started: Any


def import_file(
    hosho: Hosho,
    actor: Actor,
    *,
    name: str,
    data: bytes,
    retailer: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk: int = CHUNK,
    workers: int | None = None,
) -> Outcome:
    """Read, check and store a retailer's file. An unreadable file is `invalid_file` (file and line), nothing
    stored; a rejected contract is in the outcome's rejects, the others are stored.

    For a large file the worker processes that judge its contracts (import_work) start before it is read."""
    with Judges(hosho.rules, workers=worker_count(len(data), hosho.rules, workers)) as judges:
        opened = open_import(hosho, actor, name=name, data=data, retailer=retailer, dry_run=dry_run)
        return finish(hosho, opened, progress=progress, chunk=chunk, judges=judges)


def open_import(
    hosho: Hosho,
    actor: Actor,
    *,
    name: str,
    data: bytes,
    retailer: str | None = None,
    dry_run: bool = False,
    with_run: WithRun | None = None,
) -> Opened:
    """Refuse a file that cannot be read (`invalid_file`) or a caller who may not import it, and open the run.

    `with_run(session, run_id)` is called in the transaction that opens the run (hosho.service.import_jobs stores
    the file and enqueues its job there: the run exists exactly when its job does)."""
    if actor.role not in WRITERS:
        raise forbidden("import contracts")
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        read_file, sales, lines = stream(name, data)
    except FileError as exc:
        # The reason names the file and the line (import.md); the catalogue's sentence comes before it.
        raise ServiceError("invalid_file", str(exc), field="file", params={"reason": str(exc)}) from None
    codes, scope = _retailers(hosho, actor, retailer)
    started = hosho.clock()
    run_id = None if dry_run else _open_run(hosho, actor, name, sha256, scope, codes, lines, with_run)
    return Opened(actor, name, sha256, len(data), read_file, sales, lines, codes, scope, run_id, started)


def finish(
    hosho: Hosho, opened: Opened, *, progress: Progress | None = None, chunk: int = CHUNK, judges: Judges | None = None
) -> Outcome:
    """Every contract of an opened file through the rules (`judges`, started when not given), stored a chunk per
    transaction."""
    if judges is None:
        with Judges(hosho.rules, workers=worker_count(opened.size, hosho.rules)) as started:
            return _finish(hosho, opened, progress, chunk, started)
    return _finish(hosho, opened, progress, chunk, judges)


def _finish(hosho: Hosho, opened: Opened, progress: Progress | None, chunk: int, judges: Judges) -> Outcome:
    read_file, lines, run_id = opened.read_file, opened.lines, opened.run_id
    counts = _Counts()
    # While one chunk is written (on a thread of its own: the database's work and its driver's waits), the next
    # ones are judged (by worker processes for a large file) and read. A contract's lines are all in one chunk, so
    # what a chunk is checked against is not what the chunk being written adds; the counts and the run's row are
    # updated here, once its chunk is committed.
    writing = None if run_id is None else Writing(hosho.db.dialect.name, opened.name, opened.sha256)
    parts = judges.verdicts(_chunks(opened.sales, chunk), read_file.header, writing)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
        in_hand: tuple[Future[_Stored], int] | None = None
        for part, verdicts in parts:
            keys = (_admit(opened, sale, verdict, counts) for sale, verdict in zip(part, verdicts, strict=True))
            admitted = [key for key in keys if key]
            # What a run before stored is skipped, and counted as already there or in conflict.
            with hosho.reading() as session:
                fresh, already, conflicts = _classify(session, admitted)
            _count_stored(counts, already, conflicts)
            accepted = [key for key in fresh if _accepted(key, counts)]
            part_lines = sum(len(sale.lines) for sale in part)
            if in_hand is not None:
                _written(hosho, opened, counts, *in_hand, progress)
                in_hand = None
            if run_id is None:
                counts.imported += len(accepted)
                _chunk_done(hosho, opened, counts, part_lines, progress)
            else:
                stored = writer.submit(_store, hosho, opened.actor, accepted)
                in_hand = (stored, part_lines)
        if in_hand is not None:
            _written(hosho, opened, counts, *in_hand, progress)
    in_order = sorted(counts.rejected, key=lambda sale: sale.lines[0].number)  # as the retailer reads the file
    rejected = rejects(read_file, in_order) if counts.rejected else None
    finished = hosho.clock()
    if run_id is not None:
        _note(hosho, run_id, counts, lines, rejected=rejected, done=True)
    run = ImportRun(
        id=run_id,
        file_name=opened.name,
        sha256=opened.sha256,
        dry_run=run_id is None,
        state="done",
        lines=lines,
        lines_done=counts.lines_done,
        imported=counts.imported,
        already=counts.already,
        rejected=len(counts.rejected),
        rejected_lines=counts.rejected_lines,
        started_at=opened.started,
        finished_at=finished,
    )
    return Outcome(run, rejected)


def failed(hosho: Hosho, run_id: int, reason: str) -> None:
    """A run that stopped on an error (the database went away, …): what it committed stays; a rerun completes it."""
    with hosho.transaction() as session:
        session.execute(
            update(m.ImportRun)
            .where(m.ImportRun.id == run_id)
            .values(state="failed", error=reason[:400], finished_at=hosho.clock())
        )


def get_run(hosho: Hosho, actor: Actor, run_id: int) -> ImportRun:
    """A run's progress and result; a retailer sees only its own runs."""
    with hosho.reading() as session:
        row = _run_row(session, actor, run_id)
        return ImportRun(
            id=row.id,
            file_name=row.file_name,
            sha256=row.sha256,
            dry_run=row.dry_run,
            state=row.state,
            lines=row.lines,
            lines_done=row.lines_done,
            imported=row.imported,
            already=row.already,
            rejected=row.rejected,
            rejected_lines=row.rejected_lines,
            error=row.error,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


def rejected_lines(hosho: Hosho, actor: Actor, run_id: int) -> bytes | None:
    """The rejected lines of a finished run, in its file's encoding; None when none was rejected."""
    with hosho.reading() as session:
        row = _run_row(session, actor, run_id)
        if row.state == "running":
            raise ServiceError("conflict", "the import is still running: its rejected lines are not known yet")
        return row.rejects


def _run_row(session: Any, actor: Actor, run_id: int) -> m.ImportRun:
    if actor.role not in WRITERS:
        raise forbidden("see imports")
    row = session.get(m.ImportRun, run_id) if 0 < run_id <= ID_MAX else None
    if row is None or (actor.role is Role.RETAILER and row.retailer_id != actor.retailer_id):
        raise not_found(f"import {run_id}")
    return cast(m.ImportRun, row)


def _chunks(sales: Iterator[Sale], size: int) -> Iterator[list[Sale]]:
    while part := list(islice(sales, size)):
        yield part


def _retailers(hosho: Hosho, actor: Actor, code: str | None) -> tuple[dict[str, int], str | None]:
    """Every retailer's id by code, and the only code the file's lines may carry (a retailer's own, or --retailer)."""
    with hosho.reading() as session:
        codes = {row.code: row.id for row in session.execute(select(m.Retailer.code, m.Retailer.id))}
    if actor.role is Role.RETAILER:
        own = next((c for c, i in codes.items() if i == actor.retailer_id), None)
        if own is None:
            raise forbidden("import contracts without a retailer")
        if code is not None and code != own:
            raise ServiceError("forbidden", "a retailer imports only its own lines", field="retailer")
        return codes, own
    if code is not None and code not in codes:
        raise ServiceError("invalid_request", f"unknown retailer {code!r}", field="retailer")
    return codes, code


def _open_run(
    hosho: Hosho,
    actor: Actor,
    name: str,
    sha256: str,
    scope: str | None,
    codes: dict[str, int],
    lines: int,
    with_run: WithRun | None,
) -> int:
    with hosho.transaction() as session:
        row = m.ImportRun(
            file_name=name[-255:],
            sha256=sha256,
            retailer_id=codes.get(scope) if scope else None,
            actor=actor.name,
            dry_run=False,
            state="running",
            lines=lines,
            lines_done=0,
            imported=0,
            already=0,
            rejected=0,
            rejected_lines=0,
            started_at=hosho.clock(),
        )
        session.add(row)
        session.flush()
        if with_run is not None:
            with_run(session, row.id)
        return row.id


def _note(
    hosho: Hosho, run_id: int, counts: _Counts, lines: int, *, rejected: bytes | None = None, done: bool = False
) -> None:
    values: dict[str, Any] = {
        "lines_done": counts.lines_done,
        "imported": counts.imported,
        "already": counts.already,
        "rejected": len(counts.rejected),
        "rejected_lines": counts.rejected_lines,
    }
    if done:
        values |= {"state": "done", "rejects": rejected, "finished_at": hosho.clock()}
    with hosho.transaction() as session:
        session.execute(update(m.ImportRun).where(m.ImportRun.id == run_id).values(**values))


def _reject(counts: _Counts, sale: Sale, problem: Problem) -> None:
    sale.problems.append(problem)
    counts.rejected.append(sale)


def _admit(opened: Opened, sale: Sale, verdict: Verdict, counts: _Counts) -> _Key | None:
    """The contract's key, or None when its lines were rejected already or name a retailer it may not import for."""
    first, headers, scope = sale.lines[0].number, opened.read_file.headers, opened.scope
    # Unpacked, not read by name: from a worker a verdict is a plain tuple (import_work.Judges).
    _, fingerprint, refusal, rows = verdict
    if sale.problems or fingerprint is None:
        counts.rejected.append(sale)
        return None
    retailer_id = opened.codes.get(sale.retailer)
    if not sale.sale_ref or len(sale.sale_ref) > m.SALE_REF_LENGTH:
        message = "入力してください" if not sale.sale_ref else f"{m.SALE_REF_LENGTH}文字以内で入力してください"
        _reject(counts, sale, Problem(first, headers["sale_ref"], "invalid_contract", message))
        return None
    if scope is not None and sale.retailer != scope:
        message = f"販売店コード「{scope}」以外の行は取り込めません"
        _reject(counts, sale, Problem(first, headers["retailer"], "forbidden", message))
        return None
    if retailer_id is None:
        message = f"販売店コード「{sale.retailer}」は登録されていません"
        _reject(counts, sale, Problem(first, headers["retailer"], "invalid_contract", message))
        return None
    return _Key(sale, retailer_id, fingerprint, refusal, rows)


def _accepted(key: _Key, counts: _Counts) -> bool:
    """Whether the terms accepted the contract; if not, it is rejected with their refusal."""
    refusal = key.refusal
    if refusal is not None:
        _reject(counts, key.sale, refusal)
    return refusal is None


def _written(
    hosho: Hosho, opened: Opened, counts: _Counts, stored: Future[_Stored], part_lines: int, progress: Progress | None
) -> None:
    """A chunk's write is over: counted once committed (its error, if any, raised here)."""
    imported, already, conflicts = stored.result()
    counts.imported += imported
    _count_stored(counts, already, conflicts)
    _chunk_done(hosho, opened, counts, part_lines, progress)


def _chunk_done(hosho: Hosho, opened: Opened, counts: _Counts, part_lines: int, progress: Progress | None) -> None:
    counts.lines_done += part_lines
    if opened.run_id is not None:
        _note(hosho, opened.run_id, counts, opened.lines)
    if progress is not None:
        progress(counts.lines_done, opened.lines)


_Stored = tuple[int, int, list[Sale]]  # contracts written, already stored alike, stored otherwise


def _store(hosho: Hosho, actor: Actor, ready: list[_Key]) -> _Stored:
    """One chunk in one transaction, under the imports' lock.

    The chunk was checked against what was stored before it was decided; only a twin import of the same contracts
    can have stored some since, and then the unique key (retailer, 受付番号) refuses the chunk: it is checked again
    under the lock and written without them. Counted by the caller once the chunk is committed: a retried chunk is
    counted from nothing.
    """
    written, already, conflicts = ready, 0, list[Sale]()
    for attempt in range(3):
        try:
            with hosho.transaction() as session:
                bulk.lock_imports(session)
                if attempt:
                    fresh, already, conflicts = _classify(session, ready)
                    kept = {id(key) for key in fresh}
                    written = [key for key in ready if id(key) in kept]
                _write(hosho, session, actor, written)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        return len(written), already, conflicts
    raise AssertionError("unreachable")


def _count_stored(counts: _Counts, already: int, conflicts: list[Sale]) -> None:
    counts.already += already
    for sale in conflicts:
        message = error_message("conflicts_with_existing")
        _reject(counts, sale, Problem(sale.lines[0].number, "", "conflicts_with_existing", message))


def _classify(session: Any, keys: list[_Key]) -> tuple[list[_Key], int, list[Sale]]:
    """The contracts not stored yet, how many are stored with the same content, and those stored otherwise."""
    by_retailer: dict[int, list[str]] = {}
    for key in keys:
        by_retailer.setdefault(key.retailer_id, []).append(key.sale.sale_ref)
    stored = {
        (retailer_id, ref): fingerprint
        for retailer_id, refs in by_retailer.items()
        for ref, fingerprint in bulk.stored_sales(session, retailer_id, refs).items()
    }
    fresh: list[_Key] = []
    conflicts: list[Sale] = []
    already = 0
    for key in keys:
        found = stored.get((key.retailer_id, key.sale.sale_ref), _ABSENT)
        if found is _ABSENT:
            fresh.append(key)
        elif found == key.fingerprint:
            already += 1
        else:
            conflicts.append(key.sale)
    return fresh, already, conflicts


_ABSENT = object()


# The rows' columns in the order of the writer's values: what the writer adds, then what the rules gave (Rows).
CONTRACT_ROW = (
    "id",
    "retailer_id",
    "subscriber_id",
    "certificate_number",
    "idempotency_scope",
    "idempotency_key",
    "request_hash",
    "created_at",
    "version",
    "sale_ref",
    *CONTRACT,
)
SUBSCRIBER_ROW = ("id", *SUBSCRIBER)
EQUIPMENT_ROW = ("id", "contract_id", "replaced_on", *EQUIPMENT)
AUDIT_ROW = ("id", "at", "actor", "action", "entity", "entity_id", "before", "after")
NOTICE_ROW = ("id", *NOTICE_COLUMNS, "next_try_at", "last_error", "sent_at", "outcome")


def _write(hosho: Hosho, session: Any, actor: Actor, fresh: list[_Key]) -> None:
    """The chunk's rows: the rules' values (Rows: the rules were asked for them, a run writes) with the ids taken
    here, the certificate numbers they make, and the time of the write."""
    if not fresh:
        return
    dialect = hosho.db.dialect.name
    now = hosho.clock()
    created_at = bulk.storable(dialect, m.Contract, ("created_at",))((now,))[0]
    at, before = bulk.storable(dialect, m.AuditEntry, ("at", "before"))((now, None))
    notice_row = bulk.storable(dialect, m.Notice, NOTICE_ROW)
    items = paid = 0
    for key in fresh:  # unpacked, not read by name: from a worker the rows are a plain tuple (import_work.Judges)
        _, _, equipment_rows, _, _, paid_on, _ = cast(Rows, key.rows)
        items += len(equipment_rows)
        paid += paid_on is not None
    contract_ids = bulk.next_ids(session, m.Contract, len(fresh))
    subscriber_ids = bulk.next_ids(session, m.Subscriber, len(fresh))
    item_ids = iter(bulk.next_ids(session, m.Equipment, items))
    audit_ids = bulk.next_ids(session, m.AuditEntry, len(fresh))
    notice_ids = iter(bulk.next_ids(session, m.Notice, paid))
    subscribers: list[tuple[Any, ...]] = []
    contracts: list[tuple[Any, ...]] = []
    equipment: list[tuple[Any, ...]] = []
    notices: list[tuple[Any, ...]] = []
    audit: list[tuple[Any, ...]] = []
    for key, contract_id, subscriber_id, audit_id in zip(fresh, contract_ids, subscriber_ids, audit_ids, strict=True):
        contract, subscriber, equipment_rows, (head, tail), program_id, paid_on, email = cast(Rows, key.rows)
        number = certificate_number(program_id, paid_on.year, contract_id) if paid_on is not None else None
        subscribers.append((subscriber_id, *subscriber))
        contracts.append(
            (
                contract_id,
                key.retailer_id,
                subscriber_id,
                number,
                None,
                None,
                key.fingerprint,
                created_at,
                1,
                key.sale.sale_ref,
                *contract,
            )
        )
        equipment.extend((next(item_ids), contract_id, None, *values) for values in equipment_rows)
        if paid_on is not None:
            notices.append(notice_row(_certificate_notice(next(notice_ids), contract_id, paid_on, email, now)))
        after = bulk.JsonText(head + json.dumps(number) + tail)
        audit.append((audit_id, at, actor.name, ACTION, "contract", contract_id, before, after))
    bulk.write(session, m.Subscriber, SUBSCRIBER_ROW, subscribers)
    bulk.write(session, m.Contract, CONTRACT_ROW, contracts)
    bulk.write(session, m.Equipment, EQUIPMENT_ROW, equipment)
    bulk.write(session, m.Notice, NOTICE_ROW, notices)
    bulk.write(session, m.AuditEntry, AUDIT_ROW, audit)


def _certificate_notice(notice_id: int, contract_id: int, paid_on: date, email: bool, now: Any) -> tuple[Any, ...]:
    """The certificate's notice, as `notices.on_payment` writes it with a payment through the API (NOTICE_ROW)."""
    values = {
        "id": notice_id,
        "kind": NoticeKind.CERTIFICATE.value,
        "subject_id": contract_id,
        "contract_id": contract_id,
        "case_id": None,
        "on_date": paid_on,
        "about": paid_on,
        "channel": "email" if email else "post",
        "state": PENDING,
        "attempts": 0,
        "next_try_at": None,
        "last_error": None,
        "sent_at": None,
        "outcome": None,
        "created_at": now,
    }
    return tuple(values[column] for column in NOTICE_ROW)
