"""The scenario file format (../shared/spec/scenarios.md), validated strictly with file and line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hosho.domain.calendar import DateRange
from hosho.domain.program import NoticeKind
from hosho.programs.catalog import Catalog, parse_range
from hosho.programs.schema import Text
from hosho.programs.yamlio import Document, LoadError, Problem, problems_from
from hosho.service import commands as c


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalendarIn(Strict):
    closures: list[Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$")]]


# Scenarios name no subscriber; the service requires one.
SUBSCRIBER = {"name": "シナリオ 太郎", "name_kana": "シナリオ タロウ"}
# The contract block is the enrolment command without what a scenario does not state.
NOT_IN_CONTRACT = ("program", "subscriber", "retailer")

# Each action of a scenario step is the service's command of that action (hosho.service.commands).
ACTIONS: dict[str, type[c.Command]] = {
    "pay": c.Pay,
    "repair_request": c.RequestRepair,
    "item_arrived": c.ItemArrived,
    "repair_estimate": c.Estimate,
    "cancel": c.Cancel,
    "transfer_ownership": c.TransferOwnership,
    "report_change": c.ReportChange,
    "manufacturer_replacement": c.MakerReplacement,
    "advance": c.Advance,
    "repaired": c.Progress,
    "diagnosis": c.Diagnosis,
    "decide_review": c.DecideReview,
    "dispute": c.OpenDispute,
    "third_party_opinion": c.DisputeOpinion,
    "decide_dispute": c.DecideDispute,
}
# Fields an action fixes: `repaired` is the repair desk's progress event of that kind.
PRESET: dict[str, dict[str, Any]] = {"repaired": {"kind": "repaired"}}
# The actions on a case after intake (hosho.service.adjudication), and the case each addresses (runner).
CASE_ACTIONS = (c.Diagnosis, c.DecideReview, c.OpenDispute, c.DisputeOpinion, c.DecideDispute)

# What each action may expect (scenarios.md); `error` and `clauses` are allowed everywhere.
EXPECT_KEYS: dict[str, frozenset[str]] = {
    "enrollment": frozenset({"status", "coverage_start", "coverage_end", "consumable_replacement", "clauses"}),
    "pay": frozenset({"status", "coverage_start", "coverage_end", "certificate"}),
    "repair_request": frozenset({"decision", "visit_by", "received_on", "status"}),
    "item_arrived": frozenset({"repair_due", "status"}),
    "repair_estimate": frozenset({"outcome", "replacement_limit", "status"}),
    "cancel": frozenset({"refund", "status", "holder"}),
    "transfer_ownership": frozenset({"status"}),
    "report_change": frozenset({"status"}),
    "manufacturer_replacement": frozenset({"coverage_start", "coverage_end", "status"}),
    "advance": frozenset({"status", "notices"}),
    "repaired": frozenset({"status"}),
    "diagnosis": frozenset({"decision", "status"}),
    "decide_review": frozenset({"decision", "status", "visit_by"}),
    "dispute": frozenset({"decision", "status"}),
    "third_party_opinion": frozenset({"decision", "status"}),
    "decide_dispute": frozenset({"decision", "status", "visit_by"}),
}
DATE_KEYS = frozenset({"coverage_start", "coverage_end", "visit_by", "received_on", "repair_due", "around"})


class Invalid(BaseModel):
    """A step whose command the service refuses before acting (`invalid_request`), as a scenario may mean it to."""

    field: str
    message: str


class Step(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    index: int
    line: int | None
    action: str
    command: c.Command | Invalid
    expect: dict[str, Any] | None  # None: the step states no expectation (it only sets the scene)


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    path: str
    title: str
    program: str
    enrol: c.Enrol
    closures: list[DateRange] | None
    expect_enrollment: dict[str, Any] | None
    steps: list[Step]

    def dates(self) -> list[date]:
        """Every date the scenario names: the years its calendar block must be applied to."""
        found = [value for value in _values(self.enrol) if isinstance(value, date)]
        for step in self.steps:
            found += [value.date() if isinstance(value, datetime) else value for value in _values(step.command)]
        return [value for value in found if isinstance(value, date)]


def _values(model: BaseModel) -> list[Any]:
    values: list[Any] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            values += _values(value)
        elif isinstance(value, list):
            for item in value:
                values += _values(item) if isinstance(item, BaseModel) else [item]
        else:
            values.append(value)
    return values


class _Head(Strict):
    title: Text
    program: Text
    calendar: CalendarIn | None = None
    contract: dict[str, Any]
    expect_enrollment: dict[str, Any] | None = None
    steps: list[dict[str, Any]] = []


def parse_scenario(document: Document, catalog: Catalog) -> Scenario:
    """Validate the whole file; every problem is reported with its line, all at once.

    A scenario that checks nothing is a problem too (scenarios.md): no expectation anywhere, or an empty `expect`.
    """
    problems: list[Problem] = []
    if not isinstance(document.data, dict):
        raise LoadError([Problem(document.path, 1, "a scenario must be a mapping (title, program, contract, steps)")])
    try:
        head = _Head.model_validate(document.data)
    except ValidationError as exc:
        raise LoadError(problems_from(exc, document)) from exc

    def problem(location: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(document.path, document.line_of(location), message))

    program = catalog.programs.get(head.program)
    if program is None:
        problem(("program",), f"unknown program {head.program!r} (known: {', '.join(sorted(catalog.programs))})")
    elif not any(head.contract.get("plan") in version.plans for version in program.versions):
        plans = sorted({plan for version in program.versions for plan in version.plans})
        problem(("contract", "plan"), f"unknown plan {head.contract.get('plan')!r} (known: {', '.join(plans)})")
    enrol = _enrol(head, document, problems)
    closures = _closures(head.calendar, problem)
    if head.expect_enrollment is not None:
        if not head.expect_enrollment:
            problem(("expect_enrollment",), "expect_enrollment is empty: it checks nothing")
        _check_expect(head.expect_enrollment, "enrollment", ("expect_enrollment",), problem)
    steps = []
    for index, raw in enumerate(head.steps):
        where: tuple[str | int, ...] = ("steps", index)
        if not isinstance(raw, dict):
            problem(where, f"a step is a mapping of one action (actions: {', '.join(ACTIONS)})")
            continue
        actions = [key for key in raw if key != "expect"]
        if len(actions) != 1 or actions[0] not in ACTIONS:
            unknown = [key for key in actions if key not in ACTIONS]
            reason = f"unknown action {unknown[0]!r}" if unknown else "a step names exactly one action"
            problem(where, f"{reason} (actions: {', '.join(ACTIONS)})")
            continue
        action = actions[0]
        expect = raw.get("expect")
        try:
            given = raw[action] if raw[action] is not None else {}
            if action in PRESET and isinstance(given, dict):
                given = {**given, **PRESET[action]}
            command: c.Command | Invalid = ACTIONS[action].model_validate(given)
        except ValidationError as exc:
            if not (isinstance(expect, dict) and expect.get("error") == "invalid_request"):
                problems.extend(problems_from(exc, document, (*where, action)))
                continue
            # The scenario means the service to refuse this command: as the API would, with the field.
            first = exc.errors(include_url=False)[0]
            command = Invalid(field=".".join(map(str, first["loc"])), message=first["msg"])
        if isinstance(command, c.RequestRepair) and command.cause not in catalog.vocabulary.causes:
            problem((*where, action, "cause"), f"unknown cause {command.cause!r}")
        if "expect" in raw:
            if not isinstance(expect, dict):
                problem((*where, "expect"), "expect must be a mapping of what the answer must hold")
                continue
            if not expect:
                problem((*where, "expect"), "expect is empty: it checks nothing")
            _check_expect(expect, action, (*where, "expect"), problem)
        steps.append(Step(index=index + 1, line=document.line_of(where), action=action, command=command, expect=expect))
    if not head.expect_enrollment and not any(step.expect for step in steps) and not problems:
        problem((), "the scenario expects nothing: give expect_enrollment or an expect on some step")
    if problems or enrol is None:
        raise LoadError(problems)
    return Scenario(
        path=document.path,
        title=head.title,
        program=head.program,
        enrol=enrol,
        closures=closures,
        expect_enrollment=head.expect_enrollment,
        steps=steps,
    )


def _enrol(head: _Head, document: Document, problems: list[Problem]) -> c.Enrol | None:
    """The contract block as the enrolment command: the program's, with the scenario subscriber."""
    block = head.contract
    stated = [key for key in NOT_IN_CONTRACT if key in block]
    for key in stated:
        problems.append(Problem(document.path, document.line_of(("contract", key)), f"contract.{key}: unknown key"))
    if stated:
        return None
    try:
        return c.Enrol.model_validate({**block, "program": head.program, "subscriber": SUBSCRIBER})
    except ValidationError as exc:
        problems.extend(problems_from(exc, document, ("contract",)))
        return None


