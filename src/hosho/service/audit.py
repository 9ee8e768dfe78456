"""The append-only audit trail: who, when, what, before and after."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hosho.service.results import AuditCaseNote
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


def case_notes(session: Session, contract_id: int) -> dict[int, AuditCaseNote]:
    """The case's own entries (adjudication._decide), by the id of the contract's entry of the same change.

    Both are written in one transaction, the case's first: each belongs to the next entry of the contract with the
    same action."""
    cases = select(m.RepairCase.id).where(m.RepairCase.contract_id == contract_id)
    rows = session.execute(
        select(m.AuditEntry.id, m.AuditEntry.action, m.AuditEntry.entity, m.AuditEntry.after)
        .where(
            ((m.AuditEntry.entity == "case") & m.AuditEntry.entity_id.in_(cases))
            | ((m.AuditEntry.entity == "contract") & (m.AuditEntry.entity_id == contract_id))
        )
        .where(m.AuditEntry.action.startswith("case."))
        .order_by(m.AuditEntry.id)
    ).all()
    waiting: dict[str, list[AuditCaseNote]] = {}
    notes: dict[int, AuditCaseNote] = {}
    for entry_id, action, entity, after in rows:
        if entity == "case":
            waiting.setdefault(action, []).append(_case_note(after or {}))
        elif waiting.get(action):
            notes[entry_id] = waiting[action].pop(0)
    return notes


def _case_note(after: dict[str, Any]) -> AuditCaseNote:
    return AuditCaseNote(
        number=after.get("case", 0),
        decision=after.get("decision"),
        note=after.get("note"),
        opinion=after.get("opinion"),
        reproduced=after.get("reproduced"),
        cause=after.get("cause"),
        clauses=list(after.get("clauses") or ()),
    )
