"""The contract aggregate: what was enrolled, its status, and its repair cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from hosho.domain.program import Plan, ProgramVersion


class Status(StrEnum):
    PENDING = "pending"  # enrolled, not paid: no certificate yet (zest 第1条)
    ACTIVE = "active"
    CANCELLED = "cancelled"
    ENDED = "ended"  # replaced instead of repaired (第5条第1項, 第2条第2項)
    EXPIRED = "expired"
    TRANSFERRED = "transferred"


class DomainError(Exception):
    """An action refused by the rules; nothing was changed. `code` is the spec's error code."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        clauses: tuple[str, ...] = (),
        params: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.clauses = clauses
        self.params: Mapping[str, str] = dict(params or {})  # the values a message may name (ISO dates, a status)


@dataclass(frozen=True, slots=True)
class Equipment:
    kind: str  # an equipment kind of the program version (ProgramVersion.equipment_kinds)
    model: str
    serial: str
    service_mode: str | None = None  # only when an item names its own mode (mixing is refused)


@dataclass(frozen=True, slots=True)
class Site:
    postal_code: str | None
    country: str
    remote_island: bool


@dataclass(frozen=True, slots=True)
class Application:
    """What a retailer or subscriber submits to enrol."""

    plan_id: str
    purchase_date: date
    applied_on: date | None = None
    purchase_price: int | None = None
    warranty_fee: int | None = None
    manufacturer_warranty_months: int | None = None
    repair_cap: int | None = None
    operation_start_date: date | None = None
    equipment: tuple[Equipment, ...] = ()
    site: Site = Site(postal_code=None, country="JP", remote_island=False)
    maker_onsite_repair: bool | None = None


class CaseState(StrEnum):
    OPEN = "open"
    REVIEW = "review"  # waits for a supervisor: the terms leave the outcome to the provider (要審査)
    REPAIRED = "repaired"
    REPLACED = "replaced"
    CLOSED = "closed"


class ReviewState(StrEnum):
    PENDING = "pending"
    DECIDED = "decided"


class DisputeState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(slots=True)
class RepairCase:
    number: int
    received_on: date
    covered: bool
    state: CaseState = CaseState.OPEN
    item_arrived_on: date | None = None
    repair_due: date | None = None
    estimate: int | None = None
    latest_event: date | None = None  # the day it was requested, then of its latest event (domain.chronology)
    visit_by: date | None = None
    review: ReviewState | None = None
    dispute: DisputeState | None = None
    item: str | None = None  # the serial of the failed item, when the request names one


@dataclass(slots=True)
class Contract:
    terms: ProgramVersion
    plan: Plan
    purchase_date: date
    applied_on: date
    purchase_price: int | None
    warranty_fee: int | None
    manufacturer_warranty_months: int
    repair_cap: int | None
    operation_start_date: date | None
    equipment: tuple[Equipment, ...]
    site: Site
    maker_onsite_repair: bool
    coverage_start: date
    coverage_end: date
    status: Status = Status.PENDING
    paid_on: date | None = None
    certificate_issued_on: date | None = None
    cases: list[RepairCase] = field(default_factory=list)
    unreported_replacement: bool = False
    ended_on: date | None = None
    refund: int | None = None
    contact: dict[str, str] = field(default_factory=dict)
    # The day of its latest recorded event (payment, request, case event, transfer, maker replacement, end of
    # cover): actions that depend on its state are not dated before it (domain.chronology).
    latest_event: date | None = None
    latest_change: date | None = None  # the latest of them that changed its status or cover
    version: int = 1  # optimistic locking in the store

    def refresh(self, today: date) -> None:
        """An active contract past its end date has expired."""
        if self.status is Status.ACTIVE and today > self.coverage_end:
            self.status = Status.EXPIRED

    def open_case(self) -> RepairCase | None:
        for case in reversed(self.cases):
            if case.covered and case.state is CaseState.OPEN:
                return case
        return None

    @property
    def has_repair(self) -> bool:
        """A repair done or under way (修理依頼中のものを含む), which voids a rescission refund (第9条第2項)."""
        return any(case.covered for case in self.cases)
