"""An uploaded file's import as a job on the queue (README "Jobs"): durable, and safe to run twice.

`start` opens the run, stores the file with it (pieces of `PIECE` bytes in `import_files`) and enqueues `PROCESS`
with the run's id, all in one transaction. The job (`process`) reads the stored file and imports it
(`imports.finish`: a chunk of contracts per transaction, each contract stored once by its key), then deletes the
stored file. On PostgreSQL `hosho worker` runs it, again after a crash (procrastinate's retries, and `queue.stalled`
for a killed worker); on SQLite a thread of the server runs it, and `resume` at `hosho serve`'s start runs again the
jobs a stopped server left unfinished.

A job started again reads the file from its start: what an earlier start stored is skipped, and the run's counts are
recounted (`_recount`) so that `imported` is what this run stored, whichever start stored it.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from hosho.imports.reading import FileError, stream
from hosho.service import imports, queue
from hosho.service.context import Actor, Hosho, Role
from hosho.service.results import ImportRun
from hosho.store import models as m

PROCESS = "imports.process"
PIECE = 4 * 1024 * 1024  # bytes per stored piece of the file: a 1 GiB file is 256 rows
STOPPED = "取り込みが途中で止まりました。自動で再開します。再開しない場合は同じファイルをもう一度取り込んでください。"
LOST = "取り込み中にサーバーが停止しました。同じファイルをもう一度取り込んでください。"
log = logging.getLogger("hosho.imports")


def start(hosho: Hosho, actor: Actor, *, name: str, data: bytes, retailer: str | None = None) -> ImportRun:
    """Refuse a file that cannot be read (`invalid_file`, nothing stored), else open its run, store the file and
    enqueue its job, in one transaction; the run as it starts."""

    def keep(session: Session, run_id: int) -> None:
        pieces = [
            {"run_id": run_id, "seq": seq, "data": data[offset : offset + PIECE]}
            for seq, offset in enumerate(range(0, len(data), PIECE))
        ]
        for piece in pieces:  # one statement per piece: a batch would hold every piece's parameters at once
            session.execute(insert(m.ImportFile), piece)
        queue.enqueue(session, hosho, PROCESS, import_id=run_id)

    opened = imports.open_import(hosho, actor, name=name, data=data, retailer=retailer, with_run=keep)
    assert opened.run_id is not None
    return imports.get_run(hosho, actor, opened.run_id)


@queue.background(PROCESS)
def process(hosho: Hosho, *, import_id: int) -> None:
    """The job: import the run's stored file, recount when started before, delete the file. Safe to run twice."""
    attempt = _claim(hosho, import_id)
    if attempt is None:  # done already (a rerun after the import's last commit) or no such run
        _settle(hosho, import_id, recount=True)
        return
    try:
        opened = _reopen(hosho, import_id)
        if opened is None:
            return
        imports.finish(hosho, opened)
    except Exception as exc:
        # No message in the log: it may quote a customer's line. The queue tries again (PostgreSQL).
        log.error("import %s stopped: %s", import_id, type(exc).__name__)
        imports.failed(hosho, import_id, STOPPED)
        raise
    _settle(hosho, import_id, recount=attempt > 1)


def resume(hosho: Hosho) -> list[int]:
    """At the start of `hosho serve` on SQLite: the runs a stopped server left unfinished are run again (in a thread
    of this process); a run without its stored file (uploaded before it was kept) is marked failed. Their ids."""
    with hosho.transaction() as session:
        stored = exists().where(m.ImportFile.run_id == m.ImportRun.id)
        ids = list(session.execute(select(m.ImportRun.id).where(stored).order_by(m.ImportRun.id)).scalars())
        session.execute(
            update(m.ImportRun)
            .where(m.ImportRun.state == "running", m.ImportRun.dry_run.is_(False), ~stored)
            .values(state="failed", error=LOST, finished_at=hosho.clock())
        )
        for run_id in ids:
            queue.enqueue(session, hosho, PROCESS, import_id=run_id)
    return ids


def _claim(hosho: Hosho, run_id: int) -> int | None:
    """The run is running again (its attempt counted), or None when it is done already or does not exist."""
    with hosho.transaction() as session:
        row = session.get(m.ImportRun, run_id, with_for_update=True)
        if row is None or row.state == "done":
            return None
        row.attempts += 1
        row.state, row.error, row.finished_at = "running", None, None
        return row.attempts


def _reopen(hosho: Hosho, run_id: int) -> imports.Opened | None:
    """The run's stored file as `open_import` opened it; None (and the run failed) when it is not there."""
    with hosho.reading() as session:
        row = session.get(m.ImportRun, run_id)
        assert row is not None
        pieces = session.execute(
            select(m.ImportFile.data).where(m.ImportFile.run_id == run_id).order_by(m.ImportFile.seq)
        ).scalars()
        data = b"".join(pieces)
        codes = {r.code: r.id for r in session.execute(select(m.Retailer.code, m.Retailer.id))}
        name, sha256, retailer_id, who = row.file_name, row.sha256, row.retailer_id, row.actor
    if not data:
        imports.failed(hosho, run_id, LOST)
        return None
    scope = next((code for code, id_ in codes.items() if id_ == retailer_id), None) if retailer_id else None
    try:
        read_file, sales, lines = stream(name, data)
    except FileError:  # it was read when uploaded: only a changed reader would refuse it now
        imports.failed(hosho, run_id, LOST)
        return None
    # The actor is only the audit trail's name here: who may import what was checked at the upload (`scope`).
    actor = Actor(who, Role.ADMIN)
    return imports.Opened(
        actor=actor,
        name=name,
        sha256=sha256,
        size=len(data),
        read_file=read_file,
        sales=sales,
        lines=lines,
        codes=codes,
        scope=scope,
        run_id=run_id,
        started=hosho.clock(),
    )


def _settle(hosho: Hosho, run_id: int, *, recount: bool) -> None:
    """A done run: its counts recounted when an earlier start may have stored contracts, its stored file deleted."""
    with hosho.transaction() as session:
        row = session.get(m.ImportRun, run_id, with_for_update=True)
        if row is None or row.state != "done":
            return
        if recount and row.attempts > 1:
            _recount(session, row)
        session.execute(delete(m.ImportFile).where(m.ImportFile.run_id == run_id))


def _recount(session: Session, row: m.ImportRun) -> None:
    """`imported` is what this run stored, whichever start stored it: the contracts in the audit trail under this
    run's file, actor and time; the others found stored were `already` there. Idempotent."""
    entry = m.AuditEntry
    stored = session.execute(
        select(func.count())
        .select_from(entry)
        .where(
            entry.action == imports.ACTION,
            entry.actor == row.actor,
            entry.at >= row.started_at,
            entry.after[("file", "sha256")].as_string() == row.sha256,
        )
    ).scalar_one()
    found = row.imported + row.already
    row.imported = min(int(stored), found)
    row.already = found - row.imported
