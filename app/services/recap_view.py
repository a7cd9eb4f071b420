"""The console's kecamatan recap: the latest D.Hasil entry per desa and in total against the sums
of accepted TPS values, field by field, with the TPS behind every difference."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import Session

from app.domain.fields import fields_for_contest
from app.domain.regions import level_of
from app.errors import InvalidInput
from app.models import DHasilVersion
from app.schemas.discrepancies import DiscrepancyDetail
from app.schemas.regions import ContestRead, RegionRead
from app.services.dashboard import contests_for_region, region_trail
from app.services.discrepancies import get_discrepancy
from app.services.discrepancy_query import DiscrepancyFilter
from app.services.discrepancy_table import discrepancy_table
from app.services.recheck import latest_dhasil
from app.services.regions import get_region
from app.services.tally import region_tally


@dataclass(frozen=True)
class RecapCell:
    """One field of one desa (or the total): D.Hasil against Σ TPS, and per-TPS values when
    they differ."""

    name: str
    dhasil: int | None
    tps_sum: int | None
    per_tps: list[tuple[str, int | None]] = field(default_factory=list)

    @property
    def difference(self) -> int | None:
        """D.Hasil minus Σ TPS (None when either side is missing)."""
        if self.dhasil is None or self.tps_sum is None:
            return None
        return self.dhasil - self.tps_sum

    @property
    def differs(self) -> bool:
        """Whether the D.Hasil disagrees with the TPS results (a missing side counts)."""
        return self.dhasil != self.tps_sum


@dataclass(frozen=True)
class RecapRow:
    """A desa (or the kecamatan total) with its fields and TPS."""

    code: str
    name: str
    tps: list[str]
    cells: list[RecapCell]

    @property
    def differing(self) -> list[RecapCell]:
        """The fields where D.Hasil and Σ TPS disagree."""
        return [c for c in self.cells if c.differs]


@dataclass(frozen=True)
class RecapView:
    """The recap page of one kecamatan and contest."""

    region: RegionRead
    trail: list[tuple[str, str]]
    contests: list[ContestRead]
    contest: ContestRead | None
    version_id: int | None
    version: DHasilVersion | None  # number, who entered it, when and why
    desa: list[RecapRow]
    total: RecapRow | None
    discrepancies: list[DiscrepancyDetail]


def _per_tps(session: Session, tps_codes: list[str], contest_id: str) -> dict[str, dict[str, int]]:
    return {
        code: region_tally(session=session, code=code, contest_id=contest_id).values
        for code in tps_codes
    }


def _row(
    session: Session,
    region: RegionRead,
    contest_id: str,
    names: tuple[str, ...],
    entry: Mapping[str, int | None],
) -> RecapRow:
    tps = [c.code for c in region.children if c.level == "tps"]
    sums = region_tally(session=session, code=region.code, contest_id=contest_id).values
    cells = [RecapCell(n, entry.get(n), sums.get(n)) for n in names]
    if any(c.differs for c in cells) and tps:
        values = _per_tps(session, tps, contest_id)
        cells = [
            RecapCell(c.name, c.dhasil, c.tps_sum, [(t, values[t].get(c.name)) for t in tps])
            if c.differs
            else c
            for c in cells
        ]
    return RecapRow(region.code, region.name, tps, cells)


def _contest_with_findings(
    session: Session, kecamatan_code: str, contests: list[ContestRead]
) -> ContestRead | None:
    """The first contest with a kecamatan-level discrepancy here, else the first contest."""
    flt = DiscrepancyFilter(region=kecamatan_code)
    page = discrepancy_table(session=session, flt=flt, sort="oldest", limit=200, cursor=None)
    with_findings = {d.contest_id for d in page.items if d.tps_code is None}
    found = [c for c in contests if c.id in with_findings]
    candidates = found or contests
    return candidates[0] if candidates else None


def recap_view(*, session: Session, kecamatan_code: str, contest_id: str | None) -> RecapView:
    """D.Hasil Kecamatan against Σ TPS per desa and field for one contest (default: the first
    contest covering the kecamatan), and the open reconciliation discrepancies."""
    if level_of(kecamatan_code) != "kecamatan":
        raise InvalidInput(
            f"'{kecamatan_code}' is not a kecamatan code", fields={"code": "must be 6 digits"}
        )
    region = get_region(session=session, code=kecamatan_code)
    contests = contests_for_region(session=session, code=kecamatan_code)
    contest = next((c for c in contests if c.id == contest_id), None)
    contest = contest or _contest_with_findings(session, kecamatan_code, contests)
    dhasil = latest_dhasil(session, kecamatan_code, contest.id) if contest else None
    desa_rows: list[RecapRow] = []
    total = None
    found: list[DiscrepancyDetail] = []
    if contest is not None and dhasil is not None:
        names = fields_for_contest(len(contest.paslon))
        entries = dhasil.desa
        for child in region.children:
            desa = get_region(session=session, code=child.code)
            desa_rows.append(_row(session, desa, contest.id, names, entries.get(child.code, {})))
        total = _row(session, region, contest.id, names, dhasil.total)
    if contest is not None:
        flt = DiscrepancyFilter(region=kecamatan_code, contest=contest.id)
        page = discrepancy_table(session=session, flt=flt, sort="rule", limit=200, cursor=None)
        found = [
            get_discrepancy(session=session, discrepancy_id=d.id)
            for d in page.items
            if d.tps_code is None
        ]
    return RecapView(
        region=region,
        trail=region_trail(session=session, code=kecamatan_code),
        contests=contests,
        contest=contest,
        version_id=dhasil.version_id if dhasil else None,
        version=session.get(DHasilVersion, dhasil.version_id) if dhasil else None,
        desa=desa_rows,
        total=total,
        discrepancies=found,
    )
