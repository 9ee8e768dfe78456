"""an uploaded retailer file kept until its import's job is done, and the number of times that job has started

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # The job gets only the run's id: the file is stored with the run, in pieces of a few MiB, and deleted when done.
    op.create_table(
        "import_files",
        sa.Column("run_id", Id, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["import_runs.id"], name="fk_import_files_run_id_import_runs"),
        sa.PrimaryKeyConstraint("run_id", "seq", name="pk_import_files"),
    )
    with op.batch_alter_table("import_runs") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("attempts")
    op.drop_table("import_files")
