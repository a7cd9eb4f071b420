"""The audit outbox and its chainer: writes leave an entry, one chainer at a time links entries
into the chain in id order, nothing is lost or chained twice, and verify still proves the same."""

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from app.cli import app as rekap
from app.cli import audit as audit_cli
from app.config import Settings
from app.db import build_engine, session_scope
from app.models.auth import AuditOutbox, AuditRecord
from app.models.evidence import utcnow
from app.services.audit import append_audit, verify_audit, verify_chain
from app.services.audit_chainer import Chainer, take_chain_lock
from app.services.auth import create_user
from app.services.migrations import upgrade_database
from app.worker.chaining import start_chainer
from tests.chaining import chain_committed, chain_now
from tests.conftest import BACKEND, FreshDatabase
from tests.processes import ROOT, wait_for

postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL concurrency")


@pytest.fixture(scope="module")
def chain_url(fresh_database: FreshDatabase) -> str:
    """One migrated database for the module's committed writes (emptied before each test)."""
    url = fresh_database.create()
    upgrade_database(url=url)
    return url


@pytest.fixture
def chain_engine(chain_url: str) -> Iterator[Engine]:
    """An engine on the module's database, with the audit tables emptied."""
    engine = build_engine(chain_url)
    with session_scope(engine) as session:
        for table in ("audit_outbox", "audit_record", "app_user"):
            session.execute(text(f"DELETE FROM {table}"))
    yield engine
    engine.dispose()


def _write(engine: Engine, name: str) -> int:
    with session_scope(engine) as session:
        return append_audit(session=session, actor="t", action="t.x", entity="t", entity_id=name)


def _chained(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        stmt = select(AuditRecord.entity_id).order_by(col(AuditRecord.seq))
        return list(session.exec(stmt))


def _waiting(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(AuditOutbox)).one())


def test_a_write_leaves_an_entry_that_the_chain_holds_only_once_chained(session: Session) -> None:
    entry = append_audit(session=session, actor="cli:root", action="t.x", entity="t",
                         entity_id="1", payload={"a": 1}, remote="10.0.0.9")  # fmt: skip
    assert session.get(AuditOutbox, entry) is not None
    assert session.exec(select(func.count()).select_from(AuditRecord)).one() == 0
    assert chain_now(session) == 1
    record = session.exec(select(AuditRecord)).one()
    assert (record.seq, record.actor, record.payload, record.remote) == (1, "cli:root", {"a": 1},
                                                                         "10.0.0.9")  # fmt: skip
    assert session.get(AuditOutbox, entry) is None  # moved, not copied
    assert chain_now(session) == 0 and verify_chain(session=session) is None


def test_a_row_changed_before_its_entry_is_chained_is_caught(session: Session) -> None:
    # The content hash is taken when the write is made, not when it is chained.
    create_user(session=session, username="ana", password="password1", role="ppk",
                scopes=("167101",), actor="cli:root")  # fmt: skip
    session.execute(text("UPDATE app_user SET role = 'admin' WHERE username = 'ana'"))
    chain_now(session)
    faults = verify_audit(session=session).faults
    assert [f.describe() for f in faults] == [
        "audit record 1: (user.create user ana): the user ana it records no longer matches "
        "(changed since)"
    ]


def test_batches_continue_the_chain_in_id_order(chain_engine: Engine) -> None:
    names = [f"w{i}" for i in range(7)]
    for name in names:
        _write(chain_engine, name)
    chainer = Chainer(chain_engine, batch=3)
    assert chainer.drain(timeout=30) == 7
    assert _chained(chain_engine) == names and _waiting(chain_engine) == 0
    with session_scope(chain_engine) as session:
        assert verify_chain(session=session) is None


@postgres_only
def test_an_id_taken_earlier_but_committed_later_is_chained_first(chain_engine: Engine) -> None:
    slow = Session(chain_engine)
    append_audit(session=slow, actor="t", action="t.x", entity="t", entity_id="first")
    _write(chain_engine, "second")  # a larger id, committed while "first" is still open
    chainer = Chainer(chain_engine)
    for _ in range(5):
        assert chainer.run_once() == 0  # "second" waits: a smaller id may still commit
    slow.commit()
    slow.close()
    assert chainer.drain(timeout=30) == 2
    assert _chained(chain_engine) == ["first", "second"]


