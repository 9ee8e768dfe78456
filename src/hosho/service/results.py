"""What the service answers, one model per kind of answer, defined once.

The API serves them as they are (its response models), the console's templates read them, and the scenario runner
reads the same facts in-process: `result.model_dump(mode="json")` is the API's JSON for the same call, field for
field. Money is integer yen; dates and times are ISO 8601, times in JST.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hosho.domain.calendar import JST


def _in_jst(value: dt.datetime) -> dt.datetime:
    """Naive values are JST wall-clock time (SQLite keeps no offset); aware ones are shown in JST."""
    return value.replace(tzinfo=JST) if value.tzinfo is None else value.astimezone(JST)


JstDatetime = Annotated[dt.datetime, AfterValidator(_in_jst)]


class Result(BaseModel):
    """An answer of the service: immutable once built."""

    model_config = ConfigDict(frozen=True)


# --- the pieces of a decision -------------------------------------------------------------------------------------


class ClauseText(Result):
    label: str
    text: str


class SkippedDay(Result):
    date: dt.date
    reason: str = Field(description="Why it is not counted: 土曜日, 日曜日, a holiday's name, a closure, 受付なし")


class DeadlineView(Result):
    """A deadline and how it was counted: `business_days` after `clock_start`, passing over `skipped`."""

    kind: str
    due: dt.date
    clock_start: dt.date = Field(description="The reception day (visits) or the arrival day (send-back repairs)")
    business_days: int
    skipped: list[SkippedDay] = Field(description="The days between clock_start and due that are not counted")
    clauses: list[str]


class CostView(Result):
    item: str
    item_ja: str
    payer: str
    payer_ja: str
    note: str | None
    clauses: list[str]


class ReasonView(Result):
    key: str
    clauses: list[str]
    reasoning: str | None


# --- cases --------------------------------------------------------------------------------------------------------


class CaseEventView(Result):
    at: JstDatetime
    kind: str
    date: dt.date | None
    data: dict[str, Any] | None


class CaseView(Result):
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
    events: list[CaseEventView]


class BoardCase(CaseView):
    program: str


class EstimateView(Result):
    outcome: str
    amount: int | None
    replacement_limit: int | None
    clauses: list[str]
    costs: list[CostView]


class CaseProgress(CaseView):
    deadline: DeadlineView | None = None
    estimate_answer: EstimateView | None = Field(default=None, description="The rules' answer to an `estimate` event")


# --- contracts ----------------------------------------------------------------------------------------------------


class PlanRef(Result):
    id: str
    name: str
    service_mode: str
    years: int


class ConsumableView(Result):
    count: int
    around: dt.date | None


class SiteView(Result):
    postal_code: str | None
    country: str
    remote_island: bool


class SubscriberView(Result):
    name: str
    name_kana: str | None
    phone: str | None
    email: str | None
    postal_code: str | None
    address: str | None


class EquipmentView(Result):
    kind: str
    model: str
    serial: str
    service_mode: str | None


class ContractView(Result):
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
    consumable_replacement: ConsumableView
    site: SiteView
    subscriber: SubscriberView
    equipment: list[EquipmentView]
    cases: list[CaseView]
    version: int
    clauses: list[str] = Field(default_factory=list, description="Labels the change just made rests on")


class ContractPage(Result):
    items: list[ContractView]
    page: int
    per_page: int
    total: int = Field(description="Matches, counted up to 1,000")
    total_capped: bool = Field(description="True when there are more than 1,000 matches (total is then 1,000)")


class AuditEntry(Result):
    at: JstDatetime
    actor: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


# --- repair decisions ---------------------------------------------------------------------------------------------


class Decision(Result):
    case_id: int | None = Field(description="None in a preview: nothing is stored")
    case_number: int
    decision: Literal["covered", "not_covered"]
    terms_version: str
    reasons: list[ReasonView]
    clauses: list[ClauseText]
    requested_at: JstDatetime
    received_at: JstDatetime
    received_on: dt.date
    reception_skipped: list[SkippedDay] = Field(
        description="The days between the request and its reception on which reception was closed"
    )
    visit_by: dt.date | None
    deadline: DeadlineView | None
    costs: list[CostView]


class RepairDecision(Decision):
    contract_status: str


# --- refunds ------------------------------------------------------------------------------------------------------


class RefundBreakdown(Result):
    bracket: int = Field(description="Row of the refund table, from 1")
    bracket_ends: dt.date | None
    rate: str
    gross: int
    transfer_fee: int


class RefundPreview(Result):
    refund: int
    reason: str
    cancelled_on: dt.date
    clauses: list[ClauseText]
    breakdown: RefundBreakdown | None


class Payout(Result):
    """The refund a cancellation opened, as it will be paid (payouts.md); none for 0 yen."""

    refund_id: int
    status: str = Field(description="awaiting_account, or ready when an account came with the cancellation")
    holder: str | None = Field(description="The 口座名義 as stored: half-width kana, as the Zengin file carries it")


class Cancellation(RefundPreview):
    status: str
    payout: Payout | None = None


class ImportRun(Result):
    """One import of a retailer's file (import.md): what it did, or (dry run) what a real import would do."""

    id: int | None = Field(description="The run's record; none for a dry run")
    file_name: str
    sha256: str
    dry_run: bool
    state: Literal["running", "done", "failed"]
    lines: int = Field(description="Item lines in the file (the header and blank lines not counted)")
    lines_done: int
    imported: int = Field(description="Contracts stored by this run")
    already: int = Field(description="Contracts already stored with the same content (skipped)")
    rejected: int = Field(description="Contracts rejected: none of their lines is stored")
    rejected_lines: int
    error: str | None = Field(default=None, description="Why the file could not be read at all")
    started_at: JstDatetime
    finished_at: JstDatetime | None = None

    @property
    def last_line(self) -> str:
        """The spec's last line of `hosho import`."""
        return (
            f"{self.imported} contracts imported, {self.already} already imported, "
            f"{self.rejected} contracts rejected ({self.rejected_lines} lines)"
        )
