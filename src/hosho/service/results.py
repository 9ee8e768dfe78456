"""What the service answers, one model per kind of answer, defined once.

The API serves them as they are (its response models), the console's templates read them, and the scenario runner
reads the same facts in-process: `result.model_dump(mode="json")` is the API's JSON for the same call, field for
field. Money is integer yen; dates and times are ISO 8601, times in JST.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetPydanticSchema
from pydantic_core import CoreSchema

from hosho.domain.calendar import JST
from hosho.domain.contract import CaseState, DisputeState, ReviewState, Status
from hosho.domain.program import NoticeKind, ServiceMode
from hosho.domain.refunds import CancelReason


def _in_jst(value: dt.datetime) -> dt.datetime:
    """Naive values are JST wall-clock time (SQLite keeps no offset); aware ones are shown in JST."""
    return value.replace(tzinfo=JST) if value.tzinfo is None else value.astimezone(JST)


JstDatetime = Annotated[dt.datetime, AfterValidator(_in_jst)]


class Result(BaseModel):
    """An answer of the service: immutable once built."""

    model_config = ConfigDict(frozen=True)


# --- the words of the answers -------------------------------------------------------------------------------------
# A field that holds one of a fixed set of words is typed with its enum, so the OpenAPI names each set once (the
# domain's own where it has one: Status, shown as ContractStatus, CaseState, ServiceMode, CancelReason). A value
# outside its set is a bug: the answer is refused rather than sent.


class CoverageDecision(StrEnum):
    """A repair request's decision; review (要審査, at intake only): the terms leave it to the provider's supervisor."""

    COVERED = "covered"
    NOT_COVERED = "not_covered"
    REVIEW = "review"  # 要審査: the terms leave the outcome to the provider (only at intake)


class CaseEventKind(StrEnum):
    """What a case's event records: the request, then the repair desk's progress."""

    REQUESTED = "requested"
    VISIT_SCHEDULED = "visit_scheduled"
    VISIT_DONE = "visit_done"
    ITEM_ARRIVED = "item_arrived"
    ESTIMATE = "estimate"
    REPAIRED = "repaired"
    SHIPPED = "shipped"
    REPLACED = "replaced"
    DIAGNOSIS = "diagnosis"  # the technician's findings
    REVIEW_DECIDED = "review_decided"  # a supervisor's decision
    DISPUTE_OPENED = "dispute_opened"  # 見解相違 (zest 第11条)
    THIRD_PARTY_OPINION = "third_party_opinion"
    DISPUTE_DECIDED = "dispute_decided"


class DeadlineKind(StrEnum):
    VISIT_BY = "visit_by"  # on-site: the technician's visit
    REPAIR_DUE = "repair_due"  # send-back: the repaired item shipped back


class EstimateOutcome(StrEnum):
    REPAIR = "repair"
    REPLACEMENT = "replacement"  # over the cap: a replacement instead (zest 第5条), which ends the contract
    UNREPAIRABLE = "unrepairable"


class NoticeChannel(StrEnum):
    EMAIL = "email"
    CALL = "call"  # a task on the call list
    POST = "post"  # a letter
    DESK = "desk"  # the repair desk


class NoticeState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker, under its lease
    SENT = "sent"
    FAILED = "failed"  # five tries failed: on the call list
    DONE = "done"  # a call or letter recorded


class ClosureSource(StrEnum):
    TERMS = "terms"  # the program's defaults
    SET = "set"  # set by the provider's staff


class RefundStatus(StrEnum):
    """A refund's payout (payouts.md); a transfer the bank returned waits for an account again."""

    AWAITING_ACCOUNT = "awaiting_account"
    READY = "ready"
    IN_BATCH = "in_batch"
    PAID = "paid"


