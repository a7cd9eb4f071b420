"""The verification engine: one set-based pass over a set of units, used by the recheck of one
post (a few units), the queue drainer (a batch of units) and the full recheck (every unit).

Units: a TPS and contest (accepted values, form rules, source disagreements), a TPS across its
contests (CROSS_CONTEST), a kecamatan and contest (reconciliation against its latest D.Hasil).

1. Accepted values: for a *simple* unit (one submission, not a photo reading) the database copies
   the values into `tps_result` itself (verification_filter.simple_results_sql); the other units
   go through the Python acceptance rule (app/domain/accepted.py).
2. Form rules: the rules' Relations compiled to SQL flag the forms that can have a finding; only
   those (and the units with several sources) run the Python rules that write messages and
   HUNDREDS_SLIP suggestions.
3. CROSS_CONTEST: SQL flags the TPS whose two Pilkada forms differ in DPT or turnout.
4. Reconciliation: per-desa sums of every kecamatan unit in one GROUP BY; a unit whose D.Hasil
   equals its TPS sums everywhere is skipped (nothing to report), the others run the Python rules.

Every finding goes through one writer (recheck_store.apply_findings): upsert by identity,
history events, and resolution of what a re-evaluated unit no longer finds.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, select, text, true, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.db import acceptance_line
from app.domain.accepted import AcceptedValue, SubmissionValues
from app.domain.evaluation import (
    CROSS_RULES,
    KECAMATAN_RULES,
    LOCAL_KINDS,
    TPS_RULES,
    DHasilData,
    Located,
    TpsOutcome,
    evaluate_cross,
    evaluate_tallies,
    evaluate_tps,
    form_context,
)
from app.domain.fields import ALL_FIELDS, fields_for_contest
from app.domain.findings import FormContext
from app.domain.reconcile import DesaTally
from app.domain.regions import contains
from app.models import Contest, DHasilVersion, Discrepancy, Paslon, Submission, Tps, TpsResult
from app.models.evidence import utcnow
from app.services.recheck_store import (
    Existing,
    ResolvedBy,
    apply_findings,
    load_existing,
    result_row,
    write_results,
)
from app.services.verification_filter import (
    COMPLEX_UNITS_SQL,
    cross_breach,
    flagged_forms,
    form_breach,
    simple_results_sql,
)

Unit = tuple[str, str]  # (tps code or kecamatan code, contest id)
Contexts = Mapping[str, tuple["ContestRef", FormContext]]
RESULTS = TpsResult.__table__
TPS = Tps.__table__  # type: ignore[attr-defined]
SUBS = Submission.__table__  # type: ignore[attr-defined]
DISCREPANCY = Discrepancy.__table__  # type: ignore[attr-defined]
CHUNK = 1000  # units per IN list (2 bound parameters each)


@dataclass
class VerifyStats:
    """What one pass of the engine did."""

    tps_units: int = 0
    forms_flagged: int = 0
    results_written: int = 0
    cross_flagged: int = 0
    kecamatan_units: int = 0
    kecamatan_skipped: int = 0
    findings: int = 0

    def add(self, other: "VerifyStats") -> None:
        """Accumulate another pass's figures."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Scope:
    """Which units a pass covers: explicit units, or every unit of an area (kecamatan codes, a
    region code prefix, or everything)."""

    tps_units: frozenset[Unit] | None = None
    kecamatan_units: frozenset[Unit] | None = None
    kecamatan_codes: tuple[str, ...] | None = None
    prefix: str | None = None

    @property
    def explicit(self) -> bool:
        """Whether the units are listed (rather than everything in an area)."""
        return self.tps_units is not None

    def area(self, kecamatan: Any) -> ColumnElement[bool]:
        """The area condition on a kecamatan code column."""
        if self.kecamatan_codes is not None:
            return col(kecamatan).in_(self.kecamatan_codes)
        if self.prefix:
            return col(kecamatan).startswith(self.prefix)
        return true()

    def area_sql(self, column: str) -> tuple[str, dict[str, Any]]:
        """The same condition as SQL text with its bound parameters."""
        if self.kecamatan_codes is not None:
            names = {f"k{i}": code for i, code in enumerate(self.kecamatan_codes)}
            if not names:
                return "false", {}
            return f"{column} IN ({', '.join(':' + n for n in names)})", names
        if self.prefix:
            return f"{column} LIKE :prefix", {"prefix": self.prefix + "%"}
        return "true", {}


