"""A batch killed while it is being created (kill -9) is whole or does not exist, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from benchmarks.bench_payouts import load
from sqlalchemy import func, select

from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.service.context import Hosho, create_hosho
from hosho.store import models as m

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=JST)
REFUNDS = 20_000
# The child creates the batch as `hosho payouts create` does, through the service, and is killed on the way.
CHILD = """
import sys
from datetime import date
from hosho.engine import Engine
from hosho.service import payouts
from hosho.service.commands import CreateBatch
from hosho.service.context import Actor, Role, create_hosho
hosho = create_hosho(sys.argv[1], rules=Engine())
print("ready", flush=True)
payouts.create_batch(hosho, Actor("crash", Role.ADMIN), CreateBatch(transfer_date=date(2026, 12, 4)))
print("done", flush=True)
"""


@pytest.fixture
def loaded(database_url: str, engine: Engine) -> Iterator[Hosho]:
    hosho = create_hosho(database_url, rules=engine, clock=lambda: NOW)
    load(hosho, REFUNDS)
    yield hosho
    hosho.dispose()


def _state(hosho: Hosho) -> tuple[int, int, int, int]:
    """(batches, refunds in a batch, 'batched' ledger entries, the batches' recorded count)."""
    with hosho.reading() as session:
        batches = session.execute(select(func.count()).select_from(m.PayoutBatch)).scalar_one()
        batched = session.execute(
            select(func.count()).select_from(m.Refund).where(m.Refund.batch_id.is_not(None))
        ).scalar_one()
        entries = session.execute(
            select(func.count()).select_from(m.RefundEntry).where(m.RefundEntry.kind == "batched")
        ).scalar_one()
        counted = session.execute(select(func.coalesce(func.sum(m.PayoutBatch.count), 0))).scalar_one()
    return batches, batched, entries, counted


@pytest.mark.parametrize("delay", [0.05, 0.4, 1.5])
def test_a_batch_killed_while_it_is_created_is_whole_or_absent(loaded: Hosho, database_url: str, delay: float) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    batches, batched, entries, counted = _state(loaded)
    if batches == 0:
        assert (batched, entries) == (0, 0)
    else:
        assert (batches, batched, entries, counted) == (1, REFUNDS, REFUNDS, REFUNDS)
    # Whatever happened, the next batch takes exactly the refunds that are still ready.
    from hosho.service import payouts
    from hosho.service.commands import CreateBatch
    from hosho.service.context import Actor, Role

    if batches == 0:
        made = payouts.create_batch(loaded, Actor("after", Role.ADMIN), CreateBatch(transfer_date=date(2026, 12, 4)))
        assert made.count == REFUNDS
    assert _state(loaded)[1:3] == (REFUNDS, REFUNDS)
