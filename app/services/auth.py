"""People (Argon2 passwords, JWT access tokens) and device keys (stored as SHA-256 only).

Every change to a user or key appends an audit record (app/services/audit.py).
"""

import functools
import hmac
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from pwdlib import PasswordHash
from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.config import Settings
from app.db_driver import Direct
from app.domain.access import device_scope_problem, scope_problem
from app.domain.onboarding import USERNAME as _USERNAME
from app.errors import Conflict, DeviceKeyNotFound, InvalidCredentials, InvalidInput, UserNotFound
from app.models.auth import DeviceKey, User
from app.models.evidence import utcnow
from app.services.audit import append_audit
from app.services.device_keys import new_key_id, new_secret, require_bindable, secret_hash

_hasher = PasswordHash.recommended()
# Verified against when the username is unknown, so a miss costs as much time as a wrong password.
# Made on first use: hashing at import would add ~0.4 s to every `rekap` command.
_DUMMY_HASH: str | None = None
_ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 8
# Accounts created in bulk have no password until their owner sets one with a one-time token
# (app/services/invitations.py); such a hash never verifies.
UNSET_PASSWORD_PREFIX = "!unset:"


@dataclass(frozen=True)
class AccessToken:
    """A signed JWT and its lifetime in seconds."""

    access_token: str
    expires_in: int


@dataclass(frozen=True)
class SignedInUser:
    """Who a valid token names, as read from the database for this request."""

    username: str
    role: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class LiveKey:
    """The live device key a presented secret belongs to, as read for this request."""

    key_id: str
    region_code: str
    label: str | None


# Every request reads its caller's row again (a disabled user or revoked key is refused at its
# next request): one indexed read each, built once (building a statement costs more CPU than
# running it), columns only, no ORM objects.
_USERS = User.__table__  # type: ignore[attr-defined]
_KEYS = DeviceKey.__table__  # type: ignore[attr-defined]
# Every API request reads its caller: run on the DBAPI cursor (app/db_driver.py).
_READ_CALLER = Direct(
    core_select(_USERS.c.username, _USERS.c.role, _USERS.c.scopes, _USERS.c.disabled).where(
        _USERS.c.username == bindparam("username")
    )
)
_READ_KEY = Direct(
    core_select(
        _KEYS.c.key_id, _KEYS.c.secret_hash, _KEYS.c.region_code, _KEYS.c.label, _KEYS.c.revoked_at
    ).where(_KEYS.c.key_id == bindparam("key_id"))
)


@dataclass(frozen=True)
class NewDeviceKey:
    """A freshly created key: the row and the secret, shown to the operator exactly once."""

    key: DeviceKey
    secret: str


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    scopes: tuple[str, ...],
    actor: str,
    remote: str | None = None,
) -> User:
    """A new user with an Argon2 password hash; validates role, scopes and uniqueness."""
    _check_new_user(username=username, password=password, role=role, scopes=scopes)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"user '{username}' already exists", fields={"username": "taken"})
    user = User(
        username=username, password_hash=_hasher.hash(password), role=role, scopes=list(scopes)
    )
    session.add(user)
    session.flush()
    payload = {"username": username, "role": role, "scopes": list(scopes)}
    append_audit(
        session=session,
        actor=actor,
        action="user.create",
        entity="user",
        entity_id=username,
        payload=payload,
        remote=remote,
    )
    return user


def _check_new_user(*, username: str, password: str, role: str, scopes: tuple[str, ...]) -> None:
    fields: dict[str, str] = {}
    if not _USERNAME.match(username):
        fields["username"] = "1-100 letters, digits or _ . @ -"
    if len(password) < MIN_PASSWORD_LENGTH:
        fields["password"] = f"at least {MIN_PASSWORD_LENGTH} characters"
    problem = scope_problem(role, scopes)
    if problem:
        fields["role" if role not in ("admin", "ppk", "bawaslu") else "scope"] = problem
    if fields:
        raise InvalidInput("invalid user: " + "; ".join(fields.values()), fields=fields)


def list_users(*, session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.exec(select(User).order_by(col(User.username))))


def get_user(*, session: Session, username: str) -> User | None:
    """The user with this username, or None."""
    return session.exec(select(User).where(User.username == username)).first()


