"""API keys: shown once, stored as a SHA-256 of a 256-bit secret (no slow hash is needed at that entropy)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

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


def revoke_key(hosho: Hosho, *, prefix: str) -> bool:
    """Revoke by the key's prefix (the part after `hsk_`); running servers stop accepting it within a minute."""
    with hosho.transaction() as session:
        key = session.execute(select(m.ApiKey).where(m.ApiKey.prefix == prefix)).scalar_one_or_none()
        if key is None or key.revoked_at is not None:
            return False
        key.revoked_at = hosho.clock()
        return True
