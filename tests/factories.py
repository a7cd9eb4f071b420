"""Builders of test rows shared by every test world (auth, verification, web, photos, cli):
regions above given codes, TPS, contests with their paslon, users and their API sign-in.

They only add and flush; the caller decides when its world is committed.
"""

from collections.abc import Iterable, Mapping

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.domain.regions import LEVEL_BY_LENGTH, ancestors_of, parent_of
from app.models import Contest, Paslon, Region, Tps
from app.services.auth import create_user
from app.services.importers import tps_row

PASSWORD = "correct horse battery"
# The real names of the regions most worlds use; any other is named "<LEVEL> <code>".
REGION_NAMES: Mapping[str, str] = {"16": "SUMATERA SELATAN", "1671": "KOTA PALEMBANG"}
_PREFIX = {"provinsi": "PROVINSI", "kabupaten": "KAB", "kecamatan": "KEC", "desa": "DESA"}


def add_regions(
    session: Session, codes: Iterable[str], *, names: Mapping[str, str] | None = None
) -> None:
    """Every region from the provinsi down to each code (a desa's or a TPS's code: the TPS itself
    is not added), level by level so that each parent is flushed before its children."""
    names = {**REGION_NAMES, **(names or {})}
    wanted = {code for c in codes for code in ancestors_of(c).values() if len(code) < 13}
    for length, level in sorted(LEVEL_BY_LENGTH.items()):
        for code in sorted(c for c in wanted if len(c) == length):
            if session.get(Region, code) is None:
                name = names.get(code, f"{_PREFIX[level]} {code}")
                parent = parent_of(code)
                session.add(Region(code=code, level=level, name=name, parent_code=parent))
        session.flush()


def add_tps(session: Session, codes: Iterable[str], *, dpt: int | None = None) -> None:
    """TPS rows (their regions must exist: see add_regions)."""
    session.add_all(Tps(**tps_row(code, dpt=dpt)) for code in codes)
    session.flush()


def add_contest(
    session: Session,
    contest_id: str,
    *,
    kind: str,
    region_code: str,
    paslon: int,
    name: str | None = None,
) -> None:
    """A contest (its code is the id's first part: pkwkp-16 → pkwkp) and paslon 1..n."""
    code = contest_id.split("-", 1)[0]
    session.add(
        Contest(
            id=contest_id, code=code, kind=kind, region_code=region_code, name=name or contest_id
        )
    )
    session.flush()
    for nomor in range(1, paslon + 1):
        session.add(Paslon(contest_id=contest_id, nomor_urut=nomor, nama=f"Paslon {nomor}"))
    session.flush()


def add_user(
    session: Session, username: str, role: str, *scopes: str, password: str = PASSWORD
) -> str:
    """A user of that role and scopes (region codes); returns the username."""
    create_user(
        session=session,
        username=username,
        password=password,
        role=role,
        scopes=tuple(scopes),
        actor="test",
    )
    return username


def bearer_headers(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in through the API (POST /api/v1/auth/token); the Authorization header to send."""
    resp = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}
