"""Run scenario files and compare every expectation (scenarios.md).

Every step goes through the service layer: in-process (`inprocess.Service`, on a throwaway SQLite database) or
through a running Hosho service (`http_runner.Http`). Both are a `Transport`, which only carries a command to the
service and its JSON answer back; everything else (which case an arrival belongs to, the facts a scenario may
expect, the comparison, the report) is here, once, so the two give the same output line for line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from hosho.programs.catalog import Catalog
from hosho.programs.yamlio import LoadError, Problem, read_yaml
from hosho.scenarios import model as m
from hosho.service import commands as c

Json = dict[str, Any]
CaseAction = c.Diagnosis | c.DecideReview | c.OpenDispute | c.DisputeOpinion | c.DecideDispute


@dataclass(frozen=True, slots=True)
class Reply:
    """The service's answer: its JSON body, or the refusal (`error` code, `clauses`, `field`)."""

    ok: bool
    body: Json

    @classmethod
    def refused(
        cls, code: str, clauses: Iterable[str] = (), field: str | None = None, message: str | None = None
    ) -> Reply:
        return cls(False, {"error": code, "clauses": list(clauses), "field": field, "message": message})


class Transport(Protocol):
    """Carries commands to the service and its answers back (in-process or HTTP)."""

    def enrol(self, command: c.Enrol) -> Reply: ...

    def act(self, contract_id: int, command: c.Command) -> Reply: ...

    def contract(self, contract_id: int) -> Reply: ...

    def case_event(self, case_id: int, command: c.ItemArrived | c.Estimate | c.Progress) -> Reply: ...

    def closures(self, program: str, year: int) -> Reply: ...

    def set_closures(self, program: str, command: c.SetClosures) -> Reply: ...

    def advance(self, contract_id: int, command: c.Advance) -> Reply: ...

    def case_action(self, case_id: int, command: CaseAction) -> Reply: ...


@dataclass(slots=True)
class StepResult:
    """One answer: the facts compared with `expect`, and the service's JSON answer the explain view renders."""

    index: int
    action: str
    command: Any
    facts: dict[str, Any]
    answer: Json | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    path: str
    step: str
    key: str
    expected: Any
    got: Any

    def __str__(self) -> str:
        return f"{self.path}: {self.step}: {self.key}: expected {_show(self.expected)}, got {_show(self.got)}"


@dataclass(slots=True)
class Outcome:
    path: str
    scenario: m.Scenario | None = None
    results: list[StepResult] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures and not self.problems

    @property
    def asserted(self) -> set[str]:
        """The labels the scenario asserts (`clauses` under an `expect`), not those the answers happened to cite."""
        scenario = self.scenario
        if scenario is None:
            return set()
        expects = [scenario.expect_enrollment or {}, *(step.expect or {} for step in scenario.steps)]
        return {label for expect in expects for label in expect.get("clauses") or ()}


class Abort(Exception):
    """The run cannot go on (the service is unreachable, or refuses the key): one line for the user, no more files."""


def scenario_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.yaml") if p.is_file())
        else:
            yield path


def check_paths(paths: Iterable[Path], run: Callable[[Path], Outcome]) -> list[Outcome]:
    """Run every scenario file under `paths`; a path that holds no scenario file is a failure of its own."""
    outcomes = []
    for path in paths:
        files = list(scenario_files([path])) if path.exists() else []
        if not files:
            missing = Outcome(str(path))
            reason = "no such file or folder" if not path.exists() else "no scenario file (*.yaml) here"
            missing.problems.append(Problem(str(path), None, reason))
            outcomes.append(missing)
        outcomes += [safely(file, run) for file in files]
    return outcomes


def check_file(path: Path, catalog: Catalog, transport: Transport) -> Outcome:
    """Parse one file, run it through the transport, and compare every expectation."""
    outcome = Outcome(str(path))
    try:
        scenario = m.parse_scenario(read_yaml(path), catalog)
    except LoadError as exc:
        outcome.problems = list(exc.problems)
        return outcome
    outcome.scenario = scenario
    Steps(transport, scenario).run(outcome)
    return outcome


