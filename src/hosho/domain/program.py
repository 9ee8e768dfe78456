"""A program version: its clauses and the parameters the engine reads. Built by the loader, never by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from hosho.domain.calendar import Closures, ReceptionHours
from hosho.domain.money import Rate


class ServiceMode(StrEnum):
    ONSITE = "onsite"  # a technician visits (オンサイト)
    SENDBACK = "sendback"  # the item is sent in and shipped back (持ち込み/センドバック)
    MAKER = "maker"  # as the maker's own warranty service does it (延長保証: 出張修理対象商品なら出張)


class CoverageStart(StrEnum):
    PURCHASE_DATE = "purchase_date"  # ipro: サービス期間はハードウェア購入日から
    AFTER_MANUFACTURER_WARRANTY = "after_manufacturer_warranty"  # zest 第2条第1項


class Payer(StrEnum):
    PROVIDER = "provider"  # paid by the provider under the plan
    SUBSCRIBER = "subscriber"  # the subscriber pays
    QUOTED_SEPARATELY = "quoted_separately"  # 別途お見積り
    NOT_PROVIDED = "not_provided"  # not part of the service at all


@dataclass(frozen=True, slots=True)
class Clause:
    label: str
    parent: str | None
    title: str | None
    text: str | None
    text_by_mode: Mapping[str, str] = field(default_factory=dict)

    def text_for(self, mode: str | None = None) -> str:
        if mode is not None and mode in self.text_by_mode:
            return self.text_by_mode[mode]
        if self.text:
            return self.text
        if self.text_by_mode:
            return " / ".join(self.text_by_mode.values())
        return self.title or ""


@dataclass(frozen=True, slots=True)
class EquipmentKind:
    """A kind of item a contract may list (camera, recorder, …), as the program defines it."""

    id: str
    name: str  # Japanese, as the certificate and the console show it
    system_role: str | None  # whole-system contracts need an item of every role (ipro その他の留意事項(5))
    recorder: bool  # ipro: 一部レコーダーのSDカードは対象外 concerns recorders' cards only


@dataclass(frozen=True, slots=True)
class Plan:
    id: str
    name: str
    service_mode: ServiceMode
    term_years: int
    consumable_replacements: int
    refund_rates: tuple[Rate, ...]  # one per bracket of CancellationRule.bracket_years, then the rest
    maker_onsite_repair: bool  # zest: the product is one the maker repairs on site (出張修理対象商品)
    clauses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CauseRule:
    covered: bool
    clauses: tuple[str, ...]
    reasoning: str  # Japanese; why, in the agent's words


@dataclass(frozen=True, slots=True)
class Condition:
    """When a cost line applies. None means "either way"."""

    modes: frozenset[ServiceMode] | None = None
    remote_island: bool | None = None
    maker_onsite_repair: bool | None = None
    above_height: bool | None = None


@dataclass(frozen=True, slots=True)
class CostLine:
    item: str
    payer: Payer
    clauses: tuple[str, ...]
    when: Condition = Condition()
    note: str = ""


@dataclass(frozen=True, slots=True)
class CoverageRule:
    start: CoverageStart
    default_manufacturer_warranty_months: int
    clauses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EnrollmentRule:
    window_months_after_operation_start: int | None
    window_clauses: tuple[str, ...]
    whole_system_required: bool
    whole_system_clauses: tuple[str, ...]
    countries: frozenset[str]
    remote_islands_excluded: bool
    area_clauses: tuple[str, ...]
    requires_purchase_price: bool
    requires_operation_start: bool
    certificate_clauses: tuple[str, ...]
    version_clauses: tuple[str, ...]  # the clause that lets the provider change terms (why versions exist)


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """A target (目安), not a promise: the n-th business day after the clock starts."""

    business_days: int
    clauses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RequestRule:
    """Why a request is not covered besides its cause; each entry names its labels (empty: not a rule here)."""

    cancelled: tuple[str, ...]
    ended: tuple[str, ...]
    transferred: tuple[str, ...]
    before_coverage: tuple[str, ...]
    after_coverage: tuple[str, ...]
    abroad: tuple[str, ...]
    unreported_replacement: tuple[str, ...]
    no_parts_needed: tuple[str, ...]  # zest 第6条(5): no part replaced, only adjustment
    excluded_parts: Mapping[str, tuple[str, ...]]
    max_install_height_m: int | None
    height_clauses: tuple[str, ...]
    claims: Mapping[str, tuple[str, ...]]  # indirect-damage claims and the labels refusing them
    claims_reasoning: str
    covered_clauses: tuple[str, ...]
    review: frozenset[str] = frozenset()  # grounds left to the provider's judgement: the answer is `review`
    recorders_only_parts: frozenset[str] = frozenset()  # excluded only on a recorder (ipro's SD cards)
    not_reproduced_cause: str = "not_reproducible"
    dispute_clauses: tuple[str, ...] = ()  # zest 第11条 見解相違
    dispute_reasoning: str = ""


@dataclass(frozen=True, slots=True)
class CapRule:
    """zest 第5条: over the cap (equal is not over) or not repairable → replacement up to the cap; cover ends."""

    clauses: tuple[str, ...]
    ends_contract_clauses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CancellationRule:
    refunds_allowed: bool
    no_refund_clauses: tuple[str, ...]
    bracket_years: tuple[int, ...]  # upper bounds of the brackets, 初日不算入 from the purchase date
    customer_clauses: tuple[str, ...]
    rescission_clauses: tuple[str, ...]
    rescission_no_refund_clauses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConsumableRule:
    around_years: int
    clauses: tuple[str, ...]
    notice: str


class NoticeKind(StrEnum):
    """The notices Hosho produces because a date arrives (notices.md)."""

    CERTIFICATE = "certificate"  # to the subscriber, on the day the fee is recorded (zest 第1条)
    CONSUMABLE_REPLACEMENT = "consumable_replacement"  # to the subscriber, before the replacement's date
    COVERAGE_ENDING = "coverage_ending"  # to the subscriber, before coverage_end
    SLA_BREACH = "sla_breach"  # to the repair desk, after visit_by or repair_due passed with the case open


@dataclass(frozen=True, slots=True)
class NoticeRules:
    """When each notice is produced, in days from the date it is about, and the clauses it rests on."""

    certificate_clauses: tuple[str, ...] = ()
    consumable_days_before: int = 90
    consumable_clauses: tuple[str, ...] = ()
    coverage_ending_days_before: int = 30
    coverage_ending_clauses: tuple[str, ...] = ()
    sla_breach_days_after: int = 1
    sla_breach_clauses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangeRule:
    fields: frozenset[str]
    clauses: tuple[str, ...]
    transfer_clauses: tuple[str, ...]
    maker_replacement_clauses: tuple[str, ...]
    unreported_replacement_clauses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CallCenter:
    """The provider's call center as the 加入者証 prints it; without a phone number no certificate is printed."""

    name: str
    phone: str | None
    hours: str
    fictitious: bool = False  # a demo number, printed with 「(架空の番号)」


