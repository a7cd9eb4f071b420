"""Audit records commit to the content of what they record: every audited write through the API
carries its entity's content hash, and `rekap audit verify` names each record whose entity was
edited or deleted in the database afterwards, and each malformed record, without a traceback."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import app as rekap
from app.cli import audit as audit_cli
from app.domain.audit_content import ACTION_KINDS
from app.models import (
    AuditRecord,
    DeviceKey,
    DHasilVersion,
    DiscrepancyEvent,
    Photo,
    ReviewEntry,
    Submission,
    User,
)
from app.services.audit import verify_audit
from app.services.auth import create_device_key, disable_user, revoke_device_key
from tests.chaining import chain_now
from tests.conftest import BACKEND
from tests.domain.forms import BASE
from tests.draining import drain_all
from tests.photos.conftest import GUB, KEC_A, TPS_A, TPS_B, TPS_C, PhotoEnv, make_jpeg, photo_env  # noqa: F401
from tests.photos.test_review import Login, enter, login, next_item, unsure_photo  # noqa: F401

runner = CliRunner()


@dataclass(frozen=True)
class Audited:
    """Ids of what the world wrote, by what a tamper test edits."""

    submission: int
    spare_submission: int
    dhasil: int
    photo: int
    review_entry: int
    event: int
    key_id: str


@pytest.fixture(autouse=True)
def cli_on_test_session(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """`rekap audit verify` reads the rolled-back test session."""

    @contextmanager
    def scope() -> Iterator[Session]:
        yield session

    monkeypatch.setattr(audit_cli, "session_scope", scope)


def _created(resp: Any, status: int = 201) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


@pytest.fixture
def audited(photo_env: PhotoEnv, login: Login) -> Audited:  # noqa: F811
    """One of every audited write, through the API where there is one."""
    env, session = photo_env, photo_env.session
    url = f"/api/v1/tps/{TPS_A}/results"
    body = {"contest_id": GUB, "values": {**BASE, "suara_paslon_1": 158}}
    posted = _created(env.client.post(url, json=body, headers=env.headers))
    spare = {"contest_id": GUB, "values": BASE}
    spare_id = _created(env.client.post(f"/api/v1/tps/{TPS_C}/results", json=spare,
                                        headers=env.headers))["submission_id"]  # fmt: skip
    dhasil = {"contest_id": GUB, "desa": {TPS_A[:10]: {"suara_sah": 318}}, "total": BASE}
    _created(env.client.put(f"/api/v1/kecamatan/{KEC_A}/dhasil", json=dhasil,
                            headers=env.headers), 200)  # fmt: skip
    drain_all(session)  # the recheck the post queued stores its discrepancy
    found = env.client.get("/api/v1/discrepancies", params={"region": TPS_A}, headers=env.headers)
    did = found.json()["items"][0]["id"]
    patch = {"status": "acknowledged", "note": "seen"}
    _created(env.client.patch(f"/api/v1/discrepancies/{did}", json=patch, headers=env.headers), 200)
    photo_id = _created(env.upload(TPS_B, make_jpeg(7)), 202)["photo_id"]
    unsure_photo(env)  # an uploaded photo, its OCR submission, a review item
    ani, budi = login("ani", KEC_A), login("budi", KEC_A)
    item = next_item(env, ani).json()  # type: ignore[attr-defined]
    for who in (ani, budi):  # two entries that agree: a `review` submission
        assert enter(env, item["item_id"], 32, who).status_code == 201  # type: ignore[attr-defined]
    key = create_device_key(session=session, region_code=TPS_A, label="hp", actor="cli:root")
    revoke_device_key(session=session, key_id=key.key.key_id, actor="cli:root")
    disable_user(session=session, username="budi", actor="cli:root")
    chain_now(session)
    session.commit()
    return Audited(
        submission=posted["submission_id"],
        spare_submission=spare_id,
        dhasil=session.exec(select(DHasilVersion.id)).one() or 0,
        photo=int(photo_id),
        review_entry=session.exec(select(ReviewEntry.id).order_by(col(ReviewEntry.id))).first()
        or 0,
        event=session.exec(select(DiscrepancyEvent.id).where(DiscrepancyEvent.actor != "system"))
        .one() or 0,
        key_id=key.key.key_id,
    )  # fmt: skip


def _verify() -> Any:
    return runner.invoke(rekap, ["audit", "verify"])


def _records(session: Session) -> list[AuditRecord]:
    return list(session.exec(select(AuditRecord).order_by(col(AuditRecord.seq))))


def _seq_of(session: Session, action: str, entity_id: str | None = None) -> int:
    found = [r.seq for r in _records(session)
             if r.action == action and entity_id in (None, r.entity_id)]  # fmt: skip
    assert len(found) >= 1, (action, entity_id)
    return found[0]


def test_every_audited_write_commits_to_its_entity(audited: Audited, session: Session) -> None:
    records = _records(session)
    assert {r.action for r in records} >= set(ACTION_KINDS)  # every covered kind was written
    uncovered = [(r.seq, r.action) for r in records if r.content_hash is None]
    assert uncovered == []
    report = verify_audit(session=session)
    assert (report.faults, report.covered, report.not_covered) == ([], len(records), 0)
    ok = _verify()
    assert ok.exit_code == 0, ok.output
    assert f"ok: {len(records)} records" in ok.output and f"{len(records)} cover" in ok.output


def _tamper_cases(a: Audited) -> list[tuple[Any, str, str | None, str]]:
    """(statement, action, entity_id of its record, what the message names)."""
    sub, dh, photo = Submission.__table__, DHasilVersion.__table__, Photo.__table__  # type: ignore[attr-defined]
    entry, key = ReviewEntry.__table__, DeviceKey.__table__  # type: ignore[attr-defined]
    return [
        (update(sub).where(sub.c.id == a.submission).values(values={**BASE, "suara_sah": 999}),
         "submission.create", str(a.submission), f"the submission {a.submission} "),
        (update(dh).where(dh.c.id == a.dhasil).values(total={**BASE, "suara_sah": 1}),
         "dhasil.put", str(a.dhasil), f"the D.Hasil version {a.dhasil} "),
        (update(photo).where(photo.c.id == a.photo).values(tps_code=TPS_C),
         "photo.upload", str(a.photo), f"the photo {a.photo} "),
        (update(photo).where(photo.c.id == a.photo).values(sha256="f" * 64),
         "photo.upload", str(a.photo), f"the photo {a.photo} "),
        (delete(sub).where(sub.c.id == a.spare_submission),
         "submission.create", str(a.spare_submission), "is gone (deleted)"),
        (update(entry).where(entry.c.id == a.review_entry).values(value=99),
         "review.entry", None, f"the review entry {a.review_entry} "),
        (update(DiscrepancyEvent.__table__).where(DiscrepancyEvent.__table__.c.id == a.event)  # type: ignore[attr-defined]
         .values(to_status="dismissed"), "discrepancy.status", None, "discrepancy status change"),
        (update(User.__table__).where(User.__table__.c.username == "ani").values(role="admin"),  # type: ignore[attr-defined]
         "user.create", "ani", "the user ani "),
        (update(User.__table__).where(User.__table__.c.username == "budi").values(disabled=False),  # type: ignore[attr-defined]
         "user.disable", "budi", "the disabled user budi "),
        (update(key).where(key.c.key_id == a.key_id).values(secret_hash="0" * 64),
         "key.create", a.key_id, f"the device key {a.key_id} "),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(10))
def test_an_entity_edited_or_deleted_in_the_database_names_its_record(
    audited: Audited, session: Session, case: int
) -> None:
    statement, action, entity_id, named = _tamper_cases(audited)[case]
    seq = _seq_of(session, action, entity_id)
    session.execute(statement)
    session.expire_all()
    result = _verify()
    assert result.exit_code == audit_cli.VERIFY_FAILED_EXIT, result.output
    assert f"audit record {seq}: ({action} " in result.output, result.output
    assert named in result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    broken = [line for line in result.output.splitlines() if line.startswith("BROKEN:")]
    assert len(broken) == 1, broken  # that record only: the chain itself is intact


def _malformations() -> list[tuple[str, str]]:
    """(SQL on the record with seq :seq, what verify says). Garbage text in a JSON or time
    column can only be stored on SQLite; PostgreSQL's types refuse it."""
    both = [
        ("UPDATE audit_record SET payload = '[1, 2]' WHERE seq = :seq", "payload is a list"),
        ("UPDATE audit_record SET payload = '\"x\"' WHERE seq = :seq", "payload is a str"),
        ("UPDATE audit_record SET content_hash = 'zz' WHERE seq = :seq", "not a SHA-256"),
        ("UPDATE audit_record SET payload = '{}' WHERE action = 'discrepancy.status'",
         "its payload has no event_id"),
        ("UPDATE audit_record SET entity_id = 'x1' WHERE action = 'photo.upload'",
         "'x1' is not a row id"),
        ("DELETE FROM audit_record WHERE seq = :seq", "records are missing"),
    ]  # fmt: skip
    if BACKEND != "sqlite":
        return both
    return both + [
        ("UPDATE audit_record SET payload = 'not json' WHERE seq = :seq", "payload is not JSON"),
        ("UPDATE audit_record SET at = 'yesterday' WHERE seq = :seq", "time 'yesterday'"),
        ("UPDATE audit_record SET actor = X'00ff' WHERE seq = :seq", "its actor is not text"),
    ]


@pytest.mark.parametrize(("sql", "says"), _malformations())
def test_a_malformed_record_is_named_without_a_traceback(
    audited: Audited,  # noqa: ARG001 (the records to break)
    session: Session,
    sql: str,
    says: str,
) -> None:
    seq = 3
    session.execute(text(sql), {"seq": seq})
    session.expire_all()
    result = _verify()
    assert result.exit_code == audit_cli.VERIFY_FAILED_EXIT, result.output
    assert says in result.output, result.output
    assert "audit record " in result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
