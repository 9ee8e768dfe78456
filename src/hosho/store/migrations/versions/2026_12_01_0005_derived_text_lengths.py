"""derived text as long as what it derives from: the audit's actor and the Idempotency-Key's scope

An actor is "key:" and a key's name of up to 200 characters; a scope is "actor:" and the actor. The old columns
(120 and 80) refused a long key name on PostgreSQL with a 500.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WIDENED = (("audit_log", "actor", 120, 204), ("contracts", "idempotency_scope", 80, 210))


def _alter(*, upgrade: bool) -> None:
    for table, column, old, new in WIDENED:
        before, after = (old, new) if upgrade else (new, old)
        # SQLite keeps any length in any VARCHAR: batch mode rewrites the declared type by copying the table.
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column,
                existing_type=sa.String(length=before),
                type_=sa.String(length=after),
                existing_nullable=table == "contracts",
            )


def upgrade() -> None:
    _alter(upgrade=True)


def downgrade() -> None:
    _alter(upgrade=False)
