"""Repair requests: is it covered, which clauses say so, who pays what, and by which business day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from hosho.domain.calendar import BusinessCalendar, OutsideCalendar, Reception, receive
from hosho.domain.chronology import check_case_event, check_request_in_order, jst_day, record, record_case_event
from hosho.domain.contract import CaseState, Contract, DomainError, Equipment, RepairCase, ReviewState, Status
from hosho.domain.lifecycle import not_paid
from hosho.domain.program import CauseRule, CostLine, Payer, ServiceMode

REPAIR_CLAIM = "repair"


@dataclass(frozen=True, slots=True)
class RepairRequest:
    at: datetime
    cause: str
    country: str = "JP"
    needs_parts: bool = True
    part: str | None = None
    install_height_m: Decimal | None = None
    claim: str = REPAIR_CLAIM
    item: str | None = None  # the serial of the failed equipment item


@dataclass(frozen=True, slots=True)
class Reason:
    """One ground of the decision: the labels and, where the terms name no rule, the reasoning in Japanese."""

    key: str
    clauses: tuple[str, ...]
    reasoning: str = ""


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline with its derivation: counted from `clock_start` (the reception or arrival day), `business_days`
    business days on, passing over `skipped` (each day not counted, with its reason: 土曜日, a holiday, a closure)."""

    kind: str  # "visit_by" or "repair_due"
    due: date
    clock_start: date
    business_days: int
    clauses: tuple[str, ...]
    skipped: tuple[tuple[date, str], ...]


def _deadline(
    kind: str, clock_start: date, level_days: int, clauses: tuple[str, ...], calendar: BusinessCalendar
) -> Deadline:
    """The n-th business day after `clock_start`, with the days passed over, from the one calendar that counted."""
    due = calendar.add_business_days(clock_start, level_days)
    skipped = tuple(calendar.skipped_between(clock_start, due))
    return Deadline(kind, due, clock_start, level_days, clauses, skipped)


@dataclass(frozen=True, slots=True)
class RepairDecision:
    covered: bool
    reasons: tuple[Reason, ...]
    clauses: tuple[str, ...]
    reception: Reception
    deadline: Deadline | None
    costs: tuple[CostLine, ...]
    case_number: int
    version: str
    review: bool = False  # only grounds the terms leave to the provider's judgement: a supervisor decides

    @property
    def verdict(self) -> str:
        return "covered" if self.covered else "review" if self.review else "not_covered"

    @property
    def received_on(self) -> date:
        return self.reception.received_on

    @property
    def visit_by(self) -> date | None:
        return self.deadline.due if self.deadline and self.deadline.kind == "visit_by" else None


@dataclass(frozen=True, slots=True)
class ArrivalAnswer:
    deadline: Deadline
    clauses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EstimateAnswer:
    outcome: str  # "repair", "replacement" or "unrepairable" (no replacement rule in the terms)
    replacement_limit: int | None
    amount: int | None
    clauses: tuple[str, ...]
    costs: tuple[CostLine, ...]