class Steps:
    """Performs a scenario's enrolment and each of its steps with a transport, and reads the facts of each answer."""

    def __init__(self, transport: Transport, scenario: m.Scenario):
        self.transport = transport
        self.scenario = scenario
        self.contract_id: int | None = None

    def run(self, outcome: Outcome) -> None:
        with self._calendar():
            self._run(outcome)

    def _run(self, outcome: Outcome) -> None:
        scenario = self.scenario
        result = self.enrol()
        outcome.results.append(result)
        refused = result.facts.get("error") is not None
        if scenario.expect_enrollment is not None:
            _compare(outcome, "enrollment", scenario.expect_enrollment, result.facts)
        elif refused:
            _refused(outcome, "enrollment", result.facts)
        if refused:
            if scenario.steps:
                outcome.failures.append(Failure(outcome.path, "enrollment", "error", None, result.facts["error"]))
            return
        for step in scenario.steps:
            result = self.perform(step)
            outcome.results.append(result)
            name = f"step {step.index} ({step.action})"
            if step.expect is not None:
                _compare(outcome, name, step.expect, result.facts)
            elif result.facts.get("error") is not None:
                _refused(outcome, name, result.facts)

    def enrol(self) -> StepResult:
        reply = self.transport.enrol(self.scenario.enrol)
        if not reply.ok:
            return StepResult(0, "enrollment", self.scenario.enrol, reply.body)
        answer = reply.body
        self.contract_id = answer["id"]
        consumables = answer.get("consumable_replacement") or {}
        facts = {
            "status": answer["status"],
            "coverage_start": answer["coverage_start"],
            "coverage_end": answer["coverage_end"],
            "consumable_replacement": {"count": consumables.get("count"), "around": consumables.get("around")},
            "clauses": labels(answer.get("clauses")),
            "error": None,
        }
        return StepResult(0, "enrollment", self.scenario.enrol, facts, answer)

    def perform(self, step: m.Step) -> StepResult:
        command = step.command
        if isinstance(command, m.Invalid):
            refused = Reply.refused("invalid_request", field=command.field, message=command.message)
            return StepResult(step.index, step.action, command, refused.body)
        if isinstance(command, c.ItemArrived | c.Estimate | c.Progress):
            reply, facts = self._case_event(command)
        elif isinstance(command, m.CASE_ACTIONS):
            reply, facts = self._case_action(command)
        elif isinstance(command, c.Advance):
            assert self.contract_id is not None, "steps follow a successful enrolment"
            reply = self.transport.advance(self.contract_id, command)
            facts = _advanced(reply.body) if reply.ok else reply.body
        else:
            assert self.contract_id is not None, "steps follow a successful enrolment"
            reply = self.transport.act(self.contract_id, command)
            facts = FACTS[type(command)](reply.body) if reply.ok else reply.body
        return StepResult(step.index, step.action, command, facts, reply.body if reply.ok else None)

    def _case_event(self, command: c.ItemArrived | c.Estimate | c.Progress) -> tuple[Reply, dict[str, Any]]:
        """Arrival and estimate are events of the contract's current case (its last covered open one)."""
        assert self.contract_id is not None
        found = self.transport.contract(self.contract_id)
        if not found.ok:
            return found, found.body
        case = _current_case(found.body.get("cases") or [])
        if case is None:
            # No request was ever made, so there is no case to address: the service's answer would be this.
            refused = Reply.refused("no_open_case")
            return refused, refused.body
        if isinstance(command, c.Estimate) and command.date is None:
            # Without a date a replaced contract ends on the day the request was received.
            command = command.model_copy(update={"date": date.fromisoformat(case["received_on"])})
        reply = self.transport.case_event(case["id"], command)
        if not reply.ok:
            return reply, reply.body
        after = self.transport.contract(self.contract_id)
        if not after.ok:
            return after, after.body
        answer, status = reply.body, after.body["status"]
        if isinstance(command, c.Progress):
            return reply, {"status": status, "clauses": []}
        if isinstance(command, c.ItemArrived):
            deadline = answer.get("deadline") or {}
            return reply, {
                "repair_due": deadline.get("due"),
                "status": status,
                "clauses": labels(deadline.get("clauses")),
            }
        estimate = answer.get("estimate_answer") or {}
        return reply, {
            "outcome": estimate.get("outcome"),
            "replacement_limit": estimate.get("replacement_limit"),
            "status": status,
            "clauses": labels(estimate.get("clauses")),
        }

    def _case_action(self, command: CaseAction) -> tuple[Reply, dict[str, Any]]:
        """Diagnosis, review and dispute address the case they concern (see `_addressed`)."""
        assert self.contract_id is not None
        found = self.transport.contract(self.contract_id)
        if not found.ok:
            return found, found.body
        case = _addressed(found.body.get("cases") or [], command)
        if case is None:
            refused = Reply.refused("no_open_case")
            return refused, refused.body
        reply = self.transport.case_action(case["id"], command)
        if not reply.ok:
            return reply, reply.body
        answer = reply.body
        return reply, {
            "decision": answer["decision"],
            "clauses": labels(answer.get("clauses")),
            "status": answer.get("contract_status"),
            "visit_by": answer.get("visit_by"),
        }

    def _calendar(self) -> _Closures:
        return _Closures(self.transport, self.scenario)


