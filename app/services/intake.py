"""Result intake: validate and store C.Hasil submissions and D.Hasil versions, then recheck."""

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from app.domain.fields import fields_for_contest
from app.domain.intake import MAX_RECAP_VALUE, desa_sum_errors, values_errors
from app.domain.provenance import correction_problem, default_source, source_problem
from app.domain.regions import contains
from app.errors import Forbidden, InvalidInput, RegionNotFound, TpsNotFound
from app.models import Contest, DHasilVersion, Paslon, Region, Submission, Tps
from app.schemas.results import DHasilPut, DHasilSaved, ResultCreate, ResultCreated
from app.services import recheck
from app.services.accepted_answer import field_outcomes
from app.services.audit import append_audit
from app.services.idempotency import claim_key, request_hash, store_answer
from app.services.locking import lock_for_write


def contest_fields(session: Session, contest_id: str) -> tuple[Contest, tuple[str, ...]]:
    """The contest (422 naming contest_id when unknown) and the field names of its form."""
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise InvalidInput(
            f"No contest has id {contest_id}", fields={"contest_id": "unknown contest"}
        )
    count = session.exec(
        select(func.count()).select_from(Paslon).where(Paslon.contest_id == contest_id)
    ).one()
    return contest, fields_for_contest(int(count))


def _validate_result(session: Session, tps: Tps, body: ResultCreate, source: str) -> None:
    """Every reason the submission cannot be stored, as one 422 naming each bad field."""
    contest, allowed = contest_fields(session, body.contest_id)
    errors = values_errors(body.values, allowed=allowed)
    if not contains(contest.region_code, tps.code):
        errors["contest_id"] = f"contest {contest.id} does not cover TPS {tps.code}"
    if source == "plenary" and not (body.reason or "").strip():
        errors["reason"] = "a plenary correction must say why"
    if body.corrects is not None:
        target = session.get(Submission, body.corrects)
        if target is None or (target.tps_code, target.contest_id) != (tps.code, contest.id):
            errors["corrects"] = "no submission with that id for this TPS and contest"
    if errors:
        raise InvalidInput(
            "Invalid submission: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
            fields=errors,
        )


def _writer_source(role: str, claimed: str | None) -> str:
    """The submission's source, from the writer's role (403 naming `source` for a claim the
    role may not make: a device posing as the plenary)."""
    problem = source_problem(role, claimed)
    if problem:
        raise Forbidden(f"source: {problem}", fields={"source": problem})
    return claimed or default_source(role)


def _authorize_correction(
    session: Session, tps: Tps, body: ResultCreate, source: str, actor: str
) -> None:
    """403 naming `corrects` when this writer may not replace the submission it names (an
    unknown one, or one of another TPS or contest, is left to _validate_result: 422)."""
    target = session.get(Submission, body.corrects) if body.corrects is not None else None
    if target is None or (target.tps_code, target.contest_id) != (tps.code, body.contest_id):
        return
    problem = correction_problem(
        source=source,
        author=actor,
        target_source=target.source,
        target_author=target.submitted_by,
    )
    if problem:
        raise Forbidden(f"corrects: {problem}", fields={"corrects": problem})


def _store_result(
    *, session: Session, tps: Tps, body: ResultCreate, source: str, actor: str, remote: str | None
) -> ResultCreated:
    """Validate, store the submission (never changed afterwards), recheck, audit."""
    _authorize_correction(session, tps, body, source, actor)
    _validate_result(session, tps, body, source)
    sub = Submission(
        tps_code=tps.code,
        contest_id=body.contest_id,
        kecamatan_code=tps.kecamatan_code,
        source=source,
        submitted_by=actor,
        reason=body.reason,
        supersedes_id=body.corrects,
        values=dict(body.values),
    )
    session.add(sub)
    session.flush()
    assert sub.id is not None
    found = recheck.recheck_submission(session=session, submission=sub)
    append_audit(
        session=session,
        actor=actor,
        action="submission.create",
        entity="submission",
        entity_id=str(sub.id),
        payload=body.model_dump(),
        remote=remote,
    )
    return ResultCreated(
        submission_id=sub.id,
        discrepancies=found,
        fields=field_outcomes(session=session, submission=sub),
    )


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
    tps = session.get(Tps, tps_code)
    if tps is None:
        raise TpsNotFound(f"No TPS has code {tps_code}")
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


def _validate_dhasil(session: Session, kecamatan: str, body: DHasilPut) -> None:
    """422 naming every desa outside the kecamatan and every bad value."""
    contest, allowed = contest_fields(session, body.contest_id)
    errors = values_errors(body.total, allowed=allowed, prefix="total", max_value=MAX_RECAP_VALUE)
    errors.update(desa_sum_errors(body.desa))
    if not contains(contest.region_code, kecamatan):
        errors["contest_id"] = f"contest {contest.id} does not cover kecamatan {kecamatan}"
    known = set(
        session.exec(
            select(Region.code).where(Region.parent_code == kecamatan, Region.level == "desa")
        )
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


def _next_version(session: Session, kecamatan: str, contest_id: str) -> int:
    stmt = select(func.max(DHasilVersion.version)).where(
        DHasilVersion.kecamatan_code == kecamatan, DHasilVersion.contest_id == contest_id
    )
    return int(session.exec(stmt).one() or 0) + 1


def put_dhasil(
    *, session: Session, kecamatan_code: str, body: DHasilPut, actor: str, remote: str | None = None
) -> DHasilSaved:
    """Store a new D.Hasil Kecamatan version (old ones kept) and reconcile the kecamatan."""
    lock_for_write(session)
    region = session.get(Region, kecamatan_code)
    if region is None or region.level != "kecamatan":
        raise RegionNotFound(f"No kecamatan has code {kecamatan_code}")
    _validate_dhasil(session, kecamatan_code, body)
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
    found = recheck.recheck_kecamatan(
        session=session, kecamatan_code=kecamatan_code, contest_id=body.contest_id
    )
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
    return DHasilSaved(version=version.version, discrepancies=found)
