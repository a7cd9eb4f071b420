"""Writing recheck results: accepted values (TpsResult) and discrepancies upserted by identity."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, insert, update
from sqlmodel import Session, select

from app.domain.evaluation import Located, TpsOutcome
from app.domain.fields import ALL_FIELDS
from app.domain.regions import ancestors_of
from app.models import Discrepancy, DiscrepancyEvent, TpsResult
from app.models.evidence import utcnow

SYSTEM_ACTOR = "system"
# The submission a resolution is credited to: one id for every finding, or one per finding.
ResolvedBy = int | None | Callable[["Existing"], int | None]
RESULT_TABLE = TpsResult.__table__
EXISTING_COLUMNS = (
    "id identity status severity expected actual suggestion message message_en evidence".split()
)


@dataclass(frozen=True)
class Existing:
    """The stored state of a discrepancy that a recheck may confirm, update or resolve."""

    id: int
    identity: str
    status: str
    content: tuple[Any, ...]


def load_existing(session: Session, *where: ColumnElement[bool]) -> list[Existing]:
    """Stored discrepancies matching the clauses, as light tuples."""
    columns = [getattr(Discrepancy, c) for c in EXISTING_COLUMNS]
    rows = session.execute(select(*columns).where(*where)).all()
    return [Existing(r[0], r[1], r[2], tuple(r[3:])) for r in rows]


def _content(loc: Located) -> tuple[Any, ...]:
    f = loc.finding
    evidence = [{"kind": k, "id": i} for k, i in loc.evidence]
    message, message_en = f.message[:1000], f.message_en[:1000]
    return (f.severity, f.expected, f.actual, f.suggestion, message, message_en, evidence)


def _row(loc: Located, now: datetime) -> dict[str, Any]:
    f, anc = loc.finding, ancestors_of(loc.region_code)
    severity, expected, actual, suggestion, message, message_en, evidence = _content(loc)
    return {
        "identity": loc.identity,
        "rule": f.rule,
        "severity": severity,
        "status": "open",
        "contest_id": loc.contest_id,
        "region_code": loc.region_code,
        "kecamatan_code": anc.get("kecamatan"),
        "kabupaten_code": anc.get("kabupaten"),
        "provinsi_code": anc.get("provinsi"),
        "tps_code": anc.get("tps"),
        "field": f.field,
        "expected": expected,
        "actual": actual,
        "delta": f.delta,
        "suggestion": suggestion,
        "message": message,
        "message_en": message_en,
        "evidence": evidence,
        "first_seen": now,
        "last_seen": now,
    }


def _content_update(ex: Existing, loc: Located, now: datetime) -> dict[str, Any]:
    row = _row(loc, now)
    keep = ("severity", "expected", "actual", "delta", "suggestion", "message", "message_en")
    changes = {k: row[k] for k in keep} | {"evidence": row["evidence"], "last_seen": now}
    if ex.status == "resolved":
        changes |= {"status": "open", "resolved_at": None, "resolved_by_submission_id": None}
    return {"b_id": ex.id, **changes}


def apply_findings(
    *,
    session: Session,
    found: Iterable[Located],
    existing: Sequence[Existing],
    resolved_by: ResolvedBy = None,
    now: datetime | None = None,
) -> None:
    """Upsert findings by identity; resolve the existing ones of the re-evaluated units not found.

    `existing` must hold every stored discrepancy of the re-evaluated units (and only those).
    Found again: last_seen moves, auditor statuses stay, a resolved one reopens.
    Not found: resolved.
    """
    now = now or utcnow()
    by_identity = {e.identity: e for e in existing}
    new_rows, changed, seen_ids, events = [], [], [], []
    for loc in {loc.identity: loc for loc in found}.values():
        ex = by_identity.pop(loc.identity, None)
        if ex is None:
            new_rows.append(_row(loc, now))
        elif ex.status == "resolved" or ex.content != _content(loc):
            changed.append(_content_update(ex, loc, now))
            if ex.status == "resolved":
                events.append(_event(ex.id, "resolved", "open", "found again", now))
        else:
            seen_ids.append(ex.id)
    gone = [e for e in by_identity.values() if e.status != "resolved"]
    events += [_event(e.id, e.status, "resolved", "no longer found", now) for e in gone]
    _write(session, new_rows, changed, seen_ids, gone, resolved_by, now)
    if events:
        session.execute(insert(DiscrepancyEvent), events)


def _event(did: int, before: str, after: str, note: str, now: datetime) -> dict[str, Any]:
    return {
        "discrepancy_id": did,
        "at": now,
        "actor": SYSTEM_ACTOR,
        "from_status": before,
        "to_status": after,
        "note": note,
    }


def _write(
    session: Session,
    new_rows: list[dict[str, Any]],
    changed: list[dict[str, Any]],
    seen_ids: list[int],
    gone: list[Existing],
    resolved_by: ResolvedBy,
    now: datetime,
) -> None:
    table = Discrepancy.__table__  # type: ignore[attr-defined]
    if new_rows:
        session.execute(insert(table), new_rows)
    for i in range(0, len(seen_ids), 5000):
        ids = seen_ids[i : i + 5000]
        session.execute(update(table).where(table.c.id.in_(ids)).values(last_seen=now))
    for keys in _group_by_keys(changed):
        stmt = update(table).where(table.c.id == bindparam("b_id"))
        session.execute(stmt, keys)
    # A system status change moves the version too: an auditor's If-Match from before is stale.
    reopened = [c["b_id"] for c in changed if c.get("status") == "open"]
    if reopened:
        stmt = update(table).where(table.c.id.in_(reopened))
        session.execute(stmt.values(version=table.c.version + 1))
    by_submission: dict[int | None, list[int]] = {}
    for e in gone:
        sid = resolved_by(e) if callable(resolved_by) else resolved_by
        by_submission.setdefault(sid, []).append(e.id)
    for sid, ids in by_submission.items():
        stmt = update(table).where(table.c.id.in_(ids))
        session.execute(
            stmt.values(
                status="resolved",
                resolved_at=now,
                resolved_by_submission_id=sid,
                version=table.c.version + 1,
            )
        )


def _group_by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def result_row(
    tps: dict[str, str], contest_id: str, outcome: TpsOutcome, newest_submission: int | None = None
) -> dict[str, Any]:
    """A TpsResult row (every field column, None where nothing was accepted); newest_submission:
    the newest submission of the unit it was derived from."""
    values = outcome.values
    row: dict[str, Any] = {name: values.get(name) for name in ALL_FIELDS}
    row.update(
        tps_code=tps["code"],
        contest_id=contest_id,
        desa_code=tps["desa_code"],
        kecamatan_code=tps["kecamatan_code"],
        kabupaten_code=tps["kabupaten_code"],
        provinsi_code=tps["provinsi_code"],
        sources=outcome.sources,
        newest_submission_id=newest_submission,
        updated_at=utcnow(),
    )
    return row


def write_results(
    session: Session, rows: list[dict[str, Any]], stored_sources: dict[tuple[str, str], Any]
) -> int:
    """Insert new and update changed TpsResult rows; a row whose sources are unchanged has the
    same values (submissions are never changed), so it is skipped. Returns rows written."""
    new = [r for r in rows if (r["tps_code"], r["contest_id"]) not in stored_sources]
    changed = [
        {**r, "b_tps": r["tps_code"], "b_contest": r["contest_id"]}
        for r in rows
        if (key := (r["tps_code"], r["contest_id"])) in stored_sources
        and stored_sources[key] != r["sources"]
        and _norm(stored_sources[key]) != _norm(r["sources"])
    ]
    if new:
        session.execute(insert(RESULT_TABLE), new)
    if changed:
        stmt = update(RESULT_TABLE).where(
            RESULT_TABLE.c.tps_code == bindparam("b_tps"),
            RESULT_TABLE.c.contest_id == bindparam("b_contest"),
        )
        session.execute(stmt, changed)
    return len(new) + len(changed)


def _norm(sources: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in (sources or {}).items()}
