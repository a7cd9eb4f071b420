"""One discrepancy: its evidence and history, and the auditor's status changes."""

from collections.abc import Callable

from sqlmodel import Session, col, select

from app.domain.statuses import AUDITOR_STATUSES
from app.errors import Conflict, DiscrepancyNotFound, InvalidInput
from app.models import DHasilVersion, Discrepancy, DiscrepancyEvent, Submission
from app.schemas.discrepancies import (
    DiscrepancyDetail,
    DiscrepancyEventRead,
    DiscrepancyPatch,
    EvidenceDetail,
)
from app.services.access import Principal, authorize_discrepancy_update
from app.services.audit import append_audit
from app.services.discrepancy_query import to_read
from app.services.locking import lock_for_write


def _load(session: Session, discrepancy_id: int, *, lock: bool = False) -> Discrepancy:
    if lock:
        # Lock before reading, so the status this change replaces is the latest committed one and
        # no other change can commit in between (no lost update): the row lock on PostgreSQL
        # (SELECT ... FOR UPDATE), the database write lock on SQLite (FOR UPDATE is omitted there).
        lock_for_write(session)
    row = session.get(Discrepancy, discrepancy_id, populate_existing=True, with_for_update=lock)
    if row is None:
        raise DiscrepancyNotFound(f"No discrepancy has id {discrepancy_id}")
    return row


def _evidence(session: Session, kind: str, ref: int) -> EvidenceDetail | None:
    if kind == "submission":
        sub = session.get(Submission, ref)
        if sub is None:
            return None
        return EvidenceDetail(
            kind=kind,
            id=ref,
            source=sub.source,
            by=sub.submitted_by,
            at=sub.submitted_at,
            tps_code=sub.tps_code,
            reason=sub.reason,
            values=dict(sub.values),
        )
    if kind == "dhasil":
        ver = session.get(DHasilVersion, ref)
        if ver is None:
            return None
        return EvidenceDetail(
            kind=kind,
            id=ref,
            by=ver.entered_by,
            at=ver.entered_at,
            kecamatan_code=ver.kecamatan_code,
            version=ver.version,
            reason=ver.reason,
            values={"desa": ver.desa, "total": ver.total},
        )
    return None


def _history(session: Session, discrepancy_id: int) -> list[DiscrepancyEventRead]:
    stmt = (
        select(DiscrepancyEvent)
        .where(DiscrepancyEvent.discrepancy_id == discrepancy_id)
        .order_by(col(DiscrepancyEvent.id))
    )
    return [
        DiscrepancyEventRead.model_validate(e, from_attributes=True) for e in session.exec(stmt)
    ]


def get_discrepancy(
    *, session: Session, discrepancy_id: int, check: Callable[[str], None] | None = None
) -> DiscrepancyDetail:
    """A discrepancy with the submissions / D.Hasil versions it rests on, and its history;
    `check(region_code)` raises when the caller may not read that region."""
    row = _load(session, discrepancy_id)
    if check is not None:
        check(row.region_code)
    details = [_evidence(session, str(e.get("kind")), int(e.get("id", 0))) for e in row.evidence]
    return DiscrepancyDetail(
        **to_read(row).model_dump(),
        evidence_detail=[d for d in details if d is not None],
        history=_history(session, discrepancy_id),
    )


def _check_change(change: DiscrepancyPatch) -> None:
    if change.status == "resolved":
        raise InvalidInput(
            "Only the system marks a discrepancy resolved, when the data is fixed",
            fields={"status": "resolved is set by the system"},
        )
    if change.status not in AUDITOR_STATUSES:
        raise InvalidInput(
            f"Unknown status {change.status!r}",
            fields={"status": "must be one of " + ", ".join(AUDITOR_STATUSES)},
        )
    if change.status == "dismissed" and not (change.note or "").strip():
        raise InvalidInput(
            "Dismissing a discrepancy needs a note saying why", fields={"note": "required"}
        )


def _check_expected(row: Discrepancy, change: DiscrepancyPatch, version: int | None) -> None:
    """409 when the caller saw another status or version than the one stored now."""
    stale = (change.expected_status is not None and change.expected_status != row.status) or (
        version is not None and version != row.version
    )
    if stale:
        raise Conflict(
            f"Discrepancy {row.id} changed meanwhile: it is now {row.status} (version "
            f"{row.version}); reload it and decide again",
            fields={"status": f"now {row.status}", "version": f"now {row.version}"},
        )


def update_status(
    *,
    session: Session,
    discrepancy_id: int,
    change: DiscrepancyPatch,
    principal: Principal,
    expected_version: int | None = None,
) -> DiscrepancyDetail:
    """Apply an auditor's status change and record it in the history and the audit trail.

    Changes of one discrepancy are serialised by a lock; `change.expected_status` or
    `expected_version` (If-Match) make a change conditional: 409 when it is stale."""
    row = _load(session, discrepancy_id, lock=True)
    authorize_discrepancy_update(principal, row.region_code)
    _check_change(change)
    _check_expected(row, change, expected_version)
    if row.status == "resolved":
        raise InvalidInput(
            "This discrepancy is resolved: the data was fixed",
            fields={"status": "a resolved discrepancy cannot change status"},
        )
    event = DiscrepancyEvent(
        discrepancy_id=discrepancy_id,
        actor=principal.actor,
        from_status=row.status,
        to_status=change.status,
        note=change.note,
    )
    row.status = change.status
    row.version += 1
    session.add(row)
    session.add(event)
    session.flush()
    append_audit(
        session=session,
        actor=principal.actor,
        action="discrepancy.status",
        entity="discrepancy",
        entity_id=str(discrepancy_id),
        payload={**change.model_dump(), "event_id": event.id, "version": row.version},
        remote=principal.remote,
    )
    return get_discrepancy(session=session, discrepancy_id=discrepancy_id)
