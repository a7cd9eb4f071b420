"""Identities (people and device keys) and the hash-chained audit trail."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.models.evidence import tz_column, utcnow


class User(SQLModel, table=True):
    """A person who signs in: admin, ppk (kecamatan codes) or bawaslu (region prefixes)."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=10)
    # Region code prefixes the role acts in; empty for admin.
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=tz_column())


class DeviceKey(SQLModel, table=True):
    """A per-device API key (KPPS or witness app), stored only as a SHA-256 of its secret."""

    __tablename__ = "device_key"

    id: int | None = Field(default=None, primary_key=True)
    key_id: str = Field(max_length=20, unique=True)  # public prefix, shown in lists and logs
    secret_hash: str = Field(max_length=64)
    region_code: str = Field(max_length=13, index=True)  # a TPS (13) or kecamatan (6) code
    label: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=tz_column())
    revoked_at: datetime | None = Field(default=None, sa_column=tz_column(nullable=True))


class AuditRecord(SQLModel, table=True):
    """One write: who, when, what, from where; `hash` chains it to the record before it."""

    __tablename__ = "audit_record"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(default_factory=utcnow, sa_column=tz_column())
    actor: str = Field(max_length=120)
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=60)
    entity_id: str = Field(max_length=120)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    remote: str | None = Field(default=None, max_length=100)
    # sha256 of the recorded entity's content (app/domain/audit_content.py); None before 0.2.0.
    content_hash: str | None = Field(default=None, max_length=64)
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)


class AuditOutbox(SQLModel, table=True):
    """A write's audit entry, made in the write's own transaction and waiting to be chained.

    The chainer (app/services/audit_chainer.py) turns rows into `audit_record`s in id order and
    deletes them in the same transaction, so a write's entry is always in exactly one of the two
    tables. `content_hash` is computed when the write is made (the row as then stored)."""

    __tablename__ = "audit_outbox"
    # SQLite: ids never reused after the chainer empties the table (outbox ids stay unique).
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=tz_column())
    actor: str = Field(max_length=120)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=60)
    entity_id: str = Field(max_length=120)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    remote: str | None = Field(default=None, max_length=100)
    content_hash: str | None = Field(default=None, max_length=64)
