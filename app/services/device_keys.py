"""Device keys at national scale: a whole file of keys at once, revocation and listing by region.

A national rollout is ~435,000 keys: the file is checked completely first (every bad row named,
nothing created while any is bad), keys are inserted in chunks with one audit record for the
batch whose digest pins every key (id, binding, label and secret hash), and secrets are returned
once to the caller, never logged. Only the secret's SHA-256 is stored.
"""

import hashlib
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, insert, update
from sqlmodel import Session, SQLModel, col, select

from app.domain.onboarding import KeyRow, RowProblem, key_row_problem, repeated
from app.domain.regions import level_of
from app.errors import InvalidInput, RegionNotFound, TpsNotFound
from app.models import Region, Tps
from app.models.auth import DeviceKey
from app.models.evidence import utcnow
from app.services.audit import append_audit

# Rows per INSERT and per IN (...): far below SQLite's and PostgreSQL's (65,535) parameter limits.
CHUNK = 5_000
MAX_REPORTED = 100  # problems listed in an error; the detail still gives the total
T = TypeVar("T")


@dataclass(frozen=True)
class CreatedKey:
    """A new key and its secret: handed to the operator once, never stored or logged."""

    key_id: str
    region_code: str
    label: str | None
    secret: str


@dataclass(frozen=True)
class KeyBatch:
    """Keys created together: one audit record, one creation time."""

    keys: list[CreatedKey]
    created_at: datetime
    digest: str


def new_key_id() -> str:
    """A public key id; 64 random bits, so 435,000 keys never collide in practice."""
    return "k_" + secrets.token_hex(8)


def new_secret(key_id: str) -> str:
    """The secret a device sends as X-API-Key: its key id, a dot and 256 random bits."""
    return f"{key_id}.{secrets.token_urlsafe(32)}"


def secret_hash(secret: str) -> str:
    """What is stored of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unknown_codes(*, session: Session, codes: Iterable[str]) -> set[str]:
    """The TPS (13 digits) and kecamatan (6 digits) codes among `codes` that are not stored."""
    wanted = set(codes)
    found: set[str] = set()
    kecamatan = sorted(c for c in wanted if level_of(c) == "kecamatan")
    # TPS by their kecamatan (indexed): a national file is 8 queries of 1,000 kecamatan, not 88
    # of 5,000 codes each, whose long IN lists PostgreSQL plans slowly.
    of_tps = sorted({c[:6] for c in wanted if level_of(c) == "tps"})
    for part in chunks(of_tps, 1_000):
        stmt = select(Tps.code).where(col(Tps.kecamatan_code).in_(part))
        found.update(code for code in session.exec(stmt) if code in wanted)
    for part in chunks(kecamatan):
        stmt = select(Region.code).where(col(Region.code).in_(part), Region.level == "kecamatan")
        found.update(session.exec(stmt))
    return wanted - found


def require_bindable(*, session: Session, region_code: str) -> None:
    """A single key's TPS or kecamatan must exist (404 otherwise)."""
    if unknown_codes(session=session, codes=[region_code]):
        what = "TPS" if level_of(region_code) == "tps" else "kecamatan"
        error = TpsNotFound if what == "TPS" else RegionNotFound
        raise error(f"no {what} {region_code}", fields={"region_code": f"no such {what}"})


def raise_row_problems(problems: Sequence[RowProblem], *, what: str) -> None:
    """InvalidInput naming every bad row (the first MAX_REPORTED), when there is any."""
    if not problems:
        return
    fields: dict[str, str] = {}
    for p in problems[:MAX_REPORTED]:
        fields[p.where] = f"{fields[p.where]}; {p.reason}" if p.where in fields else p.reason
    if len(problems) > MAX_REPORTED:
        fields["more"] = f"{len(problems) - MAX_REPORTED} more problems not listed"
    noun = "problem" if len(problems) == 1 else "problems"
    detail = f"{len(problems)} {noun} in the {what} rows; nothing was created"
    raise InvalidInput(detail, fields=fields)


def check_key_rows(*, session: Session, rows: Sequence[KeyRow]) -> list[RowProblem]:
    """Every row's problems: the code's shape, an unknown TPS or kecamatan, a row twice."""
    shaped = [(row, key_row_problem(row)) for row in rows]
    problems = [RowProblem(row.where, problem) for row, problem in shaped if problem]
    rows = [row for row, problem in shaped if not problem]
    problems += repeated(((r.where, f"{r.region_code},{r.label or ''}") for r in rows), "row")
    missing = unknown_codes(session=session, codes=(r.region_code for r in rows))
    for row in rows:
        if row.region_code in missing:
            what = "TPS" if level_of(row.region_code) == "tps" else "kecamatan"
            problems.append(RowProblem(row.where, f"no {what} {row.region_code}"))
    return problems


