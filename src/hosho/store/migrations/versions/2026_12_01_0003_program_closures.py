"""program closures per year, set by the provider's staff

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "program_closures",
        sa.Column("program_id", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("ranges", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(204), nullable=False),
        sa.PrimaryKeyConstraint("program_id", "year", name="pk_program_closures"),
    )


def downgrade() -> None:
    op.drop_table("program_closures")
