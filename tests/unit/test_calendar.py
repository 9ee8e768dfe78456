from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hosho.domain.calendar import (
    DEFAULT_CLOSURES,
    DEFAULT_RECEPTION,
    JST,
    AnnualClosure,
    BusinessCalendar,
    Closures,
    DateRange,
    ReceptionHours,
    japanese_holidays,
    receive,
)

CALENDAR = BusinessCalendar(DEFAULT_CLOSURES)

LUNCH_BREAK = ReceptionHours(
    {weekday: ((time(9, 0), time(12, 0)), (time(13, 0), time(17, 30))) for weekday in range(5)}
)
# No reception on Wednesdays.
NO_WEDNESDAY = ReceptionHours({weekday: ((time(9, 0), time(17, 30)),) for weekday in (0, 1, 3, 4)})


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)


# National holidays


def test_substitute_holiday_after_a_sunday_holiday_is_not_a_business_day():
    # 2026-05-03 憲法記念日 is a Sunday, so Wednesday 2026-05-06 is a 振替休日.
    assert not CALENDAR.is_business_day(date(2026, 5, 6))
    assert CALENDAR.why_closed(date(2026, 5, 6)) == "振替休日"


def test_citizens_holiday_between_two_holidays_is_not_a_business_day():
    assert not CALENDAR.is_business_day(date(2026, 9, 22))
    assert CALENDAR.why_closed(date(2026, 9, 22)) == "国民の休日"


def test_labour_thanksgiving_day_is_named_in_japanese():
    assert CALENDAR.why_closed(date(2026, 11, 23)) == "勤労感謝の日"


def test_holiday_on_a_sunday_is_named_as_the_holiday():
    assert CALENDAR.why_closed(date(2026, 5, 3)) == "憲法記念日"


def test_weekends_are_named_saturday_and_sunday():
    assert CALENDAR.why_closed(date(2026, 11, 21)) == "土曜日"
    assert CALENDAR.why_closed(date(2026, 11, 22)) == "日曜日"


def test_an_ordinary_weekday_is_a_business_day_with_no_reason():
    assert CALENDAR.is_business_day(date(2026, 11, 24))
    assert CALENDAR.why_closed(date(2026, 11, 24)) is None


def test_japanese_holidays_come_from_the_library_with_japanese_names():
    found = japanese_holidays(2026, 2026)
    assert found[date(2026, 5, 6)] == "振替休日"
    assert found[date(2026, 9, 22)] == "国民の休日"
    assert found[date(2026, 1, 1)] == "元日"
    assert len(found) == 18


def test_japanese_holidays_refuse_years_the_library_does_not_know():
    with pytest.raises(ValueError, match="1949–2099"):
        japanese_holidays(2090, 2100)


# Company closures


def test_a_company_working_saturdays_counts_them_as_business_days():
    saturdays = BusinessCalendar(Closures(annual=(), weekly=frozenset({6})), 2025, 2026)
    assert saturdays.is_business_day(date(2025, 6, 14))  # a Saturday
    assert saturdays.why_closed(date(2025, 6, 15)) == "日曜日"
    assert saturdays.why_closed(date(2025, 5, 3)) == "憲法記念日"  # a Saturday holiday stays a holiday
    assert saturdays.add_business_days(date(2025, 6, 13), 1) == date(2025, 6, 14)
    assert CALENDAR.add_business_days(date(2025, 6, 13), 1) == date(2025, 6, 16)


def test_a_company_closed_on_wednesdays_names_the_weekday():
    closed = BusinessCalendar(Closures(annual=(), weekly=frozenset({2, 5, 6})), 2025, 2025)
    assert closed.why_closed(date(2025, 6, 11)) == "水曜日"


def test_weekly_closures_must_leave_some_weekday_open():
    with pytest.raises(ValueError, match="not all"):
        Closures(annual=(), weekly=frozenset(range(7)))


