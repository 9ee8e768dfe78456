"""the operations dashboard's summaries, rebuilt by the daily work

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONTHLY = (
    "figure_contract_months",
    "figure_case_months",
    "figure_clause_months",
    "figure_sla_months",
    "figure_ending_months",
    "figure_refund_months",
)


def _keys() -> list[sa.Column[object]]:
    return [
        sa.Column("id", Id, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("program_id", sa.String(40), nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("retailer_id", Id, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "figure_contract_months",
        *_keys(),
        sa.Column("enrolled", sa.Integer(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Integer(), nullable=False),
        sa.Column("fees", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_figure_contract_months"),
    )
    op.create_table(
        "figure_case_months",
        *_keys(),
        sa.Column("cause", sa.String(40), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("repairs", sa.BigInteger(), nullable=False),
        sa.Column("replacements", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_figure_case_months"),
    )
    op.create_table(
        "figure_clause_months",
        *_keys(),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("cited", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_figure_clause_months"),
    )
    op.create_table(
        "figure_sla_months",
        sa.Column("id", Id, nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("program_id", sa.String(40), nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("retailer_id", Id, nullable=True),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("breached", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_figure_sla_months"),
    )
    op.create_table(
        "figure_sla_breaches",
        sa.Column("id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("contract_id", Id, nullable=False),
        sa.Column("case_number", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(40), nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("retailer_id", Id, nullable=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("target", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_figure_sla_breaches"),
    )
    op.create_table(
        "figure_ending_months",
        *_keys(),
        sa.Column("contracts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_figure_ending_months"),
    )
    op.create_table(
        "figure_refund_months",
        *_keys(),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("refunds", sa.Integer(), nullable=False),
        sa.Column("yen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_figure_refund_months"),
    )
    for table in MONTHLY:
        op.create_index(f"ix_{table}_month", table, ["month"])
    op.create_index("ix_figure_sla_breaches_target", "figure_sla_breaches", ["target"])


def downgrade() -> None:
    op.drop_index("ix_figure_sla_breaches_target", table_name="figure_sla_breaches")
    for table in MONTHLY:
        op.drop_index(f"ix_{table}_month", table_name=table)
    for table in ("figure_sla_breaches", *MONTHLY):
        op.drop_table(table)
