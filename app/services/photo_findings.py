"""Discrepancies raised by photos (duplicates, EXIF, reading): upserted by a stable identity."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from app.models import Discrepancy, DiscrepancyEvent, Tps
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


def finding_identity(
    *, rule: str, contest_id: str, tps_code: str, field: str | None, detail_key: str
) -> str:
    """The stable identity of a photo finding."""
    # Same shape as the rules' identities: rule|contest|scope|field|detail_key.
    return "|".join((rule, contest_id, tps_code, field or "", detail_key))[:200]


def record_finding(
    *, session: Session, finding: PhotoFinding, tps: Tps, contest_id: str, photo_id: int
) -> Discrepancy:
    """Insert the discrepancy, or move last_seen of the one with the same identity."""
    identity = finding_identity(
        rule=finding.rule, contest_id=contest_id, tps_code=tps.code, field=finding.field,
        detail_key=finding.detail_key,
    )  # fmt: skip
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


def settle_finding(
    *, session: Session, identity: str, actor: str, note: str, submission_id: int | None
) -> Discrepancy | None:
    """Resolve the finding with this identity (a person settled it), with a history event;
    None when there is none or it is already resolved."""
    row = session.exec(select(Discrepancy).where(Discrepancy.identity == identity)).first()
    if row is None or row.status == "resolved":
        return None
    event = DiscrepancyEvent(
        discrepancy_id=row.id or 0, actor=actor[:100], from_status=row.status,
        to_status="resolved", note=note[:2000],
    )  # fmt: skip
    row.status, row.resolved_at = "resolved", utcnow()
    row.resolved_by_submission_id = submission_id
    row.version += 1  # an auditor's If-Match from before is stale
    session.add_all([row, event])
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