# --- rows as the rules see them, locks ----------------------------------------------------

RECHECK_LOCK = 6_060_606  # advisory lock class of kecamatan rechecks


@dataclass(frozen=True)
class ContestRef:
    """What the engine reads of a contest."""

    id: str
    kind: str
    region_code: str


def contest_contexts(session: Session) -> dict[str, tuple[ContestRef, FormContext]]:
    """Every contest with the form context its checks need (kind, paslon count); plain rows
    (ORM objects for every contest were most of a one-unit recheck's own CPU)."""
    contest = Contest.__table__  # type: ignore[attr-defined]
    paslon = select(col(Paslon.contest_id), func.count()).group_by(col(Paslon.contest_id))
    counts = {cid: int(n) for cid, n in session.execute(paslon)}
    rows = session.execute(select(contest.c.id, contest.c.kind, contest.c.region_code))
    return {
        cid: (ContestRef(cid, kind, region), form_context(kind, counts.get(cid, 0)))
        for cid, kind, region in rows
    }


def as_values(row: Any) -> SubmissionValues:
    """A submission row (ORM or Core) as the rules see it."""
    return SubmissionValues(
        submission_id=row.id,
        source=row.source,
        submitted_at=aware(row.submitted_at),
        values=row.values,
        supersedes=row.supersedes_id,
        reason=row.reason,
        confidence=row.confidence,
    )


def aware(at: datetime) -> datetime:
    """SQLite hands datetimes back naive; every stored time is UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def outcome_from_result(row: Any) -> TpsOutcome:
    """A stored TpsResult row back as accepted values with their sources."""
    sources = row.sources or {}
    accepted = {
        name: AcceptedValue(value, int(sources.get(name, 0)), "")
        for name in ALL_FIELDS
        if (value := getattr(row, name)) is not None
    }
    return TpsOutcome(accepted=accepted)


_XACT_LOCK = text("SELECT pg_advisory_xact_lock(:a, :b)")


def advisory_xact_lock(session: Session, lock_class: int, key: int) -> None:
    """PostgreSQL's advisory lock (class, key), held to the end of the session's transaction;
    nothing on SQLite (its writers are serial already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_XACT_LOCK, {"a": lock_class, "b": key})


def lock_kecamatan(session: Session, kecamatan_code: str) -> None:
    """Serialise rechecks of one kecamatan on PostgreSQL (SQLite writers are serial already), so
    two concurrent writes never evaluate it from snapshots that miss each other."""
    if kecamatan_code.isdigit():
        advisory_xact_lock(session, RECHECK_LOCK, int(kecamatan_code))


