"""Region and contest look-ups."""

from sqlmodel import Session, col, select

from app.domain.regions import level_of
from app.errors import InvalidInput, RegionNotFound
from app.models import Contest, Paslon, Region, Tps
from app.schemas.regions import ContestRead, PaslonRead, RegionChild, RegionRead

NATION = RegionRead(code="0", level="nasional", name="Indonesia", parent_code=None, children=[])


def get_region(*, session: Session, code: str) -> RegionRead:
    """A region (or TPS) with its children; raises RegionNotFound for an unknown code."""
    if level_of(code) is None and code != "0":
        raise InvalidInput(
            f"'{code}' is not a region code (2, 4, 6, 10 or 13 digits)",
            fields={"code": "must be 2, 4, 6, 10 or 13 digits"},
        )
    if code == "0":
        provinces = session.exec(select(Region).where(Region.level == "provinsi")).all()
        return NATION.model_copy(update={"children": [_child(r) for r in provinces]})
    if len(code) == 13:
        return _tps_region(session=session, code=code)
    region = session.get(Region, code)
    if region is None:
        raise RegionNotFound(f"No region has code {code}")
    return RegionRead(
        code=region.code,
        level=region.level,
        name=region.name,
        parent_code=region.parent_code,
        children=_children(session=session, region=region),
    )


def _child(region: Region) -> RegionChild:
    return RegionChild(code=region.code, level=region.level, name=region.name)


def _children(*, session: Session, region: Region) -> list[RegionChild]:
    if region.level == "desa":
        stmt = select(Tps).where(Tps.desa_code == region.code).order_by(col(Tps.code))
        return [
            RegionChild(code=t.code, level="tps", name=f"TPS {t.number:03d}")
            for t in session.exec(stmt)
        ]
    stmt_r = select(Region).where(Region.parent_code == region.code).order_by(col(Region.code))
    return [_child(r) for r in session.exec(stmt_r)]


def _tps_region(*, session: Session, code: str) -> RegionRead:
    tps = session.get(Tps, code)
    if tps is None:
        raise RegionNotFound(f"No TPS has code {code}")
    return RegionRead(
        code=tps.code,
        level="tps",
        name=f"TPS {tps.number:03d}",
        parent_code=tps.desa_code,
        children=[],
    )


def list_contests(*, session: Session) -> list[ContestRead]:
    """Every contest with its paslon in ballot order."""
    contests = session.exec(select(Contest).order_by(col(Contest.id))).all()
    paslon = session.exec(select(Paslon).order_by(col(Paslon.nomor_urut))).all()
    by_contest: dict[str, list[PaslonRead]] = {}
    for p in paslon:
        by_contest.setdefault(p.contest_id, []).append(
            PaslonRead(nomor_urut=p.nomor_urut, nama=p.nama)
        )
    return [
        ContestRead(
            id=c.id,
            kind=c.kind,
            region_code=c.region_code,
            name=c.name,
            paslon=by_contest.get(c.id, []),
        )
        for c in contests
    ]
