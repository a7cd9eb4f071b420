"""Draining the recheck queue in tests: a post queues its recheck (app/services/recheck_queue.py)
and the worker drains it; a test that expects the stored findings drains explicitly, as the
worker would, on the test's own session (its commits only release savepoints)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from app.services.recheck_queue import DrainCounts, SessionFactory, drain_rechecks


def shared_session_factory(session: Session) -> SessionFactory:
    """A session factory for drain_rechecks handing out the test's session."""

    @contextmanager
    def scope() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    return scope


def drain_all(session: Session, *, limit: int = 500) -> DrainCounts:
    """Drain until the queue is empty; the totals of every pass."""
    factory = shared_session_factory(session)
    total = DrainCounts()
    for _ in range(100):
        counts = drain_rechecks(factory, limit)
        if counts.leased == 0:
            return total
        total = DrainCounts(
            leased=total.leased + counts.leased,
            tps=total.tps + counts.tps,
            kecamatan=total.kecamatan + counts.kecamatan,
            done=total.done + counts.done,
            released=total.released + counts.released,
        )
    raise AssertionError(f"the recheck queue never emptied: {total}")