def decide_repair(contract: Contract, request: RepairRequest, calendar: BusinessCalendar) -> RepairDecision:
    """Decide a repair request and open a case for it. Only an unpaid contract refuses the request outright."""
    terms = contract.terms
    if contract.status is Status.PENDING:
        raise not_paid(terms)
    rules = terms.requests
    cause_rule = terms.causes.get(request.cause)
    if cause_rule is None:
        raise DomainError("invalid_request", f"unknown cause {request.cause!r}", field="cause")
    if request.claim != REPAIR_CLAIM and request.claim not in rules.claims:
        raise DomainError("invalid_request", f"unknown claim {request.claim!r}", field="claim")
    # Judged on the status of its own day: not dated before the contract's latest event (domain.chronology).
    check_request_in_order(contract, jst_day(request.at, field="at"))
    mode = contract.plan.service_mode
    level = terms.sla.get(mode) if mode is ServiceMode.ONSITE else None
    try:
        reception = receive(request.at, terms.reception, calendar)
        visit_by = calendar.add_business_days(reception.received_on, level.business_days) if level else None
    except OutsideCalendar as error:  # a request dated beyond the holiday years the calendar knows
        raise DomainError("invalid_request", str(error), field="at") from None
    requested_on = reception.requested_at.date()
    contract.refresh(requested_on)
    item = _item(contract, request.item)

    reasons = _grounds(contract, request, requested_on, cause_rule, item)
    above = _above_height(contract, request)
    island, onsite = contract.site.remote_island, contract.maker_onsite_repair
    deadline = None
    # Grounds the terms leave to the provider (「対象とならない場合がある」) make the answer `review`, unless another
    # ground takes the request out of cover anyway.
    review = bool(reasons) and all(reason.key in rules.review for reason in reasons)
    if reasons:
        covered = False
        # Outside the plan everything is the subscriber's; only lines quoting separately still matter.
        costs = tuple(
            line
            for line in terms.cost_lines_for(
                mode=mode, remote_island=island, maker_onsite_repair=onsite, above_height=above
            )
            if line.payer is Payer.QUOTED_SEPARATELY
        )
        labels = [label for reason in reasons for label in reason.clauses]
        labels += [label for line in costs for label in line.clauses]
        clauses = tuple(dict.fromkeys(labels))
    else:
        covered = True
        reasons, clauses, costs = _covered_answer(contract, request.cause, cause_rule, above)
        if level is not None and visit_by is not None:
            # The days passed over are listed for a deadline that is given, that is for a covered request.
            skipped = tuple(calendar.skipped_between(reception.received_on, visit_by))
            deadline = Deadline(
                "visit_by", visit_by, reception.received_on, level.business_days, level.clauses, skipped
            )

    case = RepairCase(
        number=len(contract.cases) + 1,
        received_on=reception.received_on,
        covered=covered,
        visit_by=deadline.due if deadline else None,
        item=item.serial if item else None,
    )
    if review:
        case.state, case.review = CaseState.REVIEW, ReviewState.PENDING
    elif not covered:
        case.state = CaseState.CLOSED
    contract.cases.append(case)
    record_case_event(contract, case, requested_on)
    return RepairDecision(
        covered=covered,
        reasons=reasons,
        clauses=clauses,
        reception=reception,
        deadline=deadline,
        costs=costs,
        case_number=case.number,
        version=terms.version,
        review=review,
    )


def _item(contract: Contract, serial: str | None) -> Equipment | None:
    """The failed item a request names, by its serial as the contract lists it."""
    if serial is None:
        return None
    wanted = serial.strip()
    for item in contract.equipment:
        if item.serial.strip() == wanted:
            return item
    raise DomainError("invalid_request", f"the contract lists no item with serial {serial!r}", field="item")


def _covered_answer(
    contract: Contract, cause: str, cause_rule: CauseRule, above: bool
) -> tuple[tuple[Reason, ...], tuple[str, ...], tuple[CostLine, ...]]:
    """What a covered answer cites depends only on the version, the cause and the site: computed once."""
    terms = contract.terms
    mode = contract.plan.service_mode
    island, onsite = contract.site.remote_island, contract.maker_onsite_repair
    key = ("covered", cause, mode, island, onsite, above)
    found = terms.memo.get(key)
    if found is None:
        reasons = (Reason("covered", terms.requests.covered_clauses + cause_rule.clauses, cause_rule.reasoning),)
        costs = terms.cost_lines_for(mode=mode, remote_island=island, maker_onsite_repair=onsite, above_height=above)
        labels = [*reasons[0].clauses, *terms.reception_clauses]
        level = terms.sla.get(mode)
        if level is not None:
            labels += level.clauses
        labels += [label for line in costs for label in line.clauses]
        found = terms.memo[key] = (reasons, tuple(dict.fromkeys(labels)), costs)
    return found  # type: ignore[return-value]


def _grounds(
    contract: Contract, request: RepairRequest, requested_on: date, cause_rule: CauseRule, item: Equipment | None
) -> tuple[Reason, ...]:
    """Every ground that takes the request out of cover, in the order an agent would explain them."""
    rules = contract.terms.requests
    grounds: list[Reason] = []
    status_grounds = {
        Status.ENDED: ("ended", rules.ended),
        Status.CANCELLED: ("cancelled", rules.cancelled),
        Status.TRANSFERRED: ("transferred", rules.transferred),
    }
    if contract.status in status_grounds:
        key, clauses = status_grounds[contract.status]
        grounds.append(Reason(key, clauses))
    if requested_on < contract.coverage_start:
        grounds.append(Reason("before_coverage", rules.before_coverage))
    if requested_on > contract.coverage_end:
        grounds.append(Reason("after_coverage", rules.after_coverage))
    if request.country != "JP":
        grounds.append(Reason("abroad", rules.abroad))
    if contract.unreported_replacement and rules.unreported_replacement:
        grounds.append(Reason("unreported_replacement", rules.unreported_replacement))
    if request.claim != REPAIR_CLAIM:
        grounds.append(Reason(f"claim:{request.claim}", rules.claims[request.claim], rules.claims_reasoning))
    if not cause_rule.covered:
        grounds.append(Reason(f"cause:{request.cause}", cause_rule.clauses, cause_rule.reasoning))
    elif not request.needs_parts and rules.no_parts_needed:
        grounds.append(Reason("no_parts_needed", rules.no_parts_needed))
    if request.part is not None and request.part in rules.excluded_parts and _part_excluded(contract, request, item):
        grounds.append(Reason(f"part:{request.part}", rules.excluded_parts[request.part]))
    if _above_height(contract, request):
        grounds.append(Reason("above_height", rules.height_clauses))
    return tuple(grounds)


