"""The work on each contract of an import that needs no database: its lines read into the API's enrolment command
(`reading.build`), the command's fingerprint, and the terms' decision (`contracts.decide`, the domain's `pay`) with
the rows it will be.

It is most of an import's CPU, so a large file's chunks are judged in worker processes while the importing process
reads the file and writes the rows (service.imports). The workers run the same functions on the same lines: a
contract is judged alike in either place, and the verdicts come back in the file's order. The workers are started by
a fork server (not forked from the caller, which may be a server with threads), each builds its own `Engine` from
the program files, which is why only an `Engine.rebuildable` caller uses them.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple, cast

from hosho.domain.contract import DomainError
from hosho.domain.lifecycle import pay
from hosho.engine import Engine
from hosho.imports.reading import BY_HEADER, Line, Problem, Sale, build, column_headers
from hosho.presentation.words import error_message
from hosho.service.commands import Enrol
from hosho.service.context import ServiceError
from hosho.service.contracts import contract_values, decide, equipment_values, fingerprint, subscriber_values
from hosho.store import bulk
from hosho.store import models as m

WORKERS = "HOSHO_IMPORT_WORKERS"  # worker processes for a large file: 0 judges in the importing process
POOL_BYTES = 2 << 20  # about 15,000 lines: a smaller file is judged in the importing process (workers take a second)


# The columns a contract's rows take from the rules, in the order of the values in `Rows`; the writer adds ids,
# keys and times (service.imports).
CONTRACT = (
    "program_id",
    "terms_version",
    "plan_id",
    "status",
    "purchase_date",
    "applied_on",
    "purchase_price",
    "warranty_fee",
    "manufacturer_warranty_months",
    "repair_cap",
    "operation_start_date",
    "site_postal_code",
    "site_country",
    "remote_island",
    "maker_onsite_repair",
    "coverage_start",
    "coverage_end",
    "unreported_replacement",
    "paid_on",
    "certificate_issued_on",
    "ended_on",
    "refund",
)
SUBSCRIBER = ("name", "name_kana", "name_key", "kana_key", "phone", "phone_key", "email", "postal_code", "address")
EQUIPMENT = ("kind", "model", "serial", "serial_key", "service_mode")
_NUMBER = "\x00certificate number\x00"  # stands for the certificate number in the audit entry (no file holds NUL)


class Rows(NamedTuple):
    """A contract the terms accepted, as its rows' values as the database is handed them (`bulk.storable`); the
    ids, the certificate number and the times are the writer's."""

    contract: tuple[Any, ...]  # in the order of CONTRACT
    subscriber: tuple[Any, ...]  # SUBSCRIBER
    equipment: tuple[tuple[Any, ...], ...]  # EQUIPMENT, one per item
    after: tuple[str, str]  # the audit entry's JSON before and after its certificate number
    program_id: str
    paid_on: date | None
    email: bool


class Verdict(NamedTuple):
    """What the rules made of one contract. A NamedTuple: it crosses from a worker as a plain tuple."""

    problems: list[Problem]  # its lines' own problems (unreadable values): rejected before anything else
    fingerprint: str | None  # the sale's content, when its command was built
    refusal: Problem | None  # the terms' refusal, on the line and column it names; None when they accept it
    rows: Rows | None  # the rows of an accepted contract, when asked for (a dry run writes none)


@dataclass(frozen=True, slots=True)
class Writing:
    """What the rows are made for: the database (its storable values) and the file (named in the audit trail)."""

    dialect: str
    name: str
    sha256: str


def judge(rules: Engine, headers: dict[str, str], sale: Sale, writing: Writing | None = None) -> Verdict:
    """The contract's command, fingerprint and decision, and its rows when `writing`. `sale.command` and
    `sale.paid_on` are set here."""
    build(sale, headers)
    command = sale.command
    if command is None:
        return Verdict(sale.problems, None, None, None)
    hashed = _fingerprint(command, sale.paid_on)
    try:
        enrollment = decide(rules, command)
        contract = enrollment.contract
        if sale.paid_on is not None:
            pay(contract, on=sale.paid_on)  # the domain's own payment (第1条): the same as POST …/payment
    except (ServiceError, DomainError) as error:
        return Verdict(sale.problems, hashed, _problem(headers, sale, error), None)
    if writing is None:
        return Verdict(sale.problems, hashed, None, None)
    values = contract_values(command, enrollment)
    values |= {
        "status": contract.status.value,
        "paid_on": contract.paid_on,
        "certificate_issued_on": contract.certificate_issued_on,
        "coverage_start": contract.coverage_start,
        "coverage_end": contract.coverage_end,
        "ended_on": contract.ended_on,
        "refund": contract.refund,
    }
    subscriber = subscriber_values(command)
    after = json.dumps(
        {
            **_snapshot(values, _NUMBER),
            "file": {"name": writing.name[-255:], "sha256": writing.sha256, "line": sale.lines[0].number},
        }
    )
    head, tail = after.split(_NUMBER_JSON)
    contract_row, subscriber_row, item_row = _storable(writing.dialect)
    rows = Rows(
        contract=contract_row(_contract(values)),
        subscriber=subscriber_row(_subscriber(subscriber)),
        equipment=tuple(item_row(_item(e)) for e in equipment_values(contract)),
        after=(head, tail),
        program_id=values["program_id"],
        paid_on=contract.paid_on,
        email=bool(subscriber["email"]),
    )
    return Verdict(sale.problems, hashed, None, rows)


