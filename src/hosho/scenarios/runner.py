"""Run scenario files and compare every expectation (scenarios.md).

The comparison and the report are shared; what performs the steps is an `Executor`: `InProcess` here, calling the
domain directly, or `hosho.scenarios.http_runner.Http`, calling a running Hosho service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from hosho.domain.calendar import BusinessCalendar, Closures
from hosho.domain.contract import Application, Contract, DomainError, Equipment
from hosho.domain.enrollment import Enrollment
from hosho.domain.lifecycle import manufacturer_replacement, pay, report_change, transfer_ownership
from hosho.domain.refunds import CancelReason, cancel
from hosho.domain.repairs import RepairRequest, decide_repair, record_arrival, record_estimate
from hosho.engine import Engine
from hosho.programs.catalog import Catalog, parse_range
from hosho.programs.yamlio import LoadError, Problem, read_yaml
from hosho.scenarios import model as m


@dataclass(slots=True)
class StepResult:
    """One answer: the facts compared with `expect`, and the domain object the explain view renders."""

    index: int
    action: str
    payload: Any
    facts: dict[str, Any]
    answer: Any = None
    error: DomainError | None = None


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
    contract: Contract | None = None
    calendar: BusinessCalendar | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and not self.problems

    @property
    def cited(self) -> set[str]:
        return {label for result in self.results for label in result.facts.get("clauses", ())}


def scenario_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.yaml") if p.is_file())
        else:
            yield path


class Executor(Protocol):
    """Performs a scenario's enrolment and each of its actions, in-process or through the API; returns the facts."""

    def enroll(self, scenario: m.Scenario) -> StepResult: ...

    def perform(self, step: m.Step) -> StepResult: ...


class Unsupported(Exception):
    """The executor cannot run this scenario at all; the reason is reported as the file's failure."""


class Abort(Exception):
    """The run cannot go on (the service is unreachable, or refuses the key): one line for the user, no more files."""


def check_file(path: Path, catalog: Catalog, executor_for: Callable[[m.Scenario], Executor]) -> Outcome:
    """Parse one file, run it through the executor `executor_for` gives, and compare every expectation."""
    outcome = Outcome(str(path))
    try:
        scenario = m.parse_scenario(read_yaml(path), catalog)
    except LoadError as exc:
        outcome.problems = list(exc.problems)
        return outcome
    outcome.scenario = scenario
    try:
        executor = executor_for(scenario)
    except Unsupported as exc:
        outcome.problems.append(Problem(str(path), None, str(exc)))
        return outcome
    run_scenario(scenario, executor, outcome)
    return outcome


def run_scenario(scenario: m.Scenario, executor: Executor, outcome: Outcome) -> None:
    result = executor.enroll(scenario)
    outcome.results.append(result)
    if scenario.expect_enrollment is not None:
        _compare(outcome, "enrollment", scenario.expect_enrollment, result.facts)
    if result.facts.get("error") is not None:
        if scenario.steps:
            _compare(outcome, "enrollment", {"error": None}, result.facts)
        return
    for step in scenario.steps:
        result = executor.perform(step)
        outcome.results.append(result)
        _compare(outcome, f"step {step.index} ({step.action})", step.expect, result.facts)


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