def _closures(calendar: CalendarIn | None, problem: Any) -> list[DateRange] | None:
    if calendar is None:
        return None
    ranges = []
    for index, text in enumerate(calendar.closures):
        try:
            ranges.append(parse_range(text))
        except ValueError as exc:
            problem(("calendar", "closures", index), f"calendar.closures: {exc}")
    return ranges


def _check_expect(expect: dict[str, Any], action: str, where: tuple[str | int, ...], problem: Any) -> None:
    allowed = EXPECT_KEYS[action] | {"error", "clauses"}
    for key, value in expect.items():
        location = (*where, key)
        if key not in allowed:
            problem(location, f"unknown expect key {key!r} for {action} (allowed: {', '.join(sorted(allowed))})")
        elif key in DATE_KEYS and value is not None:
            _check_date(value, location, problem)
        elif key == "clauses" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            problem(location, "clauses must be a list of labels")
        elif key == "notices":
            _check_notices(value, location, problem)
        elif key == "consumable_replacement":
            if not isinstance(value, dict) or set(value) - {"count", "around"}:
                problem(location, "consumable_replacement takes count and around")
            elif value.get("around") is not None:
                _check_date(value["around"], (*location, "around"), problem)


def _check_notices(value: Any, location: tuple[str | int, ...], problem: Any) -> None:
    """`notices` is the contract's list of notices so far, in order: each `{kind, on}` (notices.md)."""
    if not isinstance(value, list):
        problem(location, "notices must be a list of {kind, on}")
        return
    kinds = {kind.value for kind in NoticeKind}
    for index, item in enumerate(value):
        where = (*location, index)
        if not isinstance(item, dict) or set(item) != {"kind", "on"}:
            problem(where, "each notice is {kind, on}")
        elif item["kind"] not in kinds:
            problem((*where, "kind"), f"unknown notice kind {item['kind']!r} (kinds: {', '.join(sorted(kinds))})")
        else:
            _check_date(item["on"], (*where, "on"), problem)


def _check_date(value: Any, location: tuple[str | int, ...], problem: Any) -> None:
    try:
        date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else date.fromisoformat("x")
    except ValueError:
        problem(location, f"{value!r} is not a date YYYY-MM-DD")
