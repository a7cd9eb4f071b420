"""Shapes of bulk onboarding: many device keys or accounts in one request, set-password."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.schemas.auth import DeviceKeyCreate, DeviceKeyCreated
from app.schemas.inputs import Line

# A request body stays under REKAP_MAX_REQUEST_BYTES (1 MiB); larger rollouts use the CLI's files.
MAX_BULK_ITEMS = 10_000


class DeviceKeyBulkCreate(BaseModel):
    """Keys to create together: all of them, or none when any item is bad."""

    keys: list[DeviceKeyCreate] = Field(min_length=1, max_length=MAX_BULK_ITEMS)


class DeviceKeyBulkCreated(BaseModel):
    """The new keys with their secrets: in this answer only, never again."""

    count: int
    keys: list[DeviceKeyCreated]


class DeviceKeyRegionRevoke(BaseModel):
    """Revoke every live key bound under a region (`0`: every key)."""

    region_code: Line = Field(min_length=1, max_length=13)


class DeviceKeyRegionRevoked(BaseModel):
    """What a revocation by region changed."""

    region_code: str
    revoked: int
    key_ids: list[str]


class UserBulkItem(BaseModel):
    """An account to create without a password: its owner sets one with the token."""

    username: Line = Field(min_length=1, max_length=100)
    role: Line = Field(max_length=10)
    scopes: list[Line] = Field(default_factory=list, max_length=50)


class UserBulkCreate(BaseModel):
    """Accounts to create together: all of them, or none when any item is bad."""

    users: list[UserBulkItem] = Field(min_length=1, max_length=MAX_BULK_ITEMS)
    valid_days: int = Field(default=7, ge=1, le=90)


class UserInvitation(BaseModel):
    """A new account and its one-time set-password token (in this answer only)."""

    username: str
    role: str
    scopes: list[str]
    set_password_token: str
    expires_at: datetime


class UserBulkCreated(BaseModel):
    """The accounts created, each with its token."""

    count: int
    users: list[UserInvitation]


class SetPassword(BaseModel):
    """A one-time token (from a bulk creation) and the new password."""

    token: Line = Field(min_length=1, max_length=2000)
    password: Line = Field(min_length=8, max_length=200)
