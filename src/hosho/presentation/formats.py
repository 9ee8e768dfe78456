"""Yen, dates, times and date-times as people read them, one way everywhere: 12,345円, 2026年12月4日(金), 14:05.

A date may be written in the Western calendar (西暦, the default) or in the Japanese era calendar (和暦,
令和8年12月4日(金)); `DateStyle` chooses, so that a user setting can choose later. Nothing else varies.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache

import jaconv
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


def case_name(number: int, subscriber: str | None, certificate_number: str | None, contract_id: int) -> str:
    """A repair case as callers name it: 山田 太郎 様 ・ 加入者証番号 ZEST-2024-00000001-7 ・ 1件目のご依頼.

    A contract not yet paid has no certificate: its contract number stands in, and says so.
    """
    which = f"加入者証番号 {certificate_number}" if certificate_number else f"契約番号 {contract_id}(加入者証未発行)"
    parts = ([f"{subscriber} 様"] if subscriber else []) + [which, f"{number}件目のご依頼"]
    return " ・ ".join(parts)


# Separators people type in a telephone number (after NFKC: any width of hyphen or dash, spaces, brackets).
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー()]+")
# How a number typed without separators is grouped, by its leading digits (総務省's numbering plan): mobile and IP
# phones 3-4-4, free dial and navi-dial 4-3-3, Tokyo and Osaka 2-4-4. Other area codes have 2 to 5 digits and
# cannot be told apart from the number alone: those numbers are shown as typed, digits only.
_GROUPS = (
    (("070", "080", "090", "050", "020", "060"), 11, (3, 4, 4)),
    (("0120", "0570"), 10, (4, 3, 3)),
    (("0800",), 11, (4, 3, 4)),
    (("03", "06"), 10, (2, 4, 4)),
)


def phone(text: str | None) -> str:
    """A telephone number in half-width digits with hyphens (090-1234-5678), however it was typed.

    The groups typed are kept (０３（１２３４）５６７８ is 03-1234-5678); a number typed without them is grouped
    where its leading digits say how, else shown as its digits.
    """
    if not text:
        return MISSING
    folded = unicodedata.normalize("NFKC", text).strip()
    plus = folded.startswith("+")
    groups = [group for group in _PHONE_SEPARATORS.split(folded.lstrip("+")) if group]
    if not groups or not all(group.isdigit() for group in groups):
        return folded  # not a number as the terms read one (kept as typed rather than guessed at)
    if len(groups) == 1:
        digits = groups[0]
        for prefixes, length, sizes in _GROUPS:
            if len(digits) == length and digits.startswith(prefixes):
                groups, start = [], 0
                for size in sizes:
                    groups.append(digits[start : start + size])
                    start += size
                break
    return ("+" if plus else "") + "-".join(groups)


def postal(code: str | None) -> str:
    """〒100-0001 from the 7 digits a postal code is kept as (anything else is shown as it was kept)."""
    if not code:
        return MISSING
    folded = unicodedata.normalize("NFKC", code).strip().removeprefix("〒").replace("-", "")
    return f"〒{folded[:3]}-{folded[3:]}" if len(folded) == 7 and folded.isdigit() else f"〒{code}"


def kana(text: str | None) -> str:
    """Furigana in full-width katakana (ヤマダ タロウ), typed in hiragana or half-width kana alike."""
    if not text:
        return MISSING
    wide = unicodedata.normalize("NFKC", text)  # half-width kana and spaces made full-width kana and one space
    return " ".join(jaconv.hira2kata(wide).split())


@lru_cache(maxsize=4096)
def _era_year(y: int, m: int, d: int) -> tuple[str, int]:
    era = EraDate.from_date(date(y, m, d)).era
    return str(era.kanji), y - int(era.since.year) + 1
