"""discrepancy version, audit content hash

Revision ID: 0008trust
Revises: 0007photos
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008trust"
down_revision: str | None = "0007photos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite cannot add a column with constraints in place on every version.
    with op.batch_alter_table("discrepancy") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("audit_record") as batch:
        batch.add_column(
            sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_record") as batch:
        batch.drop_column("content_hash")
    with op.batch_alter_table("discrepancy") as batch:
        batch.drop_column("version")
