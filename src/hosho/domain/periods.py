"""Period arithmetic under the Civil Code (民法第140条・第143条).

A period of years or months is counted in calendar units, not in days. It ends on the day before the day
that corresponds to its first counted day (起算日) in the last month; when that month has no such day
(29, 30 or 31), it ends on the last day of that month (民法第143条第2項). "Within N years from an event" does
not count the day of the event, because the event happens part-way through it (初日不算入, 民法第140条).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

_ONE_DAY = timedelta(days=1)
_MONTHS_PER_YEAR = 12


def _total_months(years: int, months: int) -> int:
    if years < 0 or months < 0:
        raise ValueError(f"a period cannot be negative: years={years}, months={months}")
    return years * _MONTHS_PER_YEAR + months


def _shift_month(start: date, total_months: int) -> tuple[int, int]:
    """Year and month `total_months` after the month of `start`."""
    index = start.year * _MONTHS_PER_YEAR + (start.month - 1) + total_months
    year, month_index = divmod(index, _MONTHS_PER_YEAR)
    return year, month_index + 1


def _last_day_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=8192)  # pure: a file's contracts share a few thousand days (the import's speed)
def corresponding_day(start: date, *, years: int = 0, months: int = 0) -> date | None:
    """The day with the same day-of-month as `start`, `years` and `months` later (応当日).

    None when that month has no such day: 31 January + 1 month, 29 February + 1 year.
    """
    year, month = _shift_month(start, _total_months(years, months))
    if start.day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, start.day)


@lru_cache(maxsize=8192)  # pure: a file's contracts share a few thousand days (the import's speed)
def period_end(start: date, *, years: int = 0, months: int = 0) -> date:
    """Last day of a period of `years` and `months` whose first counted day (起算日) is `start`.

    民法第143条第2項: the day before the corresponding day, or the last day of the final month when the
    corresponding day does not exist. A zero-length period ends the day before it starts (an empty period), so
    "the day after the end" is still `start`; this keeps a maker warranty of 0 months meaningful.
    """
    total = _total_months(years, months)
    corresponding = corresponding_day(start, months=total)
    if corresponding is None:
        return _last_day_of_month(*_shift_month(start, total))
    return corresponding - _ONE_DAY


@lru_cache(maxsize=8192)  # pure: a file's contracts share a few thousand days (the import's speed)
def period_end_not_counting_first_day(event_day: date, *, years: int = 0, months: int = 0) -> date:
    """Last day of "within `years`/`months` from `event_day`" where the event day is not counted.

    民法第140条 (初日不算入): the event happens during `event_day`, so the period starts the next day.
    Bought 2024-04-01, within 1 year → up to 2025-04-01.
    """
    _total_months(years, months)  # validate before shifting the day, so the error names the lengths
    return period_end(event_day + _ONE_DAY, years=years, months=months)


@lru_cache(maxsize=8192)  # pure: a file's contracts share a few thousand days (the import's speed)
def anniversary(d: date, years: int) -> date:
    """The same month and day `years` later; 29 February falls on 28 February in a common year."""
    corresponding = corresponding_day(d, years=years)
    if corresponding is None:
        # Only 29 February can be missing a year later; its month ends on the 28th.
        return _last_day_of_month(*_shift_month(d, years * _MONTHS_PER_YEAR))
    return corresponding
