"""contracts by plan and purchase date (consumable replacement list)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX (no batch mode): SQLite adds an index without copying the table.
    op.create_index(
        "ix_contracts_plan_purchase",
        "contracts",
        ["program_id", "plan_id", "status", "terms_version", "purchase_date"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_contracts_plan_purchase", table_name="contracts")
