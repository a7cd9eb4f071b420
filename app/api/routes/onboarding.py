"""Bulk onboarding over HTTP: many device keys or accounts at once (admin), revocation by region,
and setting a password with a one-time token (the same operations as `rekap keys|users`)."""

from datetime import timedelta

from fastapi import APIRouter, Request

from app.api.client import client_address
from app.api.deps import AdminDep, RateLimiterDep, SessionDep, SettingsDep
from app.domain.onboarding import KeyRow, UserRow
from app.schemas.auth import DeviceKeyCreated, UserRead
from app.schemas.onboarding import (
    DeviceKeyBulkCreate,
    DeviceKeyBulkCreated,
    DeviceKeyRegionRevoke,
    DeviceKeyRegionRevoked,
    SetPassword,
    UserBulkCreate,
    UserBulkCreated,
    UserInvitation,
)
from app.services.device_keys import create_device_keys, revoke_device_keys_under
from app.services.invitations import create_users, set_password

router = APIRouter(tags=["access"])


@router.post("/keys/bulk", status_code=201, response_model=DeviceKeyBulkCreated)
def post_keys(
    body: DeviceKeyBulkCreate, session: SessionDep, principal: AdminDep
) -> DeviceKeyBulkCreated:
    """Create every key, or none (422 naming each bad item); secrets in this answer only."""
    rows = [KeyRow(f"keys[{i}]", k.region_code, k.label) for i, k in enumerate(body.keys)]
    batch = create_device_keys(
        session=session, rows=rows, actor=principal.actor, remote=principal.remote
    )
    keys = [
        DeviceKeyCreated(
            key_id=k.key_id,
            region_code=k.region_code,
            label=k.label,
            created_at=batch.created_at,
            revoked_at=None,
            key=k.secret,
        )
        for k in batch.keys
    ]
    return DeviceKeyBulkCreated(count=len(keys), keys=keys)


@router.post("/keys/revoke", response_model=DeviceKeyRegionRevoked)
def post_keys_revoke(
    body: DeviceKeyRegionRevoke, session: SessionDep, principal: AdminDep
) -> DeviceKeyRegionRevoked:
    """Revoke every live key bound under a region (`0`: all); they stop working at once."""
    revoked = revoke_device_keys_under(
        session=session,
        region_code=body.region_code,
        actor=principal.actor,
        remote=principal.remote,
    )
    return DeviceKeyRegionRevoked(
        region_code=body.region_code, revoked=len(revoked), key_ids=revoked
    )


@router.post("/users/bulk", status_code=201, response_model=UserBulkCreated)
def post_users(
    body: UserBulkCreate, session: SessionDep, settings: SettingsDep, principal: AdminDep
) -> UserBulkCreated:
    """Create every account without a password, or none (422 naming each bad item); each
    comes with a one-time set-password token, in this answer only."""
    rows = [
        UserRow(f"users[{i}]", u.username, u.role, tuple(u.scopes))
        for i, u in enumerate(body.users)
    ]
    made = create_users(
        session=session,
        rows=rows,
        settings=settings,
        actor=principal.actor,
        valid=timedelta(days=body.valid_days),
        remote=principal.remote,
    )
    users = [
        UserInvitation(
            username=u.username,
            role=u.role,
            scopes=list(u.scopes),
            set_password_token=u.token,
            expires_at=u.expires_at,
        )
        for u in made
    ]
    return UserBulkCreated(count=len(users), users=users)


@router.post("/auth/set-password", response_model=UserRead)
def post_set_password(
    body: SetPassword,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> UserRead:
    """Set your password with the one-time token of your new account (401 when the token is
    wrong, expired or used); limited per client address like sign-in."""
    remote = client_address(request, settings) or "unknown"
    limiter.hit(limit=settings.rate_limit_signin, key=f"ip:{remote}", what="set-password attempts")
    user = set_password(
        session=session, token=body.token, password=body.password, settings=settings
    )
    return UserRead.model_validate(user, from_attributes=True)
