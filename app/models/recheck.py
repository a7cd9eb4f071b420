"""The recheck queue: units whose findings must be re-evaluated after a write (one row a unit)."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.evidence import tz_column, utcnow


class RecheckQueue(SQLModel, table=True):
    """A unit to recheck: (`tps`, TPS code, contest) or (`kecamatan`, kecamatan code, contest).

    Many writes to one unit before it is drained are one row (one pass): a write that finds the
    row already queued only moves `generation`, so a drainer that leased the older generation
    leaves the row for the next pass instead of deleting it. `leased_by`/`lease_until` hold the
    row for one drainer; a drainer killed mid-batch loses nothing: its lease expires.
    """

    __tablename__ = "recheck_queue"
    __table_args__ = (UniqueConstraint("unit_kind", "unit_code", "contest_id"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_kind: str = Field(max_length=10)  # tps | kecamatan
    unit_code: str = Field(max_length=13)
    contest_id: str = Field(max_length=20)
    generation: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    enqueued_at: datetime = Field(default_factory=utcnow, sa_column=tz_column())
    leased_by: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_column=tz_column(nullable=True))
