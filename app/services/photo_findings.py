"""Discrepancies raised by photos (duplicates, EXIF, reading): written by the recheck's writer
(app/services/recheck_store.apply_findings), so they get history and are resolved when a new
reading of the photo no longer finds them."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.domain.evaluation import Located
from app.domain.findings import Finding, Severity
from app.models import Discrepancy, DiscrepancyEvent, Tps
from app.models.evidence import utcnow
from app.services.recheck_store import apply_findings, load_existing

PHOTO = "photo"  # evidence kind


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


def _located(finding: PhotoFinding, tps_code: str, contest_id: str, photo_id: int) -> Located:
    identity = finding_identity(
        rule=finding.rule, contest_id=contest_id, tps_code=tps_code, field=finding.field,
        detail_key=finding.detail_key,
    )  # fmt: skip
    severity: Severity = "error" if finding.severity == "error" else "warning"
    found = Finding(
        finding.rule, severity, finding.field, finding.expected, finding.actual,
        finding.message, finding.message_en, scope=tps_code, detail_key=finding.detail_key,
    )  # fmt: skip
    return Located(found, contest_id, identity, tps_code, ((PHOTO, photo_id),))


def _of_photo(identity: str, photo_id: int) -> bool:
    """Whether a photo finding's identity belongs to that photo (its detail key names it)."""
    detail = identity.split("|", 4)[-1]
    return detail == f"photo:{photo_id}" or detail.startswith(f"photo:{photo_id}:")


def record_findings(
    *,
    session: Session,
    found: Sequence[PhotoFinding],
    tps: Tps,
    contest_id: str,
    photo_id: int,
    rules: Collection[str] = (),
) -> None:
    """Write a photo's findings through the recheck's writer (upsert by identity, history).

    `rules` names what this evaluation of the photo covers: its stored findings of those rules
    that are not found again are resolved (a re-read that no longer sees a mismatch, a fixed
    page), and a resolved one found again reopens, each with a history event. Without `rules`
    the findings are only added or confirmed (a duplicate seen from the other photo's side).
    """
    located = [_located(f, tps.code, contest_id, photo_id) for f in found]
    identities = {loc.identity for loc in located}
    stored = load_existing(
        session,
        col(Discrepancy.tps_code) == tps.code,
        col(Discrepancy.contest_id) == contest_id,
        col(Discrepancy.rule).in_({*rules, *(f.rule for f in found)}),
    )
    existing = [
        e
        for e in stored
        if e.identity in identities
        or (e.identity.split("|", 1)[0] in rules and _of_photo(e.identity, photo_id))
    ]
    apply_findings(session=session, found=located, existing=existing)


def record_finding(
    *, session: Session, finding: PhotoFinding, tps: Tps, contest_id: str, photo_id: int
) -> None:
    """Add or confirm one photo finding (see record_findings)."""
    record_findings(
        session=session, found=[finding], tps=tps, contest_id=contest_id, photo_id=photo_id
    )


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


def tps_discrepancies(*, session: Session, tps_code: str, contest_id: str) -> list[Discrepancy]:
    """Every discrepancy of one TPS and contest (the photo's own and those its reading raised)."""
    stmt = (
        select(Discrepancy)
        .where(Discrepancy.tps_code == tps_code, Discrepancy.contest_id == contest_id)
        .order_by(Discrepancy.id)  # type: ignore[arg-type]
    )
    return list(session.exec(stmt).all())
