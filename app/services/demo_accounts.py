"""One console account per role for the demo (admin, ppk of a planted kecamatan, bawaslu of the
province), with fresh random passwords; refused on a database the demo did not load."""

import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.errors import Conflict
from app.models import Submission
from app.services.auth import create_user

DEMO_ACTOR = "system:demo"
DEMO_PROVINCE = "16"
DEMO_MARKER = "demo-ppk-"  # who the demo's PPK submissions are from (app/services/demo.py)


@dataclass(frozen=True)
class DemoAccount:
    """A created account and its password (shown once, by `rekap demo`)."""

    username: str
    password: str
    role: str
    scopes: tuple[str, ...]


def is_demo_database(*, session: Session) -> bool:
    """Whether the demo loaded this database (its PPK submissions carry the demo's names)."""
    stmt = select(Submission.id).where(col(Submission.submitted_by).startswith(DEMO_MARKER))
    return session.exec(stmt.limit(1)).first() is not None


def planted_kecamatan(*, session: Session) -> str:
    """A kecamatan with a planted second source (the KPPS app's result disagreeing with the PPK),
    so the demo PPK has something to look at; any demo kecamatan when there is none."""
    stmt = select(Submission.kecamatan_code).order_by(col(Submission.id))
    app_sub = session.exec(stmt.where(Submission.source == "app").limit(1)).first()
    return app_sub or str(session.exec(stmt.limit(1)).one())


def create_demo_accounts(
    *, session: Session, ppk_kecamatan: str | None = None
) -> list[DemoAccount]:
    """demo-admin, demo-ppk (one planted kecamatan), demo-bawaslu (province 16); Conflict when
    the database is not a demo database or the accounts exist already."""
    if not is_demo_database(session=session):
        raise Conflict("demo accounts are only created on a database loaded by `rekap demo`")
    kecamatan = ppk_kecamatan or planted_kecamatan(session=session)
    plan = [
        ("demo-admin", "admin", ()),
        ("demo-ppk", "ppk", (kecamatan,)),
        ("demo-bawaslu", "bawaslu", (DEMO_PROVINCE,)),
    ]
    accounts = []
    for username, role, scopes in plan:
        password = secrets.token_urlsafe(12)
        create_user(
            session=session,
            username=username,
            password=password,
            role=role,
            scopes=scopes,
            actor=DEMO_ACTOR,
        )
        accounts.append(DemoAccount(username, password, role, scopes))
    return accounts
