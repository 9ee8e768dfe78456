"""refund payouts: the Zengin code snapshot, bank accounts, refunds, their ledger and batches

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "zengin_banks",
        sa.Column("snapshot", sa.Date(), nullable=False),
        sa.Column("code", sa.String(4), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("kana", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("snapshot", "code", name="pk_zengin_banks"),
    )
    op.create_table(
        "zengin_branches",
        sa.Column("snapshot", sa.Date(), nullable=False),
        sa.Column("bank_code", sa.String(4), nullable=False),
        sa.Column("code", sa.String(3), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("kana", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("snapshot", "bank_code", "code", name="pk_zengin_branches"),
    )
    op.create_table(
        "refunds",
        sa.Column("id", ID, nullable=False),
        sa.Column("contract_id", ID, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("batch_id", ID, nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], name="fk_refunds_contract_id_contracts"),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
        sa.UniqueConstraint("contract_id", name="uq_refunds_contract_id"),
    )
    op.create_index("ix_refunds_status", "refunds", ["status", "id"])
    op.create_index("ix_refunds_batch_id", "refunds", ["batch_id"])
    op.create_index("ix_refunds_created_on", "refunds", ["created_on"])
    op.create_table(
        "bank_accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("refund_id", ID, nullable=False),
        sa.Column("bank_code", sa.String(4), nullable=False),
        sa.Column("bank_name", sa.String(60), nullable=False),
        sa.Column("bank_kana", sa.String(15), nullable=False),
        sa.Column("branch_code", sa.String(3), nullable=False),
        sa.Column("branch_name", sa.String(60), nullable=False),
        sa.Column("branch_kana", sa.String(15), nullable=False),
        sa.Column("account_type", sa.Integer(), nullable=False),
        sa.Column("account_number", sa.String(7), nullable=False),
        sa.Column("holder", sa.String(30), nullable=False),
        sa.Column("snapshot", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"], name="fk_bank_accounts_refund_id_refunds"),
        sa.PrimaryKeyConstraint("id", name="pk_bank_accounts"),
    )
    op.create_index("ix_bank_accounts_refund_id", "bank_accounts", ["refund_id"])
    op.create_table(
        "refund_entries",
        sa.Column("id", ID, nullable=False),
        sa.Column("refund_id", ID, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("batch_id", ID, nullable=True),
        sa.Column("reverses", ID, nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(204), nullable=False),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"], name="fk_refund_entries_refund_id_refunds"),
        sa.PrimaryKeyConstraint("id", name="pk_refund_entries"),
    )
    op.create_index("ix_refund_entries_refund", "refund_entries", ["refund_id", "id"])
    op.create_index("ix_refund_entries_on_date", "refund_entries", ["on_date"])
    op.create_table(
        "payout_batches",
        sa.Column("id", ID, nullable=False),
        sa.Column("transfer_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(204), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payout_batches"),
    )


def downgrade() -> None:
    for table in ("payout_batches", "refund_entries", "bank_accounts", "refunds", "zengin_branches", "zengin_banks"):
        op.drop_table(table)