@contextmanager
def pg_settings(session: Session, **values: str) -> Iterator[None]:
    """PostgreSQL settings for the statements inside, put back afterwards (local to the
    transaction either way; nothing on SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    names = sorted(values)
    # one round trip: a SELECT list is evaluated in order, each old value read before it is set
    parts = ", ".join(
        f"current_setting('{n}'), set_config('{n}', :v{i}, true)" for i, n in enumerate(names)
    )
    params = {f"v{i}": values[n] for i, n in enumerate(names)}
    row = session.execute(text(f"SELECT {parts}"), params).one()
    old = {n: row[2 * i] for i, n in enumerate(names)}
    yield  # an error inside aborts the transaction, and its settings with it
    parts = ", ".join(f"set_config('{n}', :v{i}, true)" for i, n in enumerate(names))
    session.execute(text(f"SELECT {parts}"), {f"v{i}": old[n] for i, n in enumerate(names)})


# The engine's statements read many rows once: no JIT (compiling the filter's and the GROUP BY's
# expressions costs seconds of CPU per statement), room for the hash aggregates and hash joins.
ENGINE_SETTINGS = {"jit": "off", "work_mem": "64MB"}
ANALYZE_AFTER = 50_000  # accepted-value rows written by an area pass before tps_result is analysed


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _units_sql(units: Sequence[Unit], a: str, b: str) -> tuple[str, dict[str, Any]]:
    """(a, b) among the units, with a plain IN on a first so that its index is used."""
    pairs = ", ".join(f"(:u{i}, :c{i})" for i in range(len(units)))
    codes = ", ".join(f":u{i}" for i in range(len(units)))
    params = {f"u{i}": u for i, (u, _) in enumerate(units)}
    params |= {f"c{i}": c for i, (_, c) in enumerate(units)}
    return f"{a} IN ({codes}) AND ({a}, {b}) IN (VALUES {pairs})", params


def in_units(code: Any, contest: Any, units: Iterable[Unit]) -> ColumnElement[bool]:
    """(code, contest) among the units, with a plain IN on the code so that its index is used."""
    ordered = sorted(units)
    return and_(col(code).in_(sorted({u for u, _ in ordered})), tuple_(code, contest).in_(ordered))


def verify_units(
    session: Session,
    tps_units: set[Unit],
    kecamatan_units: set[Unit],
    *,
    contexts: Contexts | None = None,
    resolved_by: int | None = None,
) -> VerifyStats:
    """Re-evaluate the listed TPS units (tps code, contest id) and kecamatan units (kecamatan
    code, contest id); a TPS unit whose accepted values changed also re-evaluates its TPS across
    contests and its kecamatan. Flushes, never commits."""
    with pg_settings(session, **ENGINE_SETTINGS):
        return _verify_units(session, tps_units, kecamatan_units, contexts, resolved_by)


def _verify_units(
    session: Session,
    tps_units: set[Unit],
    kecamatan_units: set[Unit],
    contexts: Contexts | None,
    resolved_by: int | None,
) -> VerifyStats:
    contexts = contexts if contexts is not None else _contexts(session)
    stats = VerifyStats()
    kecamatan = set(kecamatan_units)
    credit: dict[str, int] = {}  # tps code, tps|contest or kecamatan code -> newest submission
    for chunk in _chunks(sorted(tps_units)):
        scope = Scope(tps_units=frozenset(chunk))
        if resolved_by is None:
            credit |= _newest_submissions(session, chunk)
        by: ResolvedBy = resolved_by if resolved_by is not None else _credited(credit, 1)
        changed = _tps_pass(session, scope, contexts, stats, by)
        changed_tps = sorted({t for t, _ in changed})
        if changed_tps:
            by = resolved_by if resolved_by is not None else _credited(credit, 0)
            _cross_pass(session, changed_tps, None, contexts, stats, by)
            kecamatan |= _kecamatan_of(session, changed)
    for chunk in _chunks(sorted(kecamatan)):
        scope = Scope(tps_units=frozenset(), kecamatan_units=frozenset(chunk))
        by = resolved_by if resolved_by is not None else _credited(credit, 2)
        _kecamatan_pass(session, scope, contexts, stats, by)
    return stats


def _newest_submissions(session: Session, units: Sequence[Unit]) -> dict[str, int]:
    """The newest submission id per TPS unit ("tps|contest"), per TPS and per kecamatan."""
    stmt = (
        select(SUBS.c.tps_code, SUBS.c.contest_id, SUBS.c.kecamatan_code, func.max(SUBS.c.id))
        .where(in_units(SUBS.c.tps_code, SUBS.c.contest_id, units))
        .group_by(SUBS.c.tps_code, SUBS.c.contest_id, SUBS.c.kecamatan_code)
    )
    newest: dict[str, int] = {}
    for tps, contest_id, kec, sid in session.execute(stmt):
        for key in (f"{tps}|{contest_id}", tps, kec):
            newest[key] = max(newest.get(key, 0), int(sid))
    return newest


def _credited(credit: Mapping[str, int], level: int) -> ResolvedBy:
    """The submission a resolution is credited to when none is given: the newest submission of
    the finding's TPS unit (level 1), of its TPS (0) or of its kecamatan among the units (2)."""

    def by(existing: Existing) -> int | None:
        _rule, contest_id, scope, *_ = existing.identity.split("|")
        key = {0: scope, 1: f"{scope}|{contest_id}", 2: scope[:6]}[level]
        return credit.get(key)

    return by


