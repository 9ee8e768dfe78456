"""Yen, dates, times and date-times as people read them, one way everywhere: 12,345円, 2026年12月4日(金), 14:05.

A date may be written in the Western calendar (西暦, the default) or in the Japanese era calendar (和暦,
令和8年12月4日(金)); `DateStyle` chooses, so that a user setting can choose later. Nothing else varies.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache

from japanera import EraDate

from hosho.domain.calendar import JST

WEEKDAYS = "月火水木金土日"
# What a page shows where a value is absent (no end date yet, no amount estimated).
MISSING = "—"
# Japan took the Gregorian calendar on 明治6年1月1日: before it an era date's month and day were lunar ones, which a
# Gregorian date cannot be written as. Such dates (no contract has one) are written in the Western calendar.
GREGORIAN_SINCE = date(1873, 1, 1)


class DateStyle(StrEnum):
    SEIREKI = "seireki"  # 西暦: 2026年12月4日(金)
    WAREKI = "wareki"  # 和暦: 令和8年12月4日(金)


def yen(amount: int | None) -> str:
    """12,345円. Amounts are integer yen (domain/money.py): a float here is a bug upstream, refused."""
    if amount is None:
        return MISSING
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"yen must be an int, not {type(amount).__name__}")
    return f"{amount:,}円"


def weekday(d: date) -> str:
    return WEEKDAYS[d.weekday()]


def year(d: date, style: DateStyle = DateStyle.SEIREKI) -> str:
    """2026年, or in 和暦 令和8年; the first year of an era is 元年 (令和元年), as it is always written."""
    if style == DateStyle.SEIREKI or d < GREGORIAN_SINCE:
        return f"{d.year}年"
    DateStyle(style)  # a setting's text is a style too; an unknown one is refused
    era, number = _era_year(d.year, d.month, d.day)
    return f"{era}{'元' if number == 1 else number}年"


def day(d: date | None, style: DateStyle = DateStyle.SEIREKI) -> str:
    """2026年12月4日(金): the one way a date is written to people (with the weekday: agents read it out).

    A date-time is written as its day in Japan: 2026-12-04 23:30 UTC is 2026年12月5日(土).
    """
    if d is None:
        return MISSING
    if isinstance(d, datetime):
        d = (d.astimezone(JST) if d.tzinfo is not None else d).date()
    return f"{year(d, style)}{d.month}月{d.day}日({weekday(d)})"


def clock(t: time | datetime) -> str:
    """14:05, on the 24-hour clock; a date-time with a zone is read in Japan's time first."""
    if isinstance(t, datetime) and t.tzinfo is not None:
        t = t.astimezone(JST)
    return f"{t:%H:%M}"


def moment(t: datetime | None, style: DateStyle = DateStyle.SEIREKI) -> str:
    """2026年12月4日(金) 14:05, in Japan's time (a zone-less date-time is taken to be in it already)."""
    if t is None:
        return MISSING
    if t.tzinfo is not None:
        t = t.astimezone(JST)
    return f"{day(t.date(), style)} {clock(t)}"


@lru_cache(maxsize=4096)
def _era_year(y: int, m: int, d: int) -> tuple[str, int]:
    era = EraDate.from_date(date(y, m, d)).era
    return str(era.kanji), y - int(era.since.year) + 1
