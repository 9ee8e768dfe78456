"""A deadline carries how it was counted: the day the clock starts and each day passed over, with its reason."""

from __future__ import annotations

from datetime import date, datetime

from hosho.domain.calendar import JST
from hosho.domain.repairs import Deadline, RepairRequest, decide_repair, record_arrival
from hosho.engine import Engine
from hosho.programs.catalog import Catalog
from hosho.service.views import deadline_view
from tests.unit.builders import ipro_contract

# Friday 20 November 2026, 10:00: the weekend and 勤労感謝の日 (Monday the 23rd) follow.
FRIDAY_MORNING = datetime(2026, 11, 20, 10, tzinfo=JST)
LONG_WEEKEND = ((date(2026, 11, 21), "土曜日"), (date(2026, 11, 22), "日曜日"), (date(2026, 11, 23), "勤労感謝の日"))


def test_a_visit_deadline_lists_the_weekend_and_the_holiday_it_passed_over(catalog: Catalog, engine: Engine) -> None:
    contract = ipro_contract(catalog, plan="onsite-3y")
    calendar = engine.calendar(contract.terms.closures)
    decision = decide_repair(contract, RepairRequest(at=FRIDAY_MORNING, cause="normal_use"), calendar)
    assert decision.deadline is not None
    # 翌々営業日: Tuesday the 24th is the first business day after Friday, Wednesday the 25th the second.
    assert (decision.deadline.clock_start, decision.deadline.due) == (date(2026, 11, 20), date(2026, 11, 25))
    assert decision.deadline.skipped == LONG_WEEKEND


def test_a_send_back_repair_deadline_counts_from_the_arrival_and_lists_the_days_passed_over(
    catalog: Catalog, engine: Engine
) -> None:
    contract = ipro_contract(catalog, plan="sendback-4y")
    calendar = engine.calendar(contract.terms.closures)
    decide_repair(contract, RepairRequest(at=datetime(2026, 11, 16, 10, tzinfo=JST), cause="normal_use"), calendar)
    arrival = record_arrival(contract, item_on=date(2026, 11, 20), check_sheet_on=date(2026, 11, 19), calendar=calendar)
    assert (arrival.deadline.clock_start, arrival.deadline.due) == (date(2026, 11, 20), date(2026, 11, 27))
    assert arrival.deadline.skipped == LONG_WEEKEND


def test_a_deadline_without_days_passed_over_says_so(catalog: Catalog, engine: Engine) -> None:
    contract = ipro_contract(catalog, plan="onsite-3y")
    calendar = engine.calendar(contract.terms.closures)
    monday = datetime(2026, 11, 16, 10, tzinfo=JST)
    decision = decide_repair(contract, RepairRequest(at=monday, cause="normal_use"), calendar)
    assert decision.deadline is not None
    assert (decision.deadline.due, decision.deadline.skipped) == (date(2026, 11, 18), ())


def test_the_view_shows_the_derivation_the_domain_gave_and_counts_nothing_itself() -> None:
    # A reason no calendar would give: the view must print it as given, not ask a calendar again.
    stocktaking = ((date(2026, 11, 24), "棚卸し"),)
    deadline = Deadline("visit_by", date(2026, 11, 25), date(2026, 11, 20), 2, ("修理日数の目安",), stocktaking)
    shown = deadline_view(deadline)
    assert shown is not None
    assert [(day.date, day.reason) for day in shown.skipped] == [(date(2026, 11, 24), "棚卸し")]
    assert (shown.clock_start, shown.due, shown.business_days) == (date(2026, 11, 20), date(2026, 11, 25), 2)