class ImportState(StrEnum):
    """An import run's state; a run killed midway stays running (the same file again completes it)."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BatchStatus(StrEnum):
    CREATED = "created"
    CANCELLED = "cancelled"


class LedgerEntryKind(StrEnum):
    """An entry of the append-only refund ledger (payouts.md)."""

    OWED = "owed"
    ACCOUNT_GIVEN = "account_given"
    BATCHED = "batched"
    BATCH_CANCELLED = "batch_cancelled"
    PAID = "paid"
    RETURNED = "returned"


def one_of(words: type[StrEnum]) -> GetPydanticSchema:
    """A `str` field (callers pass plain strings) that holds one of `words`: validated and documented as the enum."""

    def schema(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return handler(words)

    return GetPydanticSchema(schema)


# The fields' types: str to their callers, the enum's member once validated, one named schema each in the OpenAPI.
ContractStatusWord = Annotated[str, one_of(Status)]
CaseStateWord = Annotated[str, one_of(CaseState)]
ServiceModeWord = Annotated[str, one_of(ServiceMode)]
CancelReasonWord = Annotated[str, one_of(CancelReason)]
DecisionWord = Annotated[str, one_of(CoverageDecision)]
CaseEventKindWord = Annotated[str, one_of(CaseEventKind)]
DeadlineKindWord = Annotated[str, one_of(DeadlineKind)]
EstimateOutcomeWord = Annotated[str, one_of(EstimateOutcome)]
ReviewStateWord = Annotated[str, one_of(ReviewState)]
DisputeStateWord = Annotated[str, one_of(DisputeState)]
NoticeChannelWord = Annotated[str, one_of(NoticeChannel)]
NoticeStateWord = Annotated[str, one_of(NoticeState)]
ClosureSourceWord = Annotated[str, one_of(ClosureSource)]
RefundStatusWord = Annotated[str, one_of(RefundStatus)]
ImportStateWord = Annotated[str, one_of(ImportState)]
BatchStatusWord = Annotated[str, one_of(BatchStatus)]
LedgerEntryKindWord = Annotated[str, one_of(LedgerEntryKind)]
NoticeKindWord = Annotated[str, one_of(NoticeKind)]


# The documented shapes of the free-form objects (their keys depend on the kind or action).
EVENT_DATA = {
    "type": "object",
    "description": "By kind: requested → `decision`; item_arrived → `repair_due`; estimate → `outcome`, `amount`, "
    "`replacement_limit`, `clauses`; any kind → `note` when one was given.",
    "properties": {
        "note": {"type": "string", "description": "The repair desk's note"},
        "decision": {"$ref": "#/components/schemas/CoverageDecision"},
        "repair_due": {"type": "string", "format": "date", "description": "The send-back repair deadline"},
        "outcome": {"$ref": "#/components/schemas/EstimateOutcome"},
        "amount": {"type": ["integer", "null"], "description": "The estimate, in yen"},
        "replacement_limit": {"type": ["integer", "null"], "description": "Above it: a replacement, in yen"},
        "clauses": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}
AUDIT_STATE = {
    "type": "object",
    "description": "For contract.* actions, the contract's audited state (never names, phones or addresses); for "
    "notice.call_recorded, the notice's `state` and `channel` (before) or `state` and `notice` kind (after); "
    "for calendar.* actions, the year's closure `ranges`.",
    "properties": {
        "status": {"$ref": "#/components/schemas/ContractStatus"},
        "plan": {"type": "string"},
        "terms": {"type": "string", "description": "program@effective date of the terms"},
        "coverage_start": {"type": ["string", "null"], "format": "date"},
        "coverage_end": {"type": ["string", "null"], "format": "date"},
        "paid_on": {"type": ["string", "null"], "format": "date"},
        "certificate_number": {"type": ["string", "null"]},
        "unreported_replacement": {"type": ["boolean", "null"]},
        "ended_on": {"type": ["string", "null"], "format": "date"},
        "refund": {"type": ["integer", "null"], "description": "In yen"},
        "cases": {"type": "integer", "description": "How many repair cases"},
        "state": {"type": "string"},
        "channel": {"type": "string"},
        "notice": {"type": "string"},
        "ranges": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}


# --- the pieces of a decision -------------------------------------------------------------------------------------


class ClauseText(Result):
    label: str
    text: str


class SkippedDay(Result):
    date: dt.date
    reason: str = Field(description="Why it is not counted: 土曜日, 日曜日, a holiday's name, a closure, 受付なし")


class DeadlineView(Result):
    """A deadline and how it was counted: `business_days` after `clock_start`, passing over `skipped`."""

    kind: DeadlineKindWord
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
    kind: CaseEventKindWord
    date: dt.date | None
    data: Annotated[dict[str, Any] | None, Field(json_schema_extra={"anyOf": [EVENT_DATA, {"type": "null"}]})]


class CaseView(Result):
    id: int
    contract_id: int
    number: int
    requested_at: JstDatetime
    received_on: dt.date
    cause: str
    covered: bool
    state: CaseStateWord
    visit_by: dt.date | None
    item_arrived_on: dt.date | None
    repair_due: dt.date | None
    estimate: int | None
    outcome: EstimateOutcomeWord | None
    review: ReviewStateWord | None = Field(default=None, description="pending (waits for a supervisor) or decided")
    dispute: DisputeStateWord | None = Field(default=None, description="open or closed (見解相違, zest 第11条)")
    item_serial: str | None = Field(default=None, description="The failed item's serial, when the request named one")
    events: list[CaseEventView]


class BoardCase(CaseView):
    program: str


class EstimateView(Result):
    outcome: EstimateOutcomeWord
    amount: int | None
    replacement_limit: int | None
    clauses: list[str]
    costs: list[CostView]


class CaseDecision(CaseView):
    """A case's decision after intake (diagnosis, review, dispute): what to tell the caller, and why."""

    decision: DecisionWord
    reasons: list[ReasonView]
    clauses: list[ClauseText]
    costs: list[CostView]
    contract_status: ContractStatusWord


