"""The in-process transport: each step is a call of the service layer, stored in a throwaway SQLite database.

`hosho check` without `--api` migrates one database per run (in a temporary folder, removed afterwards); every
scenario enrols its own contract there, so the steps run through exactly what operators use, less HTTP.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from hosho.engine import Engine
from hosho.scenarios.runner import CaseAction, Outcome, Reply, check_file
from hosho.service import adjudication, calendars, cases, contracts, notices, refunds
from hosho.service import commands as c
from hosho.service.context import Actor, Hosho, Role, ServiceError, create_hosho
from hosho.store.db import make_engine, migrate

ACTOR = Actor("scenario", Role.ADMIN)


class Service:
    """Carries each command to the service function of its action and the answer back as the API's JSON."""

    def __init__(self, hosho: Hosho, actor: Actor = ACTOR):
        self.hosho, self.actor = hosho, actor

    def enrol(self, command: c.Enrol) -> Reply:
        return self._call(lambda: contracts.enroll(self.hosho, self.actor, command)[0])

    def act(self, contract_id: int, command: c.Command) -> Reply:
        hosho, actor = self.hosho, self.actor
        action = ACTIONS[type(command)]
        return self._call(lambda: action(hosho, actor, contract_id, command))

    def contract(self, contract_id: int) -> Reply:
        return self._call(lambda: contracts.get(self.hosho, self.actor, contract_id))

    def case_event(self, case_id: int, command: c.ItemArrived | c.Estimate | c.Progress) -> Reply:
        return self._call(lambda: cases.record_event(self.hosho, self.actor, case_id, command))

    def closures(self, program: str, year: int) -> Reply:
        return self._call(lambda: calendars.year_closures(self.hosho, program, year))

    def set_closures(self, program: str, command: c.SetClosures) -> Reply:
        return self._call(lambda: calendars.set_closures(self.hosho, self.actor, program, command))

    def advance(self, contract_id: int, command: c.Advance) -> Reply:
        return self._call(lambda: notices.advance(self.hosho, self.actor, contract_id, command))

    def case_action(self, case_id: int, command: CaseAction) -> Reply:
        action = CASE_ACTIONS[type(command)]
        return self._call(lambda: action(self.hosho, self.actor, case_id, command))

    @staticmethod
    def _call(call: Callable[[], Any]) -> Reply:
        try:
            answer = call()
        except ServiceError as error:
            return Reply.refused(error.code, error.clauses, error.field, error.message)
        body = answer.model_dump(mode="json") if isinstance(answer, BaseModel) else to_jsonable_python(answer)
        return Reply(True, body)


# The service function of each contract action (hosho.service): one command in, one answer out.
ACTIONS: dict[type[c.Command], Callable[[Hosho, Actor, int, Any], Any]] = {
    c.Pay: contracts.pay_fee,
    c.TransferOwnership: contracts.transfer,
    c.ReportChange: contracts.report_changes,
    c.MakerReplacement: contracts.replace_by_maker,
    c.RequestRepair: cases.request_repair,
    c.Cancel: refunds.cancel_contract,
}


# The service function of each action on a case after intake (hosho.service.adjudication).
CASE_ACTIONS: dict[type[c.Command], Callable[[Hosho, Actor, int, Any], Any]] = {
    c.Diagnosis: adjudication.diagnose,
    c.DecideReview: adjudication.decide_review,
    c.OpenDispute: adjudication.open_dispute,
    c.DisputeOpinion: adjudication.record_opinion,
    c.DecideDispute: adjudication.decide_dispute,
}


@contextmanager
def scratch_service(engine: Engine) -> Iterator[Service]:
    """A service on a new SQLite database, migrated once, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="hosho-check-") as folder:
        url = f"sqlite:///{Path(folder) / 'check.sqlite3'}"
        db = make_engine(url)
        migrate(db)
        db.dispose()
        # A testing service: `advance` runs the daily work up to any day.
        hosho = create_hosho(url, rules=engine, testing=True)
        try:
            yield Service(hosho)
        finally:
            hosho.dispose()


def runner(service: Service) -> Callable[[Path], Outcome]:
    """What `runner.check_paths` needs: one file run through the in-process service."""
    return lambda path: check_file(path, service.hosho.rules.catalog, service)
