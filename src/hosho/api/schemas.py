"""Request and response bodies of the REST API: money in integer yen, dates and times in ISO 8601 (JST).

Requests refuse unknown fields (`extra="forbid"`): a misspelt field is an error, not a silent default.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from hosho.domain.calendar import JST
from hosho.domain.contract import EquipmentKind
from hosho.domain.refunds import CancelReason
from hosho.service.commands import fits
from hosho.store import models as m


def _in_jst(value: dt.datetime) -> dt.datetime:
    """Naive values are JST wall-clock time (SQLite keeps no offset); aware ones are shown in JST."""
    return value.replace(tzinfo=JST) if value.tzinfo is None else value.astimezone(JST)


# Ids are 64-bit in the database; a larger one in a path finds nothing rather than overflowing the driver.
ID_MAX = 2**63 - 1
# 1,000億円 at most: far above any product, and still exact in the database's 64-bit integers after any rate.
YEN_MAX = 100_000_000_000
Yen = Annotated[int, Field(strict=True, ge=0, le=YEN_MAX, description="Integer yen (円)")]
JstDatetime = Annotated[dt.datetime, AfterValidator(_in_jst)]


class EventKind(StrEnum):
    """Progress of a repair case (hosho.service.cases.EVENTS)."""

    VISIT_SCHEDULED = "visit_scheduled"
    VISIT_DONE = "visit_done"
    ITEM_ARRIVED = "item_arrived"
    ESTIMATE = "estimate"
    REPAIRED = "repaired"
    SHIPPED = "shipped"
    REPLACED = "replaced"


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: object) -> object:
        """Text holds no control characters but tab and line breaks (PostgreSQL refuses NUL outright)."""
        if isinstance(value, str) and any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
            raise ValueError("must not contain control characters")
        return value


# --- requests -----------------------------------------------------------------------------------------------------


class SubscriberIn(RequestBody):
    name: Annotated[str, fits(m.Subscriber.name)]
    name_kana: Annotated[str, fits(m.Subscriber.name_kana)] | None = None
    phone: Annotated[str, fits(m.Subscriber.phone)] | None = None
    email: Annotated[str, fits(m.Subscriber.email, min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    postal_code: Annotated[str, fits(m.Subscriber.postal_code)] | None = None
    address: Annotated[str, fits(m.Subscriber.address)] | None = None


class EquipmentIn(RequestBody):
    kind: EquipmentKind
    model: Annotated[str, fits(m.Equipment.model)]
    serial: Annotated[str, fits(m.Equipment.serial)]
    service_mode: Annotated[str, fits(m.Equipment.service_mode)] | None = None


class SiteIn(RequestBody):
    postal_code: Annotated[str, fits(m.Contract.site_postal_code)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")] = "JP"
    remote_island: bool | None = Field(default=None, description="Derived from the postal code when left out")


class EnrollmentIn(RequestBody):
    program: Annotated[str, fits(m.Contract.program_id)]
    plan: Annotated[str, fits(m.Contract.plan_id)]
    purchase_date: dt.date
    purchase_price: Yen | None = None
    warranty_fee: Yen | None = None
    manufacturer_warranty_months: Annotated[int, Field(strict=True, ge=0, le=600)] | None = None
    repair_cap: Yen | None = None
    operation_start_date: dt.date | None = None
    applied_on: dt.date | None = None
    equipment: list[EquipmentIn] = Field(default_factory=list, max_length=500)
    site: SiteIn = Field(default_factory=lambda: SiteIn())
    maker_onsite_repair: bool | None = None
    retailer: Annotated[str, fits(m.Retailer.code)] | None = Field(
        None, description="Retailer code; a retailer key always enrols for its own channel"
    )
    subscriber: SubscriberIn


class DateIn(RequestBody):
    date: dt.date


class ChangedFieldsIn(RequestBody):
    name: Annotated[str, fits(m.Subscriber.name)] | None = None
    name_kana: Annotated[str, fits(m.Subscriber.name_kana)] | None = Field(
        None, description="The furigana; a new name without it drops the old one"
    )
    phone: Annotated[str, fits(m.Subscriber.phone)] | None = None
    address: Annotated[str, fits(m.Subscriber.address)] | None = None
    email: Annotated[str, fits(m.Subscriber.email, min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None


class ChangeReportIn(RequestBody):
    date: dt.date
    fields: ChangedFieldsIn


class MakerReplacementIn(RequestBody):
    date: dt.date
    reported: bool = True
    serial: Annotated[str, fits(m.Equipment.serial)] | None = None


class RepairRequestIn(RequestBody):
    at: dt.datetime = Field(description="When the request was made; JST when no offset is given")
    cause: Annotated[str, fits(m.RepairCase.cause)] = Field(
        description="A cause of the vocabulary (GET /v1/programs/{program}: parameters.causes)"
    )
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "JP"
    needs_parts: bool = True
    part: str | None = Field(default=None, description="A part of the vocabulary, when one failed")
    install_height_m: Annotated[Decimal, Field(ge=0, le=1000)] | None = None
    claim: str = Field(default="repair", description="A claim of the vocabulary")


class CaseEventIn(RequestBody):
    kind: EventKind
    date: dt.date
    amount: Yen | None = None
    repairable: bool = True
    check_sheet_date: dt.date | None = None
    note: Annotated[str, Field(max_length=2000)] | None = None


class CancellationIn(RequestBody):
    date: dt.date
    reason: CancelReason = CancelReason.CUSTOMER
    transfer_fee: Yen = 0


# --- responses ----------------------------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"]


class ProblemItem(BaseModel):
    field: str | None
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str = Field(description="https://hosho.dev/problems/<code>")
    title: str
    status: int
    detail: str
    code: str
    field: str | None = Field(default=None, description="Dotted location of the field to blame, if any")
    clauses: list[str] = Field(default_factory=list, description="Labels of the clauses behind a refusal")
    errors: list[ProblemItem] | None = Field(default=None, description="Every validation error (422 invalid_request)")


class VersionRef(BaseModel):
    version: str
    effective_from: dt.date


class ProgramSummary(BaseModel):
    id: str
    name: str
    provider: str
    current_version: str
    versions: list[VersionRef]


class PlanOut(BaseModel):
    id: str
    name: str
    service_mode: str
    term_years: int
    consumable_replacements: int
    maker_onsite_repair: bool
    refund_rates: list[str]
    clauses: list[str]


class EnrollmentRulesOut(BaseModel):
    window_months_after_operation_start: int | None
    whole_system_required: bool
    countries: list[str]
    remote_islands_excluded: bool
    requires_purchase_price: bool
    requires_operation_start: bool


class CauseOut(BaseModel):
    cause: str
    name_ja: str
    covered: bool
    clauses: list[str]


class CallCenterOut(BaseModel):
    name: str
    phone: str
    hours: str


class ParametersOut(BaseModel):
    coverage_start: str
    default_manufacturer_warranty_months: int
    enrollment: EnrollmentRulesOut
    service_levels: dict[str, int] = Field(description="Business days to the visit or repair, by service mode")
    max_install_height_m: int | None
    repair_cap: bool
    refunds_allowed: bool
    refund_bracket_years: list[int]
    consumables_around_years: int | None
    change_fields: list[str]
    call_center: CallCenterOut
    causes: list[CauseOut]


class ProgramVersionOut(VersionRef):
    name: str
    provider: str
    plans: list[PlanOut]
    parameters: ParametersOut


class ProgramOut(BaseModel):
    id: str
    name: str
    provider: str
    versions: list[ProgramVersionOut]


class ClauseOut(BaseModel):
    label: str
    parent: str | None
    title: str | None
    text: str | None
    text_by_mode: dict[str, str]


class ClausesOut(BaseModel):
    program: str
    terms_version: str
    clauses: list[ClauseOut]


class ClauseText(BaseModel):
    label: str
    text: str


class SkippedDay(BaseModel):
    date: dt.date
    reason: str


class DeadlineOut(BaseModel):
    kind: str
    due: dt.date
    clock_start: dt.date
    business_days: int
    skipped: list[SkippedDay]
    clauses: list[str]


class CostOut(BaseModel):
    item: str
    item_ja: str
    payer: str
    payer_ja: str
    note: str | None
    clauses: list[str]


class CaseEventOut(BaseModel):
    at: JstDatetime
    kind: str
    date: dt.date | None
    data: dict[str, Any] | None


class CaseOut(BaseModel):
    id: int
    contract_id: int
    number: int
    requested_at: JstDatetime
    received_on: dt.date
    cause: str
    covered: bool
    state: str
    visit_by: dt.date | None
    item_arrived_on: dt.date | None
    repair_due: dt.date | None
    estimate: int | None
    outcome: str | None
    events: list[CaseEventOut]


class BoardCaseOut(CaseOut):
    program: str


class EstimateOut(BaseModel):
    outcome: str
    amount: int | None
    replacement_limit: int | None
    clauses: list[str]
    costs: list[CostOut]


class CaseProgressOut(CaseOut):
    deadline: DeadlineOut | None = None
    estimate_answer: EstimateOut | None = Field(default=None, description="The rules' answer to an `estimate` event")


class PlanRef(BaseModel):
    id: str
    name: str
    service_mode: str
    years: int


class ConsumableOut(BaseModel):
    count: int
    around: dt.date | None


class SiteOut(BaseModel):
    postal_code: str | None
    country: str
    remote_island: bool


class SubscriberOut(BaseModel):
    name: str
    name_kana: str | None
    phone: str | None
    email: str | None
    postal_code: str | None
    address: str | None


class EquipmentOut(BaseModel):
    kind: str
    model: str
    serial: str
    service_mode: str | None


class ContractOut(BaseModel):
    id: int
    status: str
    program: str
    program_name: str
    terms_version: str
    plan: PlanRef
    retailer: str | None
    certificate_number: str | None = Field(description="As printed: ZEST-2025-00001234-7")
    certificate_issued_on: dt.date | None
    purchase_date: dt.date
    applied_on: dt.date
    purchase_price: int | None
    warranty_fee: int | None
    repair_cap: int | None
    operation_start_date: dt.date | None
    manufacturer_warranty_end: dt.date | None
    coverage_start: dt.date
    coverage_end: dt.date
    paid_on: dt.date | None
    ended_on: dt.date | None
    refund: int | None
    consumable_replacement: ConsumableOut
    site: SiteOut
    subscriber: SubscriberOut
    equipment: list[EquipmentOut]
    cases: list[CaseOut]
    version: int
    clauses: list[str] = Field(default_factory=list, description="Labels the change just made rests on")


class ContractPage(BaseModel):
    items: list[ContractOut]
    page: int
    per_page: int
    total: int = Field(description="Matches, counted up to 1,000")
    total_capped: bool = Field(description="True when there are more than 1,000 matches (total is then 1,000)")


class ReasonOut(BaseModel):
    key: str
    clauses: list[str]
    reasoning: str | None


class DecisionOut(BaseModel):
    case_id: int | None = Field(description="None in a preview: nothing is stored")
    case_number: int
    decision: Literal["covered", "not_covered"]
    terms_version: str
    reasons: list[ReasonOut]
    clauses: list[ClauseText]
    requested_at: JstDatetime
    received_at: JstDatetime
    received_on: dt.date
    reception_skipped: list[SkippedDay]
    visit_by: dt.date | None
    deadline: DeadlineOut | None
    costs: list[CostOut]


class RepairDecisionOut(DecisionOut):
    contract_status: str


class RefundBreakdownOut(BaseModel):
    bracket: int = Field(description="Row of the refund table, from 1")
    bracket_ends: dt.date | None
    rate: str
    gross: int
    transfer_fee: int


class RefundPreviewOut(BaseModel):
    refund: int
    reason: str
    cancelled_on: dt.date
    clauses: list[ClauseText]
    breakdown: RefundBreakdownOut | None


class CancellationOut(RefundPreviewOut):
    status: str


class AuditEntryOut(BaseModel):
    at: JstDatetime
    actor: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