@dataclass(frozen=True, slots=True)
class DateBounds:
    """The dates a contract of this program can hold (program.yaml `dates:`): outside them, a date is a mistake.

    No purchase, application or event before `earliest` or after `latest`; no application, operation start or event
    later than `years_after_purchase` years after the purchase (the longest cover and the maker's warranty, with a
    margin for late cancellations and repairs).
    """

    earliest: date
    latest: date
    years_after_purchase: int


@dataclass(frozen=True, slots=True)
class ProgramVersion:
    program_id: str
    name: str
    provider: str
    effective_from: date
    source: str
    clauses: Mapping[str, Clause]
    plans: Mapping[str, Plan]
    coverage: CoverageRule
    enrollment: EnrollmentRule
    reception: ReceptionHours
    reception_clauses: tuple[str, ...]
    closures: Closures
    sla: Mapping[ServiceMode, ServiceLevel]
    causes: Mapping[str, CauseRule]
    requests: RequestRule
    costs: tuple[CostLine, ...]
    replacement_costs: tuple[CostLine, ...]
    cap: CapRule | None
    cancellation: CancellationRule
    consumables: ConsumableRule | None
    changes: ChangeRule
    call_center: CallCenter
    certificate_title: str  # 保守パック加入者証, 延長保証加入者証, …
    certificate_clauses: tuple[str, ...]  # printed on the 加入者証 as 主な約款
    equipment_kinds: Mapping[str, EquipmentKind]
    dates: DateBounds
    notices: NoticeRules = NoticeRules()
    version: str = field(init=False)
    # Answers that depend only on this version's data, computed once (decisions run in bulk).
    memo: dict[object, object] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "version", f"{self.program_id}@{self.effective_from.isoformat()}")

    @property
    def system_roles(self) -> tuple[str, ...]:
        """The roles a whole system is made of, in the order the program lists its kinds."""
        roles = (kind.system_role for kind in self.equipment_kinds.values() if kind.system_role is not None)
        return tuple(dict.fromkeys(roles))

    def kind_name(self, kind: str) -> str:
        """The Japanese name of an equipment kind (the id itself for a kind this version does not define)."""
        found = self.equipment_kinds.get(kind)
        return found.name if found is not None else kind

    def cost_lines_for(
        self, *, mode: ServiceMode, remote_island: bool, maker_onsite_repair: bool, above_height: bool
    ) -> tuple[CostLine, ...]:
        key = ("costs", mode, remote_island, maker_onsite_repair, above_height)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = tuple(
                line for line in self.costs if _holds(line.when, mode, remote_island, maker_onsite_repair, above_height)
            )
        return found  # type: ignore[return-value]

    def replacement_cost_lines(self, *, mode: ServiceMode, remote_island: bool) -> tuple[CostLine, ...]:
        return tuple(line for line in self.replacement_costs if _holds(line.when, mode, remote_island, False, False))


def _holds(when: Condition, mode: ServiceMode, island: bool, maker_onsite: bool, above: bool) -> bool:
    return (
        (when.modes is None or mode in when.modes)
        and (when.remote_island is None or when.remote_island == island)
        and (when.maker_onsite_repair is None or when.maker_onsite_repair == maker_onsite)
        and (when.above_height is None or when.above_height == above)
    )


@dataclass(frozen=True, slots=True)
class Program:
    """All versions of one program, newest last."""

    id: str
    versions: tuple[ProgramVersion, ...]

    def version_on(self, day: date) -> ProgramVersion:
        """The version in force on `day`; before the first known version, the first (its date is a lower bound
        of what the seed tells, not a start of sales)."""
        chosen = self.versions[0]
        for version in self.versions:
            if version.effective_from <= day:
                chosen = version
        return chosen
