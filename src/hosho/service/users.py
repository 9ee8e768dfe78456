"""Console users: a name, a role and an Argon2id hash of the password (the password itself is never stored).

A password change and a deactivation end every session of the user at once (service.sessions keeps them).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hosho.service.context import Actor, Hosho, Role, ServiceError
from hosho.store import models as m

MIN_PASSWORD_LENGTH = 10
MAX_USERNAME_LENGTH = 80


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: Role
    display_name: str
    retailer_id: int | None

    @property
    def actor(self) -> Actor:
        return Actor(name=f"user:{self.username}", role=self.role, retailer_id=self.retailer_id)


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults


@cache
def _decoy_hash() -> str:
    # Verified when the username is unknown, so that a wrong name takes as long as a wrong password.
    return _hasher().hash("hosho-decoy-password")


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip()


def create_user(
    hosho: Hosho,
    username: str,
    password: str,
    role: Role | str,
    display_name: str,
    retailer: str | None = None,
) -> User:
    """Create a console user; a retailer user belongs to one retailer (by code) and sees only its contracts."""
    name = normalise_username(username)
    role = Role(role)
    if not name or len(name) > MAX_USERNAME_LENGTH or any(ch.isspace() for ch in name):
        raise ServiceError("invalid_request", "username must be 1–80 characters without spaces", field="username")
    _check_password(password)
    if (role is Role.RETAILER) != (retailer is not None):
        raise ServiceError(
            "invalid_request", "a retailer user, and only a retailer user, names its retailer", field="retailer"
        )
    password_hash = _hasher().hash(password)
    try:
        with hosho.transaction() as session:
            retailer_id = None
            if retailer is not None:
                retailer_id = session.execute(
                    select(m.Retailer.id).where(m.Retailer.code == retailer)
                ).scalar_one_or_none()
                if retailer_id is None:
                    raise ServiceError("invalid_request", f"unknown retailer {retailer!r}", field="retailer")
            row = m.User(
                username=name,
                password_hash=password_hash,
                role=role.value,
                retailer_id=retailer_id,
                display_name=display_name.strip() or name,
            )
            session.add(row)
            session.flush()
            return user_of(row)
    except IntegrityError:
        raise ServiceError("conflict", f"user {name!r} already exists", field="username") from None


def set_password(hosho: Hosho, username: str, password: str) -> User:
    """A new password for an existing user: the old one stops working, and every session of the user ends."""
    _check_password(password)
    password_hash = _hasher().hash(password)
    with hosho.transaction() as session:
        row = _existing(session, username)
        row.password_hash = password_hash
        _end_sessions(session, row.id)
        return user_of(row)


def set_active(hosho: Hosho, username: str, active: bool) -> User:
    """Deactivate a user (no sign-in, every session ends at once) or let them sign in again."""
    with hosho.transaction() as session:
        row = _existing(session, username)
        row.active = active
        if not active:
            _end_sessions(session, row.id)
        return user_of(row)


def _existing(session: Session, username: str) -> m.User:
    row = session.execute(select(m.User).where(m.User.username == normalise_username(username))).scalar_one_or_none()
    if row is None:
        raise ServiceError("not_found", f"user {username!r} not found", field="username")
    return row


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(m.ConsoleSession).where(m.ConsoleSession.user_id == user_id))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            "invalid_request", f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def authenticate_user(hosho: Hosho, username: str, password: str) -> User | None:
    """The user when the password matches, else None (the same answer, and about the same time, for any miss)."""
    name = normalise_username(username)
    with hosho.reading() as session:
        row = session.execute(select(m.User).where(m.User.username == name)).scalar_one_or_none()
    hasher = _hasher()
    try:
        hasher.verify(row.password_hash if row is not None else _decoy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if hasher.check_needs_rehash(row.password_hash):
        with hosho.transaction() as session:
            stored = session.get(m.User, row.id)
            if stored is not None:
                stored.password_hash = hasher.hash(password)
    return user_of(row)


def get_user(hosho: Hosho, user_id: int) -> User | None:
    with hosho.reading() as session:
        row = session.get(m.User, user_id)
        return user_of(row) if row is not None else None


def user_of(row: m.User) -> User:
    return User(row.id, row.username, Role(row.role), row.display_name, row.retailer_id)
