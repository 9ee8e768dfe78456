"""`hosho import FILE`: a retailer's file through the service's import, a progress bar on a terminal, the spec's
last line and exit status (import.md): 0 nothing rejected, 1 some contracts rejected, 2 the file unreadable."""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path
from typing import TextIO

from hosho.admin import Fatal, database
from hosho.settings import Settings

MAX_BYTES_ENV = "HOSHO_IMPORT_MAX_BYTES"


def max_bytes() -> int:
    text = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not text:
        from hosho.service.imports import MAX_FILE_BYTES

        return MAX_FILE_BYTES
    if not text.isdigit() or int(text) < 1:
        raise Fatal(f"{MAX_BYTES_ENV}={text!r} is not a number of bytes (1 or more)")
    return int(text)


def rejects_path(path: Path) -> Path:
    """Beside the input: sales.csv → sales.rejects.csv."""
    return path.with_name(f"{path.stem}.rejects{path.suffix or '.csv'}")


def run(
    settings: Settings, path: Path, *, retailer: str | None, dry_run: bool, rejects: Path | None, chunk: int | None
) -> int:
    from hosho.service import imports
    from hosho.service.context import Actor, Role, ServiceError
    from hosho.service.import_work import WorkerLost

    limit = max_bytes()
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise Fatal(f"{path}: not a file")
        if size > limit:  # refused before it is read
            raise Fatal(f"{path}: {size:,} bytes, more than the limit of {limit:,} ({MAX_BYTES_ENV})")
        data = path.read_bytes()
    except OSError as exc:
        raise Fatal(f"{path}: {exc.strerror or exc}") from None
    out = rejects or rejects_path(path)
    _fewer_collections()
    bar = Bar(sys.stderr) if sys.stderr.isatty() else None
    with database(settings) as hosho:
        try:
            outcome = imports.import_file(
                hosho,
                Actor("cli:import", Role.ADMIN),
                name=path.name,
                data=data,
                retailer=retailer,
                dry_run=dry_run,
                progress=bar.show if bar else None,
                **({"chunk": chunk} if chunk else {}),
            )
        except ServiceError as exc:
            if bar:
                bar.clear()
            raise Fatal(exc.message) from None
        except WorkerLost:  # a worker judging the contracts was killed (out of memory, kill -9)
            if bar:
                bar.clear()
            raise Fatal(
                "a worker process judging the contracts ended abruptly; the chunks committed stay: run the same "
                "import again to complete it"
            ) from None
    if bar:
        bar.clear()
    if outcome.rejects is not None:
        partial = out.with_name(out.name + ".partial")
        partial.write_bytes(outcome.rejects)
        partial.replace(out)  # whole or not at all
        print(f"rejected lines: {out}", file=sys.stderr)
    print(outcome.run.last_line)
    return 1 if outcome.run.rejected else 0


def _fewer_collections() -> None:
    """This process does one import: the collector's passes over the program's long-lived objects are wasted.

    An import allocates millions of short-lived objects (cells, rows, dates) and keeps none of them; with the
    default thresholds the cyclic collector walks the modules, the terms and the growing heap again and again
    (about a fifth of the run). Objects already alive are frozen out of its sight and it runs a hundred times
    less often; reference counting still frees the rows as soon as each chunk is written.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


class Bar:
    """A one-line progress bar on a terminal, redrawn at most ten times a second."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.shown_at, self.started = stream, 0.0, time.monotonic()

    def show(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.shown_at < 0.1 and done < total:
            return
        self.shown_at = now
        part = done / total if total else 1.0
        filled = int(part * self.WIDTH)
        self.stream.write(
            f"\r取り込み中 [{'#' * filled}{' ' * (self.WIDTH - filled)}] {part:4.0%} "
            f"{done:,}/{total:,} 行 {now - self.started:5.1f} 秒"
        )
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()
