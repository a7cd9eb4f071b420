"""tps_result.newest_submission_id: the submission a simple unit's row was derived from

Revision ID: 0012watermark
Revises: 0011outbox
Create Date: 2026-12-04 04:30:00.000000

A full recheck confirms a single-submission unit's stored accepted values by comparing this id
with the unit's one submission (an integer per row) instead of re-reading and comparing every
value of every submission (docs/verification.md). Rows stored before it have NULL and are
derived once more by the next recheck.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012watermark"
down_revision: str | None = "0011outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tps_result") as batch:
        batch.add_column(sa.Column("newest_submission_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tps_result") as batch:
        batch.drop_column("newest_submission_id")
