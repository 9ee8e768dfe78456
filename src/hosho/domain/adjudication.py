"""After intake: the technician's findings, a supervisor's review, and disputes (見解相違).

The intake decision is provisional. `diagnose` records what the technician found (on the visit, or once a
send-back item has arrived): a fault that does not reproduce or a cause the terms exclude takes the case out of
cover with that clause. `decide_review` records a supervisor's decision on a ground the terms leave to the
provider (zest 第4条第1項(2)). A not-covered case may be disputed (zest 第11条): the dispute, the neutral third
party's opinion and the final decision are dated on the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hosho.domain.calendar import BusinessCalendar, OutsideCalendar
from hosho.domain.chronology import check_case_event, record_case_event
from hosho.domain.contract import CaseState, Contract, DisputeState, DomainError, RepairCase, ReviewState
from hosho.domain.program import CostLine, Payer, ServiceMode
from hosho.domain.repairs import Reason

COVERED, NOT_COVERED = "covered", "not_covered"
# A case whose repair is done or under way to its end: what the technician found can no longer change it.
FINISHED = frozenset({CaseState.REPAIRED, CaseState.REPLACED})


@dataclass(frozen=True, slots=True)
class Finding:
    on: date
    reproduced: bool = True
    cause: str | None = None  # the cause the technician found


@dataclass(frozen=True, slots=True)
class Verdict:
    """A case's decision after intake, with its grounds, the labels it cites and the cost lines that now apply."""

    decision: str  # "covered" or "not_covered"
    reasons: tuple[Reason, ...]
    clauses: tuple[str, ...]
    costs: tuple[CostLine, ...]
    visit_by: date | None = None


def find_case(contract: Contract, number: int) -> RepairCase:
    case = next((case for case in contract.cases if case.number == number), None)
    if case is None:
        raise DomainError("no_open_case", f"the contract has no case {number}")
    return case


def diagnose(contract: Contract, number: int, finding: Finding) -> Verdict:
    """What the technician found decides the case: 第6条(18) when it does not reproduce, the cause's rule else."""
    terms = contract.terms
    case = find_case(contract, number)
    if case.state in FINISHED or (case.covered and case.state is CaseState.CLOSED):
        raise DomainError("case_already_repaired", "the repair is done: a diagnosis can no longer change the case")
    if not case.covered:
        raise DomainError("no_open_case", "this request is not covered (or waits for review): nothing to diagnose")
    if contract.plan.service_mode is ServiceMode.SENDBACK and case.item_arrived_on is None:
        raise DomainError("item_not_arrived", "a send-back item is diagnosed once it has arrived", field="date")
    rules = terms.requests
    cause = rules.not_reproduced_cause if not finding.reproduced else finding.cause
    rule = terms.causes.get(cause) if cause is not None else None
    if cause is not None and rule is None:
        raise DomainError("invalid_request", f"unknown cause {cause!r}", field="cause")
    check_case_event(contract, case, finding.on)
    record_case_event(contract, case, finding.on)
    if rule is None or rule.covered:
        labels = rules.covered_clauses + (rule.clauses if rule else ())
        reasons = (Reason("covered", labels, rule.reasoning if rule else ""),)
        costs = _covered_costs(contract)
        return Verdict(COVERED, reasons, _cited(labels, costs), costs, case.visit_by)
    key = "not_reproduced" if not finding.reproduced else f"cause:{cause}"
    reasons = (Reason(key, rule.clauses, rule.reasoning),)
    case.covered, case.state = False, CaseState.CLOSED
    costs = _uncovered_costs(contract)
    return Verdict(NOT_COVERED, reasons, _cited(rule.clauses, costs), costs)


def decide_review(contract: Contract, number: int, *, on: date, decision: str, calendar: BusinessCalendar) -> Verdict:
    """A supervisor decides a case the terms left to the provider; decided once."""
    case = find_case(contract, number)
    if case.review is ReviewState.DECIDED:
        raise DomainError("review_already_decided", "this review was decided already")
    if case.review is not ReviewState.PENDING:
        raise DomainError("not_in_review", "this case does not wait for a review")
    check_case_event(contract, case, on)
    record_case_event(contract, case, on)
    labels = _review_clauses(contract)
    case.review = ReviewState.DECIDED
    return _reopen(contract, case, on, decision, labels, "review", calendar)


