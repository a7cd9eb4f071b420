"""The discrepancies of a filter with what an export needs beside them: the names of their
regions (provinsi .. desa) and their status history, read in keyset batches so memory stays
bounded whatever the number of rows."""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.domain.regions import ancestors_of
from app.models import Discrepancy, DiscrepancyEvent, Region
from app.services.discrepancy_query import DiscrepancyFilter, filter_clauses

BATCH = 500
MAX_CACHED_NAMES = 20_000  # region names kept between batches (the nation has ~91,000)


@dataclass(frozen=True)
class ExportRow:
    """One discrepancy, the names of its regions by level, and its status changes in order."""

    discrepancy: Discrepancy
    names: dict[str, str]
    history: list[DiscrepancyEvent]


def _history(session: Session, ids: list[int]) -> dict[int, list[DiscrepancyEvent]]:
    stmt = (
        select(DiscrepancyEvent)
        .where(col(DiscrepancyEvent.discrepancy_id).in_(ids))
        .order_by(col(DiscrepancyEvent.discrepancy_id), col(DiscrepancyEvent.id))
    )
    found: dict[int, list[DiscrepancyEvent]] = {}
    for event in session.exec(stmt):
        found.setdefault(event.discrepancy_id, []).append(event)
    return found


def _fill_names(session: Session, cache: dict[str, str], rows: list[Discrepancy]) -> None:
    wanted = {
        code
        for row in rows
        for code in ancestors_of(row.tps_code or row.region_code).values()
        if len(code) < 13
    }
    missing = wanted - cache.keys()
    if len(cache) + len(missing) > MAX_CACHED_NAMES:
        cache.clear()
        missing = wanted
    if missing:
        stmt = select(Region.code, Region.name).where(col(Region.code).in_(missing))
        cache.update(dict(session.exec(stmt).all()))


def _names(row: Discrepancy, cache: dict[str, str]) -> dict[str, str]:
    names = {
        level: cache.get(code, "")
        for level, code in ancestors_of(row.tps_code or row.region_code).items()
    }
    if row.tps_code:
        names["tps"] = f"TPS {row.tps_code[10:]}"
    return names


def export_rows(
    *, session: Session, flt: DiscrepancyFilter, batch: int = BATCH
) -> Iterator[ExportRow]:
    """Every discrepancy the filter matches, in id order, with region names and history."""
    after = 0
    cache: dict[str, str] = {}
    while True:
        stmt = (
            select(Discrepancy)
            .where(col(Discrepancy.id) > after, *filter_clauses(flt))
            .order_by(col(Discrepancy.id))
            .limit(batch)
            .execution_options(populate_existing=True)
        )
        rows = list(session.exec(stmt))
        if not rows:
            return
        history = _history(session, [r.id or 0 for r in rows])
        _fill_names(session, cache, rows)
        for row in rows:
            yield ExportRow(row, _names(row, cache), history.get(row.id or 0, []))
        if len(rows) < batch:
            return
        after = rows[-1].id or 0
