"""Dates a business can hold, and the order of a contract's events (domain.chronology)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from hosho.domain.calendar import JST
from hosho.domain.contact import check_phone
from hosho.domain.contract import Application, DomainError, Equipment, Status
from hosho.domain.enrollment import enroll
from hosho.domain.lifecycle import manufacturer_replacement, pay, report_change, transfer_ownership
from hosho.domain.refunds import CancelReason, cancel
from hosho.domain.repairs import RepairRequest, decide_repair, record_arrival, record_estimate, record_progress
from hosho.engine import Engine
from hosho.programs.catalog import Catalog
from tests.unit.builders import SYSTEM, TOKYO, ipro_contract, zest_contract


def _refused(call: object, *args: object, **kwargs: object) -> tuple[str, str | None]:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)  # type: ignore[operator]
    return refused.value.code, refused.value.field


def _request(day: date, hour: int = 10) -> RepairRequest:
    return RepairRequest(at=datetime(day.year, day.month, day.day, hour, tzinfo=JST), cause="normal_use")


# --- plausible dates ----------------------------------------------------------------------------------------------


def test_the_programs_state_their_plausible_dates(catalog: Catalog) -> None:
    for program in catalog.programs.values():
        for version in program.versions:
            assert version.dates.earliest == date(2000, 1, 1)
            assert version.dates.latest == date(2099, 12, 31)
    assert catalog.program("zest").versions[0].dates.years_after_purchase == 20


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purchase_date": date(1, 1, 1)}, "purchase_date"),
        ({"purchase_date": date(1999, 12, 31)}, "purchase_date"),
        ({"purchase_date": date(2100, 1, 1)}, "purchase_date"),
        ({"applied_on": date(9999, 1, 1)}, "applied_on"),
        ({"applied_on": date(2044, 4, 2)}, "applied_on"),  # more than 20 years after the purchase
    ],
)
def test_an_enrolment_outside_the_plausible_dates_is_refused_naming_the_date(
    catalog: Catalog, changes: dict[str, date], field: str
) -> None:
    application = Application(
        **{"plan_id": "kaden-5y", "purchase_date": date(2024, 4, 1), "purchase_price": 100_000, **changes}
    )
    assert _refused(enroll, catalog.program("zest"), application) == ("invalid_contract", field)


def test_an_enrolment_on_the_first_plausible_day_is_accepted(catalog: Catalog) -> None:
    application = Application(plan_id="kaden-5y", purchase_date=date(2000, 1, 1), purchase_price=100_000)
    assert enroll(catalog.program("zest"), application).contract.purchase_date == date(2000, 1, 1)


def test_a_payment_before_the_purchase_or_the_application_is_refused(catalog: Catalog) -> None:
    contract = zest_contract(catalog, purchase=date(2024, 4, 1), paid=False)
    assert _refused(pay, contract, on=date(2024, 3, 31)) == ("invalid_request", "date")
    ipro = enroll(
        catalog.program("ipro"),
        Application(
            plan_id="onsite-3y",
            purchase_date=date(2025, 3, 1),
            operation_start_date=date(2025, 3, 1),
            applied_on=date(2025, 3, 20),
            equipment=SYSTEM,
            site=TOKYO,
        ),
    ).contract
    assert _refused(pay, ipro, on=date(2025, 3, 19)) == ("invalid_request", "date")
    assert pay(ipro, on=date(2025, 3, 20)).status is Status.ACTIVE


def test_steps_in_year_1_or_far_after_the_purchase_are_refused(catalog: Catalog, engine: Engine) -> None:
    contract = zest_contract(catalog)
    calendar = engine.calendar(contract.terms.closures)
    assert _refused(cancel, contract, on=date(1, 1, 1), reason=CancelReason.CUSTOMER) == ("invalid_request", "date")
    assert _refused(transfer_ownership, contract, on=date(2044, 4, 2)) == ("invalid_request", "date")
    assert _refused(report_change, contract, on=date(1, 1, 1), fields={"phone": "0312345678"}) == (
        "invalid_request",
        "date",
    )
    assert _refused(decide_repair, contract, _request(date(2023, 1, 5)), calendar) == ("invalid_request", "at")
    assert contract.cases == [] and contract.status is Status.ACTIVE


@pytest.mark.parametrize(
    "at",
    [
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=9))),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12))),
    ],
)
def test_a_request_at_the_ends_of_the_calendar_is_refused_naming_the_time(
    catalog: Catalog, engine: Engine, at: datetime
) -> None:
    contract = zest_contract(catalog)
    calendar = engine.calendar(contract.terms.closures)
    request = RepairRequest(at=at, cause="normal_use")
    assert _refused(decide_repair, contract, request, calendar) == ("invalid_request", "at")


def test_case_events_in_year_1_are_refused(catalog: Catalog, engine: Engine) -> None:
    contract = ipro_contract(catalog, plan="sendback-4y")
    calendar = engine.calendar(contract.terms.closures)
    decide_repair(contract, _request(date(2025, 6, 2)), calendar)
    assert _refused(
        record_arrival, contract, item_on=date(1, 1, 1), check_sheet_on=date(2025, 6, 3), calendar=calendar
    ) == (
        "invalid_request",
        "date",
    )
    assert _refused(record_progress, contract, 1, date(1, 1, 1)) == ("invalid_request", "date")


# --- order --------------------------------------------------------------------------------------------------------


def test_a_cancellation_dated_before_a_recorded_repair_request_is_out_of_order(
    catalog: Catalog, engine: Engine
) -> None:
    contract = zest_contract(catalog, purchase=date(2024, 4, 1))
    calendar = engine.calendar(contract.terms.closures)
    assert decide_repair(contract, _request(date(2025, 6, 2)), calendar).covered
    assert _refused(cancel, contract, on=date(2025, 6, 1), reason=CancelReason.CUSTOMER) == ("out_of_order", "date")
    assert contract.status is Status.ACTIVE and contract.refund is None
    assert cancel(contract, on=date(2025, 6, 2), reason=CancelReason.CUSTOMER).refund >= 0  # the same day is in order


def test_a_request_dated_before_a_cancellation_is_out_of_order_but_not_before_another_request(
    catalog: Catalog, engine: Engine
) -> None:
    contract = zest_contract(catalog, purchase=date(2024, 4, 1))
    calendar = engine.calendar(contract.terms.closures)
    decide_repair(contract, _request(date(2025, 7, 1)), calendar)
    assert decide_repair(contract, _request(date(2025, 6, 20)), calendar).covered  # entered late: in order
    cancel(contract, on=date(2025, 8, 1), reason=CancelReason.CUSTOMER)
    assert _refused(decide_repair, contract, _request(date(2025, 7, 31)), calendar) == ("out_of_order", "at")
    assert len(contract.cases) == 2


def test_transfer_and_maker_replacement_are_ordered_after_the_latest_event(catalog: Catalog, engine: Engine) -> None:
    contract = zest_contract(catalog, purchase=date(2024, 4, 1))
    calendar = engine.calendar(contract.terms.closures)
    decide_repair(contract, _request(date(2025, 6, 2)), calendar)
    assert _refused(manufacturer_replacement, contract, on=date(2025, 6, 1), reported=False) == (
        "out_of_order",
        "date",
    )
    assert not contract.unreported_replacement
    assert _refused(transfer_ownership, contract, on=date(2025, 5, 1)) == ("out_of_order", "date")
    assert contract.status is Status.ACTIVE


def test_a_payment_is_ordered_after_a_change_report_only_by_the_application(catalog: Catalog) -> None:
    contract = zest_contract(catalog, purchase=date(2024, 4, 1), paid=False)
    report_change(contract, on=date(2024, 4, 10), fields={"phone": "03-1234-5678"})
    assert pay(contract, on=date(2024, 4, 5)).status is Status.ACTIVE  # a contact change orders nothing


def test_a_change_of_contact_details_may_be_dated_before_a_repair_request(catalog: Catalog, engine: Engine) -> None:
    contract = zest_contract(catalog, purchase=date(2024, 4, 1))
    calendar = engine.calendar(contract.terms.closures)
    decide_repair(contract, _request(date(2025, 6, 2)), calendar)
    assert report_change(contract, on=date(2025, 5, 1), fields={"phone": "03-1234-5678"}).status is Status.ACTIVE


def test_a_case_event_is_ordered_within_its_own_case_only(catalog: Catalog, engine: Engine) -> None:
    contract = ipro_contract(catalog, plan="onsite-3y", purchase=date(2025, 3, 1))
    calendar = engine.calendar(contract.terms.closures)
    decide_repair(contract, _request(date(2025, 6, 2)), calendar)
    record_progress(contract, 1, date(2025, 6, 4))
    assert _refused(record_progress, contract, 1, date(2025, 6, 3)) == ("out_of_order", "date")
    assert _refused(record_progress, contract, 1, date(2025, 6, 1)) == ("out_of_order", "date")  # before its request
    decide_repair(contract, _request(date(2025, 6, 10)), calendar)
    record_progress(contract, 1, date(2025, 6, 5))  # case 1 goes on beside case 2
    assert contract.latest_event == date(2025, 6, 10)


def test_an_estimate_dated_before_its_arrival_is_out_of_order(catalog: Catalog, engine: Engine) -> None:
    contract = ipro_contract(catalog, plan="sendback-4y", purchase=date(2025, 3, 1))
    calendar = engine.calendar(contract.terms.closures)
    decide_repair(contract, _request(date(2025, 6, 2)), calendar)
    record_arrival(contract, item_on=date(2025, 6, 5), check_sheet_on=date(2025, 6, 5), calendar=calendar)
    assert _refused(record_estimate, contract, amount=1_000, on=date(2025, 6, 4)) == ("out_of_order", "date")


# --- contact details and service modes ----------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["090-1234-5678", "03 1234 5678", "+81 90-1234-5678", "０９０ー１２３４ー５６７８"])
def test_a_phone_with_10_to_15_digits_and_separators_is_accepted(phone: str) -> None:
    assert 10 <= len(check_phone(phone, field="phone", code="invalid_contract")) <= 15


@pytest.mark.parametrize(
    "phone", ["%", "-----", "call me", "090-1234", "⑳" * 40, "090-1234-5678 ext 2", "09+012345678"]
)
def test_a_phone_without_its_digits_is_refused_naming_the_field(phone: str) -> None:
    assert _refused(check_phone, phone, field="subscriber.phone", code="invalid_contract") == (
        "invalid_contract",
        "subscriber.phone",
    )


def test_a_change_report_with_a_phone_without_digits_is_refused(catalog: Catalog) -> None:
    contract = zest_contract(catalog)
    assert _refused(report_change, contract, on=date(2025, 1, 1), fields={"phone": "%"}) == (
        "invalid_request",
        "fields.phone",
    )
    assert contract.contact == {}


def test_a_service_mode_the_plan_does_not_have_is_refused_naming_the_item(catalog: Catalog) -> None:
    items = (
        Equipment("other", "NA-VX1", "SN-1"),
        Equipment("other", "NA-VX2", "SN-2", service_mode="onsite"),
    )
    application = Application(plan_id="kaden-5y", purchase_date=date(2024, 4, 1), purchase_price=1, equipment=items)
    assert _refused(enroll, catalog.program("zest"), application) == (
        "invalid_contract",
        "equipment[1].service_mode",
    )
    same = (Equipment("other", "NA-VX1", "SN-1", service_mode="maker"),)
    accepted = enroll(catalog.program("zest"), replace(application, equipment=same))
    assert accepted.contract.equipment == same
