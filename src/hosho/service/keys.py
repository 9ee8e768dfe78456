"""API keys: shown once, stored as a SHA-256 of a 256-bit secret (no slow hash is needed at that entropy)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hosho.domain.calendar import to_jst
from hosho.service.context import Actor, Hosho, Role, ServiceError
from hosho.store import models as m

PREFIX = "hsk"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(hosho: Hosho, *, role: Role, name: str, retailer: str | None = None) -> str:
    """Create a key and return it in full; only its prefix and hash are kept."""
    if role is Role.RETAILER and retailer is None:
        raise ServiceError("invalid_request", "a retailer key needs its retailer code", field="retailer")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with hosho.transaction() as session:
        retailer_id = None
        if retailer is not None:
            retailer_id = session.execute(select(m.Retailer.id).where(m.Retailer.code == retailer)).scalar_one_or_none()
            if retailer_id is None:
                raise ServiceError("invalid_request", f"unknown retailer {retailer!r}", field="retailer")
        session.add(
            m.ApiKey(
                prefix=prefix,
                secret_hash=_digest(secret),
                role=role.value,
                retailer_id=retailer_id,
                name=name,
                created_at=hosho.clock(),
            )
        )
    return f"{PREFIX}_{prefix}_{secret}"


def authenticate(hosho: Hosho, presented: str) -> Actor | None:
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    _, prefix, secret = parts
    with hosho.reading() as session:
        key = session.execute(select(m.ApiKey).where(m.ApiKey.prefix == prefix)).scalar_one_or_none()
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, _digest(secret)):
        return None
    return Actor(name=f"key:{key.name}", role=Role(key.role), retailer_id=key.retailer_id)


def ensure_retailer(hosho: Hosho, *, code: str, name: str) -> int:
    with hosho.transaction() as session:
        found = session.execute(select(m.Retailer.id).where(m.Retailer.code == code)).scalar_one_or_none()
        if found is not None:
            return found
        retailer = m.Retailer(code=code, name=name)
        session.add(retailer)
        session.flush()
        return retailer.id


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown of a key: never its secret nor its hash."""

    id: int
    prefix: str
    name: str
    role: str
    retailer: str | None  # the retailer's code
    created_at: datetime  # JST
    revoked_at: datetime | None


def _infos(session: Session, query: Select[m.ApiKey, str]) -> list[KeyInfo]:
    # SQLite gives back the JST wall-clock time it was given, without its zone: to_jst puts the zone back.
    infos = []
    for key, code in session.execute(query).all():
        revoked = to_jst(key.revoked_at) if key.revoked_at is not None else None
        infos.append(KeyInfo(key.id, key.prefix, key.name, key.role, code, to_jst(key.created_at), revoked))
    return infos


def _with_retailer() -> Select[m.ApiKey, str]:
    return select(m.ApiKey, m.Retailer.code).outerjoin(m.Retailer, m.Retailer.id == m.ApiKey.retailer_id)


def list_keys(hosho: Hosho) -> list[KeyInfo]:
    """Every key, revoked ones too, oldest first."""
    with hosho.reading() as session:
        return _infos(session, _with_retailer().order_by(m.ApiKey.id))


def revoke(hosho: Hosho, which: str) -> list[tuple[KeyInfo, bool]]:
    """Revoke the key with this id, prefix (or whole key) or name: each key found, and whether this call revoked it.

    A name that several live keys share is refused (`ambiguous`): the caller names one by its id. Revoking a
    revoked key changes nothing. Running servers stop accepting a key within a minute (api.auth.KeyCache).
    """
    which = which.strip()
    parts = which.split("_", 2)
    with hosho.transaction() as session:
        query = _with_retailer()
        if which.isdigit():
            query = query.where(m.ApiKey.id == int(which))
        elif len(parts) == 3 and parts[0] == PREFIX:
            query = query.where(m.ApiKey.prefix == parts[1])
        else:
            query = query.where((m.ApiKey.name == which) | (m.ApiKey.prefix == which))
        found = [key for key, _ in session.execute(query.order_by(m.ApiKey.id)).all()]
        if not found:
            raise ServiceError("not_found", f"no API key has the id, prefix or name {which!r}")
        live = [key for key in found if key.revoked_at is None]
        if len(live) > 1:
            ids = ", ".join(str(key.id) for key in live)
            raise ServiceError("ambiguous", f"{len(live)} live keys are named {which!r} (ids {ids}): give an id")
        for key in live:
            key.revoked_at = hosho.clock()
        session.flush()
        now_revoked = {key.id for key in live}
        infos = _infos(
            session, _with_retailer().where(m.ApiKey.id.in_([key.id for key in found])).order_by(m.ApiKey.id)
        )
        return [(info, info.id in now_revoked) for info in infos]


def revoke_named(hosho: Hosho, name: str) -> int:
    """Revoke every live key of this name (the demo's key at each start); returns how many."""
    with hosho.transaction() as session:
        live = session.execute(select(m.ApiKey).where(m.ApiKey.name == name, m.ApiKey.revoked_at.is_(None)))
        revoked = 0
        for key in live.scalars():
            key.revoked_at = hosho.clock()
            revoked += 1
        return revoked


def revoke_key(hosho: Hosho, *, prefix: str) -> bool:
    """Revoke by the key's prefix (the part after `hsk_`); running servers stop accepting it within a minute."""
    with hosho.transaction() as session:
        key = session.execute(select(m.ApiKey).where(m.ApiKey.prefix == prefix)).scalar_one_or_none()
        if key is None or key.revoked_at is not None:
            return False
        key.revoked_at = hosho.clock()
        return True