def test_golden_week_closure_covers_weekdays_between_holidays():
    assert CALENDAR.why_closed(date(2026, 4, 30)) == "ゴールデンウィーク"
    assert CALENDAR.why_closed(date(2026, 5, 1)) == "ゴールデンウィーク"
    assert CALENDAR.is_business_day(date(2026, 5, 7))


def test_summer_closure_covers_13_to_16_august():
    assert CALENDAR.is_business_day(date(2026, 8, 12))
    assert CALENDAR.why_closed(date(2026, 8, 13)) == "夏季休暇"
    assert CALENDAR.why_closed(date(2026, 8, 14)) == "夏季休暇"
    assert CALENDAR.is_business_day(date(2026, 8, 17))


def test_year_end_closure_spans_the_new_year():
    assert CALENDAR.is_business_day(date(2026, 12, 28))
    assert CALENDAR.why_closed(date(2026, 12, 29)) == "年末年始"
    assert CALENDAR.why_closed(date(2026, 12, 31)) == "年末年始"
    assert CALENDAR.why_closed(date(2027, 1, 1)) == "元日"
    assert CALENDAR.is_business_day(date(2027, 1, 4))


def test_year_end_closure_of_the_year_before_the_calendar_still_closes_its_first_days():
    # Monday 2000-01-03 is no holiday; it is closed by the closure that started on 1999-12-29.
    assert CALENDAR.why_closed(date(2000, 1, 3)) == "年末年始"
    assert CALENDAR.is_business_day(date(2000, 1, 4))


def test_closure_name_of_a_wrapped_closure_in_january():
    assert DEFAULT_CLOSURES.closure_name(date(2027, 1, 3)) == "年末年始"
    assert DEFAULT_CLOSURES.closure_name(date(2027, 1, 4)) is None
    assert DEFAULT_CLOSURES.closure_name(date(2026, 12, 28)) is None


MOVED_YEAR_END_2026 = Closures(
    annual=DEFAULT_CLOSURES.annual,
    by_year={
        2026: (
            DateRange(date(2026, 4, 29), date(2026, 5, 5), "ゴールデンウィーク"),
            DateRange(date(2026, 8, 13), date(2026, 8, 16), "夏季休暇"),
            DateRange(date(2026, 12, 26), date(2027, 1, 5), "年末年始"),
        )
    },
)


def test_by_year_override_moves_the_year_end_closure_for_that_year():
    calendar = BusinessCalendar(MOVED_YEAR_END_2026, 2025, 2028)
    assert calendar.why_closed(date(2026, 12, 28)) == "年末年始"
    assert calendar.why_closed(date(2027, 1, 4)) == "年末年始"
    assert calendar.why_closed(date(2027, 1, 5)) == "年末年始"
    assert calendar.is_business_day(date(2027, 1, 6))


def test_by_year_override_leaves_other_years_on_the_annual_closures():
    calendar = BusinessCalendar(MOVED_YEAR_END_2026, 2025, 2028)
    assert calendar.is_business_day(date(2025, 12, 26))
    assert calendar.why_closed(date(2025, 12, 29)) == "年末年始"
    assert calendar.is_business_day(date(2028, 1, 4))
    assert calendar.is_business_day(date(2027, 12, 28))


def test_by_year_override_replaces_every_annual_closure_starting_that_year():
    only_new_year_moved = Closures(
        annual=DEFAULT_CLOSURES.annual,
        by_year={2026: (DateRange(date(2026, 12, 26), date(2027, 1, 5)),)},
    )
    calendar = BusinessCalendar(only_new_year_moved, 2025, 2028)
    assert calendar.is_business_day(date(2026, 8, 13))
    assert calendar.why_closed(date(2027, 1, 5)) == "休業日"


def test_empty_by_year_override_cancels_that_years_closures():
    calendar = BusinessCalendar(Closures(annual=DEFAULT_CLOSURES.annual, by_year={2026: ()}), 2025, 2028)
    assert calendar.is_business_day(date(2026, 8, 13))
    assert calendar.is_business_day(date(2026, 12, 29))
    assert calendar.why_closed(date(2027, 8, 13)) == "夏季休暇"


