"""Printable forms: what a contest's C.Hasil-KWK needs printed (its name and its paslon)."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.errors import ContestNotFound, InvalidInput
from app.models import Contest, Paslon

MAX_PRINTED_PASLON = 6


@dataclass(frozen=True)
class PrintableContest:
    """A contest's title and its paslon names in ballot order (nomor urut 1..n)."""

    contest_id: str
    title: str
    paslon_names: tuple[str, ...]


def printable_contest(*, session: Session, contest_id: str) -> PrintableContest:
    """The contest and its paslon for printing; ContestNotFound or InvalidInput if unusable."""
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise ContestNotFound(f"No contest has id {contest_id}", fields={"contest": "unknown"})
    rows = session.exec(
        select(Paslon).where(Paslon.contest_id == contest_id).order_by(col(Paslon.nomor_urut))
    ).all()
    numbers = [p.nomor_urut for p in rows]
    if not 1 <= len(rows) <= MAX_PRINTED_PASLON or numbers != list(range(1, len(rows) + 1)):
        raise InvalidInput(
            f"Contest {contest_id} has paslon numbers {numbers}; a KWK form needs 1..n, n <= 6",
            fields={"contest": "paslon must be numbered 1..n with 1 <= n <= 6"},
        )
    names = tuple(p.nama.strip().rstrip("-").strip() for p in rows)
    return PrintableContest(contest_id=contest.id, title=contest.name, paslon_names=names)
