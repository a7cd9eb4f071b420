"""Result intake: a C.Hasil submission or a D.Hasil version is one short durable write.

A post is checked (identity, scope, source, correction rules, Idempotency-Key, values against the
contest held in memory: app/services/contest_cache.py) and committed in one transaction with its
audit entry and a recheck queue row (app/services/recheck_queue.py). The answer gives at once the
findings of the rules of its TPS and contest (the form's arithmetic on the accepted values and on
each source's own, sources that disagree) and the accepted value of every field sent, computed in
memory from the submissions of that TPS and contest; the recheck drained from the queue stores
them and adds the cross-contest and kecamatan findings.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlmodel import Session

from app.db import acceptance_line
from app.db_driver import Direct
from app.domain.accepted import SubmissionValues
from app.domain.evaluation import Located, evaluate_tallies, evaluate_tps
from app.domain.fields import fields_for_contest
from app.domain.intake import MAX_RECAP_VALUE, desa_sum_errors, values_errors
from app.domain.provenance import correction_problem, default_source, source_problem
from app.domain.regions import ancestors_of, contains
from app.errors import Forbidden, InvalidInput, RegionNotFound, TpsNotFound
from app.models import Contest, DHasilVersion, Discrepancy, Paslon, Region, Submission, Tps
from app.models.evidence import utcnow
from app.schemas.discrepancies import EvidenceRef
from app.schemas.results import DHasilPut, DHasilSaved, PostedFinding, ResultCreate, ResultCreated
from app.services.accepted_answer import Author, field_outcomes
from app.services.audit import append_audit
from app.services.audit_coverage import inserted_hash
from app.services.contest_cache import ContestInfo, contests
from app.services.idempotency import claim_key, request_hash, store_answer
from app.services.locking import lock_for_write
from app.services.recheck import as_values, desa_tallies, latest_dhasil
from app.services.recheck_queue import KECAMATAN_UNIT, TPS_UNIT, enqueue

SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
TPS_TABLE = Tps.__table__  # type: ignore[attr-defined]
DISCREPANCIES = Discrepancy.__table__  # type: ignore[attr-defined]
_SUBMISSION_COLUMNS = [
    SUBMISSIONS.c[name]
    for name in (
        "id source submitted_by submitted_at values supersedes_id reason confidence".split()
    )
]


def contest_fields(session: Session, contest_id: str) -> tuple[Contest, tuple[str, ...]]:
    """The contest (422 naming contest_id when unknown) and the field names of its form."""
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise InvalidInput(
            f"No contest has id {contest_id}", fields={"contest_id": "unknown contest"}
        )
    count = session.execute(
        select(func.count()).select_from(Paslon).where(Paslon.contest_id == contest_id)  # type: ignore[arg-type]
    ).scalar_one()
    return contest, fields_for_contest(int(count))


@dataclass(frozen=True)
class _Stored:
    """A submission of the TPS and contest as stored, with its author."""

    values: SubmissionValues
    author: Author


def _stored(row: Any) -> _Stored:
    return _Stored(as_values(row), Author(row.id, row.source, row.submitted_by))


# The hot path's statements, built once (building one costs more CPU than running it) and run on
# the DBAPI cursor (app/db_driver.py).
_READ_SUBMISSIONS = Direct(
    select(*_SUBMISSION_COLUMNS)
    .where(
        SUBMISSIONS.c.tps_code == bindparam("tps"),
        SUBMISSIONS.c.contest_id == bindparam("contest"),
    )
    .order_by(SUBMISSIONS.c.id)
)
_INSERT_SUBMISSION = Direct(insert(SUBMISSIONS).returning(SUBMISSIONS.c.id))
_READ_TPS = Direct(
    select(TPS_TABLE.c.code, TPS_TABLE.c.kecamatan_code).where(
        TPS_TABLE.c.code == bindparam("code")
    )
)


_STORED_FINDING_COLUMNS = [
    DISCREPANCIES.c[c] for c in "identity id status version first_seen last_seen".split()
]
_READ_STORED_FINDINGS = select(*_STORED_FINDING_COLUMNS).where(
    DISCREPANCIES.c.identity.in_(bindparam("identities", expanding=True))
)
_DIRECT_FINDINGS_MAX = 64  # findings of one post beyond this are read through the session
_direct_findings: dict[int, Direct] = {}


def _stored_findings(session: Session, identities: Sequence[str]) -> Iterable[Any]:
    """The stored discrepancies of these identities (one read): a statement with one parameter
    a finding, built once for each count and run on the direct path."""
    count = len(identities)
    if count > _DIRECT_FINDINGS_MAX:
        return session.execute(_READ_STORED_FINDINGS, {"identities": list(identities)})
    statement = _direct_findings.get(count)
    if statement is None:
        names = [f"identity_{i}" for i in range(count)]
        statement = _direct_findings[count] = Direct(
            select(*_STORED_FINDING_COLUMNS).where(
                DISCREPANCIES.c.identity.in_([bindparam(n) for n in names])
            )
        )
    return statement.rows(session, {f"identity_{i}": v for i, v in enumerate(identities)})


def _submissions(session: Session, tps_code: str, contest_id: str) -> list[_Stored]:
    """Every submission of the TPS and contest, oldest first (one indexed read)."""
    rows = _READ_SUBMISSIONS.rows(session, {"tps": tps_code, "contest": contest_id})
    return [_stored(row) for row in rows]


def _contest_errors(info: ContestInfo | None, tps_code: str, body: ResultCreate) -> dict[str, str]:
    if info is None:
        return {"contest_id": "unknown contest"}
    errors = values_errors(body.values, allowed=info.fields)
    if not contains(info.region_code, tps_code):
        errors["contest_id"] = f"contest {info.id} does not cover TPS {tps_code}"
    return errors


def _validate_result(
    session: Session, tps_code: str, body: ResultCreate, source: str, known: Sequence[_Stored]
) -> ContestInfo:
    """Every reason the submission cannot be stored, as one 422 naming each bad field; the
    contest. A contest-related refusal is checked again against freshly loaded contests first."""
    info = contests.get(session, body.contest_id)
    errors = _contest_errors(info, tps_code, body)
    if errors:
        info = contests.get(session, body.contest_id, reload=True)
        errors = _contest_errors(info, tps_code, body)
    if source == "plenary" and not (body.reason or "").strip():
        errors["reason"] = "a plenary correction must say why"
    if body.corrects is not None and not any(s.author.id == body.corrects for s in known):
        errors["corrects"] = "no submission with that id for this TPS and contest"
    if errors or info is None:
        if info is None:
            errors["contest_id"] = "unknown contest"
        raise InvalidInput(
            "Invalid submission: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
            fields=errors,
        )
    return info


def _writer_source(role: str, claimed: str | None) -> str:
    """The submission's source, from the writer's role (403 naming `source` for a claim the
    role may not make: a device posing as the plenary)."""
    problem = source_problem(role, claimed)
    if problem:
        raise Forbidden(f"source: {problem}", fields={"source": problem})
    return claimed or default_source(role)


def _authorize_correction(
    body: ResultCreate, source: str, actor: str, known: Sequence[_Stored]
) -> None:
    """403 naming `corrects` when this writer may not replace the submission it names (an
    unknown one, or one of another TPS or contest, is left to _validate_result: 422)."""
    target = next((s.author for s in known if s.author.id == body.corrects), None)
    if body.corrects is None or target is None:
        return
    problem = correction_problem(
        source=source,
        author=actor,
        target_source=target.source,
        target_author=target.submitted_by,
    )
    if problem:
        raise Forbidden(f"corrects: {problem}", fields={"corrects": problem})


def _finding(loc: Located) -> PostedFinding:
    f = loc.finding
    return PostedFinding(
        rule=f.rule,
        severity=f.severity,
        contest_id=loc.contest_id,
        region_code=loc.region_code,
        tps_code=ancestors_of(loc.region_code).get("tps"),
        field=f.field,
        expected=f.expected,
        actual=f.actual,
        delta=f.delta,
        suggestion=f.suggestion,
        message=f.message[:1000],
        message_en=f.message_en[:1000],
        evidence=[EvidenceRef(kind=k, id=i) for k, i in loc.evidence],
    )


def posted_findings(session: Session, found: Iterable[Located]) -> list[PostedFinding]:
    """The findings as the answer shows them: with the id, status and times of the stored
    discrepancy of the same identity (one read, only when there is any finding)."""
    by_identity = {loc.identity: loc for loc in found}
    if not by_identity:
        return []
    stored = {row.identity: row for row in _stored_findings(session, list(by_identity))}
    out = []
    for identity, loc in by_identity.items():
        item = _finding(loc)
        row = stored.get(identity)
        if row is not None:
            item.id, item.version = row.id, row.version
            item.first_seen, item.last_seen = row.first_seen, row.last_seen
            item.status = "open" if row.status == "resolved" else row.status  # found again
        out.append(item)
    return sorted(out, key=lambda d: (d.id is None, d.id or 0, d.rule, d.field or ""))


def _store_result(
    *, session: Session, tps: Any, body: ResultCreate, source: str, actor: str, remote: str | None
) -> ResultCreated:
    """Validate, store the submission (never changed afterwards), audit it, queue its recheck;
    the findings of its TPS and contest and the accepted value of each field sent."""
    known = _submissions(session, tps.code, body.contest_id)
    _authorize_correction(body, source, actor, known)
    info = _validate_result(session, tps.code, body, source, known)
    values = dict(body.values)
    now = utcnow()
    row = {
        "tps_code": tps.code,
        "contest_id": body.contest_id,
        "kecamatan_code": tps.kecamatan_code,
        "source": source,
        "submitted_by": actor,
        "submitted_at": now,
        "reason": body.reason,
        "supersedes_id": body.corrects,
        "values": values,
        "confidence": None,
    }
    sub_id = int(_INSERT_SUBMISSION.scalar(session, row))
    append_audit(
        session=session,
        actor=actor,
        action="submission.create",
        entity="submission",
        entity_id=str(sub_id),
        payload=body.model_dump(),
        remote=remote,
        content_hash=inserted_hash("submission", {**row, "id": sub_id}),  # no read-back
    )
    enqueue(session, TPS_UNIT, tps.code, body.contest_id)
    sent = Author(sub_id, source, actor)
    new = SubmissionValues(sub_id, source, now, values, body.corrects, body.reason)
    outcome = evaluate_tps(
        tps_code=tps.code,
        contest_id=body.contest_id,
        ctx=info.ctx,
        submissions=[*(s.values for s in known), new],
        min_ocr_confidence=acceptance_line(session),
    )
    authors = {s.author.id: s.author for s in known} | {sub_id: sent}
    return ResultCreated(
        submission_id=sub_id,
        discrepancies=posted_findings(session, outcome.findings),
        fields=field_outcomes(sent=sent, values=values, accepted=outcome.accepted, authors=authors),
    )


def _tps(session: Session, tps_code: str) -> Any:
    tps = _READ_TPS.first(session, {"code": tps_code})
    if tps is None:
        raise TpsNotFound(f"No TPS has code {tps_code}")
    return tps


def submit_result(
    *,
    session: Session,
    tps_code: str,
    body: ResultCreate,
    actor: str,
    writer_role: str,
    idempotency_key: str | None = None,
    remote: str | None = None,
) -> tuple[int, ResultCreated]:
    """Store one C.Hasil submission; (201, answer), or (200, first answer) on a key replay.

    The source follows from `writer_role` (app/domain/provenance.py), never from the body alone.
    """
    lock_for_write(session)
    tps = _tps(session, tps_code)
    source = _writer_source(writer_role, body.source)
    if idempotency_key is not None:
        fingerprint = request_hash({"tps": tps_code, "body": body.model_dump()})
        stored = claim_key(
            session=session, principal=actor, key=idempotency_key, fingerprint=fingerprint
        )
        if stored is not None:
            return 200, ResultCreated.model_validate(stored.body)
    answer = _store_result(
        session=session, tps=tps, body=body, source=source, actor=actor, remote=remote
    )
    if idempotency_key is not None:
        store_answer(
            session=session,
            principal=actor,
            key=idempotency_key,
            status_code=201,
            body=answer.model_dump(mode="json"),
        )
    return 201, answer


def _validate_dhasil(session: Session, kecamatan: str, body: DHasilPut) -> ContestInfo:
    """422 naming every desa outside the kecamatan and every bad value; the contest."""
    contest, allowed = contest_fields(session, body.contest_id)
    errors = values_errors(body.total, allowed=allowed, prefix="total", max_value=MAX_RECAP_VALUE)
    errors.update(desa_sum_errors(body.desa))
    if not contains(contest.region_code, kecamatan):
        errors["contest_id"] = f"contest {contest.id} does not cover kecamatan {kecamatan}"
    regions = Region.__table__  # type: ignore[attr-defined]
    known = set(
        session.execute(
            select(regions.c.code).where(
                regions.c.parent_code == kecamatan, regions.c.level == "desa"
            )
        ).scalars()
    )
    for desa, values in body.desa.items():
        if desa not in known:
            errors[f"desa.{desa}"] = f"not a desa of kecamatan {kecamatan}"
        else:
            errors.update(
                values_errors(
                    values, allowed=allowed, prefix=f"desa.{desa}", max_value=MAX_RECAP_VALUE
                )
            )
    if errors:
        raise InvalidInput(
            "Invalid D.Hasil: " + "; ".join(f"{k}: {v}" for k, v in errors.items()), fields=errors
        )
    info = contests.get(session, contest.id) or contests.get(session, contest.id, reload=True)
    assert info is not None  # the contest was just read
    return info


def _next_version(session: Session, kecamatan: str, contest_id: str) -> int:
    stmt = select(func.max(DHasilVersion.version)).where(
        DHasilVersion.kecamatan_code == kecamatan,  # type: ignore[arg-type]
        DHasilVersion.contest_id == contest_id,  # type: ignore[arg-type]
    )
    return int(session.execute(stmt).scalar_one() or 0) + 1


def _reconciliation(
    session: Session, kecamatan_code: str, info: ContestInfo
) -> list[PostedFinding]:
    """The kecamatan's reconciliation with its newest D.Hasil version, from the accepted values
    stored now (read only: the recheck queued with the version stores it)."""
    dhasil = latest_dhasil(session, kecamatan_code, info.id)
    if dhasil is None:
        return []
    tallies = desa_tallies(session, kecamatan_code, info.id, info.fields)
    found = evaluate_tallies(
        kecamatan_code=kecamatan_code, contest_id=info.id, dhasil=dhasil, tallies=tallies,
        ctx=info.ctx,
    )  # fmt: skip
    return posted_findings(session, found)


def put_dhasil(
    *, session: Session, kecamatan_code: str, body: DHasilPut, actor: str, remote: str | None = None
) -> DHasilSaved:
    """Store a new D.Hasil Kecamatan version (old ones kept) and queue the kecamatan's recheck;
    the answer shows the reconciliation with it as of now."""
    lock_for_write(session)
    region = session.get(Region, kecamatan_code)
    if region is None or region.level != "kecamatan":
        raise RegionNotFound(f"No kecamatan has code {kecamatan_code}")
    info = _validate_dhasil(session, kecamatan_code, body)
    version = DHasilVersion(
        kecamatan_code=kecamatan_code,
        contest_id=body.contest_id,
        version=_next_version(session, kecamatan_code, body.contest_id),
        entered_by=actor,
        reason=body.reason,
        desa={k: dict(v) for k, v in body.desa.items()},
        total=dict(body.total),
    )
    session.add(version)
    session.flush()
    payload: dict[str, Any] = body.model_dump()
    append_audit(
        session=session,
        actor=actor,
        action="dhasil.put",
        entity="dhasil_version",
        entity_id=str(version.id),
        payload=payload,
        remote=remote,
    )
    enqueue(session, KECAMATAN_UNIT, kecamatan_code, body.contest_id)
    return DHasilSaved(
        version=version.version, discrepancies=_reconciliation(session, kecamatan_code, info)
    )
