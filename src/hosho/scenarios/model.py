"""The scenario file format (../shared/spec/scenarios.md), validated strictly with file and line."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from hosho.domain.calendar import JST
from hosho.programs.catalog import Catalog
from hosho.programs.schema import Count, IsoDate, Text
from hosho.programs.yamlio import Document, LoadError, Problem, problems_from


def _iso_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    text = value if isinstance(value, str) else None
    if text is None or not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", text
    ):
        raise ValueError(f"must be a datetime such as 2026-11-20T16:00 (JST when no offset), got {value!r}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text} is not a time of the calendar") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=JST)


def _height(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number of metres")
    try:
        height = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number of metres") from None
    if height < 0 or not height.is_finite():
        raise ValueError("must not be negative")
    return height


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
Height = Annotated[Decimal, BeforeValidator(_height)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EquipmentIn(Strict):
    kind: Annotated[str, Field(strict=True, min_length=1, max_length=20)]
    model: Text
    serial: Annotated[str, Field(strict=True, min_length=1)]
    service_mode: Literal["onsite", "sendback"] | None = None


class SiteIn(Strict):
    postal_code: Annotated[str, Field(strict=True)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "JP"
    remote_island: bool | None = None


class ContractIn(Strict):
    plan: Text
    purchase_date: IsoDate
    purchase_price: Count | None = None
    warranty_fee: Count | None = None
    manufacturer_warranty_months: Count | None = None
    repair_cap: Count | None = None
    operation_start_date: IsoDate | None = None
    applied_on: IsoDate | None = None
    equipment: list[EquipmentIn] = []
    site: SiteIn = SiteIn()
    maker_onsite_repair: bool | None = None


class CalendarIn(Strict):
    closures: list[Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$")]]


class Pay(Strict):
    date: IsoDate


class RepairRequestIn(Strict):
    at: IsoDateTime
    cause: Text
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "JP"
    needs_parts: bool = True
    part: Literal["sd_card", "hdd", "fan", "power_supply", "other"] | None = None
    install_height_m: Height | None = None
    claim: Literal["repair", "other_property_damage", "loss_of_use", "bodily_injury"] = "repair"


class ItemArrived(Strict):
    date: IsoDate
    check_sheet_date: IsoDate | None = None


class RepairEstimate(Strict):
    amount: Count | None = None
    repairable: bool = True
    date: IsoDate | None = None


class Cancel(Strict):
    date: IsoDate
    reason: Literal["customer", "sale_rescinded"] = "customer"
    transfer_fee: Count = 0


class TransferOwnership(Strict):
    date: IsoDate


class ReportChange(Strict):
    date: IsoDate
    fields: dict[str, Annotated[str, Field(strict=True)]]


class ManufacturerReplacement(Strict):
    date: IsoDate
    reported: bool = True


ACTIONS: dict[str, type[Strict]] = {
    "pay": Pay,
    "repair_request": RepairRequestIn,
    "item_arrived": ItemArrived,
    "repair_estimate": RepairEstimate,
    "cancel": Cancel,
    "transfer_ownership": TransferOwnership,
    "report_change": ReportChange,
    "manufacturer_replacement": ManufacturerReplacement,
}

# What each action may expect (scenarios.md); `error` and `clauses` are allowed everywhere.
EXPECT_KEYS: dict[str, frozenset[str]] = {
    "enrollment": frozenset({"status", "coverage_start", "coverage_end", "consumable_replacement", "clauses"}),
    "pay": frozenset({"status", "coverage_start", "coverage_end", "certificate"}),
    "repair_request": frozenset({"decision", "visit_by", "received_on", "status"}),
    "item_arrived": frozenset({"repair_due", "status"}),
    "repair_estimate": frozenset({"outcome", "replacement_limit", "status"}),
    "cancel": frozenset({"refund", "status"}),
    "transfer_ownership": frozenset({"status"}),
    "report_change": frozenset({"status"}),
    "manufacturer_replacement": frozenset({"coverage_start", "coverage_end", "status"}),
}
DATE_KEYS = frozenset({"coverage_start", "coverage_end", "visit_by", "received_on", "repair_due", "around"})


class Step(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    index: int
    line: int | None
    action: str
    payload: Any
    expect: dict[str, Any]


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    path: str
    title: str
    program: str
    contract: ContractIn
    closures: list[str] | None
    expect_enrollment: dict[str, Any] | None
    steps: list[Step]


class _Head(Strict):
    title: Text
    program: Text
    calendar: CalendarIn | None = None
    contract: ContractIn
    expect_enrollment: dict[str, Any] | None = None
    steps: list[dict[str, Any]] = []


def parse_scenario(document: Document, catalog: Catalog) -> Scenario:
    """Validate the whole file; every problem is reported with its line, all at once."""
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
    elif not any(head.contract.plan in version.plans for version in program.versions):
        plans = sorted({plan for version in program.versions for plan in version.plans})
        problem(("contract", "plan"), f"unknown plan {head.contract.plan!r} (known: {', '.join(plans)})")
    if head.expect_enrollment is not None:
        _check_expect(head.expect_enrollment, "enrollment", ("expect_enrollment",), problem)
    steps = []
    for index, raw in enumerate(head.steps):
        where: tuple[str | int, ...] = ("steps", index)
        actions = [key for key in raw if key != "expect"]
        if len(actions) != 1 or actions[0] not in ACTIONS:
            unknown = [key for key in actions if key not in ACTIONS]
            reason = f"unknown action {unknown[0]!r}" if unknown else "a step names exactly one action"
            problem(where, f"{reason} (actions: {', '.join(ACTIONS)})")
            continue
        action = actions[0]
        try:
            payload = ACTIONS[action].model_validate(raw[action] if raw[action] is not None else {})
        except ValidationError as exc:
            problems.extend(problems_from(exc, document, (*where, action)))
            continue
        if isinstance(payload, RepairRequestIn) and payload.cause not in catalog.vocabulary.causes:
            problem((*where, action, "cause"), f"unknown cause {payload.cause!r}")
        expect = raw.get("expect") or {}
        if not isinstance(expect, dict):
            problem((*where, "expect"), "expect must be a mapping")
            continue
        _check_expect(expect, action, (*where, "expect"), problem)
        steps.append(Step(index=index + 1, line=document.line_of(where), action=action, payload=payload, expect=expect))
    if problems:
        raise LoadError(problems)
    return Scenario(
        path=document.path,
        title=head.title,
        program=head.program,
        contract=head.contract,
        closures=head.calendar.closures if head.calendar else None,
        expect_enrollment=head.expect_enrollment,
        steps=steps,
    )


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
        elif key == "consumable_replacement":
            if not isinstance(value, dict) or set(value) - {"count", "around"}:
                problem(location, "consumable_replacement takes count and around")
            elif value.get("around") is not None:
                _check_date(value["around"], (*location, "around"), problem)


def _check_date(value: Any, location: tuple[str | int, ...], problem: Any) -> None:
    try:
        date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else date.fromisoformat("x")
    except ValueError:
        problem(location, f"{value!r} is not a date YYYY-MM-DD")
