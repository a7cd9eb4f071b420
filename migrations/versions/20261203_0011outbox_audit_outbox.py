"""audit outbox: a write's audit entry, chained later by one chainer

Revision ID: 0011outbox
Revises: 0010intake
Create Date: 2026-12-03 22:00:00.000000

Writes no longer link their record into the chain inside their own transaction (one global lock
held until COMMIT); they add a row here, and the chainer links rows into `audit_record` in id
order (README "Audit trail").
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011outbox"
down_revision: str | None = "0010intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("remote", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_outbox")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    # Entries not chained yet would be lost with the table: refuse until they are chained.
    waiting = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM audit_outbox")).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} audit entries are not chained yet: run `rekap audit chain` first"
        )
    op.drop_table("audit_outbox")
