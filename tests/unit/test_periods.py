from calendar import isleap
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hosho.domain.periods import (
    anniversary,
    corresponding_day,
    period_end,
    period_end_not_counting_first_day,
)

starts = st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 12, 31))


# corresponding_day


def test_corresponding_day_keeps_the_day_of_month():
    assert corresponding_day(date(2024, 4, 11), months=1) == date(2024, 5, 11)


def test_corresponding_day_crosses_the_year_end():
    assert corresponding_day(date(2024, 11, 15), months=3) == date(2025, 2, 15)


def test_corresponding_day_combines_years_and_months():
    assert corresponding_day(date(2024, 4, 1), years=2, months=11) == date(2027, 3, 1)


def test_corresponding_day_is_missing_for_the_31st_in_a_30_day_month():
    assert corresponding_day(date(2024, 3, 31), months=1) is None


def test_corresponding_day_is_missing_for_29_february_in_a_common_year():
    assert corresponding_day(date(2024, 2, 29), years=1) is None


def test_corresponding_day_of_29_february_exists_four_years_later():
    assert corresponding_day(date(2024, 2, 29), years=4) == date(2028, 2, 29)


def test_corresponding_day_of_30_january_in_a_leap_february_is_missing():
    assert corresponding_day(date(2024, 1, 30), months=1) is None


def test_corresponding_day_of_zero_length_is_the_start():
    assert corresponding_day(date(2024, 1, 31)) == date(2024, 1, 31)


# period_end (起算日 counted)


def test_three_year_pack_from_1_april_ends_31_march():
    assert period_end(date(2024, 4, 1), years=3) == date(2027, 3, 31)


def test_five_year_pack_from_29_february_ends_28_february():
    assert period_end(date(2024, 2, 29), years=5) == date(2029, 2, 28)


def test_four_year_period_from_29_february_ends_28_february_of_the_leap_year():
    # The corresponding day 2028-02-29 exists, so the period ends the day before it.
    assert period_end(date(2024, 2, 29), years=4) == date(2028, 2, 28)


def test_one_month_from_11_april_ends_10_may():
    assert period_end(date(2024, 4, 11), months=1) == date(2024, 5, 10)


def test_one_year_from_1_march_ends_on_29_february_in_a_leap_year():
    assert period_end(date(2023, 3, 1), years=1) == date(2024, 2, 29)


def test_one_year_from_1_march_ends_on_28_february_in_a_common_year():
    assert period_end(date(2024, 3, 1), years=1) == date(2025, 2, 28)


def test_missing_corresponding_day_ends_on_the_last_day_of_that_month():
    assert period_end(date(2024, 1, 31), months=1) == date(2024, 2, 29)


def test_missing_corresponding_day_in_a_common_february_ends_on_the_28th():
    assert period_end(date(2025, 1, 30), months=1) == date(2025, 2, 28)


def test_missing_31st_in_april_ends_on_30_april():
    assert period_end(date(2024, 3, 31), months=1) == date(2024, 4, 30)


def test_kaden_five_year_certificate_ends_31_march():
    assert period_end(date(2024, 4, 1), years=5) == date(2029, 3, 31)


def test_twelve_month_maker_warranty_ends_the_day_before_the_anniversary():
    assert period_end(date(2024, 4, 1), months=12) == date(2025, 3, 31)


def test_zero_length_period_ends_the_day_before_it_starts():
    assert period_end(date(2024, 4, 1), months=0) == date(2024, 3, 31)


def test_negative_years_are_rejected():
    with pytest.raises(ValueError, match="negative"):
        period_end(date(2024, 4, 1), years=-1)


def test_negative_months_are_rejected():
    with pytest.raises(ValueError, match="negative"):
        period_end(date(2024, 4, 1), months=-1)


# period_end_not_counting_first_day (初日不算入)


def test_within_one_year_of_purchase_includes_the_anniversary():
    assert period_end_not_counting_first_day(date(2024, 4, 1), years=1) == date(2025, 4, 1)


def test_within_one_month_of_operation_start_includes_the_same_day_next_month():
    assert period_end_not_counting_first_day(date(2024, 4, 10), months=1) == date(2024, 5, 10)


def test_within_one_year_of_28_february_before_a_leap_day_ends_on_the_leap_day():
    # 起算日 2024-02-29 has no corresponding day in 2025, so the period runs to the end of February.
    assert period_end_not_counting_first_day(date(2024, 2, 28), years=1) == date(2025, 2, 28)


def test_within_one_month_of_30_january_ends_at_the_end_of_february():
    assert period_end_not_counting_first_day(date(2024, 1, 30), months=1) == date(2024, 2, 29)


def test_within_two_years_of_the_last_day_of_the_year():
    assert period_end_not_counting_first_day(date(2024, 12, 31), years=2) == date(2026, 12, 31)


def test_not_counting_variant_rejects_negative_lengths():
    with pytest.raises(ValueError, match="negative"):
        period_end_not_counting_first_day(date(2024, 4, 1), years=-2)


# anniversary


def test_anniversary_keeps_month_and_day():
    assert anniversary(date(2024, 4, 1), 3) == date(2027, 4, 1)


def test_anniversary_of_29_february_falls_on_28_february_in_a_common_year():
    assert anniversary(date(2024, 2, 29), 3) == date(2027, 2, 28)


def test_anniversary_of_29_february_stays_on_29_february_in_a_leap_year():
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_anniversary_rejects_negative_years():
    with pytest.raises(ValueError, match="negative"):
        anniversary(date(2024, 4, 1), -1)


# properties


@given(start=starts, years=st.integers(min_value=1, max_value=50))
def test_a_period_of_at_least_one_year_ends_after_it_starts(start: date, years: int):
    assert period_end(start, years=years) > start


@given(start=starts, months=st.integers(min_value=1, max_value=600))
def test_a_period_of_at_least_one_month_ends_after_it_starts(start: date, months: int):
    assert period_end(start, months=months) > start


@given(start=starts, years=st.integers(min_value=0, max_value=50))
def test_twelve_months_make_a_year(start: date, years: int):
    assert period_end(start, months=12 * years) == period_end(start, years=years)


@given(start=starts, years=st.integers(min_value=0, max_value=20), months=st.integers(min_value=0, max_value=36))
def test_not_counting_the_first_day_never_ends_earlier(start: date, years: int, months: int):
    counted = period_end(start, years=years, months=months)
    assert period_end_not_counting_first_day(start, years=years, months=months) >= counted


@given(start=starts, months=st.integers(min_value=1, max_value=600))
def test_the_day_after_the_end_is_the_corresponding_day_when_it_exists(start: date, months: int):
    corresponding = corresponding_day(start, months=months)
    end = period_end(start, months=months)
    if corresponding is None:
        assert (end + timedelta(days=1)).day == 1
    else:
        assert end + timedelta(days=1) == corresponding


@given(start=starts, years=st.integers(min_value=0, max_value=50))
def test_anniversary_is_the_same_month_and_day_except_a_missing_leap_day(start: date, years: int):
    year = start.year + years
    if (start.month, start.day) == (2, 29) and not isleap(year):
        assert anniversary(start, years) == date(year, 2, 28)
    else:
        assert anniversary(start, years) == date(year, start.month, start.day)
