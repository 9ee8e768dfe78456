"""A subscriber's contact details as the terms need them: a telephone number that can be called back."""

from __future__ import annotations

import re
import unicodedata

from hosho.domain.contract import DomainError

# Digits with the separators people write: hyphens (any width, after NFKC), spaces, parentheses, a leading +.
_PHONE = re.compile(r"\+?[0-9()\s\-‐‑‒–—―−ー]+")
# A Japanese number has 10 digits (固定電話 03-1234-5678) or 11 (携帯 090-1234-5678, 050 IP phones); +81 and no
# leading 0 is one more than the national form. E.164 allows 15 for a number abroad.
PHONE_DIGITS = (10, 15)
_NOT_ASCII_DIGIT = re.compile(r"[^0-9]")  # what is left is the number's digits (one pass in C)


def check_phone(text: str, *, field: str, code: str) -> str:
    """The number's digits, or DomainError naming the field: digits and separators only, 10 to 15 digits."""
    folded = unicodedata.normalize("NFKC", text).strip()
    digits = _NOT_ASCII_DIGIT.sub("", folded)
    low, high = PHONE_DIGITS
    if not _PHONE.fullmatch(folded) or not low <= len(digits) <= high:
        raise DomainError(
            code,
            f"a telephone number holds {low} to {high} digits, with hyphens, spaces or a leading + only",
            field=field,
        )
    return digits
