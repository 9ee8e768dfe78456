"""A console user's own settings. Today one: how dates are written to them, 西暦 (the default) or 和暦."""

from __future__ import annotations

from sqlalchemy import select

from hosho.presentation.formats import DateStyle
from hosho.service.context import Hosho, ServiceError
from hosho.store import models as m


def date_style(hosho: Hosho, user_id: int) -> DateStyle:
    """The user's choice, or 西暦 when they never chose."""
    with hosho.reading() as session:
        stored = session.execute(
            select(m.UserPreference.date_style).where(m.UserPreference.user_id == user_id)
        ).scalar_one_or_none()
    try:
        return DateStyle(stored) if stored is not None else DateStyle.SEIREKI
    except ValueError:  # a style a later version may add, read by this one
        return DateStyle.SEIREKI


def set_date_style(hosho: Hosho, user_id: int, style: str) -> DateStyle:
    try:
        chosen = DateStyle(style)
    except ValueError:
        raise ServiceError("invalid_request", "date_style must be seireki or wareki", field="date_style") from None
    with hosho.transaction() as session:
        if session.get(m.User, user_id) is None:
            raise ServiceError("not_found", "no such user")
        row = session.get(m.UserPreference, user_id)
        if row is None:
            session.add(m.UserPreference(user_id=user_id, date_style=chosen.value))
        else:
            row.date_style = chosen.value
    return chosen