_contract, _subscriber, _item = itemgetter(*CONTRACT), itemgetter(*SUBSCRIBER), itemgetter(*EQUIPMENT)
_NUMBER_JSON = json.dumps(_NUMBER)


@cache
def _storable(dialect: str) -> tuple[Callable[[Sequence[Any]], tuple[Any, ...]], ...]:
    """The contract's, subscriber's and an item's values as the database is handed them."""
    return (
        bulk.storable(dialect, m.Contract, CONTRACT),
        bulk.storable(dialect, m.Subscriber, SUBSCRIBER),
        bulk.storable(dialect, m.Equipment, EQUIPMENT),
    )


def _snapshot(values: dict[str, Any], number: str | None) -> dict[str, object]:
    """`repository.snapshot` of the new row, from its values (no row object is built)."""

    def iso(value: date | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "status": values["status"],
        "plan": values["plan_id"],
        "terms": f"{values['program_id']}@{values['terms_version'].isoformat()}",
        "coverage_start": iso(values["coverage_start"]),
        "coverage_end": iso(values["coverage_end"]),
        "paid_on": iso(values["paid_on"]),
        "certificate_number": number,
        "unreported_replacement": values["unreported_replacement"],
        "ended_on": iso(values["ended_on"]),
        "refund": values["refund"],
        "cases": 0,
    }


def _fingerprint(command: Enrol, paid_on: date | None) -> str:
    """The sale's content: the API's fingerprint of the command, and the day the fee was paid."""
    if paid_on is None:
        return fingerprint(command)
    text = command.model_dump_json() + f"|paid_on={paid_on.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()


def _problem(headers: dict[str, str], sale: Sale, error: ServiceError | DomainError) -> Problem:
    """A refusal of the rules on the line and column it names, with the Japanese message and the clause labels."""
    code, where = error.code, error.field or ""
    message = error_message(code)
    if error.clauses:
        message += f"(根拠: {'、'.join(error.clauses)})"
    column_id = where.rsplit(".", 1)[-1]
    if column_id == "equipment" or column_id == "kind":
        column_id = "equipment_kind"
    column = BY_HEADER[column_id].id if column_id in BY_HEADER else ""
    return Problem(sale.lines[0].number, headers.get(column, ""), code, message)


def worker_count(size: int, rules: Engine, workers: int | None = None) -> int:
    """How many worker processes judge a file of `size` bytes: `workers` when given, else HOSHO_IMPORT_WORKERS
    when set (0: none), else one per core for a large file on a machine of two cores or more. Known before the file
    is read, so that the workers start while it is."""
    if not rules.rebuildable:
        return 0
    if workers is not None:
        return max(0, workers)
    setting = os.environ.get(WORKERS, "").strip()
    if setting.isdigit():
        return int(setting)
    cores = os.cpu_count() or 1
    return cores if cores > 1 and size >= POOL_BYTES else 0


class WorkerLost(RuntimeError):
    """A worker process ended while it judged (killed, out of memory): what was committed stays, a rerun completes."""


class _Worker:
    """One worker process and its own pipe: a worker that dies, even in the middle of sending, is an end of file
    here (a pool's shared result queue would wait for the rest of the message forever). Tasks are sent by a thread,
    so that a large chunk being sent never waits for a result that is not read yet."""

    def __init__(self, context: Any) -> None:
        mine, theirs = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(theirs,), name="hosho-import-judge", daemon=True)
        self.process.start()
        theirs.close()
        self.pipe = mine
        self.tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send, name="import-judge-send", daemon=True)
        self.sender.start()

    def _send(self) -> None:
        while True:
            task = self.tasks.get()
            try:
                self.pipe.send(task)
            except OSError:  # the worker is gone: `receive` says so
                return
            if task is None:
                return

    def receive(self) -> Any:
        try:
            done, value = self.pipe.recv()
        except (EOFError, OSError):
            raise WorkerLost("a worker process judging the contracts ended abruptly") from None
        if not done:
            raise RuntimeError(f"a worker process failed to judge a chunk: {value}")
        return value

    def stop(self, *, at_once: bool) -> None:
        if not at_once:
            self.tasks.put(None)  # it ends once the chunks before are judged and sent
            self.sender.join(timeout=5)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.pipe.close()


