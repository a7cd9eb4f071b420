"""Stored answers of requests sent with an Idempotency-Key, so a retry gets the first answer."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.evidence import tz_column, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """One (principal, key): the request body's hash and the response first given to it."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=100)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int = 0  # 0 while the first request is still being processed
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_column=tz_column())
