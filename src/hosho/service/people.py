"""Who someone is, in words people use: a console user's display name, a retailer's name (not its code)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from hosho.geo.postal import InvalidPostalCode, UnknownPostalCode, default_directory
from hosho.service.context import Hosho, ServiceError
from hosho.service.views import certificate_display
from hosho.store import models as m

USER = "user:"
KEY = "key:"


def display_names(hosho: Hosho, actors: Iterable[str]) -> dict[str, str]:
    """The display name of each `user:NAME` actor that is a console user (others are absent from the answer)."""
    usernames = {actor.removeprefix(USER) for actor in actors if actor.startswith(USER)}
    if not usernames:
        return {}
    with hosho.reading() as session:
        rows = session.execute(
            select(m.User.username, m.User.display_name).where(m.User.username.in_(sorted(usernames)))
        ).all()
    return {f"{USER}{username}": name for username, name in rows}


def retailer_name(hosho: Hosho, code: str | None) -> str | None:
    """The retailer's name, or its code when it has none on record."""
    if code is None:
        return None
    with hosho.reading() as session:
        name = session.execute(select(m.Retailer.name).where(m.Retailer.code == code)).scalar_one_or_none()
    return name or code


def contract_names(hosho: Hosho, contract_ids: Iterable[int]) -> dict[int, tuple[str | None, str]]:
    """Each contract's certificate number (as printed) and subscriber's name: how callers name their contract."""
    wanted = sorted(set(contract_ids))
    if not wanted:
        return {}
    c, s = m.Contract, m.Subscriber
    with hosho.reading() as session:
        rows = session.execute(
            select(c.id, c.certificate_number, s.name).join(s, s.id == c.subscriber_id).where(c.id.in_(wanted))
        ).all()
    return {contract_id: (certificate_display(number), name) for contract_id, number, name in rows}


def postal_area(postal_code: str) -> str:
    """The area Japan Post gives a postal code (東京都千代田区千代田), to start an address with."""
    try:
        area = default_directory().lookup(postal_code)
    except (InvalidPostalCode, UnknownPostalCode) as error:
        raise ServiceError("invalid_request", str(error), field="postal_code") from None
    return f"{area.prefecture}{area.city}{area.town}"
