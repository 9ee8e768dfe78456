"""adjudication: a case's review and dispute, the item a request names

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("repair_cases") as batch:
        # pending / decided: a ground left to the provider's judgement (zest 第4条第1項(2)) waits for a supervisor
        batch.add_column(sa.Column("review", sa.String(20), nullable=True))
        # open / closed: 見解相違 (zest 第11条) on a not-covered case
        batch.add_column(sa.Column("dispute", sa.String(20), nullable=True))
        # the serial of the failed equipment item, when the request names one
        batch.add_column(sa.Column("item_serial", sa.String(100), nullable=True))
        batch.create_index("ix_repair_cases_review", ["review"])
        batch.create_index("ix_repair_cases_dispute", ["dispute"])


def downgrade() -> None:
    with op.batch_alter_table("repair_cases") as batch:
        batch.drop_index("ix_repair_cases_dispute")
        batch.drop_index("ix_repair_cases_review")
        batch.drop_column("item_serial")
        batch.drop_column("dispute")
        batch.drop_column("review")
