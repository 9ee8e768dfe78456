"""Normalised keys so that a caller's 'ﾔﾏﾀﾞ ﾀﾛｳ', 'やまだ たろう' and '山田 太郎' find what was stored.

NFKC can make a key longer than its text ('㍿' is 株式会社, 'ﷺ' eighteen letters): every key is cut to the length
of the column that stores it, for what is stored and what is searched alike, so that any text the command types
accept fits, and a key of maximal length still finds itself (a name is searched by prefix, the others by equality).
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

from hosho.service.commands import column_length
from hosho.store import models as m

NAME_KEY = column_length(m.Subscriber.name_key)
KANA_KEY = column_length(m.Subscriber.kana_key)
PHONE_KEY = column_length(m.Subscriber.phone_key)
SERIAL_KEY = column_length(m.Equipment.serial_key)

# Spaces, middle dots and control characters (never part of a name; PostgreSQL refuses NUL in a query).
_SEPARATORS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\-‐‑‒–—―−ー－ｰ・･]")
_SPACES = re.compile(r"[\s\x00-\x1f\x7f-\x9f・･]+")


def name_key(text: str) -> str:
    """Kanji or kana name: width-folded (NFKC), hiragana as katakana, no spaces, lower case."""
    folded = unicodedata.normalize("NFKC", text)
    return jaconv.hira2kata(_SPACES.sub("", folded)).lower()[:NAME_KEY]


def is_kana(key: str) -> bool:
    """A name key written in kana only (name_key has turned hiragana into katakana): a furigana search."""
    return bool(key) and all("\u30a1" <= ch <= "\u30ff" for ch in key)


def kana_key(name: str, name_kana: str | None, *, key: str | None = None) -> str | None:
    """What a search in kana matches: the furigana, or the name itself when it is written in kana.

    `key` is `name_key(name)` when the caller has it already (an enrolment stores both)."""
    if name_kana:
        return name_key(name_kana)[:KANA_KEY]
    if key is None:
        key = name_key(name)
    return key[:KANA_KEY] if is_kana(key) else None


def phone_key(text: str) -> str:
    """Digits only: '０９０-１２３４-５６７８' and '09012345678' are the same number."""
    return "".join(filter(str.isdigit, unicodedata.normalize("NFKC", text)))[:PHONE_KEY]


def code_key(text: str) -> str:
    """Certificate and serial numbers: width-folded, upper case, hyphens and spaces removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()[:SERIAL_KEY]


def prefix_upper_bound(prefix: str) -> str:
    """For `key >= prefix AND key < bound`: an index range scan on both SQLite and PostgreSQL."""
    return prefix + "\U0010ffff"
