"""People in bulk: accounts created without a password, each with a one-time set-password token.

Why tokens and not generated passwords: Argon2 costs ~0.3 s a hash on purpose, so 7,000 PPK
accounts with passwords would take ~35 minutes; a token costs microseconds and the one Argon2
hash is paid when each person sets their own password (POST /api/v1/auth/set-password).

A token is a JWT signed with a key derived from the signing secret for this purpose only (so it
is never an access token, nor the other way round). It names the user and a fingerprint of the
password hash it was issued against: setting the password changes that hash, so the token works
once; nothing about it is stored.
"""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.config import Settings
from app.domain.onboarding import RowProblem, UserRow, repeated, user_row_problem
from app.errors import InvalidCredentials, InvalidInput
from app.models.auth import User
from app.models.evidence import utcnow
from app.services.audit import append_audit
from app.services.auth import MIN_PASSWORD_LENGTH, UNSET_PASSWORD_PREFIX, get_user, hash_password
from app.services.device_keys import chunks, raise_row_problems, row_order

PURPOSE = "set-password"
DEFAULT_VALID = timedelta(days=7)
_ALGORITHM = "HS256"


@dataclass(frozen=True)
class Invitation:
    """A new account and its one-time set-password token (shown once, never stored)."""

    username: str
    role: str
    scopes: tuple[str, ...]
    token: str
    expires_at: datetime


def unset_password_hash() -> str:
    """A stored hash that never verifies; random, so each account's tokens are its own."""
    return UNSET_PASSWORD_PREFIX + secrets.token_hex(16)


def _token_key(settings: Settings) -> bytes:
    return hashlib.sha256(
        b"rekap set-password token\0" + settings.signing_secret().encode()
    ).digest()


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def issue_token(
    *, username: str, password_hash: str, settings: Settings, valid: timedelta = DEFAULT_VALID
) -> tuple[str, datetime]:
    """A set-password token for this user as stored now, and when it expires."""
    expires = utcnow() + valid
    claims = {
        "sub": username,
        "purpose": PURPOSE,
        "pwh": _fingerprint(password_hash),
        "exp": expires,
    }
    return jwt.encode(claims, _token_key(settings), algorithm=_ALGORITHM), expires


def check_user_rows(*, session: Session, rows: Sequence[UserRow]) -> list[RowProblem]:
    """Every row's problems: name, role and scopes, a username taken already or twice."""
    problems = [RowProblem(r.where, p) for r in rows if (p := user_row_problem(r))]
    problems += repeated(((r.where, r.username) for r in rows), "username")
    names = [r.username for r in rows]
    taken: set[str] = set()
    for part in chunks(names):
        taken.update(session.exec(select(User.username).where(col(User.username).in_(part))))
    problems += [
        RowProblem(r.where, f"user '{r.username}' already exists")
        for r in rows
        if r.username in taken
    ]
    return problems


def create_users(
    *,
    session: Session,
    rows: Sequence[UserRow],
    settings: Settings,
    actor: str,
    valid: timedelta = DEFAULT_VALID,
    remote: str | None = None,
    known_problems: Sequence[RowProblem] = (),
) -> list[Invitation]:
    """Every account of the rows, or none (InvalidInput naming each bad row, those found while
    parsing included); one audit record for the batch."""
    problems = [*known_problems, *check_user_rows(session=session, rows=rows)]
    if not rows and not problems:
        problems.append(RowProblem("file", "no users to create"))
    raise_row_problems(sorted(problems, key=row_order), what="user")
    now = utcnow()
    values = [_user_values(row, now) for row in rows]
    for part in chunks(values):
        session.execute(insert(User), list(part))
    session.flush()
    invitations = []
    digest = hashlib.sha256()
    for row, value in zip(rows, values, strict=True):
        token, expires = issue_token(
            username=row.username,
            password_hash=value["password_hash"],
            settings=settings,
            valid=valid,
        )
        invitations.append(Invitation(row.username, row.role, row.scopes, token, expires))
        digest.update(f"{row.username}\t{row.role}\t{' '.join(row.scopes)}\n".encode())
    append_audit(
        session=session,
        actor=actor,
        action="user.create_bulk",
        entity="user",
        entity_id=f"batch:{digest.hexdigest()[:16]}",
        payload={"count": len(rows), "users_sha256": digest.hexdigest()},
        remote=remote,
    )
    return invitations


def _user_values(row: UserRow, now: datetime) -> dict[str, Any]:
    return {
        "username": row.username,
        "password_hash": unset_password_hash(),
        "role": row.role,
        "scopes": list(row.scopes),
        "disabled": False,
        "created_at": now,
    }


def set_password(*, session: Session, token: str, password: str, settings: Settings) -> User:
    """Set a password with a one-time token (401 when wrong, expired or already used)."""
    try:
        claims = jwt.decode(
            token,
            _token_key(settings),
            algorithms=[_ALGORITHM],
            options={"require": ["exp", "sub", "pwh", "purpose"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidCredentials(f"invalid or expired set-password token: {exc}") from exc
    user = get_user(session=session, username=str(claims["sub"]))
    if claims["purpose"] != PURPOSE or user is None or user.disabled:
        raise InvalidCredentials("the token's user does not exist or is disabled")
    if claims["pwh"] != _fingerprint(user.password_hash):
        raise InvalidCredentials("this set-password token was used already")
    if len(password) < MIN_PASSWORD_LENGTH:
        reason = f"at least {MIN_PASSWORD_LENGTH} characters"
        raise InvalidInput(f"password: {reason}", fields={"password": reason})
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    append_audit(
        session=session,
        actor=f"user:{user.username}",
        action="user.set_password",
        entity="user",
        entity_id=user.username,
    )
    return user
