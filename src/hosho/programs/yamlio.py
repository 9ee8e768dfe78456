"""Strict YAML 1.2 reading with line numbers, shared by every loader (programs, scenarios, data files).

Dates stay strings here, so that an impossible date is reported by the schema with its line instead of
failing inside the YAML parser; duplicate keys are errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves timestamps as text (the schema parses and reports them)."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class LoadError(Exception):
    """One or more problems in input files; each names its file, line and reason."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(slots=True)
class Document:
    """Plain Python data of one YAML file plus the line of every node, by its path from the root."""

    path: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, location: Iterable[str | int]) -> int | None:
        """The line of the deepest node along `location` that the file has (pydantic locations included)."""
        key: Path_ = ()
        best = self.lines.get((), None)
        for part in location:
            key = (*key, part)
            if key in self.lines:
                best = self.lines[key]
        return best


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return yaml


def read_yaml(path: Path, *, display: str | None = None) -> Document:
    """Parse one file; raise LoadError (with the line) on unreadable, non-UTF-8 or malformed YAML."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError([Problem(name, None, f"cannot read: {exc}")]) from exc
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> Document:
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(str(exc.problem or exc.context or "malformed YAML").split())
        raise LoadError([Problem(name, line, f"not valid YAML: {reason}")]) from exc
    except (YAMLError, ValueError) as exc:
        raise LoadError([Problem(name, None, f"not valid YAML: {exc}")]) from exc
    document = Document(name, None)
    document.lines[()] = 1
    document.data = _plain(node, (), document.lines)
    return document


def _plain(node: Any, path: Path_, lines: dict[Path_, int]) -> Any:
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key, value in node.items():
            child = (*path, str(key))
            line, _column = node.lc.key(key)
            lines[child] = line + 1
            out[str(key)] = _plain(value, child, lines)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            line, _column = node.lc.item(index)
            lines[child] = line + 1
            items.append(_plain(value, child, lines))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def validate(model: type[M], document: Document, data: Any = None) -> M:
    """Validate against a pydantic model; every error becomes a Problem with the file and line."""
    try:
        return model.model_validate(document.data if data is None else data)
    except ValidationError as exc:
        raise LoadError(problems_from(exc, document)) from exc


def problems_from(exc: ValidationError, document: Document, prefix: Sequence[str | int] = ()) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        location = (*prefix, *error["loc"])
        shown = ".".join(str(part) for part in location) or "(file)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(Problem(document.path, document.line_of(location), f"{shown}: {message}"))
    return problems


def check_keys(value: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    return sorted(set(value) - set(allowed))