class _Closures:
    """A scenario's `calendar` block, applied through the service's company calendar and undone afterwards.

    The block replaces the program's closures: every year the scenario touches (and the one before and after, for
    closures running across a year's end) is set to the block's ranges starting in it, possibly none.
    """

    def __init__(self, transport: Transport, scenario: m.Scenario):
        self.transport, self.scenario = transport, scenario
        self.before: list[c.SetClosures] = []

    def __enter__(self) -> None:
        ranges = self.scenario.closures
        if ranges is None:
            return
        days = self.scenario.dates()
        years = range(min(days).year - 1, max(days).year + 2) if days else range(0)
        program = self.scenario.program
        for year in years:
            now = self.transport.closures(program, year)
            if not now.ok:
                raise Abort(f"cannot read the company calendar of {program} {year}: {now.body.get('error')}")
            kept = [c.ClosureRange.model_validate(r) for r in now.body["ranges"]]
            self.before.append(c.SetClosures(year=year, ranges=kept if now.body["source"] == "set" else None))
            mine = [c.ClosureRange(first=r.first, last=r.last, name=r.name) for r in ranges if r.first.year == year]
            done = self.transport.set_closures(program, c.SetClosures(year=year, ranges=mine))
            if not done.ok:
                raise Abort(f"cannot set the company calendar of {program} {year}: {done.body.get('error')}")

    def __exit__(self, *exc: object) -> None:
        for command in self.before:
            self.transport.set_closures(self.scenario.program, command)


def _paid(answer: Json) -> dict[str, Any]:
    return {
        "status": answer["status"],
        "coverage_start": answer["coverage_start"],
        "coverage_end": answer["coverage_end"],
        "certificate": answer.get("certificate_number") is not None,
        "clauses": labels(answer.get("clauses")),
    }


def _decided(answer: Json) -> dict[str, Any]:
    return {
        "decision": answer["decision"],
        "clauses": labels(answer.get("clauses")),
        "visit_by": answer.get("visit_by"),
        "received_on": answer.get("received_on"),
        "status": answer.get("contract_status"),
    }


def _cancelled(answer: Json) -> dict[str, Any]:
    payout = answer.get("payout") or {}
    return {
        "refund": answer["refund"],
        "status": answer["status"],
        "clauses": labels(answer.get("clauses")),
        "holder": payout.get("holder"),
    }


def _status(answer: Json) -> dict[str, Any]:
    return {"status": answer["status"], "clauses": labels(answer.get("clauses"))}


def _replaced(answer: Json) -> dict[str, Any]:
    return {
        "status": answer["status"],
        "coverage_start": answer["coverage_start"],
        "coverage_end": answer["coverage_end"],
        "clauses": labels(answer.get("clauses")),
    }


def _advanced(answer: Json) -> dict[str, Any]:
    """After the daily work: the contract's status and its notices so far, in order, each {kind, on}."""
    return {
        "status": answer["status"],
        "notices": [{"kind": item["kind"], "on": item["on"]} for item in answer.get("notices") or ()],
    }


