"""Discrepancies raised by photos (duplicates, EXIF, reading): upserted by a stable identity."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.models import Discrepancy, Tps
from app.models.evidence import utcnow


@dataclass(frozen=True)
class PhotoFinding:
    """One breach found on a photo; `detail_key` tells apart breaches of one rule and field."""

    rule: str
    severity: str
    field: str | None
    message: str
    message_en: str
    detail_key: str
    expected: int | None = None
    actual: int | None = None


def record_finding(
    *, session: Session, finding: PhotoFinding, tps: Tps, contest_id: str, photo_id: int
) -> Discrepancy:
    """Insert the discrepancy, or move last_seen of the one with the same identity."""
    # Same shape as the rules' identities: rule|contest|scope|field|detail_key.
    parts = (finding.rule, contest_id, tps.code, finding.field or "", finding.detail_key)
    identity = "|".join(parts)[:200]
    row = session.exec(select(Discrepancy).where(Discrepancy.identity == identity)).first()
    evidence: list[dict[str, Any]] = [{"kind": "photo", "id": photo_id}]
    if row is not None:
        row.last_seen = utcnow()
        row.evidence = _merged(row.evidence, evidence)
        session.add(row)
        return row
    row = Discrepancy(
        identity=identity,
        rule=finding.rule,
        severity=finding.severity,
        contest_id=contest_id,
        region_code=tps.code,
        kecamatan_code=tps.kecamatan_code,
        kabupaten_code=tps.kabupaten_code,
        provinsi_code=tps.provinsi_code,
        tps_code=tps.code,
        field=finding.field,
        expected=finding.expected,
        actual=finding.actual,
        delta=_delta(finding),
        message=finding.message[:1000],
        message_en=finding.message_en[:1000],
        evidence=evidence,
    )
    session.add(row)
    return row


def _delta(finding: PhotoFinding) -> int | None:
    if finding.expected is None or finding.actual is None:
        return None
    return finding.actual - finding.expected


def _merged(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return old + [e for e in new if e not in old]


def tps_discrepancies(*, session: Session, tps_code: str, contest_id: str) -> list[Discrepancy]:
    """Every discrepancy of one TPS and contest (the photo's own and those its reading raised)."""
    stmt = (
        select(Discrepancy)
        .where(Discrepancy.tps_code == tps_code, Discrepancy.contest_id == contest_id)
        .order_by(Discrepancy.id)  # type: ignore[arg-type]
    )
    return list(session.exec(stmt).all())
