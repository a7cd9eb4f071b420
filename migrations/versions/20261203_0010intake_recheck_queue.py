"""recheck queue

Revision ID: 0010intake
Revises: 0009readas
Create Date: 2026-12-03 22:00:00.000000

A write no longer rechecks inside its request: it queues the unit it changed (a TPS and contest,
or a kecamatan and contest), one row a unit, and a drainer rechecks the queued units in batches.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010intake"
down_revision: str | None = "0009readas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recheck_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
        sa.Column("contest_id", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("generation", sa.Integer(), server_default="1", nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recheck_queue")),
        sa.UniqueConstraint(
            "unit_kind", "unit_code", "contest_id", name=op.f("uq_recheck_queue_unit_kind")
        ),
    )


def downgrade() -> None:
    op.drop_table("recheck_queue")