def verify_area(
    session: Session,
    *,
    kecamatan_codes: Sequence[str] | None = None,
    prefix: str | None = None,
    contexts: Contexts | None = None,
) -> VerifyStats:
    """Re-evaluate every unit of an area: the listed kecamatan, a region code prefix, or
    everything (both None). Flushes, never commits."""
    contexts = contexts if contexts is not None else _contexts(session)
    codes = tuple(kecamatan_codes) if kecamatan_codes is not None else None
    scope = Scope(kecamatan_codes=codes, prefix=prefix)
    stats = VerifyStats()
    with pg_settings(session, **ENGINE_SETTINGS):
        _tps_pass(session, scope, contexts, stats, None)
        if (
            stats.results_written >= ANALYZE_AFTER
            and session.get_bind().dialect.name == "postgresql"
        ):
            # The planner's row counts of tps_result are those of the last ANALYZE (an empty table
            # before a first recheck): the passes below would scan all of it for every batch.
            session.execute(text("ANALYZE tps_result"))
        _cross_pass(session, None, scope, contexts, stats, None)
        _kecamatan_pass(session, scope, contexts, stats, None)
    return stats


def _contexts(session: Session) -> dict[str, tuple[ContestRef, FormContext]]:
    return contest_contexts(session)


# --- TPS units -------------------------------------------------------------------------------


def _tps_pass(
    session: Session,
    scope: Scope,
    contexts: Contexts,
    stats: VerifyStats,
    resolved_by: ResolvedBy,
) -> set[Unit]:
    """Accepted values and TPS findings of the scope's TPS units; returns the units whose
    accepted values changed (explicit scopes only; an area pass returns an empty set)."""
    dialect = session.get_bind().dialect.name
    if scope.explicit:
        assert scope.tps_units is not None
        units = sorted(scope.tps_units)
        if not units:
            return set()
        where, params = _units_sql(units, "s.tps_code", "s.contest_id")
        area = None
    else:
        where, params = scope.area_sql("s.kecamatan_code")
        area, _ = scope.area_sql("{a}.kecamatan_code")  # the same bound parameters
    changed: set[Unit] = set()
    now = bindparam("now", utcnow(), type_=RESULTS.c.updated_at.type)
    # The units written come back for explicit units; an area pass on PostgreSQL only counts
    # them (870,592 rows sent back for nothing at a cold start; SQLite's driver counts none).
    returning = scope.explicit or dialect != "postgresql"
    sql = simple_results_sql(dialect, where, returning=returning, area_sql=area)
    statement = text(sql).bindparams(now)
    if dialect == "postgresql" and not scope.explicit:
        # Over a whole area, hash joins: a nested loop probing tps_result while the same
        # statement fills it (an empty table at a cold start) rescans the new rows each time, and
        # the planner, estimating a handful of single-submission units, sorts every submission
        # to the disk for a merge join.
        with pg_settings(session, enable_nestloop="off", enable_mergejoin="off"):
            written: Any = session.execute(statement, params)
    else:
        written = session.execute(statement, params)
    if returning:
        rows = written.all()
        stats.results_written += len(rows)
        if scope.explicit:
            changed |= {(r[0], r[1]) for r in rows}
    else:
        stats.results_written += max(int(written.rowcount or 0), 0)
    complex_units = {
        (r[0], r[1]) for r in session.execute(text(COMPLEX_UNITS_SQL.format(scope=where)), params)
    }
    found: list[Located] = []
    min_ocr = acceptance_line(session)
    outcomes = _evaluate_units(session, complex_units, contexts, min_ocr)
    stored = _stored_sources(session, complex_units)
    result_rows = []
    for (tps, contest_id), (place, outcome, newest) in outcomes.items():
        result_rows.append(result_row(place, contest_id, outcome, newest))
        found += outcome.findings
        if _norm(stored.get((tps, contest_id))) != _norm(outcome.sources):
            changed.add((tps, contest_id))
    written = write_results(session, result_rows, stored)
    stats.results_written += written
    flagged = _flagged_simple(session, scope, contexts) - complex_units
    stats.forms_flagged += len(flagged) + len(complex_units)
    for _unit, (_, outcome, _) in _evaluate_units(session, flagged, contexts, min_ocr).items():
        found += outcome.findings
    stats.tps_units += len(scope.tps_units) if scope.tps_units is not None else 0
    existing = load_existing(
        session,
        _scope_condition(scope, DISCREPANCY.c.tps_code, DISCREPANCY.c.contest_id),
        col(Discrepancy.rule).in_(TPS_RULES),
    )
    apply_findings(session=session, found=found, existing=existing, resolved_by=resolved_by)
    stats.findings += len(found)
    return changed


