"""Invariants of every decision, over generated contracts and requests (hypothesis)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hosho.domain.calendar import JST
from hosho.domain.contract import Application, DomainError, Status
from hosho.domain.enrollment import enroll
from hosho.domain.repairs import RepairRequest, decide_repair, record_estimate
from hosho.engine import Engine
from hosho.programs.catalog import Catalog
from tests.unit.builders import SYSTEM, TOKYO, ipro_contract, zest_contract

CAUSES = st.sampled_from(
    [
        "normal_use",
        "relocation_or_drop",
        "consumable_item",
        "storage_data_loss",
        "business_use",
        "cosmetic",
        "not_reproducible",
        "network_environment",
        "unrecommended_sd_card",
        "special_housing",
        "recalled_part",
    ]
)
moments = st.datetimes(datetime(2022, 4, 1), datetime(2034, 12, 31)).map(lambda t: t.replace(tzinfo=JST))
requests = st.builds(
    RepairRequest,
    at=moments,
    cause=CAUSES,
    country=st.sampled_from(["JP", "JP", "JP", "US"]),
    needs_parts=st.booleans(),
    part=st.sampled_from([None, None, "sd_card", "hdd"]),
    install_height_m=st.sampled_from([None, Decimal(2), Decimal(3), Decimal("3.5")]),
    claim=st.sampled_from(["repair", "repair", "repair", "loss_of_use"]),
)
PLANS = [("ipro", p) for p in ("onsite-3y", "onsite-5y", "sendback-4y")] + [
    ("zest", p) for p in ("kaden-5y", "aircon-8y")
]


def _contract(catalog: Catalog, program: str, plan: str, bought: date):  # type: ignore[no-untyped-def]
    if program == "ipro":
        return ipro_contract(catalog, plan=plan, purchase=bought)
    return zest_contract(catalog, plan=plan, purchase=bought)


@given(st.sampled_from(PLANS), st.dates(date(2022, 4, 1), date(2030, 12, 31)), requests)
def test_every_decision_cites_labels_that_exist_and_its_deadline_is_a_business_day_after_reception(
    catalog: Catalog, engine: Engine, plan: tuple[str, str], bought: date, request: RepairRequest
) -> None:
    assume(request.at.date() >= bought)  # an earlier request is refused (domain.chronology), not decided
    contract = _contract(catalog, *plan, bought)
    calendar = engine.calendar(contract.terms.closures)
    decision = decide_repair(contract, request, calendar)
    assert decision.clauses, "a decision must rest on at least one clause"
    assert all(label in contract.terms.clauses for label in decision.clauses)
    received = decision.reception.received_on
    assert calendar.is_business_day(received)
    assert received >= request.at.astimezone(JST).date()
    if decision.deadline is not None:
        assert calendar.is_business_day(decision.deadline.due)
        assert decision.deadline.due > received
    assert decision.covered == (decision.reasons[0].key == "covered")


@given(
    st.sampled_from(PLANS),
    st.dates(date(2001, 1, 1), date(2055, 12, 31)),
    st.integers(0, 95),
)
def test_coverage_ends_after_it_starts_or_the_enrollment_is_refused(
    catalog: Catalog, plan: tuple[str, str], bought: date, maker_months: int
) -> None:
    program, plan_id = plan
    application = Application(
        plan_id=plan_id,
        purchase_date=bought,
        purchase_price=50_000,
        operation_start_date=bought,
        manufacturer_warranty_months=maker_months,
        equipment=SYSTEM if program == "ipro" else (),
        site=TOKYO,
    )
    try:
        contract = enroll(catalog.program(program), application).contract
    except DomainError as refused:
        assert refused.code == "invalid_contract"
        assert refused.field == "manufacturer_warranty_months"
        return
    assert contract.coverage_end > contract.coverage_start
    assert contract.coverage_start >= bought


def test_a_request_on_an_unpaid_contract_is_refused_and_opens_no_case(catalog: Catalog, engine: Engine) -> None:
    contract = zest_contract(catalog, paid=False)
    with pytest.raises(DomainError) as refused:
        decide_repair(
            contract,
            RepairRequest(at=datetime(2026, 1, 6, 10), cause="normal_use"),
            engine.calendar(contract.terms.closures),
        )
    assert (refused.value.code, refused.value.clauses) == ("not_paid", ("第1条",))
    assert "(第1条)" in refused.value.message
    assert contract.cases == []


@pytest.mark.parametrize(
    ("estimate", "outcome", "status"), [(100_000, "repair", Status.ACTIVE), (100_001, "replacement", Status.ENDED)]
)
def test_an_estimate_equal_to_the_cap_is_repaired_and_one_yen_more_is_replaced(
    catalog: Catalog, engine: Engine, estimate: int, outcome: str, status: Status
) -> None:
    contract = zest_contract(catalog, purchase=date(2023, 9, 1), cap=100_000)
    decide_repair(
        contract,
        RepairRequest(at=datetime(2025, 10, 6, 10), cause="normal_use"),
        engine.calendar(contract.terms.closures),
    )
    answer = record_estimate(contract, amount=estimate)
    assert (answer.outcome, answer.replacement_limit, contract.status) == (outcome, 100_000, status)


def test_request_after_a_replacement_is_not_covered_by_article_2_paragraph_2(catalog: Catalog, engine: Engine) -> None:
    contract = zest_contract(catalog, purchase=date(2023, 9, 1))
    calendar = engine.calendar(contract.terms.closures)
    decide_repair(contract, RepairRequest(at=datetime(2025, 10, 6, 10), cause="normal_use"), calendar)
    record_estimate(contract, amount=None, repairable=False)
    later = decide_repair(contract, RepairRequest(at=datetime(2026, 1, 6, 10), cause="normal_use"), calendar)
    assert not later.covered
    assert "第2条第2項" in later.clauses


def test_a_request_made_on_the_last_day_after_hours_is_still_within_the_period(
    catalog: Catalog, engine: Engine
) -> None:
    contract = zest_contract(catalog)  # coverage ends Sat 2029-03-31
    decision = decide_repair(
        contract,
        RepairRequest(at=datetime(2029, 3, 31, 20, tzinfo=JST), cause="normal_use"),
        engine.calendar(contract.terms.closures),
    )
    assert decision.covered
    assert decision.received_on == date(2029, 4, 2)
    assert decision.received_on - timedelta(days=2) == contract.coverage_end


def test_a_request_dated_past_the_calendar_is_refused_naming_the_time(catalog: Catalog, engine: Engine) -> None:
    contract = ipro_contract(catalog, plan="onsite-5y")
    calendar = engine.calendar(contract.terms.closures)
    late = datetime(calendar.last_day.year, 12, 30, 10, tzinfo=JST)  # its visit would fall after the last day
    with pytest.raises(DomainError) as refused:
        decide_repair(contract, RepairRequest(at=late, cause="normal_use"), calendar)
    assert (refused.value.code, refused.value.field) == ("invalid_request", "at")
    assert contract.cases == []


def test_a_purchase_whose_period_would_end_after_9999_is_refused_naming_the_date(catalog: Catalog) -> None:
    application = Application(
        plan_id="kaden-5y", purchase_date=date(9999, 6, 1), purchase_price=1_000, warranty_fee=100, site=TOKYO
    )
    with pytest.raises(DomainError) as refused:
        enroll(catalog.program("zest"), application)
    assert (refused.value.code, refused.value.field) == ("invalid_contract", "purchase_date")
