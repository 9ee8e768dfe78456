"""The file formats of a program: program.yaml, <version>/terms.yaml and <version>/rules.yaml.

Every model forbids unknown keys; dates must be ISO (YYYY-MM-DD); money and counts must be whole numbers.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from hosho.domain.program import CoverageStart, Payer, ServiceMode


def _iso_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"must be a date written YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date of the calendar") from None


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Count = Annotated[int, Field(strict=True, ge=0)]
Positive = Annotated[int, Field(strict=True, ge=1)]
Text = Annotated[str, Field(strict=True, min_length=1)]
Labels = list[Text]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProgramFile(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    name: Text
    provider: Text
    source: Text
    versions: Annotated[list[IsoDate], Field(min_length=1)]


class ClauseIn(Strict):
    label: Text
    parent: Text | None = None
    title: Text | None = None
    text: Text | None = None
    text_by_mode: dict[Literal["onsite", "sendback"], Text] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _has_content(self) -> ClauseIn:
        if not (self.text or self.title or self.text_by_mode):
            raise ValueError("a clause needs text, text_by_mode or title")
        return self


class TermsFile(Strict):
    clauses: Annotated[list[ClauseIn], Field(min_length=1)]


class CallCenterIn(Strict):
    name: Text
    phone: Text
    hours: Text


class PlanIn(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: Text
    service_mode: ServiceMode
    term_years: Positive
    consumable_replacements: Count = 0
    refund_rates: list[Annotated[str, Field(pattern=r"^\d+(\.\d+)?%$")]] = []
    maker_onsite_repair: bool = False
    clauses: Labels


class CoverageIn(Strict):
    start: CoverageStart
    default_manufacturer_warranty_months: Count = 12
    clauses: Labels


class EnrollmentIn(Strict):
    window_months_after_operation_start: Positive | None = None
    window_clauses: Labels = []
    whole_system_required: bool = False
    whole_system_clauses: Labels = []
    countries: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = []  # empty: any country
    remote_islands_excluded: bool = False
    area_clauses: Labels = []
    requires_purchase_price: bool = False
    requires_operation_start: bool = False
    certificate_clauses: Labels
    version_clauses: Labels = []


class ClosureIn(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    name: Text
    start: Annotated[str, Field(alias="from", pattern=MONTH_DAY.pattern)]
    end: Annotated[str, Field(alias="to", pattern=MONTH_DAY.pattern)]


class CalendarIn(Strict):
    reception: dict[Weekday, list[Annotated[str, Field(pattern=WINDOW.pattern)]]]
    reception_clauses: Labels = []
    closures: list[ClosureIn] = []
    by_year: dict[int, list[str]] = {}


class LevelIn(Strict):
    business_days: Positive
    clauses: Labels


class RequestsIn(Strict):
    covered: Labels
    cancelled: Labels
    ended: Labels
    transferred: Labels
    before_coverage: Labels
    after_coverage: Labels
    abroad: Labels
    unreported_replacement: Labels = []
    no_parts_needed: Labels = []
    excluded_parts: dict[str, Labels] = {}
    max_install_height_m: Count | None = None
    height_clauses: Labels = []
    claims: dict[str, Labels]
    claims_reasoning: str = ""


class CauseIn(Strict):
    covered: bool
    clauses: Labels
    reasoning: str = ""


class WhenIn(Strict):
    modes: list[ServiceMode] | None = None
    remote_island: bool | None = None
    maker_onsite_repair: bool | None = None
    above_height: bool | None = None


class CostIn(Strict):
    item: Text
    payer: Payer
    clauses: Annotated[Labels, Field(min_length=1)]
    when: WhenIn = WhenIn()
    note: str = ""


class CapIn(Strict):
    clauses: Labels
    ends_contract_clauses: Labels


class CancellationIn(Strict):
    refunds_allowed: bool
    no_refund_clauses: Labels = []
    bracket_years: list[Positive] = []
    customer_clauses: Labels = []
    rescission_clauses: Labels = []
    rescission_no_refund_clauses: Labels = []


class ConsumablesIn(Strict):
    around_years: Positive
    clauses: Labels
    notice: Text


class ConsumableNoticeIn(Strict):
    days_before: Annotated[int, Field(strict=True, ge=0, le=365)] = 90
    clauses: Labels = []


class CoverageEndingNoticeIn(Strict):
    days_before: Annotated[int, Field(strict=True, ge=0, le=365)] = 30
    clauses: Labels = []


class SlaBreachNoticeIn(Strict):
    days_after: Annotated[int, Field(strict=True, ge=1, le=30)] = 1
    clauses: Labels = []


class CertificateNoticeIn(Strict):
    clauses: Labels = []


class NoticesIn(Strict):
    """When each notice of notices.md is produced; a program that leaves one out gets the spec's default."""

    certificate: CertificateNoticeIn = CertificateNoticeIn()
    consumable_replacement: ConsumableNoticeIn = ConsumableNoticeIn()
    coverage_ending: CoverageEndingNoticeIn = CoverageEndingNoticeIn()
    sla_breach: SlaBreachNoticeIn = SlaBreachNoticeIn()


class ChangesIn(Strict):
    fields: list[Text]
    clauses: Labels = []
    transfer_clauses: Labels
    maker_replacement_clauses: Labels = []
    unreported_replacement_clauses: Labels = []


class CertificateIn(Strict):
    key_clauses: Annotated[Labels, Field(min_length=1)]


class RulesFile(Strict):
    call_center: CallCenterIn
    certificate: CertificateIn
    plans: Annotated[list[PlanIn], Field(min_length=1)]
    coverage: CoverageIn
    enrollment: EnrollmentIn
    calendar: CalendarIn
    service_levels: dict[ServiceMode, LevelIn] = {}
    requests: RequestsIn
    causes: dict[str, CauseIn]
    costs: list[CostIn]
    replacement_costs: list[CostIn] = []
    cap: CapIn | None = None
    cancellation: CancellationIn
    consumables: ConsumablesIn | None = None
    changes: ChangesIn
    notices: NoticesIn = NoticesIn()


class VocabularyFile(Strict):
    causes: dict[str, Text]
    parts: dict[str, Text]
    claims: dict[str, Text]
    cost_items: dict[str, Text]
    payers: dict[Payer, Text]
