"""The append-only audit trail: who, when, what, before and after."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from hosho.store import models as m
from hosho.store import repository

if TYPE_CHECKING:
    from hosho.service.context import Actor, Hosho


def record(
    session: Session, hosho: Hosho, actor: Actor, action: str, row: m.Contract, before: dict[str, object] | None
) -> None:
    session.add(
        m.AuditEntry(
            at=hosho.clock(),
            actor=actor.name,
            action=action,
            entity="contract",
            entity_id=row.id,
            before=before,
            after=repository.snapshot(row),
        )
    )