def open_dispute(contract: Contract, number: int, *, on: date) -> Verdict:
    """第11条: the subscriber disagrees with a not-covered decision; a covered case has nothing to dispute."""
    case = find_case(contract, number)
    if case.covered or case.state is not CaseState.CLOSED:
        raise DomainError(
            "dispute_not_allowed", "only a not-covered case can be disputed", clauses=_dispute_clauses(contract)
        )
    if case.dispute is DisputeState.OPEN:
        raise DomainError("dispute_already_open", "this case's dispute is open already")
    check_case_event(contract, case, on)
    record_case_event(contract, case, on)
    case.dispute = DisputeState.OPEN
    return Verdict(NOT_COVERED, _dispute_reasons(contract), _dispute_clauses(contract), ())


def record_opinion(contract: Contract, number: int, *, on: date) -> Verdict:
    """The neutral third party's opinion, recorded on an open dispute."""
    case = _disputed(contract, number)
    check_case_event(contract, case, on)
    record_case_event(contract, case, on)
    return Verdict(NOT_COVERED, _dispute_reasons(contract), _dispute_clauses(contract), ())


def decide_dispute(contract: Contract, number: int, *, on: date, decision: str, calendar: BusinessCalendar) -> Verdict:
    """The provider's final decision closes the dispute: covered reopens the case for its repair."""
    case = _disputed(contract, number)
    check_case_event(contract, case, on)
    record_case_event(contract, case, on)
    case.dispute = DisputeState.CLOSED
    return _reopen(contract, case, on, decision, _dispute_clauses(contract), "dispute", calendar)


def _disputed(contract: Contract, number: int) -> RepairCase:
    case = find_case(contract, number)
    if case.dispute is not DisputeState.OPEN:
        raise DomainError("no_open_dispute", "this case has no open dispute")
    return case


def _reopen(
    contract: Contract,
    case: RepairCase,
    on: date,
    decision: str,
    labels: tuple[str, ...],
    key: str,
    calendar: BusinessCalendar,
) -> Verdict:
    terms = contract.terms
    if decision == NOT_COVERED:
        case.covered, case.state = False, CaseState.CLOSED
        costs = _uncovered_costs(contract)
        return Verdict(NOT_COVERED, (Reason(key, labels),), _cited(labels, costs), costs)
    if decision != COVERED:
        raise DomainError("invalid_request", "decision is covered or not_covered", field="decision")
    case.covered, case.state = True, CaseState.OPEN
    level = terms.sla.get(contract.plan.service_mode) if contract.plan.service_mode is ServiceMode.ONSITE else None
    if level is not None:
        try:  # the visit is due counted from the day the case was decided covered
            case.visit_by = calendar.add_business_days(on, level.business_days)
        except OutsideCalendar as error:
            raise DomainError("invalid_request", str(error), field="date") from None
    all_labels = labels + terms.requests.covered_clauses + (level.clauses if level else ())
    costs = _covered_costs(contract)
    return Verdict(COVERED, (Reason(key, labels),), _cited(all_labels, costs), costs, case.visit_by)


def _covered_costs(contract: Contract) -> tuple[CostLine, ...]:
    # A covered case was never above the height limit (that ground takes a request out of cover at intake).
    return contract.terms.cost_lines_for(
        mode=contract.plan.service_mode,
        remote_island=contract.site.remote_island,
        maker_onsite_repair=contract.maker_onsite_repair,
        above_height=False,
    )


def _uncovered_costs(contract: Contract) -> tuple[CostLine, ...]:
    """Outside the plan everything is the subscriber's; only lines quoting separately still matter."""
    return tuple(
        line
        for line in contract.terms.cost_lines_for(
            mode=contract.plan.service_mode,
            remote_island=contract.site.remote_island,
            maker_onsite_repair=contract.maker_onsite_repair,
            above_height=False,
        )
        if line.payer is Payer.QUOTED_SEPARATELY
    )


def _cited(labels: tuple[str, ...], costs: tuple[CostLine, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*labels, *(label for line in costs for label in line.clauses)]))


def _review_clauses(contract: Contract) -> tuple[str, ...]:
    rules = contract.terms.requests
    grounds = {
        "cancelled": rules.cancelled,
        "ended": rules.ended,
        "transferred": rules.transferred,
        "before_coverage": rules.before_coverage,
        "after_coverage": rules.after_coverage,
        "abroad": rules.abroad,
        "unreported_replacement": rules.unreported_replacement,
        "no_parts_needed": rules.no_parts_needed,
        "above_height": rules.height_clauses,
    }
    return tuple(label for ground in sorted(rules.review) for label in grounds.get(ground, ()))


def _dispute_clauses(contract: Contract) -> tuple[str, ...]:
    return contract.terms.requests.dispute_clauses


def _dispute_reasons(contract: Contract) -> tuple[Reason, ...]:
    rules = contract.terms.requests
    return (Reason("dispute", rules.dispute_clauses, rules.dispute_reasoning),)
