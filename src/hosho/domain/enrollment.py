"""Enrollment: validate an application against the program version in force and open a pending contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ParamSpec, TypeVar

from hosho.domain.chronology import check_enrolment_dates
from hosho.domain.contract import Application, Contract, DomainError
from hosho.domain.periods import anniversary, period_end, period_end_not_counting_first_day
from hosho.domain.program import CoverageStart, Program, ProgramVersion

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CoveragePeriod:
    start: date
    end: date
    manufacturer_warranty_end: date | None


@dataclass(frozen=True, slots=True)
class ConsumableSchedule:
    count: int
    around: date | None


@dataclass(frozen=True, slots=True)
class Enrollment:
    contract: Contract
    clauses: tuple[str, ...]
    coverage: CoveragePeriod
    consumables: ConsumableSchedule
    window_ends: date | None


def coverage_period(
    terms: ProgramVersion, *, purchase_date: date, term_years: int, manufacturer_warranty_months: int
) -> CoveragePeriod:
    """Civil Code periods (民法第143条): the purchase date is counted (the product is in use from that day)."""
    end = period_end(purchase_date, years=term_years)
    if terms.coverage.start is CoverageStart.PURCHASE_DATE:
        return CoveragePeriod(purchase_date, end, None)
    maker_end = period_end(purchase_date, months=manufacturer_warranty_months)
    return CoveragePeriod(maker_end + timedelta(days=1), end, maker_end)


def consumable_schedule(terms: ProgramVersion, plan_replacements: int, purchase_date: date) -> ConsumableSchedule:
    rule = terms.consumables
    if rule is None or plan_replacements == 0:
        return ConsumableSchedule(0, None)
    return ConsumableSchedule(plan_replacements, anniversary(purchase_date, rule.around_years))


def enroll(program: Program, application: Application) -> Enrollment:
    """Open a pending contract, or raise DomainError naming the rule (and field) that refuses it."""
    app = application
    applied_on = app.applied_on or app.operation_start_date or app.purchase_date
    terms = program.version_on(applied_on)
    plan = terms.plans.get(app.plan_id)
    if plan is None:
        raise DomainError("invalid_contract", f"unknown plan {app.plan_id!r} in {terms.version}", field="plan")
    _check_amounts(terms, app)
    check_enrolment_dates(
        terms.dates,
        purchase_date=app.purchase_date,
        applied_on=applied_on,
        operation_start_date=app.operation_start_date,
    )
    rule = terms.enrollment

    if rule.requires_operation_start and app.operation_start_date is None:
        raise DomainError("invalid_contract", "operation_start_date is required", field="operation_start_date")
    if app.operation_start_date is not None and app.operation_start_date < app.purchase_date:
        raise DomainError(
            "invalid_contract", "operation_start_date is before purchase_date", field="operation_start_date"
        )
    if applied_on < app.purchase_date:
        raise DomainError("invalid_contract", "applied_on is before purchase_date", field="applied_on")
    serials = [item.serial for item in app.equipment]
    if len(set(serials)) != len(serials):
        raise DomainError("invalid_contract", "the same serial number is listed twice", field="equipment")

    for index, item in enumerate(app.equipment):
        if item.kind not in terms.equipment_kinds:
            allowed = ", ".join(terms.equipment_kinds)
            raise DomainError(
                "invalid_contract",
                f"unknown equipment kind {item.kind!r} in {terms.version} (one of {allowed})",
                field=f"equipment.{index}.kind",
            )

    if rule.whole_system_required:
        roles = {terms.equipment_kinds[item.kind].system_role for item in app.equipment}
        missing = [role for role in terms.system_roles if role not in roles]
        if missing:
            names = [
                "/".join(kind.name for kind in terms.equipment_kinds.values() if kind.system_role == role)
                for role in missing
            ]
            raise DomainError(
                "whole_system_required",
                f"the contract must cover the whole system: no {', '.join(missing)} ({', '.join(names)})",
                field="equipment",
                clauses=rule.whole_system_clauses,
                params={"missing": "、".join(names)},
            )
        if any(item.service_mode not in (None, plan.service_mode.value) for item in app.equipment):
            raise DomainError(
                "mixed_service_modes",
                f"every item must be under the plan's service mode ({plan.service_mode.value})",
                field="equipment",
                clauses=rule.whole_system_clauses,
            )

    for index, item in enumerate(app.equipment):
        # A mode the plan does not have cannot be served (the plan's mode decides visits and deadlines).
        if item.service_mode not in (None, plan.service_mode.value):
            raise DomainError(
                "invalid_contract",
                f"the plan {plan.id} is served {plan.service_mode.value}, not {item.service_mode}",
                field=f"equipment[{index}].service_mode",
            )

    if rule.countries and app.site.country not in rule.countries:
        raise DomainError(
            "outside_service_area",
            "the site is outside the service area",
            field="site.country",
            clauses=rule.area_clauses,
        )
    if rule.remote_islands_excluded and app.site.remote_island:
        raise DomainError(
            "outside_service_area",
            "remote islands are outside the service area",
            field="site.postal_code",
            clauses=rule.area_clauses,
        )

    window_ends = None
    if rule.window_months_after_operation_start is not None and app.operation_start_date is not None:
        # 運用開始後1ヶ月以内: the start day is not counted (初日不算入).
        window_ends = _within_dates(
            "operation_start_date",
            period_end_not_counting_first_day,
            app.operation_start_date,
            months=rule.window_months_after_operation_start,
        )
        if applied_on > window_ends:
            raise DomainError(
                "enrollment_window_closed",
                f"applications close on {window_ends.isoformat()} (operation start + "
                f"{rule.window_months_after_operation_start} month)",
                field="applied_on",
                clauses=rule.window_clauses,
                params={"closes": window_ends.isoformat()},
            )

    months = (
        app.manufacturer_warranty_months
        if app.manufacturer_warranty_months is not None
        else terms.coverage.default_manufacturer_warranty_months
    )
    coverage = _within_dates(
        "purchase_date",
        coverage_period,
        terms,
        purchase_date=app.purchase_date,
        term_years=plan.term_years,
        manufacturer_warranty_months=months,
    )
    if coverage.end < coverage.start:
        raise DomainError(
            "invalid_contract",
            "the maker's warranty outlasts the plan: no extended coverage is left",
            field="manufacturer_warranty_months",
        )
    cap = app.repair_cap if app.repair_cap is not None else app.purchase_price
    contract = Contract(
        terms=terms,
        plan=plan,
        purchase_date=app.purchase_date,
        applied_on=applied_on,
        purchase_price=app.purchase_price,
        warranty_fee=app.warranty_fee,
        manufacturer_warranty_months=months,
        repair_cap=cap if terms.cap is not None else None,
        operation_start_date=app.operation_start_date,
        equipment=app.equipment,
        site=app.site,
        maker_onsite_repair=(
            app.maker_onsite_repair if app.maker_onsite_repair is not None else plan.maker_onsite_repair
        ),
        coverage_start=coverage.start,
        coverage_end=coverage.end,
    )
    schedule = consumable_schedule(terms, plan.consumable_replacements, app.purchase_date)
    clauses = (
        plan.clauses
        + terms.coverage.clauses
        + (rule.window_clauses if window_ends else ())
        + (rule.whole_system_clauses if rule.whole_system_required else ())
        + (rule.area_clauses if rule.remote_islands_excluded else ())
        + (terms.consumables.clauses if terms.consumables and schedule.count else ())
        + rule.version_clauses
    )
    return Enrollment(contract, _unique(clauses), coverage, schedule, window_ends)


def _check_amounts(terms: ProgramVersion, app: Application) -> None:
    if terms.enrollment.requires_purchase_price and app.purchase_price is None:
        raise DomainError("invalid_contract", "purchase_price is required", field="purchase_price")
    for name, value in (
        ("purchase_price", app.purchase_price),
        ("warranty_fee", app.warranty_fee),
        ("repair_cap", app.repair_cap),
        ("manufacturer_warranty_months", app.manufacturer_warranty_months),
    ):
        if value is not None and value < 0:
            raise DomainError("invalid_contract", f"{name} must not be negative", field=name)
    if app.purchase_price == 0 and terms.enrollment.requires_purchase_price:
        raise DomainError("invalid_contract", "purchase_price must be above 0", field="purchase_price")


def _within_dates(field: str, compute: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A period that would end past 9999-12-31 is a mistake in `field`, not a crash."""
    try:
        return compute(*args, **kwargs)
    except (OverflowError, ValueError) as error:
        raise DomainError("invalid_contract", f"{field}: the period cannot be counted ({error})", field=field) from None


def _unique(labels: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(labels))
