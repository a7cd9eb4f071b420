"""The audit hash chain: appended by every user/key change, verified, and tampering caught."""

import itertools
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app.db import build_engine, session_scope
from app.models.auth import AuditRecord
from app.services.audit import (
    GENESIS_HASH,
    append_audit,
    check_checkpoint,
    get_checkpoint,
    record_hash,
    verify_chain,
)
from app.services.auth import create_device_key, create_user, disable_user, revoke_device_key
from app.services.migrations import upgrade_database
from tests.auth.conftest import seed_regions
from tests.chaining import chain_committed, chain_now


def _write(session: Session, n: int) -> list[int]:
    return [
        append_audit(
            session=session,
            actor="user:ana",
            action="submission.create",
            entity="submission",
            entity_id=str(i),
            payload={"values": {"suara_sah": 100 + i}, "nama": "Désa Ñ", "at": datetime.now(UTC)},
            remote="10.0.0.1",
        )
        for i in range(n)
    ]


def _append(session: Session, n: int) -> list[AuditRecord]:
    """n writes, chained: their records."""
    _write(session, n)
    assert chain_now(session) == n
    return list(session.exec(select(AuditRecord).order_by(col(AuditRecord.seq))))[-n:]


def test_records_chain_each_to_the_one_before(session):
    first, second, third = _append(session, 3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert [r.seq for r in (first, second, third)] == [1, 2, 3]
    assert len({first.hash, second.hash, third.hash}) == 3


def test_a_clean_chain_verifies_after_a_round_trip_through_the_database(session):
    _append(session, 3)
    session.commit()
    session.expire_all()  # read back what the database stored, not the objects in memory
    assert verify_chain(session=session) is None


def test_an_edited_row_is_named(session):
    _append(session, 4)
    session.execute(text("UPDATE audit_record SET entity_id = 'forged' WHERE seq = 3"))
    session.expire_all()
    fault = verify_chain(session=session)
    assert fault is not None
    assert fault.seq == 3
    assert "does not match its hash" in fault.describe()


def test_a_row_rehashed_by_the_forger_breaks_the_next_link(session):
    records = _append(session, 4)
    forged = records[1]
    forged.entity_id = "forged"
    session.execute(
        text("UPDATE audit_record SET entity_id = 'forged', hash = :h WHERE seq = 2"),
        {"h": record_hash(forged)},
    )
    session.expire_all()
    fault = verify_chain(session=session)
    assert fault is not None and fault.seq == 3
    assert "does not link" in fault.reason


def test_a_deleted_row_is_caught(session):
    _append(session, 4)
    session.execute(text("DELETE FROM audit_record WHERE seq = 2"))
    session.expire_all()
    fault = verify_chain(session=session)
    assert fault is not None and fault.seq == 3
    assert "missing" in fault.reason


def test_user_and_key_changes_append_records(session):
    seed_regions(session)  # a key needs its TPS stored (reference data: not audited)
    create_user(session=session, username="ana", password="password1", role="admin", scopes=(),
                actor="cli:root")  # fmt: skip
    new = create_device_key(session=session, region_code="1671011001001", label="hp", actor="a")
    revoke_device_key(session=session, key_id=new.key.key_id, actor="user:ana", remote="1.2.3.4")
    disable_user(session=session, username="ana", actor="cli:root")
    chain_now(session)
    stmt = select(AuditRecord).order_by(col(AuditRecord.seq))
    rows = [(r.action, r.entity_id, r.actor) for r in session.exec(stmt)]
    assert rows == [
        ("user.create", "ana", "cli:root"),
        ("key.create", new.key.key_id, "a"),
        ("key.revoke", new.key.key_id, "user:ana"),
        ("user.disable", "ana", "cli:root"),
    ]
    assert new.secret not in str([r.payload for r in session.exec(stmt)])  # never logged


def test_checkpoint_endpoint_reports_head_and_count(client, session):
    empty = client.get("/api/v1/audit/checkpoint").json()
    assert empty == {"head_hash": GENESIS_HASH, "count": 0, "at": None, "pending": 0}
    _write(session, 2)
    session.commit()
    waiting = client.get("/api/v1/audit/checkpoint").json()
    assert (waiting["count"], waiting["pending"], waiting["head_hash"]) == (0, 2, GENESIS_HASH)
    chain_now(session)
    records = list(session.exec(select(AuditRecord).order_by(col(AuditRecord.seq))))
    session.commit()
    body = client.get("/api/v1/audit/checkpoint").json()
    assert body["head_hash"] == records[-1].hash
    assert (body["count"], body["pending"]) == (2, 0)
    assert body["at"].endswith("Z") or "+00:00" in body["at"]
    assert get_checkpoint(session=session).head_hash == records[-1].hash


def _rekap(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REKAP_DATABASE_URL": url, "REKAP_LOG_LEVEL": "WARNING"}
    code = "from app.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_cli_verify_passes_then_names_the_row_edited_in_the_database(fresh_database):
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    with session_scope(engine) as session:
        seed_regions(session)  # a key needs its TPS stored (reference data: not audited)
    engine.dispose()
    assert _rekap(url, "users", "create", "--username", "ana", "--password", "password1",
                  "--role", "ppk", "--scope", "167101").returncode == 0  # fmt: skip
    assert _rekap(url, "keys", "create", "--tps", "1671011001001").returncode == 0
    assert _rekap(url, "users", "disable", "ana").returncode == 0
    chained = _rekap(url, "audit", "chain")
    assert chained.returncode == 0, chained.stderr
    assert chained.stdout.startswith("chained 3 writes; 0 wait")
    ok = _rekap(url, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: 3 records")
    checkpoint = _rekap(url, "audit", "checkpoint").stdout.split()[0]
    assert checkpoint.startswith("3:")
    assert _rekap(url, "audit", "verify", "--checkpoint", checkpoint).returncode == 0
    wrong = "3:" + "0" * 64
    assert "the checkpoint says" in _rekap(url, "audit", "verify", "--checkpoint", wrong).stderr
    engine = build_engine(url)
    with session_scope(engine) as session:
        session.execute(text("UPDATE audit_record SET payload = '{}' WHERE seq = 1"))
    engine.dispose()
    broken = _rekap(url, "audit", "verify")
    assert broken.returncode == 6  # ExitCode.VERIFICATION_FAILED
    assert "audit record 1" in broken.stderr and "user.create user ana" in broken.stderr


def test_a_recorded_checkpoint_catches_truncation_and_a_rewritten_chain(session):
    _append(session, 3)
    cp = get_checkpoint(session=session)
    _append(session, 2)
    assert check_checkpoint(session=session, count=cp.count, head_hash=cp.head_hash) is None
    # A forger rewrites record 2 and re-hashes everything after it: the chain itself is valid...
    rows = list(session.exec(select(AuditRecord).order_by(col(AuditRecord.seq))))
    rows[1].entity_id = "forged"
    for prev, row in itertools.pairwise(rows):
        row.prev_hash = prev.hash
        row.hash = record_hash(row)
    session.flush()
    session.expire_all()
    assert verify_chain(session=session) is None
    # ...but no longer passes through the checkpoint published before.
    fault = check_checkpoint(session=session, count=cp.count, head_hash=cp.head_hash)
    assert fault is not None and fault.seq == 3
    session.execute(text("DELETE FROM audit_record WHERE seq >= 2"))
    session.expire_all()
    truncated = check_checkpoint(session=session, count=cp.count, head_hash=cp.head_hash)
    assert truncated is not None and "truncated" in truncated.reason


def test_concurrent_writers_then_chaining_never_fork_the_chain(fresh_database):
    url = fresh_database.create()
    upgrade_database(url=url)
    engine = build_engine(url)
    outcomes: list[str] = []

    def append_some(worker: int) -> None:
        for i in range(5):
            try:
                with session_scope(engine) as s:
                    append_audit(session=s, actor=f"w{worker}", action="t.x", entity="t",
                                 entity_id=str(i))  # fmt: skip
                outcomes.append("ok")
            except OperationalError:
                outcomes.append("busy")  # SQLite refuses a second concurrent writer

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(append_some, range(4)))
    assert chain_committed(engine) == outcomes.count("ok")
    with session_scope(engine) as s:
        assert verify_chain(session=s) is None
        assert get_checkpoint(session=s).count == outcomes.count("ok")
    engine.dispose()
    if engine.dialect.name == "postgresql":
        assert outcomes.count("ok") == 20  # writers share no lock; the chainer orders them