def test_by_year_override_must_start_in_its_year():
    with pytest.raises(ValueError, match="must start in 2026"):
        Closures(annual=(), by_year={2026: (DateRange(date(2027, 1, 2), date(2027, 1, 5)),)})


def test_extra_closure_adds_named_days():
    stocktaking = DateRange(date(2026, 6, 15), date(2026, 6, 16), "棚卸し")
    calendar = BusinessCalendar(Closures(annual=DEFAULT_CLOSURES.annual, extra=(stocktaking,)), 2026, 2026)
    assert calendar.why_closed(date(2026, 6, 15)) == "棚卸し"
    assert calendar.why_closed(date(2026, 6, 16)) == "棚卸し"
    assert calendar.is_business_day(date(2026, 6, 17))
    assert CALENDAR.is_business_day(date(2026, 6, 15))


def test_extra_closure_without_a_name_is_called_a_closure_day():
    closures = Closures(annual=(), extra=(DateRange(date(2026, 6, 15), date(2026, 6, 15)),))
    assert closures.closure_name(date(2026, 6, 15)) == "休業日"


def test_annual_closure_rejects_a_day_that_does_not_exist():
    with pytest.raises(ValueError):
        AnnualClosure("bad", (4, 31), (5, 1))


def test_annual_closure_rejects_29_february():
    with pytest.raises(ValueError, match="29 February"):
        AnnualClosure("leap", (2, 29), (3, 1))


def test_date_range_must_not_end_before_it_starts():
    with pytest.raises(ValueError, match="ends before it starts"):
        DateRange(date(2026, 5, 2), date(2026, 5, 1))


# Business-day arithmetic


def test_send_back_repair_arriving_friday_before_new_year_is_due_6_january():
    assert CALENDAR.add_business_days(date(2026, 12, 25), 4) == date(2027, 1, 6)


def test_onsite_visit_received_friday_before_a_monday_holiday_is_due_wednesday():
    assert CALENDAR.add_business_days(date(2026, 11, 20), 2) == date(2026, 11, 25)


def test_next_business_day_is_counted_from_a_non_business_day():
    assert CALENDAR.add_business_days(date(2026, 11, 21), 1) == date(2026, 11, 24)


def test_add_business_days_rejects_zero():
    with pytest.raises(ValueError, match="at least 1"):
        CALENDAR.add_business_days(date(2026, 11, 20), 0)


def test_next_business_day_on_or_after_a_business_day_is_that_day():
    assert CALENDAR.next_business_day_on_or_after(date(2026, 11, 20)) == date(2026, 11, 20)


def test_next_business_day_on_or_after_a_long_weekend():
    assert CALENDAR.next_business_day_on_or_after(date(2026, 11, 21)) == date(2026, 11, 24)


def test_skipped_days_explain_the_new_year_deadline():
    assert CALENDAR.skipped_between(date(2026, 12, 25), date(2027, 1, 6)) == [
        (date(2026, 12, 26), "土曜日"),
        (date(2026, 12, 27), "日曜日"),
        (date(2026, 12, 29), "年末年始"),
        (date(2026, 12, 30), "年末年始"),
        (date(2026, 12, 31), "年末年始"),
        (date(2027, 1, 1), "元日"),
        (date(2027, 1, 2), "土曜日"),
        (date(2027, 1, 3), "日曜日"),
    ]


def test_skipped_days_exclude_both_ends():
    assert CALENDAR.skipped_between(date(2026, 11, 21), date(2026, 11, 23)) == [(date(2026, 11, 22), "日曜日")]


def test_date_outside_the_calendar_names_the_supported_range():
    with pytest.raises(ValueError, match="2000-01-01 … 2060-12-31"):
        CALENDAR.is_business_day(date(2061, 1, 5))


def test_deadline_past_the_end_of_the_calendar_is_an_error():
    with pytest.raises(ValueError, match="2060-12-31"):
        CALENDAR.add_business_days(date(2060, 12, 28), 4)