def disable_user(*, session: Session, username: str, actor: str, remote: str | None = None) -> User:
    """Disable a user; their tokens stop working at their next request."""
    user = get_user(session=session, username=username)
    if user is None:
        raise UserNotFound(f"no user '{username}'")
    if user.disabled:
        return user  # nothing changes, nothing to audit
    user.disabled = True
    session.add(user)
    session.flush()
    append_audit(
        session=session,
        actor=actor,
        action="user.disable",
        entity="user",
        entity_id=username,
        remote=remote,
    )
    return user


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not-a-real-password")
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    """The Argon2 hash stored for a password."""
    return _hasher.hash(password)


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The enabled user whose password matches, or None (same cost whether or not they exist)."""
    user = get_user(session=session, username=username)
    if user is None or user.password_hash.startswith(UNSET_PASSWORD_PREFIX):
        _hasher.verify(password, _dummy_hash())
        return None
    if not _hasher.verify(password, user.password_hash) or user.disabled:
        return None
    return user


def issue_token(*, user: User, settings: Settings) -> AccessToken:
    """A short-lived HS256 JWT naming the user (sub) and role."""
    now = utcnow()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": user.username,
        "role": user.role,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(claims, settings.signing_secret(), algorithm=_ALGORITHM)
    return AccessToken(access_token=token, expires_in=int(lifetime.total_seconds()))


@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[str, float]:
    """The subject and expiry of a token whose signature and claims verify with this secret
    (raises otherwise; a refusal is not kept). Kept per token and secret: the same token verifies
    the same way until it expires, which `user_from_token` checks at every use."""
    claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub"]})
    return str(claims["sub"]), float(claims["exp"])


def user_from_token(*, session: Session, token: str, settings: Settings) -> SignedInUser:
    """The enabled user a valid token names, read from the database now."""
    try:
        subject, expires = _verified(token, settings.signing_secret())
    except jwt.PyJWTError as exc:
        raise InvalidCredentials(f"invalid or expired token: {exc}") from exc
    if expires <= time.time():  # as jwt.decode's own check (no leeway)
        raise InvalidCredentials("invalid or expired token: Signature has expired")
    user = _READ_CALLER.first(session, {"username": subject})
    if user is None or user.disabled:
        raise InvalidCredentials("the token's user does not exist or is disabled")
    return SignedInUser(user.username, user.role, tuple(user.scopes))


def create_device_key(
    *,
    session: Session,
    region_code: str,
    label: str | None,
    actor: str,
    remote: str | None = None,
) -> NewDeviceKey:
    """A new key bound to one stored TPS (or kecamatan); only the secret's SHA-256 is stored."""
    problem = device_scope_problem(region_code)
    if problem:
        raise InvalidInput(problem, fields={"tps": problem})
    require_bindable(session=session, region_code=region_code)
    key_id = new_key_id()
    secret = new_secret(key_id)
    key = DeviceKey(
        key_id=key_id, secret_hash=secret_hash(secret), region_code=region_code, label=label
    )
    session.add(key)
    session.flush()
    append_audit(
        session=session,
        actor=actor,
        action="key.create",
        entity="device_key",
        entity_id=key_id,
        payload={"region_code": region_code, "label": label},
        remote=remote,
    )
    return NewDeviceKey(key=key, secret=secret)


def list_device_keys(*, session: Session) -> list[DeviceKey]:
    """Every device key (never the secret), newest first."""
    return list(session.exec(select(DeviceKey).order_by(col(DeviceKey.id).desc())))


def revoke_device_key(
    *, session: Session, key_id: str, actor: str, remote: str | None = None
) -> DeviceKey:
    """Revoke a key; it stops working at its next request."""
    key = session.exec(select(DeviceKey).where(DeviceKey.key_id == key_id)).first()
    if key is None:
        raise DeviceKeyNotFound(f"no device key '{key_id}'")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        session.flush()
        append_audit(
            session=session,
            actor=actor,
            action="key.revoke",
            entity="device_key",
            entity_id=key_id,
            remote=remote,
        )
    return key


def device_key_from_secret(*, session: Session, secret: str) -> LiveKey:
    """The live key a presented secret belongs to; InvalidCredentials otherwise."""
    key_id = secret.split(".", 1)[0]
    key = _READ_KEY.first(session, {"key_id": key_id[:20]})
    if key is None or not hmac.compare_digest(key.secret_hash, secret_hash(secret)):
        raise InvalidCredentials("unknown API key")
    if key.revoked_at is not None:
        raise InvalidCredentials(f"API key {key.key_id} is revoked")
    return LiveKey(key.key_id, key.region_code, key.label)