class CaseProgress(CaseView):
    deadline: DeadlineView | None = None
    estimate_answer: EstimateView | None = Field(default=None, description="The rules' answer to an `estimate` event")


# --- contracts ----------------------------------------------------------------------------------------------------


class PlanRef(Result):
    id: str
    name: str
    service_mode: ServiceModeWord
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
    service_mode: ServiceModeWord | None


class ContractView(Result):
    id: int
    status: ContractStatusWord
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


class AuditCaseNote(Result):
    """What a case.* action after intake wrote on the case (diagnosis, review, dispute): its decision and the words
    people gave for it, which the contract's state does not carry."""

    number: int = Field(description="The case's number on the contract")
    decision: DecisionWord | None = None
    note: str | None = Field(
        default=None, description="The supervisor's reasoning, the dispute's text or the technician's note"
    )
    opinion: str | None = Field(default=None, description="The neutral third party's opinion (third_party_opinion)")
    reproduced: bool | None = Field(default=None, description="diagnosis: whether the fault reproduced")
    cause: str | None = Field(default=None, description="diagnosis: the cause the technician found")
    clauses: list[str] = Field(default_factory=list, description="The labels the decision cites")


class AuditEntry(Result):
    at: JstDatetime
    actor: str
    action: str = Field(description="contract.enrolled, contract.paid, …, case.requested, notice.call_recorded, …")
    before: Annotated[dict[str, Any] | None, Field(json_schema_extra={"anyOf": [AUDIT_STATE, {"type": "null"}]})]
    after: Annotated[dict[str, Any] | None, Field(json_schema_extra={"anyOf": [AUDIT_STATE, {"type": "null"}]})]
    case: AuditCaseNote | None = Field(
        default=None, description="case.diagnosis, case.review_decided, case.dispute_*, case.third_party_opinion"
    )


# --- repair decisions ---------------------------------------------------------------------------------------------


class Decision(Result):
    case_id: int | None = Field(description="None in a preview: nothing is stored")
    case_number: int
    decision: DecisionWord
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
    contract_status: ContractStatusWord


# --- refunds ------------------------------------------------------------------------------------------------------


class RefundBreakdown(Result):
    bracket: int = Field(description="Row of the refund table, from 1")
    bracket_ends: dt.date | None
    rate: str
    gross: int
    transfer_fee: int


class RefundPreview(Result):
    refund: int
    reason: CancelReasonWord
    cancelled_on: dt.date
    clauses: list[ClauseText]
    breakdown: RefundBreakdown | None


class Payout(Result):
    """The refund a cancellation opened, as it will be paid (payouts.md); none for 0 yen."""

    refund_id: int
    status: RefundStatusWord = Field(
        description="awaiting_account, or ready when an account came with the cancellation"
    )
    holder: str | None = Field(description="The 口座名義 as stored: half-width kana, as the Zengin file carries it")


class Cancellation(RefundPreview):
    status: ContractStatusWord
    payout: Payout | None = None


class ImportRun(Result):
    """One import of a retailer's file (import.md): what it did, or (dry run) what a real import would do."""

    id: int | None = Field(description="The run's record; none for a dry run")
    file_name: str
    sha256: str
    dry_run: bool
    state: ImportStateWord
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
