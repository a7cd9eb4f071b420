"""ocr result read_as, photo ocr_result_id

Revision ID: 0009readas
Revises: 0008trust
Create Date: 2026-12-03 20:00:00.000000

A reading is keyed by what it was read against (contest form and page), not only by the bytes
and engine: the same file uploaded for another contest is read again, not given the old verdict.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009readas"
down_revision: str | None = "0008trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing readings keep read_as "" (unknown): a new upload of their bytes is read afresh.
    with op.batch_alter_table("ocr_result") as batch:
        batch.add_column(
            sa.Column(
                "read_as",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                server_default="",
                nullable=False,
            )
        )
        batch.drop_constraint("uq_ocr_result_sha256", type_="unique")
        batch.create_unique_constraint(
            "uq_ocr_result_sha256", ["sha256", "engine_version", "read_as"]
        )
    with op.batch_alter_table("photo") as batch:
        batch.add_column(sa.Column("ocr_result_id", sa.Integer(), nullable=True))
    # Photos read before keep the reading they were shown (the only one their bytes had).
    op.execute(
        "UPDATE photo SET ocr_result_id = (SELECT r.id FROM ocr_result r"
        " WHERE r.sha256 = photo.sha256 AND r.engine_version = photo.engine_version)"
        " WHERE engine_version IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("photo") as batch:
        batch.drop_column("ocr_result_id")
    op.execute(
        "DELETE FROM ocr_result WHERE id NOT IN (SELECT MIN(id) FROM ocr_result"
        " GROUP BY sha256, engine_version)"
    )
    with op.batch_alter_table("ocr_result") as batch:
        batch.drop_constraint("uq_ocr_result_sha256", type_="unique")
        batch.create_unique_constraint("uq_ocr_result_sha256", ["sha256", "engine_version"])
        batch.drop_column("read_as")
