"""the dashboard's disputes (見解相違) by the clause disputed and how they ended

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "figure_dispute_months",
        sa.Column("id", Id, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("program_id", sa.String(40), nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("retailer_id", Id, nullable=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("disputes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_figure_dispute_months"),
    )
    op.create_index("ix_figure_dispute_months_month", "figure_dispute_months", ["month"])


def downgrade() -> None:
    op.drop_index("ix_figure_dispute_months_month", table_name="figure_dispute_months")
    op.drop_table("figure_dispute_months")