class InProcess:
    """The executor that calls the domain directly, keeping the domain answers for the explain view."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.contract: Contract | None = None
        self.calendar: BusinessCalendar | None = None

    def enroll(self, scenario: m.Scenario) -> StepResult:
        c = scenario.contract
        engine = self.engine
        try:
            application = Application(
                plan_id=c.plan,
                purchase_date=c.purchase_date,
                applied_on=c.applied_on,
                purchase_price=c.purchase_price,
                warranty_fee=c.warranty_fee,
                manufacturer_warranty_months=c.manufacturer_warranty_months,
                repair_cap=c.repair_cap,
                operation_start_date=c.operation_start_date,
                equipment=tuple(Equipment(e.kind, e.model, e.serial, e.service_mode) for e in c.equipment),
                site=engine.site(
                    postal_code=c.site.postal_code, country=c.site.country, remote_island=c.site.remote_island
                ),
                maker_onsite_repair=c.maker_onsite_repair,
            )
            enrollment = engine.enroll(scenario.program, application)
        except DomainError as error:
            return StepResult(0, "enrollment", c, {"error": error.code, "clauses": error.clauses}, None, error)
        contract = enrollment.contract
        closures = contract.terms.closures
        if scenario.closures is not None:
            extra = tuple(parse_range(text) for text in scenario.closures)
            closures = Closures(annual=(), extra=extra, weekly=closures.weekly)
        self.contract, self.calendar = contract, engine.calendar(closures)
        return StepResult(0, "enrollment", c, enrollment_facts(enrollment), enrollment)

    def perform(self, step: m.Step) -> StepResult:
        contract, calendar = self.contract, self.calendar
        assert contract is not None and calendar is not None, "perform() follows a successful enroll()"
        try:
            answer, facts = perform(contract, step.action, step.payload, calendar)
            return StepResult(step.index, step.action, step.payload, facts, answer)
        except DomainError as error:
            facts = {"error": error.code, "status": contract.status.value, "clauses": error.clauses}
            return StepResult(step.index, step.action, step.payload, facts, None, error)
        except ValueError as error:  # a date beyond the calendar's range and the like
            return StepResult(step.index, step.action, step.payload, {"error": f"invalid_request: {error}"})


def run_file(path: Path, engine: Engine) -> Outcome:
    """Run one file in-process; the outcome keeps the contract and calendar for the explain view."""
    executor = InProcess(engine)
    outcome = check_file(path, engine.catalog, lambda _scenario: executor)
    outcome.contract, outcome.calendar = executor.contract, executor.calendar
    return outcome


def enrollment_facts(enrollment: Enrollment) -> dict[str, Any]:
    contract = enrollment.contract
    return {
        "status": contract.status.value,
        "coverage_start": contract.coverage_start,
        "coverage_end": contract.coverage_end,
        "consumable_replacement": {
            "count": enrollment.consumables.count,
            "around": enrollment.consumables.around,
        },
        "clauses": enrollment.clauses,
        "error": None,
    }


def perform(contract: Contract, action: str, payload: Any, calendar: BusinessCalendar) -> tuple[Any, dict[str, Any]]:
    """Apply one action; its facts are what scenarios may expect."""
    if isinstance(payload, m.Pay):
        paid = pay(contract, on=payload.date)
        return paid, {
            "status": paid.status.value,
            "coverage_start": contract.coverage_start,
            "coverage_end": contract.coverage_end,
            "certificate": contract.certificate_issued_on is not None,
            "clauses": paid.clauses,
        }
    if isinstance(payload, m.RepairRequestIn):
        request = RepairRequest(
            at=payload.at,
            cause=payload.cause,
            country=payload.country,
            needs_parts=payload.needs_parts,
            part=payload.part,
            install_height_m=payload.install_height_m,
            claim=payload.claim,
        )
        decision = decide_repair(contract, request, calendar)
        return decision, {
            "decision": "covered" if decision.covered else "not_covered",
            "clauses": decision.clauses,
            "visit_by": decision.visit_by,
            "received_on": decision.received_on,
            "status": contract.status.value,
        }
    if isinstance(payload, m.ItemArrived):
        arrival = record_arrival(
            contract,
            item_on=payload.date,
            check_sheet_on=payload.check_sheet_date or payload.date,
            calendar=calendar,
        )
        return arrival, {
            "repair_due": arrival.deadline.due,
            "status": contract.status.value,
            "clauses": arrival.clauses,
        }
    if isinstance(payload, m.RepairEstimate):
        estimate = record_estimate(contract, amount=payload.amount, repairable=payload.repairable, on=payload.date)
        return estimate, {
            "outcome": estimate.outcome,
            "replacement_limit": estimate.replacement_limit,
            "status": contract.status.value,
            "clauses": estimate.clauses,
        }
    if isinstance(payload, m.Cancel):
        result = cancel(
            contract, on=payload.date, reason=CancelReason(payload.reason), transfer_fee=payload.transfer_fee
        )
        return result, {"refund": result.refund, "status": contract.status.value, "clauses": result.clauses}
    if isinstance(payload, m.TransferOwnership):
        moved = transfer_ownership(contract, on=payload.date)
        return moved, {"status": moved.status.value, "clauses": moved.clauses}
    if isinstance(payload, m.ReportChange):
        changed = report_change(contract, on=payload.date, fields=payload.fields)
        return changed, {"status": changed.status.value, "clauses": changed.clauses}
    if isinstance(payload, m.ManufacturerReplacement):
        replaced = manufacturer_replacement(contract, on=payload.date, reported=payload.reported)
        return replaced, {
            "status": replaced.status.value,
            "coverage_start": contract.coverage_start,
            "coverage_end": contract.coverage_end,
            "clauses": replaced.clauses,
        }
    raise AssertionError(f"no handler for {action}")  # the parser admits only the actions above


def _compare(outcome: Outcome, step: str, expect: dict[str, Any], facts: dict[str, Any]) -> None:
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
        if key != "error" and facts.get("error") is not None:
            outcome.failures.append(Failure(outcome.path, step, key, expected, f"error {facts['error']}"))
            continue
        if not _same(expected, got):
            outcome.failures.append(Failure(outcome.path, step, key, expected, got))


def _same(expected: Any, got: Any) -> bool:
    if isinstance(got, date):
        return isinstance(expected, str) and expected == got.isoformat()
    if isinstance(expected, dict) and isinstance(got, dict):
        return all(_same(value, got.get(key)) for key, value in expected.items())
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got
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
    return str(value)