def test_calendar_refuses_years_without_known_holidays():
    with pytest.raises(ValueError, match="1949–2099"):
        BusinessCalendar(DEFAULT_CLOSURES, 2000, 2100)


business_days_in_range = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 6, 30))


@given(d=business_days_in_range, n=st.integers(min_value=1, max_value=60))
def test_adding_business_days_lands_on_a_business_day_after_the_start(d: date, n: int):
    due = CALENDAR.add_business_days(d, n)
    assert CALENDAR.is_business_day(due)
    assert due > d
    assert CALENDAR.add_business_days(d, n + 1) > due


@given(d=business_days_in_range, n=st.integers(min_value=1, max_value=30))
def test_adding_business_days_counts_exactly_n_business_days(d: date, n: int):
    due = CALENDAR.add_business_days(d, n)
    days_between = (due - d).days - 1
    assert days_between - len(CALENDAR.skipped_between(d, due)) == n - 1


# Reception


def test_request_at_0859_is_received_at_0900_the_same_day():
    reception = receive(datetime(2026, 11, 18, 8, 59), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2026, 11, 18, 9, 0)
    assert reception.received_on == date(2026, 11, 18)
    assert not reception.immediate
    assert reception.skipped == ()


def test_request_at_0900_is_received_at_once():
    reception = receive(datetime(2026, 11, 18, 9, 0), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2026, 11, 18, 9, 0)
    assert reception.immediate


