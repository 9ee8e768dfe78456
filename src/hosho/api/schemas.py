"""What the REST API answers that the service does not: problems, health, the programs' documents.

Request bodies are the service's commands (service/commands.py), answers its results (service/results.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from hosho.service.results import ServiceModeWord

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
    title: str = Field(description="The code's sentence, in Japanese or, with `Accept-Language: en`, English")
    status: int
    detail: str = Field(description="The same with this refusal's specifics: its dates or status, field and clauses")
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
    service_mode: ServiceModeWord
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


class EquipmentKindOut(BaseModel):
    kind: str
    name_ja: str
    system_role: str | None = Field(description="A whole system needs an item of every role some kind has")
    recorder: bool


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
    equipment_kinds: list[EquipmentKindOut]
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