@postgres_only
def test_a_second_chainer_skips_while_one_holds_the_lock(chain_engine: Engine) -> None:
    _write(chain_engine, "a")
    with session_scope(chain_engine) as holder:
        assert take_chain_lock(holder)
        other = Chainer(chain_engine)
        for _ in range(3):
            assert other.run_once() == 0  # try-lock: it skips instead of waiting
    assert Chainer(chain_engine).drain(timeout=30) == 1


@postgres_only
def test_writers_and_two_chainers_at_once_make_one_chain_holding_every_write_once(
    chain_engine: Engine,
) -> None:
    written: dict[int, str] = {}
    done = threading.Event()

    def writer(w: int) -> None:
        for i in range(40):
            name = f"w{w}-{i}"
            written[_write(chain_engine, name)] = name

    def chain_until_done() -> None:
        chainer = Chainer(chain_engine, batch=7)
        while not done.is_set():
            chainer.run_once()

    chainers = [threading.Thread(target=chain_until_done) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in chainers + writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    for t in chainers:
        t.join()
    chain_committed(chain_engine)
    in_id_order = [written[i] for i in sorted(written)]
    assert _chained(chain_engine) == in_id_order  # every write once, in outbox id order
    with session_scope(chain_engine) as session:
        assert verify_chain(session=session) is None


KILLED_CHAINER = """
import sys, time
from pathlib import Path
import app.services.audit_chainer as chainer
from app.db import build_engine

real_delete = chainer.delete
def stall(*args, **kwargs):  # the records are inserted, the entries not yet deleted
    Path(sys.argv[2]).write_text("inside")
    time.sleep(120)
    return real_delete(*args, **kwargs)
chainer.delete = stall
chainer.Chainer(build_engine(sys.argv[1])).drain(timeout=60)
"""


def test_a_chainer_killed_mid_batch_loses_nothing(chain_engine: Engine, chain_url: str,
                                                  tmp_path: Path) -> None:  # fmt: skip
    names = [f"k{i}" for i in range(5)]
    for name in names:
        _write(chain_engine, name)
    marker = tmp_path / "inside"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_CHAINER, chain_url, str(marker)],
                            cwd=ROOT, start_new_session=True)  # fmt: skip
    try:
        wait_for("the chainer inside its batch", marker.exists, timeout=60)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _chained(chain_engine) == [] and _waiting(chain_engine) == 5
    assert chain_committed(chain_engine) == 5
    assert _chained(chain_engine) == names and _waiting(chain_engine) == 0
    with session_scope(chain_engine) as session:
        assert verify_chain(session=session) is None


def test_the_worker_loop_chains_what_is_written(chain_engine: Engine, chain_url: str) -> None:
    thread, stop = start_chainer(Settings(database_url=chain_url, audit_chain_poll=0.05))
    try:
        _write(chain_engine, "from a request")
        wait_for("the worker's chainer", lambda: _chained(chain_engine) == ["from a request"],
                 timeout=30)  # fmt: skip
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.fixture
def cli_on(session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """`rekap audit verify` on the test's session, with a one-minute outbox age limit."""

    @contextmanager
    def scope() -> Iterator[Session]:
        yield session

    monkeypatch.setattr(audit_cli, "session_scope", scope)
    limited = settings.model_copy(update={"audit_outbox_max_age": 60.0})
    monkeypatch.setattr("app.config.get_settings", lambda: limited)
    return CliRunner()


def test_verify_reports_waiting_writes_and_fails_when_one_waits_too_long(
    session: Session, cli_on: CliRunner
) -> None:
    for i in range(3):
        append_audit(session=session, actor="t", action="t.x", entity="t", entity_id=str(i))
    fresh = cli_on.invoke(rekap, ["audit", "verify"])
    assert fresh.exit_code == 0, fresh.output
    assert "ok: 0 records" in fresh.output and "3 writes wait in the outbox" in fresh.output
    old = utcnow() - timedelta(minutes=10)
    session.execute(text("UPDATE audit_outbox SET at = :at WHERE entity_id = '0'"), {"at": old})
    stale = cli_on.invoke(rekap, ["audit", "verify"])
    assert stale.exit_code == audit_cli.VERIFY_FAILED_EXIT, stale.output
    assert re.search(r"audit outbox: 3 writes not chained, the oldest for 60\d s \(limit 60 s",
                     stale.output), stale.output  # fmt: skip
    chain_now(session)
    assert cli_on.invoke(rekap, ["audit", "verify"]).exit_code == 0