def _scope_condition(scope: Scope, code: Any, contest: Any) -> ColumnElement[bool]:
    """A unit condition on (code, contest) columns for explicit scopes, else the area."""
    if scope.explicit:
        assert scope.tps_units is not None
        return in_units(code, contest, scope.tps_units)
    return scope.area(DISCREPANCY.c.kecamatan_code)


def _norm(sources: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in (sources or {}).items()}


def _flagged_simple(session: Session, scope: Scope, contexts: Contexts) -> set[Unit]:
    """The TPS units of the scope whose accepted values break a form check's Relation."""
    wanted = {c for _, c in scope.tps_units} if scope.tps_units is not None else None
    forms = {cid: ctx for cid, (_, ctx) in contexts.items() if wanted is None or cid in wanted}
    breach = flagged_forms(
        forms, RESULTS.c.contest_id, RESULTS.c.__getitem__, breach_of=_results_breach
    )
    where = (
        in_units(RESULTS.c.tps_code, RESULTS.c.contest_id, scope.tps_units)
        if scope.tps_units is not None
        else scope.area(RESULTS.c.kecamatan_code)
    )
    stmt = select(RESULTS.c.tps_code, RESULTS.c.contest_id).where(where, breach)
    return {(r[0], r[1]) for r in session.execute(stmt)}


@lru_cache(maxsize=128)
def _results_breach(ctx: FormContext) -> ColumnElement[bool]:
    """A context's form_breach over tps_result, built once (building it costs milliseconds)."""
    return form_breach(ctx, RESULTS.c.__getitem__)


SUBMISSION_COLUMNS = (
    "id", "tps_code", "contest_id", "source", "submitted_at", "values", "supersedes_id", "reason",
    "confidence",
)  # fmt: skip
PLACE_COLUMNS = ("code", "desa_code", "kecamatan_code", "kabupaten_code", "provinsi_code")


def _evaluate_units(
    session: Session, units: set[Unit], contexts: Contexts, min_ocr: float
) -> dict[Unit, tuple[dict[str, str], TpsOutcome, int]]:
    """The Python rules on the units' submissions: each unit's TPS codes, its outcome and its
    newest submission's id."""
    out: dict[Unit, tuple[dict[str, str], TpsOutcome, int]] = {}
    for chunk in _chunks(sorted(u for u in units if u[1] in contexts)):
        subs: dict[Unit, list[Any]] = defaultdict(list)
        places: dict[str, dict[str, str]] = {}
        cols = [SUBS.c[c] for c in SUBMISSION_COLUMNS] + [TPS.c[c] for c in PLACE_COLUMNS]
        stmt = (
            select(*cols)
            .join_from(SUBS, TPS, TPS.c.code == SUBS.c.tps_code)
            .where(in_units(SUBS.c.tps_code, SUBS.c.contest_id, chunk))
            .order_by(SUBS.c.id)
        )
        for r in session.execute(stmt):
            subs[(r.tps_code, r.contest_id)].append(as_values(r))
            places[r.tps_code] = {c: getattr(r, c) for c in PLACE_COLUMNS}
        for (tps, contest_id), values in subs.items():
            outcome = evaluate_tps(
                tps_code=tps, contest_id=contest_id, ctx=contexts[contest_id][1],
                submissions=values, min_ocr_confidence=min_ocr,
            )  # fmt: skip
            newest = max(v.submission_id for v in values)
            out[(tps, contest_id)] = (places[tps], outcome, newest)
    return out


def _stored_sources(session: Session, units: set[Unit]) -> dict[Unit, Any]:
    stored: dict[Unit, Any] = {}
    for chunk in _chunks(sorted(units)):
        stmt = select(RESULTS.c.tps_code, RESULTS.c.contest_id, RESULTS.c.sources).where(
            in_units(RESULTS.c.tps_code, RESULTS.c.contest_id, chunk)
        )
        stored |= {(t, c): s for t, c, s in session.execute(stmt)}
    return stored


def _kecamatan_of(session: Session, units: set[Unit]) -> set[Unit]:
    codes = sorted({t for t, _ in units})
    kec: dict[str, str] = {}
    for chunk in _chunks(codes):
        stmt = select(TPS.c.code, TPS.c.kecamatan_code).where(TPS.c.code.in_(chunk))
        kec |= dict(session.execute(stmt).tuples().all())
    return {(kec[t], c) for t, c in units if t in kec}


