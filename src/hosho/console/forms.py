"""Reading the console's form fields, with the problems said in Japanese next to the field they concern."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hosho.domain.calendar import JST
from hosho.service.commands import YEN_MAX
from hosho.service.context import ServiceError


class FormErrors(dict[str, str]):
    """Field name → message; every problem is collected before the form is shown again."""


def local_datetime(errors: FormErrors, name: str, value: str, label: str) -> datetime | None:
    """A `datetime-local` value (YYYY-MM-DDTHH:MM), read as Japan time."""
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=JST)
    except ValueError:
        errors[name] = f"{label}を「2026-02-10 11:00」の形で入力してください。"
        return None


def day(errors: FormErrors, name: str, value: str, label: str, *, required: bool = True) -> date | None:
    if not value.strip():
        if required:
            errors[name] = f"{label}を入力してください。"
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[name] = f"{label}を「2026-02-10」の形で入力してください。"
        return None


def yen(errors: FormErrors, name: str, value: str, label: str) -> int | None:
    """An amount in whole yen; full-width digits and thousands separators are accepted."""
    text = (
        value.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace(",", "").replace("，", "")
    )
    text = text.removesuffix("円")
    if not text:
        return None
    if not re.fullmatch(r"[0-9]+", text):
        errors[name] = f"{label}は0以上の整数(円)で入力してください。"
        return None
    # Compared as text first: Python refuses to read an integer of more than 4,300 digits.
    if len(text.lstrip("0")) > len(str(YEN_MAX)) or int(text) > YEN_MAX:
        errors[name] = f"{label}は{YEN_MAX:,}円以下で入力してください。"
        return None
    return int(text)


def metres(errors: FormErrors, name: str, value: str, label: str) -> Decimal | None:
    text = value.strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number < 0 or number > 1000:
        errors[name] = f"{label}は0以上の数(メートル)で入力してください。"
        return None
    return number


def choice(errors: FormErrors, name: str, value: str, allowed: dict[str, str] | set[str], label: str) -> str | None:
    if value not in allowed:
        errors[name] = f"{label}を選んでください。"
        return None
    return value


Built = TypeVar("Built", bound=BaseModel)


def command(
    errors: FormErrors, kind: type[Built], values: dict[str, Any], labels: dict[str, tuple[str, str]]
) -> Built | None:
    """The service's command from the form's values; what the command refuses is said next to its form field.

    `labels` maps a command field to (form field, Japanese label). Problems already found by the readers above
    keep their own words; the command only adds those they cannot see (a text too long, say).
    """
    if errors:
        return None
    try:
        return kind(**values)
    except ValidationError as error:
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else ""
            name, label = labels.get(field, (field, "入力内容"))
            errors.setdefault(name, f"{label}をご確認ください。")
        return None


def refused(errors: FormErrors, error: ServiceError, labels: dict[str, tuple[str, str]]) -> bool:
    """A refusal of the request itself (not of the terms) shown next to its field; False when it names none."""
    if error.code != "invalid_request":
        return False
    fields = [field for field, _ in error.errors] or ([error.field] if error.field else [])
    known = [field for field in fields if field.split(".")[0] in labels]
    for field in known:
        name, label = labels[field.split(".")[0]]
        errors.setdefault(name, f"{label}をご確認ください。")
    return bool(known)