class Judges:
    """Chunks of contracts judged in the file's order: here, or by `workers` processes with a few chunks ahead.

    `verdicts(parts, header, writing)` yields each part with its verdicts, in order. Used as a context manager: the
    workers start at its beginning (they build their rules while the file is read) and are stopped at its end,
    whatever happened. Chunk k goes to worker k mod n, which judges its chunks in the order they came."""

    def __init__(self, rules: Engine, *, workers: int) -> None:
        self.rules = rules
        self.workers = workers
        self._pool: list[_Worker] = []

    def __enter__(self) -> Judges:
        if self.workers > 0:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._pool = [_Worker(context) for _ in range(self.workers)]
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        for worker in self._pool:
            worker.stop(at_once=kind is not None)  # after an error, chunks may be waiting to be read: not waited for
        self._pool = []

    def verdicts(
        self, parts: Iterable[list[Sale]], header: list[str], writing: Writing | None
    ) -> Iterator[tuple[list[Sale], list[Verdict]]]:
        """Each part with its contracts' verdicts, judged against the file's `header`; with their rows when
        `writing`."""
        if not self._pool:
            headers = column_headers(tuple(header))
            for part in parts:
                yield part, [judge(self.rules, headers, sale, writing) for sale in part]
            return
        columns = tuple(header)
        ahead: deque[tuple[list[Sale], _Worker]] = deque()
        for number, part in enumerate(parts):
            payload = [(s.retailer, s.sale_ref, [(line.number, line.source) for line in s.lines]) for s in part]
            worker = self._pool[number % len(self._pool)]
            worker.tasks.put((columns, payload, writing))
            ahead.append((part, worker))
            if len(ahead) > 2 * len(self._pool):  # each worker has a chunk in hand and one or two waiting
                yield _settled(*ahead.popleft())
        while ahead:
            yield _settled(*ahead.popleft())


def _settled(part: list[Sale], worker: _Worker) -> tuple[list[Sale], list[Verdict]]:
    verdicts: list[Verdict] = worker.receive()
    for sale, (problems, *_) in zip(part, verdicts, strict=True):
        sale.problems = problems  # the worker's copy of the sale had them: the rejects file needs them here
    return part, verdicts


# --- in a worker process ------------------------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _start() -> None:
    """A worker's start: its own rules (the program files and Japan Post's data, as the caller's)."""
    rules = Engine()
    rules.warm()  # the programs and their calendars now, not in the first chunk
    rules.postal.is_remote_island("1000001")  # Japan Post's data too
    _worker["rules"] = rules
    # The worker only judges: what is alive now lives as long as it does, and each chunk's objects are freed by
    # their counts. The cyclic collector would walk the terms and Japan Post's data again and again.
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _serve(pipe: Any) -> None:
    """A worker: its rules built, then each chunk judged and sent back, until told to stop or the importer is gone
    (killed, even by kill -9, it leaves the pipe at its end: an end of file here, or a broken pipe when sending)."""
    _start()
    while True:
        try:
            task = pipe.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            result: tuple[bool, Any] = (True, _judge_part(*task))
        except Exception as error:  # a bug, not the file: the importer stops and says so
            result = (False, f"{type(error).__name__}: {error}")
        try:
            pipe.send(result)
        except OSError:
            return


Payload = list[tuple[str, str, list[tuple[int, str]]]]  # (販売店コード, 受付番号, [(line number, record)])


def _judge_part(header: tuple[str, ...], payload: Payload, writing: Writing | None) -> list[Verdict]:
    rules, headers = _worker["rules"], column_headers(header)
    sales = (Sale(retailer, ref, [Line(*line) for line in lines]) for retailer, ref, lines in payload)
    # Plain tuples of the same shape: a NamedTuple costs a call per object to unpickle, and a chunk has thousands
    # (a third of the importing process's time to receive a chunk). The importer unpacks them, never by name.
    plain = [
        (problems, fingerprint, refusal, None if rows is None else tuple(rows))
        for problems, fingerprint, refusal, rows in (judge(rules, headers, sale, writing) for sale in sales)
    ]
    return cast(list[Verdict], plain)