# How the answer to each contract action reads as the facts a scenario may expect.
FACTS: dict[type[c.Command], Callable[[Json], dict[str, Any]]] = {
    c.Pay: _paid,
    c.RequestRepair: _decided,
    c.Cancel: _cancelled,
    c.TransferOwnership: _status,
    c.ReportChange: _status,
    c.MakerReplacement: _replaced,
}


def _current_case(cases: list[Json]) -> Json | None:
    """The last covered open case, else the last covered one, else the last: the service says which is refused."""
    covered = [item for item in cases if item.get("covered")]
    for item in covered[::-1]:
        if item.get("state") == "open":
            return item
    if covered:
        return covered[-1]
    return cases[-1] if cases else None


def _addressed(cases: list[Json], command: CaseAction) -> Json | None:
    """A review decision goes to the latest case reviewed; a dispute's steps to the latest disputed case, else the
    latest not-covered one; a diagnosis to the current case. Failing those, the latest case: the service refuses."""
    if isinstance(command, c.DecideReview):
        picked = [item for item in cases if item.get("review")]
    elif isinstance(command, c.OpenDispute):
        picked = [item for item in cases if not item.get("covered") and item.get("state") == "closed"]
    elif isinstance(command, c.DisputeOpinion | c.DecideDispute):
        picked = [item for item in cases if item.get("dispute") == "open"]
    else:
        return _current_case(cases)
    return picked[-1] if picked else (cases[-1] if cases else None)


def labels(clauses: Any) -> list[str]:
    """Clauses come as labels or as {label, text}; the scenarios compare labels."""
    return [item["label"] if isinstance(item, dict) else str(item) for item in clauses or ()]


def report(outcomes: Iterable[Outcome], out: Callable[[str], None] = print) -> tuple[int, int]:
    """One line per problem and per failed expectation, then the total; returns (passed, failed)."""
    passed = failed = 0
    for outcome in outcomes:
        for problem in outcome.problems:
            out(str(problem))
        for failure in outcome.failures:
            out(str(failure))
        if outcome.passed:
            passed += 1
        else:
            failed += 1
    out(f"{passed} passed, {failed} failed")
    return passed, failed


def safely(path: Path, run: Callable[[Path], Outcome]) -> Outcome:
    """A scenario that breaks the engine is reported as failed, with the others still run."""
    try:
        return run(path)
    except Abort:
        raise
    except Exception as exc:  # never a traceback for a user: name the file instead
        outcome = Outcome(str(path))
        outcome.problems.append(Problem(str(path), None, f"internal error: {type(exc).__name__}: {exc}"))
        return outcome


def _refused(outcome: Outcome, step: str, facts: dict[str, Any]) -> None:
    """A refusal that no expectation names is a failure: the scenario did not say the step would be refused."""
    outcome.failures.append(Failure(outcome.path, step, "error", "no refusal", facts.get("error")))


def _compare(outcome: Outcome, step: str, expect: dict[str, Any], facts: dict[str, Any]) -> None:
    refused = facts.get("error")
    if refused is not None and "error" not in expect:
        _refused(outcome, step, facts)
        return
    for key, expected in expect.items():
        got = facts.get(key)
        if key == "clauses":
            missing = [label for label in expected if label not in (got or ())]
            if missing:
                outcome.failures.append(Failure(outcome.path, step, key, expected, list(got or ())))
            continue
        if key == "error" and expected is not None and got is None:
            outcome.failures.append(Failure(outcome.path, step, key, expected, "no error"))
            continue
        if key != "error" and refused is not None:
            outcome.failures.append(Failure(outcome.path, step, key, expected, f"error {refused}"))
            continue
        if not same(expected, got):
            outcome.failures.append(Failure(outcome.path, step, key, expected, got))


def same(expected: Any, got: Any) -> bool:
    """Equal in value and in type: 2670.0 is not 2670, true is not 1, a date is its ISO text."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return all(same(value, got.get(key)) for key, value in expected.items())
    if type(expected) is not type(got):
        return False
    return bool(expected == got)


def _show(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, float):
        return repr(value)
    return str(value)
