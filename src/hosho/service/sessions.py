"""Console sign-in and sessions, kept in the database so that every worker sees the same state at once.

A signed-in session is a row of `console_sessions`: the browser holds a random token, the row its SHA-256 only.
Signing out deletes the row; a password change or a deactivation deletes all of the user's rows (service.users).
A session ends after `idle` without a request and `absolute` after signing in (settings.SessionSettings).

Sign-in is throttled per user name (as typed, whether or not such a user exists, so that the throttle tells
nothing about which names exist) and per client address: failures in a row make the next attempt wait, then
lock the name or address for a while. While throttled the password is not even checked. Failed sign-ins are
logged with the user name and the address, never the password.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hosho.domain.calendar import JST
from hosho.service import users
from hosho.service.context import Hosho, ServiceError
from hosho.settings import SessionSettings
from hosho.store import models as m

logger = logging.getLogger("hosho.signin")

USER, ADDRESS = "user", "address"
MAX_DELAY = timedelta(minutes=1)  # the rising delay before a lock never asks for more than this
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often (idle timeouts are ± this)
SUBJECT_LENGTH = 200  # the column's length: a longer name typed shares the counter of its first 200 characters


class SignInThrottled(ServiceError):
    """Too many failures in a row for this user name or this address: try again at `until`."""

    def __init__(self, scope: str, until: datetime, now: datetime, *, locked: bool):
        super().__init__("throttled", f"too many failed sign-ins for this {scope}; try again later")
        self.scope, self.until, self.locked = scope, until, locked
        self.retry_after = max(1, math.ceil((until - now).total_seconds()))


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: users.User
    token: str  # for the cookie only: the database holds its hash


def sign_in(hosho: Hosho, settings: SessionSettings, *, username: str, password: str, address: str) -> SignedIn | None:
    """A new session when the password is right; None when it is wrong; SignInThrottled while throttled.

    The failure that reaches the lock raises SignInThrottled too, so the user learns at once when it lifts.
    """
    name = _subject(username)
    address = _subject(address or "unknown")
    subjects = ((USER, name, settings.user_lock_after), (ADDRESS, address, settings.address_lock_after))
    now = _jst(hosho.clock())
    with hosho.reading() as session:
        counters = {
            row.scope: row
            for row in session.execute(
                select(m.SignInFailures).where(
                    ((m.SignInFailures.scope == USER) & (m.SignInFailures.subject == name))
                    | ((m.SignInFailures.scope == ADDRESS) & (m.SignInFailures.subject == address))
                )
            ).scalars()
        }
    for scope, _, lock_after in subjects:
        row = counters.get(scope)
        if row is None:
            continue
        failures = _failures(row, now, settings)
        until = _jst(row.last_failure_at) + wait_after(failures, lock_after, settings)
        if until > now:
            logger.warning(
                "sign-in refused for user %r from %s: %s throttled until %s", name, address, scope, until.isoformat()
            )
            raise SignInThrottled(scope, until, now, locked=failures >= lock_after)

    user = users.authenticate_user(hosho, username, password)
    if user is None:
        _failed(hosho, settings, subjects, now)
        return None
    token = secrets.token_urlsafe(32)
    with hosho.transaction() as session:
        session.execute(
            delete(m.SignInFailures).where(m.SignInFailures.scope == USER, m.SignInFailures.subject == name)
        )
        # Sessions past their absolute limit are of no use to anyone: each sign-in sweeps them away.
        session.execute(delete(m.ConsoleSession).where(m.ConsoleSession.created_at < now - settings.absolute))
        session.add(m.ConsoleSession(token_hash=_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    return SignedIn(user, token)


def wait_after(failures: int, lock_after: int, settings: SessionSettings) -> timedelta:
    """How long the next attempt waits after `failures` in a row: nothing for the first half, then rising."""
    if failures >= lock_after:
        return settings.lock
    free = lock_after // 2
    if failures <= free:
        return timedelta(0)
    rising: timedelta = settings.delay * 2 ** (failures - free - 1)
    return min(rising, MAX_DELAY)


def _failed(hosho: Hosho, settings: SessionSettings, subjects: tuple[tuple[str, str, int], ...], now: datetime) -> None:
    """Count the failure for the name and the address; log it; raise SignInThrottled when it reaches a lock."""
    counts = _count_failures(hosho, settings, subjects, now)
    name, address = subjects[0][1], subjects[1][1]
    logger.warning(
        "sign-in failed for user %r from %s (%d in a row for the user, %d for the address)",
        name,
        address,
        counts[USER],
        counts[ADDRESS],
    )
    for scope, _, lock_after in subjects:
        if counts[scope] >= lock_after:
            logger.warning("sign-in locked: %s after %d failures, user %r from %s", scope, counts[scope], name, address)
            raise SignInThrottled(scope, now + settings.lock, now, locked=True)


def _count_failures(
    hosho: Hosho, settings: SessionSettings, subjects: tuple[tuple[str, str, int], ...], now: datetime
) -> dict[str, int]:
    retries = 2  # another worker may insert the same new counter first (PostgreSQL): then count again
    while True:
        try:
            with hosho.transaction() as session:
                counts = {scope: _count_failure(session, scope, name, now, settings) for scope, name, _ in subjects}
                # Counters whose last failure is `lock` old count nothing any more: each failure sweeps them away.
                stale = m.SignInFailures.last_failure_at < now - settings.lock
                session.execute(delete(m.SignInFailures).where(stale))
            return counts
        except IntegrityError:
            if not retries:
                raise
            retries -= 1


def _count_failure(session: Session, scope: str, subject: str, now: datetime, settings: SessionSettings) -> int:
    row = session.execute(
        select(m.SignInFailures)
        .where(m.SignInFailures.scope == scope, m.SignInFailures.subject == subject)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        session.add(m.SignInFailures(scope=scope, subject=subject, failures=1, last_failure_at=now))
        session.flush()
        return 1
    row.failures = _failures(row, now, settings) + 1
    row.last_failure_at = now
    return row.failures


def _failures(row: m.SignInFailures, now: datetime, settings: SessionSettings) -> int:
    """The failures in a row that still count: all of them, unless the last is `lock` old (then none)."""
    return row.failures if now - _jst(row.last_failure_at) < settings.lock else 0


def session_user(hosho: Hosho, settings: SessionSettings, token: str) -> users.User | None:
    """The user of a live session, else None (signed out, expired, password changed, user deactivated)."""
    now = _jst(hosho.clock())
    with hosho.reading() as session:
        found = session.execute(
            select(m.ConsoleSession.id, m.ConsoleSession.created_at, m.ConsoleSession.last_seen_at, m.User)
            .join(m.User, m.User.id == m.ConsoleSession.user_id)
            .where(m.ConsoleSession.token_hash == _hash(token))
        ).one_or_none()
        if found is None:
            return None
        session_id, created_at, last_seen_at, row = found
        user = users.user_of(row) if row.active else None
    if user is None:
        return None
    created_at, last_seen_at = _jst(created_at), _jst(last_seen_at)
    if now - last_seen_at > settings.idle or now - created_at > settings.absolute:
        return None
    if now - last_seen_at >= min(TOUCH_EVERY, settings.idle / 10):
        with hosho.transaction() as session:
            session.execute(update(m.ConsoleSession).where(m.ConsoleSession.id == session_id).values(last_seen_at=now))
    return user


def end_session(hosho: Hosho, token: str) -> None:
    """Sign out: the session's row is deleted, so its cookie is refused by every worker from now on."""
    with hosho.transaction() as session:
        session.execute(delete(m.ConsoleSession).where(m.ConsoleSession.token_hash == _hash(token)))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _subject(text: str) -> str:
    return users.normalise_username(text)[:SUBJECT_LENGTH]


def _jst(moment: datetime) -> datetime:
    """SQLite keeps no offset: a naive value read back is the JST wall-clock time it was written as."""
    return moment.replace(tzinfo=JST) if moment.tzinfo is None else moment.astimezone(JST)
