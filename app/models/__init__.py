"""SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from sqlalchemy import MetaData
from sqlmodel import SQLModel

# Naming convention fixed before the first migration so constraint names are stable on every DB.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from app.models.auth import AuditRecord, DeviceKey, User  # noqa: E402
from app.models.contest import Contest, Paslon  # noqa: E402
from app.models.discrepancy import Discrepancy, DiscrepancyEvent  # noqa: E402
from app.models.evidence import DHasilVersion, Submission, TpsResult  # noqa: E402
from app.models.idempotency import IdempotencyRecord  # noqa: E402
from app.models.photo import OcrJob, OcrResult, Photo  # noqa: E402
from app.models.recheck import RecheckQueue  # noqa: E402
from app.models.region import Region, Tps  # noqa: E402
from app.models.review import ReviewEntry, ReviewItem  # noqa: E402

metadata: MetaData = SQLModel.metadata

__all__ = [
    "AuditRecord",
    "Contest",
    "DeviceKey",
    "DHasilVersion",
    "Discrepancy",
    "DiscrepancyEvent",
    "IdempotencyRecord",
    "OcrJob",
    "OcrResult",
    "Paslon",
    "Photo",
    "RecheckQueue",
    "Region",
    "ReviewEntry",
    "ReviewItem",
    "Submission",
    "Tps",
    "TpsResult",
    "User",
    "metadata",
]
