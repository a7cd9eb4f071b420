"""Listing discrepancies: filters, keyset pagination, summary counts and the CSV export."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlmodel import Session, col, select

from app.domain.catalogue import RULES
from app.domain.inputs import row_id
from app.domain.regions import child_length, level_of
from app.domain.statuses import DISCREPANCY_STATUSES
from app.errors import InvalidInput
from app.models import Discrepancy
from app.schemas.discrepancies import DiscrepancyPage, DiscrepancyRead, DiscrepancySummary

MAX_LIMIT = 1000
SEVERITIES = ("error", "warning")
CSV_COLUMNS = (
    "id rule severity status contest_id region_code tps_code field expected actual delta "
    "suggestion message message_en first_seen last_seen resolved_at"
).split()


@dataclass(frozen=True)
class DiscrepancyFilter:
    """The filters of GET /discrepancies (all optional)."""

    region: str | None = None
    contest: str | None = None
    rule: str | None = None
    severity: str | None = None
    status: str | None = None
    since: datetime | None = None
    prefixes: tuple[str, ...] | None = None  # the reader's scope (None: everything)

    def __post_init__(self) -> None:
        """An unknown rule, severity or status would match nothing and look like "no
        discrepancies": 422 naming each such parameter instead."""
        known = {"rule": RULES, "severity": SEVERITIES, "status": DISCREPANCY_STATUSES}
        bad = {
            name: f"unknown {name}; one of {', '.join(sorted(values))}"
            for name, values in known.items()
            if (given := getattr(self, name)) is not None and given not in values
        }
        if bad:
            raise InvalidInput(
                "Unknown filter value: " + ", ".join(f"{k}={getattr(self, k)!r}" for k in bad),
                fields=bad,
            )


def region_clause(code: str) -> ColumnElement[bool] | None:
    """Rows under a region, through the indexed ancestor columns; None for the nation."""
    if code == "0":
        return None
    level = level_of(code)
    columns = {
        "provinsi": Discrepancy.provinsi_code,
        "kabupaten": Discrepancy.kabupaten_code,
        "kecamatan": Discrepancy.kecamatan_code,
        "tps": Discrepancy.tps_code,
    }
    if level in columns:
        return col(columns[level]) == code
    if level == "desa":
        return and_(
            col(Discrepancy.region_code) >= code, col(Discrepancy.region_code) <= code + "999"
        )
    raise InvalidInput(
        f"'{code}' is not a region code", fields={"region": "must be 2, 4, 6, 10 or 13 digits"}
    )


def filter_clauses(flt: DiscrepancyFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the API's filters and the reader's scope."""
    clauses: list[ColumnElement[bool]] = []
    if flt.prefixes is not None:
        scoped = [region_clause(p) for p in flt.prefixes]
        if all(c is not None for c in scoped):  # `in` would compare SQL clauses with ==
            clauses.append(or_(false(), *(c for c in scoped if c is not None)))
    if flt.region:
        region = region_clause(flt.region)
        if region is not None:
            clauses.append(region)
    pairs: list[tuple[Any, Any]] = [
        (Discrepancy.contest_id, flt.contest),
        (Discrepancy.rule, flt.rule),
        (Discrepancy.severity, flt.severity),
        (Discrepancy.status, flt.status),
    ]
    clauses.extend(col(column) == value for column, value in pairs if value)
    if flt.since is not None:
        clauses.append(col(Discrepancy.first_seen) >= flt.since)
    return clauses


def parse_cursor(cursor: str | None) -> int:
    """The last id of the previous page (the cursor is that id as text)."""
    if cursor is None or cursor in ("", "0"):
        return 0
    last_id = row_id(cursor)  # ASCII digits within the id column's range, or None
    if last_id is None:
        raise InvalidInput("cursor is not one this API gave out", fields={"cursor": "invalid"})
    return last_id


def to_read(row: Discrepancy) -> DiscrepancyRead:
    """The API shape of a stored discrepancy."""
    return DiscrepancyRead.model_validate(row, from_attributes=True)


def list_discrepancies(
    *, session: Session, flt: DiscrepancyFilter, limit: int, cursor: str | None
) -> DiscrepancyPage:
    """One page in id order; ids only grow, so inserts never shift a page already read."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput("limit must be 1..1000", fields={"limit": "must be 1..1000"})
    after = parse_cursor(cursor)
    stmt = (
        select(Discrepancy)
        .where(col(Discrepancy.id) > after, *filter_clauses(flt))
        .order_by(col(Discrepancy.id))
        .limit(limit + 1)
        .execution_options(populate_existing=True)
    )
    rows = list(session.exec(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = str(rows[-1].id) if more and rows else None
    return DiscrepancyPage(items=[to_read(r) for r in rows], next_cursor=next_cursor)


def _counts(session: Session, key: Any, clauses: list[ColumnElement[bool]]) -> dict[str, int]:
    stmt = select(key, func.count()).where(*clauses).group_by(key)
    return {str(k): int(n) for k, n in session.exec(stmt)}


def summarize(*, session: Session, flt: DiscrepancyFilter) -> DiscrepancySummary:
    """Counts by rule, severity, status and child region of the filter's region."""
    region = flt.region or "0"
    clauses = filter_clauses(flt)
    child_len = child_length(region)
    child = func.substr(col(Discrepancy.region_code), 1, child_len)
    by_status = _counts(session, col(Discrepancy.status), clauses)
    return DiscrepancySummary(
        region_code=region,
        total=sum(by_status.values()),
        by_rule=_counts(session, col(Discrepancy.rule), clauses),
        by_severity=_counts(session, col(Discrepancy.severity), clauses),
        by_status=by_status,
        by_region=_counts(session, child, clauses),
    )


def _csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(["" if v is None else v for v in values])
    return buf.getvalue()


def export_csv(*, session: Session, flt: DiscrepancyFilter, batch: int = 1000) -> Iterator[str]:
    """Every matching discrepancy as CSV lines (header first), read in keyset batches."""
    yield _csv_line(list(CSV_COLUMNS))
    after = 0
    while True:
        stmt = (
            select(Discrepancy)
            .where(col(Discrepancy.id) > after, *filter_clauses(flt))
            .order_by(col(Discrepancy.id))
            .limit(batch)
            .execution_options(populate_existing=True)
        )
        rows = list(session.exec(stmt))
        for row in rows:
            values = [getattr(row, c) for c in CSV_COLUMNS]
            yield _csv_line([v.isoformat() if isinstance(v, datetime) else v for v in values])
        if len(rows) < batch:
            return
        after = rows[-1].id or 0
