"""The file formats of a program: program.yaml, <version>/terms.yaml and <version>/rules.yaml.

Every model forbids unknown keys; dates must be ISO (YYYY-MM-DD); money and counts must be whole numbers.
Every field that names a clause is typed `Label` (or `Labels`): the loader finds label references through the
schema (`label_refs`), at any depth, and refuses any label the version's terms.yaml does not define.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

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


class LabelRef:
    """Marks a text field as the label of a clause (第6条(12), サービス内容に含まれない項目(11), …)."""

    def __repr__(self) -> str:
        return "LabelRef()"


LABEL = LabelRef()
Label = Annotated[str, Field(strict=True, min_length=1), LABEL]
Labels = list[Label]
# An equipment kind's id is stored with each contract's items (a 20-character column).
KindId = Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]{0,19}$")]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CallCenterIn(Strict):
    """The provider's call center, printed on the 加入者証: a setting the provider edits, not part of the terms."""

    name: Text
    # A number in Japan, written with hyphens (0120-123-456, 03-1234-5678); unset, no certificate is printed.
    phone: Annotated[str, Field(pattern=r"^0\d{1,4}-\d{1,4}-\d{3,4}$")] | None = None
    hours: Text
    fictitious: bool = False  # demo data: the certificate prints 「(架空の番号)」 after it


class DatesIn(Strict):
    earliest: IsoDate
    latest: IsoDate
    years_after_purchase: Positive

    @model_validator(mode="after")
    def _ordered(self) -> DatesIn:
        if self.latest <= self.earliest:
            raise ValueError("latest must be after earliest")
        return self


class ProgramFile(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")]
    name: Text
    provider: Text
    source: Text
    call_center: CallCenterIn
    versions: Annotated[list[IsoDate], Field(min_length=1)]
    dates: DatesIn


class ClauseIn(Strict):
    label: Label
    parent: Label | None = None
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
    # The weekdays that are business days (national holidays and closures aside); Monday to Friday by default.
    working_weekdays: Annotated[list[Weekday], Field(min_length=1)] = ["mon", "tue", "wed", "thu", "fri"]
    reception: dict[Weekday, list[Annotated[str, Field(pattern=WINDOW.pattern)]]]
    reception_clauses: Labels = []
    closures: list[ClosureIn] = []
    by_year: dict[int, list[str]] = {}


class LevelIn(Strict):
    business_days: Positive
    clauses: Labels


ReviewGround = Literal[
    "cancelled",
    "ended",
    "transferred",
    "before_coverage",
    "after_coverage",
    "abroad",
    "unreported_replacement",
    "no_parts_needed",
    "above_height",
]


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
    # Grounds the terms leave to the provider's judgement (「対象とならない場合がある」): `review`, not `not_covered`.
    review: list[ReviewGround] = []
    # Parts whose exclusion concerns recorders' items only (ipro: 一部レコーダーのSDカードは対象外).
    recorders_only_parts: list[str] = []
    # The cause whose rule a technician's "not reproduced" finding applies (zest 第6条(18)).
    not_reproduced_cause: str = "not_reproducible"
    # 見解相違 (zest 第11条): a not-covered case may be disputed; the labels, or the reasoning where none.
    dispute_clauses: Labels = []
    dispute_reasoning: str = ""


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
    title: Text  # 保守パック加入者証, 延長保証加入者証, …
    key_clauses: Annotated[Labels, Field(min_length=1)]


class EquipmentKindIn(Strict):
    name: Text  # Japanese, as the certificate and the console show it
    # Whole-system contracts need at least one item of every role some kind has (ipro: cameras and a recorder).
    system_role: KindId | None = None
    recorder: bool = False  # a recorder: ipro's SD-card exclusion concerns recorders' cards only


class RulesFile(Strict):
    certificate: CertificateIn
    equipment_kinds: Annotated[dict[KindId, EquipmentKindIn], Field(min_length=1)]
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


Location = tuple[str | int, ...]
ANY = "*"  # any index of a list or key of a map, in `label_fields`


def label_refs(model: BaseModel, location: Location = ()) -> Iterator[tuple[Location, str]]:
    """Every `Label` value in a validated file, with its location (keys and indexes as in the YAML)."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        yield from _refs(value, info.annotation, tuple(info.metadata), (*location, info.alias or name))


def _refs(value: Any, annotation: Any, metadata: tuple[Any, ...], location: Location) -> Iterator[tuple[Location, str]]:
    if value is None:
        return
    annotation, metadata = _unwrap(annotation, metadata)
    if any(isinstance(item, LabelRef) for item in metadata):
        yield location, value
        return
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        # Only `X | None` occurs in these files: the one other option is the value's type.
        for option in get_args(annotation):
            if option is not type(None):
                yield from _refs(value, option, (), location)
    elif isinstance(value, BaseModel):
        yield from label_refs(value, location)
    elif origin is list and isinstance(value, list):
        (item_type,) = get_args(annotation)
        for index, item in enumerate(value):
            yield from _refs(item, item_type, (), (*location, index))
    elif origin is dict and isinstance(value, dict):
        _key_type, value_type = get_args(annotation)
        for key, item in value.items():
            yield from _refs(item, value_type, (), (*location, str(key)))


def label_fields(model: type[BaseModel], location: Location = ()) -> set[Location]:
    """Where a file of this model may hold labels, `ANY` standing for list indexes and map keys."""
    found: set[Location] = set()
    for name, info in model.model_fields.items():
        found |= _fields(info.annotation, tuple(info.metadata), (*location, info.alias or name))
    return found


def _fields(annotation: Any, metadata: tuple[Any, ...], location: Location) -> set[Location]:
    annotation, metadata = _unwrap(annotation, metadata)
    if any(isinstance(item, LabelRef) for item in metadata):
        return {location}
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return {found for option in get_args(annotation) for found in _fields(option, (), location)}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return label_fields(annotation, location)
    if origin is list:
        return _fields(get_args(annotation)[0], (), (*location, ANY))
    if origin is dict:
        return _fields(get_args(annotation)[1], (), (*location, ANY))
    return set()


def _unwrap(annotation: Any, metadata: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
    while get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        metadata = (*metadata, *extra)
    return annotation, metadata
