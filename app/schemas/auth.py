"""Shapes of the sign-in and audit checkpoint responses."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.schemas.inputs import Line


class TokenRead(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class CheckpointRead(BaseModel):
    """The audit chain's head: record it now, compare it later."""

    head_hash: str
    count: int
    at: datetime | None
    # Writes recorded in the audit outbox but not chained yet: not covered by head_hash; they
    # are chained within about a second while a worker runs (README "Audit trail").
    pending: int


class UserCreate(BaseModel):
    """A new person: role admin, ppk (kecamatan codes) or bawaslu (region prefixes)."""

    username: Line = Field(min_length=1, max_length=100)
    password: Line = Field(min_length=8, max_length=200)
    role: Line = Field(max_length=10)
    scopes: list[Line] = Field(default_factory=list, max_length=50)


class UserRead(BaseModel):
    """A person, without the password hash."""

    username: str
    role: str
    scopes: list[str]
    disabled: bool
    created_at: datetime


class DeviceKeyCreate(BaseModel):
    """A new device key bound to a TPS (13 digits) or kecamatan (6 digits)."""

    region_code: Line = Field(min_length=1, max_length=13)
    label: Line | None = Field(default=None, max_length=200)


class DeviceKeyRead(BaseModel):
    """A device key, never its secret."""

    key_id: str
    region_code: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class DeviceKeyCreated(DeviceKeyRead):
    """A new key with its secret: shown in this answer only, never again."""

    key: str