def test_request_at_1730_00_is_received_the_same_day():
    reception = receive(datetime(2026, 11, 18, 17, 30, 0), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_on == date(2026, 11, 18)
    assert reception.immediate


def test_request_at_1730_01_is_received_the_next_business_day():
    reception = receive(datetime(2026, 11, 18, 17, 30, 1), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2026, 11, 19, 9, 0)
    assert not reception.immediate


def test_request_a_microsecond_after_1730_is_received_the_next_business_day():
    reception = receive(datetime(2026, 11, 18, 17, 30, 0, 1), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_on == date(2026, 11, 19)


def test_request_at_1731_is_received_the_next_business_day():
    reception = receive(datetime(2026, 11, 18, 17, 31), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2026, 11, 19, 9, 0)


def test_request_friday_evening_before_a_holiday_monday_is_received_tuesday():
    reception = receive(datetime(2026, 11, 20, 18, 0), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2026, 11, 24, 9, 0)
    assert reception.skipped == (
        (date(2026, 11, 21), "土曜日"),
        (date(2026, 11, 22), "日曜日"),
        (date(2026, 11, 23), "勤労感謝の日"),
    )


def test_request_on_a_saturday_lists_the_saturday_as_skipped():
    reception = receive(datetime(2026, 11, 21, 10, 0), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2026, 11, 24, 9, 0)
    assert reception.skipped[0] == (date(2026, 11, 21), "土曜日")
    assert len(reception.skipped) == 3


def test_request_on_a_holiday_during_hours_is_received_the_next_business_day():
    reception = receive(datetime(2026, 11, 23, 10, 0), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2026, 11, 24, 9, 0)
    assert reception.skipped == ((date(2026, 11, 23), "勤労感謝の日"),)


def test_request_on_a_closure_day_is_received_after_the_closure():
    reception = receive(datetime(2026, 12, 30, 10, 0), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2027, 1, 4, 9, 0)
    assert reception.skipped == (
        (date(2026, 12, 30), "年末年始"),
        (date(2026, 12, 31), "年末年始"),
        (date(2027, 1, 1), "元日"),
        (date(2027, 1, 2), "土曜日"),
        (date(2027, 1, 3), "日曜日"),
    )


def test_aware_utc_request_is_converted_to_jst():
    # 07:00 UTC is 16:00 JST, inside the window.
    reception = receive(datetime(2026, 11, 20, 7, 0, tzinfo=UTC), DEFAULT_RECEPTION, CALENDAR)
    assert reception.requested_at == jst(2026, 11, 20, 16, 0)
    assert reception.immediate


def test_aware_utc_request_late_evening_falls_on_the_next_jst_day():
    # 23:30 UTC on Thursday is 08:30 JST on Friday.
    reception = receive(datetime(2026, 11, 19, 23, 30, tzinfo=UTC), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2026, 11, 20, 9, 0)


def test_aware_utc_request_after_1730_jst_is_received_after_the_long_weekend():
    reception = receive(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), DEFAULT_RECEPTION, CALENDAR)
    assert reception.received_at == jst(2026, 11, 24, 9, 0)


def test_naive_request_is_taken_as_jst():
    reception = receive(datetime(2026, 11, 20, 16, 0), DEFAULT_RECEPTION, CALENDAR)
    assert reception.requested_at == jst(2026, 11, 20, 16, 0)
    assert reception.received_at.utcoffset() == timedelta(hours=9)


def test_request_during_the_lunch_break_is_received_when_the_afternoon_window_opens():
    reception = receive(datetime(2026, 11, 18, 12, 30), LUNCH_BREAK, CALENDAR)
    assert reception.received_at == jst(2026, 11, 18, 13, 0)
    assert not reception.immediate


def test_request_at_the_end_of_the_morning_window_is_received_at_once():
    reception = receive(datetime(2026, 11, 18, 12, 0), LUNCH_BREAK, CALENDAR)
    assert reception.immediate


def test_weekday_without_reception_is_passed_over():
    reception = receive(datetime(2026, 11, 17, 18, 0), NO_WEDNESDAY, CALENDAR)
    assert reception.received_at == jst(2026, 11, 19, 9, 0)
    assert reception.skipped == ((date(2026, 11, 18), "受付なし"),)


def test_request_on_a_weekday_without_reception_is_received_the_next_open_day():
    reception = receive(datetime(2026, 11, 18, 10, 0), NO_WEDNESDAY, CALENDAR)
    assert reception.received_at == jst(2026, 11, 19, 9, 0)
    assert reception.skipped == ((date(2026, 11, 18), "受付なし"),)


def test_hours_with_no_weekday_window_are_refused():
    weekend_only = ReceptionHours({5: ((time(9, 0), time(17, 0)),)})
    with pytest.raises(ValueError, match="no window"):
        receive(datetime(2026, 11, 18, 10, 0), weekend_only, CALENDAR)


def test_overlapping_windows_are_refused():
    with pytest.raises(ValueError, match="overlap"):
        ReceptionHours({0: ((time(9, 0), time(12, 0)), (time(12, 0), time(17, 0)))})


def test_window_closing_before_it_opens_is_refused():
    with pytest.raises(ValueError, match="closes before it opens"):
        ReceptionHours({0: ((time(17, 0), time(9, 0)),)})


def test_onsite_visit_deadline_from_a_friday_afternoon_call():
    reception = receive(datetime(2026, 11, 20, 16, 0), DEFAULT_RECEPTION, CALENDAR)
    assert CALENDAR.add_business_days(reception.received_on, 2) == date(2026, 11, 25)


request_times = st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2060, 6, 30),
    timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-5)), JST]),
)


@pytest.mark.parametrize("hours", [DEFAULT_RECEPTION, LUNCH_BREAK, NO_WEDNESDAY])
@given(at=request_times)
def test_received_at_is_inside_a_window_on_a_business_day_and_not_before_the_request(
    hours: ReceptionHours, at: datetime
):
    reception = receive(at, hours, CALENDAR)
    assert reception.received_at >= reception.requested_at
    assert reception.received_at.date() == reception.received_on
    assert CALENDAR.is_business_day(reception.received_on)
    assert hours.is_open_at(reception.received_on.weekday(), reception.received_at.time())
    assert reception.immediate == (reception.received_at == reception.requested_at)
    for day, reason in reception.skipped:
        assert reception.requested_at.date() <= day < reception.received_on
        assert reason == (CALENDAR.why_closed(day) or "受付なし")
        assert reason != "受付なし" or not hours.on(day.weekday())