def _part_excluded(contract: Contract, request: RepairRequest, item: Equipment | None) -> bool:
    """ipro 一部レコーダーのSDカードは対象外: a named item that is not a recorder keeps its card covered. Without a
    named item the exclusion applies, as the terms state it."""
    if request.part not in contract.terms.requests.recorders_only_parts or item is None:
        return True
    kind = contract.terms.equipment_kinds.get(item.kind)
    return kind is not None and kind.recorder


def _above_height(contract: Contract, request: RepairRequest) -> bool:
    limit = contract.terms.requests.max_install_height_m
    return limit is not None and request.install_height_m is not None and request.install_height_m > limit


def record_arrival(
    contract: Contract, *, item_on: date, check_sheet_on: date, calendar: BusinessCalendar
) -> ArrivalAnswer:
    """Send-back: due on the n-th business day after the later of the item and the check sheet arrived."""
    level = contract.terms.sla.get(ServiceMode.SENDBACK)
    if contract.plan.service_mode is not ServiceMode.SENDBACK or level is None:
        raise DomainError("not_applicable", "only send-back plans receive items for repair", field="plan")
    case = contract.open_case()
    if case is None:
        raise DomainError("no_open_case", "no covered repair request is open for this contract")
    check_case_event(contract, case, item_on, field="date")
    check_case_event(contract, case, check_sheet_on, field="check_sheet_date")
    clock = max(item_on, check_sheet_on)
    try:
        deadline = _deadline("repair_due", clock, level.business_days, level.clauses, calendar)
    except OutsideCalendar as error:
        raise DomainError(
            "invalid_request", str(error), field="date" if clock == item_on else "check_sheet_date"
        ) from None
    case.item_arrived_on = clock
    case.repair_due = deadline.due
    record_case_event(contract, case, clock)
    return ArrivalAnswer(deadline, level.clauses)


def record_estimate(
    contract: Contract, *, amount: int | None, repairable: bool = True, on: date | None = None
) -> EstimateAnswer:
    """zest 第5条: a price over the cap (equal is not over) or no repair possible → replacement; cover ends."""
    case = contract.open_case()
    if case is None:
        raise DomainError("no_open_case", "no covered repair request is open for this contract")
    if amount is not None and amount < 0:
        raise DomainError("invalid_request", "amount must not be negative", field="amount")
    if amount is None and repairable:
        raise DomainError("invalid_request", "give an amount or repairable: false", field="amount")
    day = on or case.received_on
    check_case_event(contract, case, day)
    record_case_event(contract, case, day)
    terms = contract.terms
    cap_rule = terms.cap
    covered_labels = terms.requests.covered_clauses
    if cap_rule is None or contract.repair_cap is None:
        case.estimate = amount
        if not repairable:
            return EstimateAnswer("unrepairable", None, amount, covered_labels, ())
        return EstimateAnswer("repair", None, amount, covered_labels, ())
    limit = contract.repair_cap
    case.estimate = amount
    if repairable and amount is not None and amount <= limit:
        return EstimateAnswer("repair", limit, amount, cap_rule.clauses, ())
    case.state = CaseState.REPLACED
    contract.status = Status.ENDED
    contract.ended_on = day
    record(contract, day)
    costs = terms.replacement_cost_lines(mode=contract.plan.service_mode, remote_island=contract.site.remote_island)
    labels = cap_rule.clauses + cap_rule.ends_contract_clauses + tuple(c for line in costs for c in line.clauses)
    return EstimateAnswer("replacement", limit, amount, tuple(dict.fromkeys(labels)), costs)


def record_progress(contract: Contract, case_number: int, on: date) -> None:
    """A case's progress the rules do not decide (a visit, the repair done, the item shipped): dated in order."""
    case = next((case for case in contract.cases if case.number == case_number), None)
    if case is None:
        raise DomainError("no_open_case", f"the contract has no case {case_number}")
    check_case_event(contract, case, on)
    record_case_event(contract, case, on)
