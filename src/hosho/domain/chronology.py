"""When things may be dated: each program's plausible dates, and the order of a contract's events.

**Plausible dates** (program.yaml `dates:`, `DateBounds`): a purchase, application, operation start or event
before `earliest` or after `latest`, or later than `years_after_purchase` after the purchase, is a typing mistake
(a purchase on 0001-01-01, an application in 9999). Enrolment refuses it with `invalid_contract`, a step with
`invalid_request`, each naming the field. No event of a contract falls before the purchase, and its payment not
before the application (the cover of ipro runs from the purchase, so a request may precede the application).

**Order** (`out_of_order`, field `date`, or `at` for a repair request): Hosho holds a contract's state as of its
latest recorded event (`Contract.latest_event`: the payment, each repair request's day, each case event, an
ownership transfer, a maker replacement, the end of cover; `Contract.latest_change`: those of them that changed its
status or cover). An action cannot be dated before the events its outcome depends on, or it would be judged on a
state the contract did not have on that day (a cancellation dated 2025-06-01 after a covered repair request made on
2025-06-02). Per action:

- payment: not before the latest event; it starts the cover later events were judged against.
- cancellation: not before the latest event; it ends cover, and its refund depends on the repairs before it
  (zest 第9条第2項).
- ownership transfer: not before the latest event; it ends cover, like a cancellation (zest 第6条(4)).
- maker replacement: not before the latest event; an unreported one voids later requests (第4条第1項(2)).
- repair request (and its preview): not before the latest change of status or cover; it is judged on the status
  of its own day, which requests of other days do not change, so one entered late may precede another request.
- case event (visit, arrival, estimate, repaired, shipped): not before its own case's latest event; a case's steps
  follow one another, while the cases of one contract run side by side.
- change of contact details: only the plausible range; it changes no cover, and is often reported late
  (第4条第1項(1)).
"""

from __future__ import annotations

from datetime import date, datetime

from hosho.domain.calendar import to_jst
from hosho.domain.contract import Contract, DomainError, RepairCase
from hosho.domain.periods import anniversary
from hosho.domain.program import DateBounds

OUT_OF_ORDER = "out_of_order"


def jst_day(at: datetime, *, field: str) -> date:
    """The JST day of a moment; one that cannot be converted (year 1 in JST is year 0 in UTC) is refused."""
    try:
        return to_jst(at).date()
    except (OverflowError, ValueError):
        raise DomainError("invalid_request", f"{at.isoformat()} is not a date Hosho can hold", field=field) from None


def _latest_after_purchase(bounds: DateBounds, purchase_date: date) -> date:
    try:
        return min(bounds.latest, anniversary(purchase_date, bounds.years_after_purchase))
    except (OverflowError, ValueError):
        return bounds.latest


def check_enrolment_dates(
    bounds: DateBounds,
    *,
    purchase_date: date,
    applied_on: date | None,
    operation_start_date: date | None,
    applied_on_field: str = "applied_on",
) -> None:
    """Every date of an application within the program's plausible range (invalid_contract)."""
    _within(bounds.earliest, bounds.latest, purchase_date, "purchase_date", "invalid_contract")
    last = _latest_after_purchase(bounds, purchase_date)
    for name, value in (("operation_start_date", operation_start_date), (applied_on_field, applied_on)):
        if value is not None:
            _within(bounds.earliest, last, value, name, "invalid_contract")


def check_step_date(contract: Contract, on: date, *, field: str = "date", after_application: bool = False) -> None:
    """A step's date: not before the purchase (a payment: the application), within the plausible range."""
    bounds = contract.terms.dates
    first = max(bounds.earliest, contract.applied_on if after_application else contract.purchase_date)
    _within(first, _latest_after_purchase(bounds, contract.purchase_date), on, field, "invalid_request")


def check_in_order(contract: Contract, on: date, *, field: str = "date", after_application: bool = False) -> None:
    """An action that changes the contract's status or cover is not dated before its latest event."""
    check_step_date(contract, on, field=field, after_application=after_application)
    _not_before(contract.latest_event, on, field, "the contract's latest recorded event")


def check_request_in_order(contract: Contract, on: date, *, field: str = "at") -> None:
    """A repair request is not dated before the latest change of the contract's status or cover."""
    check_step_date(contract, on, field=field)
    _not_before(contract.latest_change, on, field, "the contract's latest change of status or cover")


def record(contract: Contract, on: date, *, changes_status: bool = True) -> None:
    """An event of the contract happened on `on`: later actions are ordered after it."""
    if contract.latest_event is None or on > contract.latest_event:
        contract.latest_event = on
    if changes_status and (contract.latest_change is None or on > contract.latest_change):
        contract.latest_change = on


def _not_before(latest: date | None, on: date, field: str, what: str) -> None:
    if latest is not None and on < latest:
        raise DomainError(
            OUT_OF_ORDER,
            f"{on.isoformat()} is before {what} ({latest.isoformat()})",
            field=field,
            params={"on": on.isoformat(), "latest": latest.isoformat()},
        )


def check_case_event(contract: Contract, case: RepairCase, on: date, *, field: str = "date") -> None:
    """A case's event: within the plausible range, and not before the case's own latest event."""
    check_step_date(contract, on, field=field)
    _not_before(case.latest_event, on, field, f"case {case.number}'s latest event")


def record_case_event(contract: Contract, case: RepairCase, on: date) -> None:
    if case.latest_event is None or on > case.latest_event:
        case.latest_event = on
    record(contract, on, changes_status=False)


def _within(first: date, last: date, value: date, field: str, code: str) -> None:
    if value < first or value > last:
        raise DomainError(
            code, f"{field} {value.isoformat()} is outside {first.isoformat()}–{last.isoformat()}", field=field
        )
