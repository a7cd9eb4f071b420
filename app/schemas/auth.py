"""Shapes of the sign-in and audit checkpoint responses."""

from datetime import datetime

from pydantic import BaseModel


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