# --- CROSS_CONTEST ---------------------------------------------------------------------------


GUBERNUR, LOCAL = aliased(RESULTS, name="gubernur"), aliased(RESULTS, name="local_form")
CROSS_BREACH = cross_breach(GUBERNUR.c.__getitem__, LOCAL.c.__getitem__)


def _cross_pass(
    session: Session,
    tps_codes: Sequence[str] | None,
    scope: Scope | None,
    contexts: Contexts,
    stats: VerifyStats,
    resolved_by: ResolvedBy,
) -> None:
    """CROSS_CONTEST of the listed TPS (or every TPS of an area scope)."""
    kinds = {cid: contest.kind for cid, (contest, _) in contexts.items()}
    gub_ids = sorted(c for c, k in kinds.items() if k == "gubernur")
    local_ids = sorted(c for c, k in kinds.items() if k in LOCAL_KINDS)
    g, loc = GUBERNUR, LOCAL
    flagged: set[str] = set()
    if tps_codes is not None and gub_ids and local_ids:
        # A few TPS: every pair of their forms that differs, the contests' kinds checked here
        # (binding every contest id of the country into each small statement cost more).
        gub, local = set(gub_ids), set(local_ids)
        for chunk in _chunks(tps_codes):
            stmt = (
                select(g.c.tps_code, g.c.contest_id, loc.c.contest_id)
                .join_from(g, loc, loc.c.tps_code == g.c.tps_code)
                .where(g.c.tps_code.in_(chunk), g.c.contest_id != loc.c.contest_id, CROSS_BREACH)
            )
            rows = session.execute(stmt).all()
            flagged |= {t for t, a, b in rows if a in gub and b in local}
    elif scope is not None and gub_ids and local_ids:
        stmt = (
            select(g.c.tps_code)
            .join_from(g, loc, loc.c.tps_code == g.c.tps_code)
            .where(
                scope.area(g.c.kecamatan_code),
                g.c.contest_id.in_(gub_ids),
                loc.c.contest_id.in_(local_ids),
                CROSS_BREACH,
            )
        )
        flagged |= set(session.execute(stmt).scalars())
    stats.cross_flagged += len(flagged)
    found: list[Located] = []
    for chunk in _chunks(sorted(flagged)):
        accepted: dict[str, dict[str, TpsOutcome]] = defaultdict(dict)
        for r in session.execute(select(RESULTS).where(RESULTS.c.tps_code.in_(chunk))):
            accepted[r.tps_code][r.contest_id] = outcome_from_result(r)
        for tps, by_contest in accepted.items():
            found += evaluate_cross(tps_code=tps, accepted=by_contest, kinds=kinds)
    rule = col(Discrepancy.rule).in_(CROSS_RULES)
    existing = []
    if tps_codes is not None:
        for chunk in _chunks(tps_codes):
            existing += load_existing(session, col(Discrepancy.tps_code).in_(chunk), rule)
    elif scope is not None:
        existing = load_existing(session, scope.area(DISCREPANCY.c.kecamatan_code), rule)
    apply_findings(session=session, found=found, existing=existing, resolved_by=resolved_by)
    stats.findings += len(found)


# --- kecamatan units -------------------------------------------------------------------------


def _dhasil_condition(scope: Scope) -> ColumnElement[bool]:
    dv = DHasilVersion.__table__  # type: ignore[attr-defined]
    if scope.kecamatan_units is not None:
        return in_units(dv.c.kecamatan_code, dv.c.contest_id, scope.kecamatan_units)
    return scope.area(dv.c.kecamatan_code)


def _latest_dhasil(session: Session, scope: Scope) -> dict[Unit, DHasilData]:
    """The newest D.Hasil version of every kecamatan unit of the scope that has one."""
    dv = DHasilVersion.__table__  # type: ignore[attr-defined]
    newest = (
        select(dv.c.kecamatan_code, dv.c.contest_id, func.max(dv.c.version).label("version"))
        .where(_dhasil_condition(scope))
        .group_by(dv.c.kecamatan_code, dv.c.contest_id)
        .subquery()
    )
    stmt = select(dv.c.id, dv.c.kecamatan_code, dv.c.contest_id, dv.c.desa, dv.c.total).join(
        newest,
        and_(
            dv.c.kecamatan_code == newest.c.kecamatan_code,
            dv.c.contest_id == newest.c.contest_id,
            dv.c.version == newest.c.version,
        ),
    )
    return {
        (r.kecamatan_code, r.contest_id): DHasilData(r.id, r.desa, r.total)
        for r in session.execute(stmt)
    }


