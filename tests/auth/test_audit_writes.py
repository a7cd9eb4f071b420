"""Writes that do not come through the API are audited too: an OCR reading's submission (the
worker) and a Sirekap import (the command line)."""

import hashlib
import json
from pathlib import Path

from sqlmodel import Session, col, select

from app.models import AuditRecord, Photo, Submission
from app.services.audit import verify_chain
from app.services.sirekap_import import import_sirekap
from app.worker.jobs import Worker, process_job
from tests.chaining import chain_committed, chain_now
from tests.photos.test_jobs import job, job_engine, new_job, worker  # noqa: F401 (fixtures)

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sirekap" / "sample_tingkat6_tps.zip"


def test_an_ocr_submission_is_audited_by_the_engine(worker: Worker, tmp_path: Path) -> None:  # noqa: F811
    job_id = new_job(worker, 501, tmp_path)
    assert process_job(worker, job_id) == "done"
    photo_id = job(worker.engine, job_id).photo_id
    chain_committed(worker.engine)
    with Session(worker.engine) as session:
        photo = session.get_one(Photo, photo_id)
        sub = session.exec(select(Submission).where(Submission.reason == f"photo {photo.id}")).one()
        stmt = select(AuditRecord).where(AuditRecord.entity_id == str(sub.id),
                                         AuditRecord.action == "submission.create")  # fmt: skip
        record = session.exec(stmt).one()
        assert record.actor == "ocr:fake-1"
        assert record.payload["values"] == sub.values
        assert record.payload["photo_id"] == photo.id
        assert verify_chain(session=session) is None


def test_a_sirekap_import_is_one_audit_record_pinning_every_row(session: Session) -> None:
    report = import_sirekap(session=session, path=SAMPLE, actor="cli:root")
    chain_now(session)
    records = list(
        session.exec(select(AuditRecord).where(AuditRecord.action == "submission.import"))
    )
    assert len(records) == 1
    record = records[0]
    assert (record.actor, record.entity_id) == ("cli:root", SAMPLE.name)
    assert record.payload["imported"] == report.imported > 0
    subs = session.exec(
        select(Submission).where(Submission.source == "sirekap").order_by(col(Submission.tps_code))
    ).all()
    pinned = [[s.tps_code, s.values] for s in subs]
    digest = hashlib.sha256(json.dumps(pinned, sort_keys=True).encode()).hexdigest()
    assert record.payload["rows_sha256"] == digest
    again = import_sirekap(session=session, path=SAMPLE, actor="cli:root")
    assert again.imported == 0  # nothing new: still audited, with zero rows
    assert chain_now(session) == 1
    assert verify_chain(session=session) is None
