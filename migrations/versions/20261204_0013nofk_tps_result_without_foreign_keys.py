"""tps_result without foreign keys to tps and contest

Revision ID: 0013nofk
Revises: 0012watermark
Create Date: 2026-12-04 08:30:00.000000

tps_result is derived: each row is written from a submission (whose own foreign keys name the
same TPS and contest) joined with its TPS row, and TPS and contests are never deleted. The two
foreign keys checked again, row by row, what the writer had just read: two trigger queries and
a row lock on `tps` and `contest` for every row written, ≈ 1 s of the database's CPU per 40,000
rows (most of a cold national recheck's insert after its JSON work; docs/benchmarks.md).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013nofk"
down_revision: str | None = "0012watermark"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tps_result") as batch:
        batch.drop_constraint("fk_tps_result_contest_id_contest", type_="foreignkey")
        batch.drop_constraint("fk_tps_result_tps_code_tps", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("tps_result") as batch:
        batch.create_foreign_key("fk_tps_result_tps_code_tps", "tps", ["tps_code"], ["code"])
        batch.create_foreign_key(
            "fk_tps_result_contest_id_contest", "contest", ["contest_id"], ["id"]
        )
