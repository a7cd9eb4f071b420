"""Admin API for people and device keys (the same operations as `rekap users` / `rekap keys`)."""

from fastapi import APIRouter

from app.api.deps import AdminDep, SessionDep
from app.schemas.auth import (
    DeviceKeyCreate,
    DeviceKeyCreated,
    DeviceKeyRead,
    UserCreate,
    UserRead,
)
from app.services import auth as auth_service

router = APIRouter(tags=["access"])


@router.get("/users", response_model=list[UserRead])
def read_users(session: SessionDep, _: AdminDep) -> list[UserRead]:
    """Every user."""
    users = auth_service.list_users(session=session)
    return [UserRead.model_validate(u, from_attributes=True) for u in users]


@router.post("/users", status_code=201, response_model=UserRead)
def post_user(body: UserCreate, session: SessionDep, principal: AdminDep) -> UserRead:
    """Create a user (audited)."""
    user = auth_service.create_user(
        session=session,
        username=body.username,
        password=body.password,
        role=body.role,
        scopes=tuple(body.scopes),
        actor=principal.actor,
        remote=principal.remote,
    )
    return UserRead.model_validate(user, from_attributes=True)


@router.post("/users/{username}/disable", response_model=UserRead)
def disable_user(username: str, session: SessionDep, principal: AdminDep) -> UserRead:
    """Disable a user; their tokens stop working at once (audited)."""
    user = auth_service.disable_user(
        session=session, username=username, actor=principal.actor, remote=principal.remote
    )
    return UserRead.model_validate(user, from_attributes=True)


@router.get("/keys", response_model=list[DeviceKeyRead])
def read_keys(session: SessionDep, _: AdminDep) -> list[DeviceKeyRead]:
    """Every device key, newest first (never the secret)."""
    keys = auth_service.list_device_keys(session=session)
    return [DeviceKeyRead.model_validate(k, from_attributes=True) for k in keys]


@router.post("/keys", status_code=201, response_model=DeviceKeyCreated)
def post_key(body: DeviceKeyCreate, session: SessionDep, principal: AdminDep) -> DeviceKeyCreated:
    """Create a device key; the secret is in this answer only (audited)."""
    new = auth_service.create_device_key(
        session=session,
        region_code=body.region_code,
        label=body.label,
        actor=principal.actor,
        remote=principal.remote,
    )
    read = DeviceKeyRead.model_validate(new.key, from_attributes=True)
    return DeviceKeyCreated(**read.model_dump(), key=new.secret)


@router.post("/keys/{key_id}/revoke", response_model=DeviceKeyRead)
def revoke_key(key_id: str, session: SessionDep, principal: AdminDep) -> DeviceKeyRead:
    """Revoke a device key; it stops working at once (audited)."""
    key = auth_service.revoke_device_key(
        session=session, key_id=key_id, actor=principal.actor, remote=principal.remote
    )
    return DeviceKeyRead.model_validate(key, from_attributes=True)
