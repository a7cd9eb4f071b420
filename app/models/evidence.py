"""Evidence (never overwritten): submissions of C.Hasil values, D.Hasil versions; and the derived
accepted values per TPS and contest (a cache recomputed from the evidence, never the truth)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelMetaclass

from app.domain.fields import ALL_FIELDS


def utcnow() -> datetime:
    """Timezone-aware now; every stored time is UTC."""
    return datetime.now(UTC)


def tz_column(*, nullable: bool = False, index: bool = False) -> Any:
    """A timezone-aware timestamp column (TIMESTAMPTZ on PostgreSQL)."""
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


class Submission(SQLModel, table=True):
    """One set of C.Hasil values for one TPS and contest from one source, with who, when and why.

    source: app (KPPS/witness device), ppk (PPK entry), ocr (photo reading), sirekap (import),
    plenary (correction at the PPK plenary), review (double-entry review), demo.
    """

    id: int | None = Field(default=None, primary_key=True)
    tps_code: str = Field(foreign_key="tps.code", index=True, max_length=13)
    contest_id: str = Field(foreign_key="contest.id", index=True, max_length=20)
    kecamatan_code: str = Field(index=True, max_length=6)
    source: str = Field(max_length=20, index=True)
    submitted_by: str = Field(max_length=100)
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=tz_column(index=True))
    reason: str | None = Field(default=None, max_length=1000)
    supersedes_id: int | None = Field(default=None, foreign_key="submission.id")
    values: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    confidence: dict[str, float] | None = Field(default=None, sa_column=Column(JSON))


class DHasilVersion(SQLModel, table=True):
    """One version of a D.Hasil Kecamatan recap: per desa columns and the kecamatan total."""

    __tablename__ = "dhasil_version"
    __table_args__ = (UniqueConstraint("kecamatan_code", "contest_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    kecamatan_code: str = Field(foreign_key="region.code", index=True, max_length=6)
    contest_id: str = Field(foreign_key="contest.id", index=True, max_length=20)
    version: int
    entered_by: str = Field(max_length=100)
    entered_at: datetime = Field(default_factory=utcnow, sa_column=tz_column())
    reason: str | None = Field(default=None, max_length=1000)
    desa: dict[str, dict[str, int]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    total: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _tps_result_namespace() -> dict[str, Any]:
    """Columns of the accepted-values table: keys, ancestor codes, one integer column per field."""
    ns: dict[str, Any] = {
        "__module__": __name__,
        "__tablename__": "tps_result",
        "__doc__": "Accepted values of one TPS and contest, one column per field (derived).",
        "__annotations__": {
            "tps_code": str,
            "contest_id": str,
            "desa_code": str,
            "kecamatan_code": str,
            "kabupaten_code": str,
            "provinsi_code": str,
            "sources": dict[str, int],
            "newest_submission_id": int | None,
            "updated_at": datetime,
        },
        # no foreign keys: every row is derived from a submission (whose own keys name the same
        # TPS and contest) and its TPS row, and checking them again per row written was most of
        # a cold recheck's insert (migration 0013)
        "tps_code": Field(primary_key=True, max_length=13),
        "contest_id": Field(primary_key=True, max_length=20),
        "desa_code": Field(index=True, max_length=10),
        "kecamatan_code": Field(index=True, max_length=6),
        "kabupaten_code": Field(index=True, max_length=4),
        "provinsi_code": Field(max_length=2),
        # field -> submission id the accepted value came from (the evidence link)
        "sources": Field(default_factory=dict, sa_column=Column(JSON, nullable=False)),
        # the unit's newest submission when the row was written: a single-submission unit whose
        # row carries its one submission's id is current (verification_filter.simple_results_sql)
        "newest_submission_id": Field(default=None),
        "updated_at": Field(default_factory=utcnow, sa_column=tz_column()),
    }
    for name in ALL_FIELDS:
        ns["__annotations__"][name] = int | None
        ns[name] = Field(default=None)
    return ns


TpsResult: Any = SQLModelMetaclass("TpsResult", (SQLModel,), _tps_result_namespace(), table=True)
