"""Finding places by TPS code (or its prefix) or by region name, and turning a name into the
one region code a filter needs.

Names are matched case- and accent-insensitively as substrings: the query is folded (accents
dropped, lower case) and compared with `lower(name)`; Kemendagri's names are plain ASCII capitals,
so folding the query is enough. A substring match cannot use a B-tree index: a search is one
scan of the region table (about 91,000 rows for the nation), ranked per level and cut at
PER_LEVEL + 1 rows a level (docs/benchmarks.md, "Search"). Codes are prefix ranges on keys.
"""

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_
from sqlmodel import Session, col, select

from app.domain.regions import LEVELS, NATION, ancestors_of, level_of
from app.errors import InvalidInput
from app.models import Region, Tps

PER_LEVEL = 10  # results shown per level; more means "type more"
MIN_NAME_LENGTH = 2
MAX_CANDIDATES = 20  # candidates an ambiguous name lists


@dataclass(frozen=True)
class Place:
    """One found region or TPS with the names of its parents, top down."""

    code: str
    level: str
    name: str
    parents: tuple[tuple[str, str], ...] = ()  # (code, name) from provinsi down

    def describe(self) -> str:
        """'SUKAJADI (desa 1671011001; KOTA PALEMBANG › KEC ...)' for an error message."""
        where = " › ".join(name for _, name in self.parents)
        return f"{self.name} ({self.level} {self.code}{'; ' + where if where else ''})"


@dataclass
class SearchResult:
    """Places by level (provinsi .. tps), each list at most PER_LEVEL long."""

    query: str
    by_level: dict[str, list[Place]] = field(default_factory=dict)
    more: set[str] = field(default_factory=set)  # levels with more than PER_LEVEL matches

    @property
    def empty(self) -> bool:
        """Whether nothing was found."""
        return not any(self.by_level.values())


class UnknownRegionName(InvalidInput):
    """A filter's region name that no region (inside the reader's scope) has."""


class AmbiguousRegion(InvalidInput):
    """A region name that several regions share (422 listing the candidates with codes)."""

    def __init__(self, detail: str, *, fields: dict[str, str], candidates: list[Place]) -> None:
        super().__init__(detail, fields=fields)
        self.candidates = candidates


def fold(text: str) -> str:
    """Lower case without accents and extra spaces: 'Sukajádi  ' -> 'sukajadi'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def _like_pattern(folded: str) -> str:
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _code_range(column: Any, prefix: str) -> ColumnElement[bool]:
    """Codes starting with a digit prefix, as a range an index serves (':' follows '9')."""
    return and_(column >= prefix, column < prefix + ":")


def _scope_clause(column: Any, prefixes: tuple[str, ...] | None) -> list[ColumnElement[bool]]:
    if prefixes is None or NATION in prefixes:
        return []
    return [or_(false(), *(_code_range(column, p) for p in prefixes))]


def _names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.exec(select(Region.code, Region.name).where(col(Region.code).in_(codes)))
    return dict(rows.all())


def _with_parents(session: Session, found: list[tuple[str, str, str]]) -> list[Place]:
    """Places from (code, level, name) rows, their parents' names read in one query."""
    wanted = {a for code, _, _ in found for a in ancestors_of(code).values() if a != code}
    names = _names(session, {c for c in wanted if len(c) < 13})
    places = []
    for code, level, name in found:
        chain = [a for a in ancestors_of(code).values() if a != code and a in names]
        places.append(Place(code, level, name, tuple((a, names[a]) for a in chain)))
    return places


def _regions_named(
    session: Session, folded: str, prefixes: tuple[str, ...] | None, limit: int
) -> dict[str, list[tuple[str, str, str]]]:
    """Regions whose name contains the text, at most `limit` per level: one scan of the region
    table, the shortest names (the closest matches) first in each level."""
    rank = (
        func.row_number()
        .over(
            partition_by=col(Region.level),
            order_by=(func.length(col(Region.name)), col(Region.name), col(Region.code)),
        )
        .label("rank")
    )
    matches = (
        select(col(Region.code), col(Region.level), col(Region.name), rank)
        .where(
            func.lower(col(Region.name)).like(_like_pattern(folded), escape="\\"),
            *_scope_clause(col(Region.code), prefixes),
        )
        .subquery()
    )
    stmt = (
        select(matches.c.code, matches.c.level, matches.c.name)
        .where(matches.c.rank <= limit)
        .order_by(matches.c.level, matches.c.rank)
    )
    found: dict[str, list[tuple[str, str, str]]] = {}
    for code, level, name in session.execute(stmt):
        found.setdefault(level, []).append((code, level, name))
    return found


