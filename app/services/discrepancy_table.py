"""The console's discrepancy table: the API's filters and scope, several sort orders, and keyset
(cursor) paging on (sort key, id) so a page never shifts when rows are added."""

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from app.domain.inputs import row_id
from app.errors import InvalidInput
from app.models import Discrepancy
from app.schemas.discrepancies import DiscrepancyRead
from app.services.discrepancy_query import DiscrepancyFilter, filter_clauses, to_read

# sort name -> (column sorted first or None for id only, that column descending, id descending)
SORTS: Final[dict[str, tuple[Any, bool, bool]]] = {
    "newest": (None, False, True),
    "oldest": (None, False, False),
    "severity": (Discrepancy.severity, False, True),  # "error" < "warning": errors first
    "region": (Discrepancy.region_code, False, False),
    "rule": (Discrepancy.rule, False, False),
    "status": (Discrepancy.status, False, True),
}
SEPARATOR = "~"


@dataclass(frozen=True)
class DiscrepancyTablePage:
    """One page of the table and the cursor of the next page (None on the last)."""

    items: list[DiscrepancyRead]
    next_cursor: str | None


def _parse_cursor(cursor: str | None, keyed: bool) -> tuple[str | None, int] | None:
    if not cursor:
        return None
    key, _, last_id = cursor.rpartition(SEPARATOR) if keyed else ("", "", cursor)
    after = row_id(last_id)  # ASCII digits within the id column's range, or None
    if after is None or (keyed and not key):
        raise InvalidInput("cursor is not one this page gave out", fields={"cursor": "invalid"})
    return (key if keyed else None), after


def _after(sort: str, position: tuple[str | None, int]) -> ColumnElement[bool]:
    column, key_desc, id_desc = SORTS[sort]
    key, last_id = position
    id_col = col(Discrepancy.id)
    past_id = id_col < last_id if id_desc else id_col > last_id
    if column is None:
        return past_id
    past_key = col(column) < key if key_desc else col(column) > key
    return or_(past_key, and_(col(column) == key, past_id))


def _order(sort: str) -> list[Any]:
    column, key_desc, id_desc = SORTS[sort]
    order = [col(Discrepancy.id).desc() if id_desc else col(Discrepancy.id)]
    if column is not None:
        order.insert(0, col(column).desc() if key_desc else col(column))
    return order


def discrepancy_table(
    *, session: Session, flt: DiscrepancyFilter, sort: str, limit: int, cursor: str | None
) -> DiscrepancyTablePage:
    """One page of the filtered discrepancies in the chosen order."""
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}", fields={"sort": ", ".join(SORTS)})
    column = SORTS[sort][0]
    where = filter_clauses(flt)
    position = _parse_cursor(cursor, keyed=column is not None)
    if position is not None:
        where.append(_after(sort, position))
    stmt = (
        select(Discrepancy)
        .where(*where)
        .order_by(*_order(sort))
        .limit(limit + 1)
        .execution_options(populate_existing=True)
    )
    rows = list(session.exec(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        prefix = f"{getattr(last, column.key)}{SEPARATOR}" if column is not None else ""
        next_cursor = f"{prefix}{last.id}"
    return DiscrepancyTablePage(items=[to_read(r) for r in rows], next_cursor=next_cursor)
