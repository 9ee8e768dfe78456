"""retailer files: the sale reference of an imported contract (unique per retailer) and the import runs

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(sa.Column("sale_ref", sa.String(40), nullable=True))
        # import.md: (販売店コード, 受付番号) is one contract; the key is what makes a rerun store each one once.
        batch.create_unique_constraint("uq_contracts_retailer_sale", ["retailer_id", "sale_ref"])
    op.create_table(
        "import_runs",
        sa.Column("id", Id, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("retailer_id", Id, nullable=True),
        sa.Column("actor", sa.String(204), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("lines_done", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("already", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("rejected_lines", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(400), nullable=True),
        sa.Column("rejects", sa.LargeBinary(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["retailer_id"], ["retailers.id"], name="fk_import_runs_retailer_id_retailers"),
        sa.PrimaryKeyConstraint("id", name="pk_import_runs"),
    )
    op.create_index("ix_import_runs_sha256", "import_runs", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_import_runs_sha256", table_name="import_runs")
    op.drop_table("import_runs")
    with op.batch_alter_table("contracts") as batch:
        batch.drop_constraint("uq_contracts_retailer_sale", type_="unique")
        batch.drop_column("sale_ref")