def _by_code(
    session: Session, prefix: str, prefixes: tuple[str, ...] | None, limit: int
) -> dict[str, list[tuple[str, str, str]]]:
    """Regions and TPS whose code starts with the digits typed."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    regions = session.exec(
        select(Region.code, Region.level, Region.name)
        .where(_code_range(col(Region.code), prefix), *_scope_clause(col(Region.code), prefixes))
        .order_by(func.length(col(Region.code)), col(Region.code))
        .limit(limit)
    )
    for code, level, name in regions:
        found.setdefault(level, []).append((code, level, name))
    if len(prefix) >= 6:  # a TPS code is typed from at least its kecamatan on
        tps = session.exec(
            select(Tps.code, Tps.number)
            .where(_code_range(col(Tps.code), prefix), *_scope_clause(col(Tps.code), prefixes))
            .order_by(col(Tps.code))
            .limit(limit)
        )
        found["tps"] = [(code, "tps", f"TPS {number:03d}") for code, number in tps]
    return found


def search_places(
    *, session: Session, text: str, prefixes: tuple[str, ...] | None = None
) -> SearchResult:
    """Regions and TPS matching a code prefix or a name, grouped by level, inside the scope."""
    query = text.strip()
    folded = fold(query)
    result = SearchResult(query=query)
    if query.isascii() and query.isdigit():
        rows = _by_code(session, query, prefixes, PER_LEVEL + 1)
    elif len(folded) >= MIN_NAME_LENGTH:
        rows = _regions_named(session, folded, prefixes, PER_LEVEL + 1)
    else:
        return result
    for level in LEVELS:
        found = rows.get(level) or []
        if len(found) > PER_LEVEL:
            result.more.add(level)
        if found:
            result.by_level[level] = _with_parents(session, found[:PER_LEVEL])
    return result


def resolve_region(
    *, session: Session, text: str, prefixes: tuple[str, ...] | None = None, param: str = "region"
) -> str:
    """The code of the one region a filter names: a code as given, else the region whose name
    equals the text (folded), else the one whose name contains it; several: AmbiguousRegion."""
    given = text.strip()
    if level_of(given) is not None or given == NATION:
        return given
    folded = fold(given)
    if len(folded) < MIN_NAME_LENGTH:
        raise UnknownRegionName(
            f"{param} must be a region code or a name of at least {MIN_NAME_LENGTH} letters",
            fields={param: "a region code (2, 4, 6, 10 or 13 digits) or a region name"},
        )
    exact = _named(session, func.lower(col(Region.name)) == folded, prefixes)
    found = exact or _named(
        session, func.lower(col(Region.name)).like(_like_pattern(folded), escape="\\"), prefixes
    )
    if len(found) == 1:
        return found[0][0]
    if not found:
        raise UnknownRegionName(
            f"No region is named {given!r}", fields={param: "no such region name"}
        )
    places = _with_parents(session, found[:MAX_CANDIDATES])
    listed = "; ".join(p.describe() for p in places)
    more = " …" if len(found) > MAX_CANDIDATES else ""
    raise AmbiguousRegion(
        f"{len(places)}{'+' if more else ''} regions match {given!r}: {listed}{more}",
        fields={param: "ambiguous name; give one of the codes listed"},
        candidates=places,
    )


def _named(
    session: Session, clause: ColumnElement[bool], prefixes: tuple[str, ...] | None
) -> list[tuple[str, str, str]]:
    stmt = (
        select(Region.code, Region.level, Region.name)
        .where(clause, *_scope_clause(col(Region.code), prefixes))
        .order_by(func.length(col(Region.code)), col(Region.code))
        .limit(MAX_CANDIDATES + 1)
    )
    return [(c, lv, n) for c, lv, n in session.exec(stmt)]
