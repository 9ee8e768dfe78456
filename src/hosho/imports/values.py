"""Values as retailers write them in their files (import.md): dates with 和暦, full-width digits, yen with 円.

Each reader returns the value or raises `ValueError` with a message in Japanese, for the rejects file.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

# Era, its first day, and the Latin initial used in short forms (R6.4.1).
ERAS = (
    ("令和", date(2019, 5, 1), "R"),
    ("平成", date(1989, 1, 8), "H"),
    ("昭和", date(1926, 12, 25), "S"),
    ("大正", date(1912, 7, 30), "T"),
    ("明治", date(1868, 1, 25), "M"),
)
_BY_NAME = {name: first for name, first, _ in ERAS}
_BY_INITIAL = {initial: first for _, first, initial in ERAS}

_WIDE_DIGITS = str.maketrans("０１２３４５６７８９／．－，", "0123456789/.-,")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASHED = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_ERA_KANJI = re.compile(r"(令和|平成|昭和|大正|明治)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日")
_ERA_SHORT = re.compile(r"([RHSTM])(\d{1,2}|元)[./](\d{1,2})[./](\d{1,2})")


def narrow(text: str) -> str:
    """Full-width digits and their punctuation as ASCII (nothing else changes: names are stored as written)."""
    return text.translate(_WIDE_DIGITS)


@lru_cache(maxsize=4096)  # a file repeats its few sale dates on every line
def read_date(text: str) -> date:
    """2024-04-01, 2024/4/1, 令和6年4月1日, R6.4.1, R6/4/1 (元年 too)."""
    value = narrow(text.strip()).upper() if text.strip()[:1].isascii() else narrow(text.strip())
    for pattern in (_ISO, _SLASHED):
        found = pattern.fullmatch(value)
        if found:
            return _day(int(found[1]), int(found[2]), int(found[3]), text)
    found = _ERA_KANJI.fullmatch(value)
    first = _BY_NAME.get(found[1]) if found else None
    if found is None:
        found = _ERA_SHORT.fullmatch(value)
        first = _BY_INITIAL.get(found[1]) if found else None
    if found is None or first is None:
        raise ValueError(f"「{text}」は日付として読めません(例: 2024-04-01、令和6年4月1日、R6.4.1)")
    year_of_era = 1 if found[2] == "元" else int(found[2])
    if year_of_era < 1:
        raise ValueError(f"「{text}」の年が正しくありません")
    day = _day(first.year + year_of_era - 1, int(found[3]), int(found[4]), text)
    era_end = next((later for _, later, _ in reversed(ERAS) if later > first), None)
    if day < first or (era_end is not None and day >= era_end):
        raise ValueError(f"「{text}」はその元号の期間にない日付です")
    return day


def _day(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"「{text}」は暦にない日付です") from None


def read_yen(text: str) -> int:
    """12,345 or １２，３４５円: whole yen, not negative."""
    value = narrow(text.strip()).replace(",", "").removesuffix("円").strip()
    if not value.isascii() or not value.isdigit():
        raise ValueError(f"「{text}」は金額(円、0以上の整数)として読めません")
    return int(value)


def read_count(text: str) -> int:
    """A whole number such as months, full-width digits allowed."""
    value = narrow(text.strip())
    if not value.isascii() or not value.isdigit():
        raise ValueError(f"「{text}」は0以上の整数として読めません")
    return int(value)
