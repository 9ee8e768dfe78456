"""notices, the daily runs, and the indexes the daily sweep reads

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", Id, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject_id", Id, nullable=False),
        sa.Column("contract_id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("about", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(400), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name="fk_notices_contract_id_contracts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["repair_cases.id"], name="fk_notices_case_id_repair_cases", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
        sa.UniqueConstraint("kind", "subject_id", name="uq_notices_kind_subject"),
    )
    op.create_index("ix_notices_contract_id", "notices", ["contract_id"], unique=False)
    op.create_index("ix_notices_state_id", "notices", ["state", "id"], unique=False)
    op.create_table(
        "daily_runs",
        sa.Column("job", sa.String(40), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name="pk_daily_runs"),
    )
    # Plain CREATE INDEX (no batch mode): SQLite adds an index without copying the table.
    op.create_index("ix_repair_cases_state_visit_by", "repair_cases", ["state", "visit_by"], unique=False)
    op.create_index("ix_repair_cases_state_repair_due", "repair_cases", ["state", "repair_due"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_repair_cases_state_repair_due", table_name="repair_cases")
    op.drop_index("ix_repair_cases_state_visit_by", table_name="repair_cases")
    op.drop_table("daily_runs")
    op.drop_index("ix_notices_state_id", table_name="notices")
    op.drop_index("ix_notices_contract_id", table_name="notices")
    op.drop_table("notices")