def row_order(problem: RowProblem) -> tuple[int, str]:
    """Sort key of problems: by line (or item) number, the file-wide ones first."""
    number = "".join(ch for ch in problem.where if ch.isdigit())
    return (int(number) if number else -1, problem.where)


def create_device_keys(
    *,
    session: Session,
    rows: Sequence[KeyRow],
    actor: str,
    remote: str | None = None,
    known_problems: Sequence[RowProblem] = (),
) -> KeyBatch:
    """A key for every row, or none (InvalidInput naming each bad row, those found while parsing
    included); one audit record for the batch."""
    problems = [*known_problems, *check_key_rows(session=session, rows=rows)]
    if not rows and not problems:
        problems.append(RowProblem("file", "no keys to create"))
    raise_row_problems(sorted(problems, key=row_order), what="key")
    now = utcnow()
    made = _generate(rows)
    digest = hashlib.sha256()
    table = SQLModel.metadata.tables[DeviceKey.__tablename__]  # Core: no ORM bulk overhead
    for part in chunks(made):
        values = [_row_values(key, now) for key in part]
        session.execute(insert(table), values)
        for v in values:
            digest.update(f"{v['key_id']}\t{v['region_code']}\t{v['label'] or ''}\t".encode())
            digest.update(f"{v['secret_hash']}\n".encode())
    session.flush()
    batch = KeyBatch(keys=made, created_at=now, digest=digest.hexdigest())
    append_audit(
        session=session,
        actor=actor,
        action="key.create_bulk",
        entity="device_key",
        entity_id=f"batch:{batch.digest[:16]}",
        payload={"count": len(made), "first_key_id": made[0].key_id,
                 "last_key_id": made[-1].key_id, "keys_sha256": batch.digest},
        remote=remote,
    )  # fmt: skip
    return batch


def _generate(rows: Sequence[KeyRow]) -> list[CreatedKey]:
    made: list[CreatedKey] = []
    seen: set[str] = set()
    for row in rows:
        key_id = new_key_id()
        while key_id in seen:  # 64 random bits: practically never, but never twice in a batch
            key_id = new_key_id()
        seen.add(key_id)
        made.append(CreatedKey(key_id, row.region_code, row.label, new_secret(key_id)))
    return made


def _row_values(key: CreatedKey, now: datetime) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "secret_hash": secret_hash(key.secret),
        "region_code": key.region_code,
        "label": key.label,
        "created_at": now,
        "revoked_at": None,
    }


def under_region(region_code: str) -> list[ColumnElement[bool]]:
    """Keys bound under a region: an index range on region_code (no LIKE); '0' is the nation."""
    if region_code == "0":
        return []
    # ':' sorts right after '9', so the range holds exactly the codes starting with region_code.
    column = col(DeviceKey.region_code)
    return [column >= region_code, column < region_code + ":"]


def require_region(*, session: Session, region_code: str) -> None:
    """A region code that exists (or '0', the nation); RegionNotFound / InvalidInput otherwise."""
    if region_code == "0":
        return
    level = level_of(region_code)
    if level is None:
        problem = "must be 0 or a region code of 2, 4, 6, 10 or 13 ASCII digits"
        raise InvalidInput(f"'{region_code}' is not a region code", fields={"region": problem})
    model: Any = Tps if level == "tps" else Region
    if session.get(model, region_code) is None:
        raise RegionNotFound(f"no region {region_code}", fields={"region": "no such region"})


def list_device_keys_under(*, session: Session, region_code: str) -> list[DeviceKey]:
    """The keys bound under a region (never the secret), newest first."""
    require_region(session=session, region_code=region_code)
    stmt = select(DeviceKey).where(*under_region(region_code))
    return list(session.exec(stmt.order_by(col(DeviceKey.id).desc())))


def revoke_device_keys_under(
    *, session: Session, region_code: str, actor: str, remote: str | None = None
) -> list[str]:
    """Revoke every live key bound under a region; the revoked key ids. One audit record even
    when no key was live: it proves when the region was swept (after a lost phone, say)."""
    require_region(session=session, region_code=region_code)
    stmt = (
        update(DeviceKey)
        .where(col(DeviceKey.revoked_at).is_(None), *under_region(region_code))
        .values(revoked_at=utcnow())
        .returning(col(DeviceKey.key_id))
        .execution_options(synchronize_session=False)
    )
    revoked = sorted(session.execute(stmt).scalars())
    digest = hashlib.sha256("\n".join(revoked).encode()).hexdigest()
    append_audit(
        session=session,
        actor=actor,
        action="key.revoke_bulk",
        entity="region",
        entity_id=region_code,
        payload={"count": len(revoked), "key_ids_sha256": digest},
        remote=remote,
    )
    return revoked