KECAMATAN_BATCH = 400  # kecamatan per GROUP BY of desa_sums (about 24,000 TPS, 48,000 forms)


def desa_sums(session: Session, scope: Scope) -> Iterator[tuple[Unit, dict[str, DesaTally]]]:
    """Σ accepted values per desa of every kecamatan unit of the scope with a D.Hasil (TPS without
    a result for the contest are counted and listed as missing), one unit at a time.

    Batches of KECAMATAN_BATCH kecamatan: per batch, the TPS count of each desa (from `tps`), one
    GROUP BY over `tps_result` alone (its rows carry their desa and kecamatan codes, so no join),
    and, only for a desa with fewer results than TPS, the TPS without a result."""
    dv = DHasilVersion.__table__  # type: ignore[attr-defined]
    stmt = select(dv.c.kecamatan_code, dv.c.contest_id).where(_dhasil_condition(scope)).distinct()
    yield from unit_sums(session, ((k, c) for k, c in session.execute(stmt)))


def unit_sums(
    session: Session, units: Iterable[Unit]
) -> Iterator[tuple[Unit, dict[str, DesaTally]]]:
    """desa_sums of the listed kecamatan units."""
    contests: dict[str, list[str]] = defaultdict(list)
    for kec, contest_id in sorted(set(units)):
        contests[kec].append(contest_id)
    for batch in _chunks(sorted(contests), KECAMATAN_BATCH):
        yield from _batch_sums(session, {k: contests[k] for k in batch})


AGGREGATES = [agg(RESULTS.c[f]) for f in ALL_FIELDS for agg in (func.sum, func.count)]


def _batch_sums(
    session: Session, contests: Mapping[str, list[str]]
) -> Iterator[tuple[Unit, dict[str, DesaTally]]]:
    """desa_sums of one batch of kecamatan (code -> the contests of its units)."""
    codes = sorted(contests)
    counts = select(TPS.c.kecamatan_code, TPS.c.desa_code, func.count())
    counts = counts.where(TPS.c.kecamatan_code.in_(codes))
    tps_count: dict[str, dict[str, int]] = defaultdict(dict)
    for kec, desa, n in session.execute(counts.group_by(TPS.c.kecamatan_code, TPS.c.desa_code)):
        tps_count[kec][desa] = int(n)
    keys = (RESULTS.c.kecamatan_code, RESULTS.c.contest_id, RESULTS.c.desa_code)
    stmt = (
        select(*keys, func.count(), *AGGREGATES)
        .where(RESULTS.c.kecamatan_code.in_(codes))
        .group_by(*keys)
    )
    found: dict[Unit, dict[str, tuple[int, dict[str, int]]]] = defaultdict(dict)
    for kec, contest_id, desa, n_res, *agg in session.execute(stmt).all():
        if desa in tps_count[kec]:
            # a field's sum counts only when every result of the desa has it
            complete = zip(ALL_FIELDS, agg[0::2], agg[1::2], strict=True)
            sums = {f: int(v) for f, v, n in complete if n == n_res} if n_res else {}
            found[(kec, contest_id)][desa] = (int(n_res), sums)
    gaps: dict[str, list[str]] = defaultdict(list)  # contest -> desa codes with a missing TPS
    for kec in codes:
        for contest_id in contests[kec]:
            have = found.get((kec, contest_id), {})
            for desa, n_tps in tps_count[kec].items():
                if have.get(desa, (0, {}))[0] < n_tps:
                    gaps[contest_id].append(desa)
    missing = _missing_tps(session, gaps)
    for kec in codes:
        for contest_id in contests[kec]:
            have = found.get((kec, contest_id), {})
            tallies = {}
            for desa, n_tps in tps_count[kec].items():
                gap = missing.get((contest_id, desa), ())
                sums = {} if gap else have.get(desa, (0, {}))[1]
                tallies[desa] = DesaTally(n_tps, sums, gap)
            if tallies:
                yield (kec, contest_id), tallies


def _missing_tps(
    session: Session, gaps: Mapping[str, list[str]]
) -> dict[tuple[str, str], tuple[str, ...]]:
    """(contest, desa) -> the desa's TPS without a result for the contest, for the listed desa."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for contest_id, desas in sorted(gaps.items()):
        for chunk in _chunks(sorted(set(desas))):
            has_result = (
                select(RESULTS.c.tps_code)
                .where(RESULTS.c.tps_code == TPS.c.code, RESULTS.c.contest_id == contest_id)
                .exists()
            )
            stmt = select(TPS.c.desa_code, TPS.c.code).where(
                TPS.c.desa_code.in_(chunk), ~has_result
            )
            for desa, code in session.execute(stmt):
                out[(contest_id, desa)].append(code)
    return {key: tuple(sorted(codes)) for key, codes in out.items()}


def matches_dhasil(
    tallies: Mapping[str, DesaTally], dhasil: DHasilData, fields: Sequence[str]
) -> bool:
    """Whether the D.Hasil equals the TPS sums everywhere: every desa column it has is complete
    and equal to its TPS sums, and every total equals Σ TPS. Then the reconciliation reports
    nothing (no comparison differs, every D.Hasil number is confirmed, no TPS is missing)."""
    wanted = set(fields)
    for desa, column in dhasil.desa.items():
        tally = tallies.get(desa)
        if tally is None or tally.tps_total == 0 or tally.missing_tps:
            return False
        sums = tally.sums
        for name, value in column.items():
            if name in wanted and value is not None and sums.get(name) != value:
                return False
    totals = [(n, v) for n, v in dhasil.total.items() if n in wanted and v is not None]
    if not totals:
        return True
    # every desa column is complete (above); so must every desa of the kecamatan be
    if any(t.tps_total == 0 or t.missing_tps for t in tallies.values()):
        return False
    for name, total in totals:
        known = [t.sums.get(name) for t in tallies.values()]
        if any(s is None for s in known) or sum(s or 0 for s in known) != total:
            return False
    return True


def _kecamatan_pass(
    session: Session,
    scope: Scope,
    contexts: Contexts,
    stats: VerifyStats,
    resolved_by: ResolvedBy,
) -> None:
    """Reconciliation of the scope's kecamatan units against their latest D.Hasil."""
    dhasil = {
        unit: d
        for unit, d in _latest_dhasil(session, scope).items()
        if unit[1] in contexts and contains(contexts[unit[1]][0].region_code, unit[0])
    }
    found: list[Located] = []
    seen: set[Unit] = set()
    for unit, tallies in unit_sums(session, dhasil):
        if unit in dhasil:
            seen.add(unit)
            found += _reconcile(unit, tallies, dhasil[unit], contexts, stats)
    for unit in sorted(set(dhasil) - seen):  # a kecamatan without TPS
        found += _reconcile(unit, {}, dhasil[unit], contexts, stats)
    stats.kecamatan_units += len(dhasil)
    rule = col(Discrepancy.rule).in_(KECAMATAN_RULES)
    if scope.kecamatan_units is not None:
        existing = []
        for chunk in _chunks(sorted(scope.kecamatan_units)):
            cond = in_units(DISCREPANCY.c.kecamatan_code, DISCREPANCY.c.contest_id, chunk)
            existing += load_existing(session, cond, rule)
    else:
        existing = load_existing(session, scope.area(DISCREPANCY.c.kecamatan_code), rule)
    apply_findings(session=session, found=found, existing=existing, resolved_by=resolved_by)
    stats.findings += len(found)


def _reconcile(
    unit: Unit,
    tallies: dict[str, DesaTally],
    dhasil: DHasilData,
    contexts: Contexts,
    stats: VerifyStats,
) -> list[Located]:
    kec, contest_id = unit
    ctx = contexts[contest_id][1]
    if matches_dhasil(tallies, dhasil, fields_for_contest(ctx.paslon_count)):
        stats.kecamatan_skipped += 1
        return []
    return evaluate_tallies(
        kecamatan_code=kec, contest_id=contest_id, dhasil=dhasil, tallies=tallies, ctx=ctx
    )


__all__ = [
    "RECHECK_LOCK",
    "ContestRef",
    "Scope",
    "VerifyStats",
    "as_values",
    "aware",
    "contest_contexts",
    "desa_sums",
    "lock_kecamatan",
    "matches_dhasil",
    "outcome_from_result",
    "verify_area",
    "verify_units",
]
