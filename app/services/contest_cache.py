"""Contests held in memory for intake: id → kind, region, paslon count, form fields, limits.

Contests change rarely (`rekap demo`, `rekap import paslon`, the CLI, tests) and a post needs
them every time, so intake reads them here instead of from the database. The cache is dropped:
- when a session of this process flushes a Contest or Paslon row, and again when that
  transaction rolls back (so a rolled-back contest is not kept);
- after `TTL_SECONDS`, for changes made by another process;
- by intake itself, which reloads once before refusing a post for a contest-related reason
  (unknown contest, a field the contest lacks, a region it does not cover), so a contest another
  process just created or extended is never refused from a stale copy.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.domain.evaluation import form_context
from app.domain.fields import fields_for_contest
from app.domain.findings import FormContext
from app.models import Contest, Paslon

TTL_SECONDS: Final = 30.0
CONTEST = Contest.__table__  # type: ignore[attr-defined]
PASLON = Paslon.__table__  # type: ignore[attr-defined]
_TOUCHED: Final = "rekap_contests_touched"  # Connection.info: this transaction wrote contests


@dataclass(frozen=True)
class ContestInfo:
    """What intake needs of one contest."""

    id: str
    kind: str
    region_code: str
    paslon_count: int
    fields: tuple[str, ...]
    ctx: FormContext


class ContestCache:
    """Every contest by id, loaded in two queries and kept for TTL_SECONDS."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._by_id: dict[str, ContestInfo] | None = None
        self._loaded_at = 0.0
        self._generation = 0

    def invalidate(self) -> None:
        """Forget every contest: the next get() reloads."""
        with self._lock:
            self._by_id = None
            self._generation += 1

    def get(self, session: Session, contest_id: str, *, reload: bool = False) -> ContestInfo | None:
        """The contest, or None when there is none with that id."""
        by_id = self._by_id
        if reload or by_id is None or time.monotonic() - self._loaded_at > self.ttl:
            by_id = self._load(session)
        return by_id.get(contest_id)

    def _load(self, session: Session) -> dict[str, ContestInfo]:
        generation = self._generation
        counts = dict(
            session.execute(
                select(PASLON.c.contest_id, func.count()).group_by(PASLON.c.contest_id)
            ).all()
        )
        rows = session.execute(select(CONTEST.c.id, CONTEST.c.kind, CONTEST.c.region_code)).all()
        by_id = {}
        for cid, kind, region in rows:
            n = int(counts.get(cid, 0))
            by_id[cid] = ContestInfo(
                cid, kind, region, n, fields_for_contest(n), form_context(kind, n)
            )
        with self._lock:
            if generation == self._generation:  # not invalidated while loading
                self._by_id, self._loaded_at = by_id, time.monotonic()
        return by_id


contests = ContestCache()


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session: OrmSession, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, Contest | Paslon) for obj in changed):
        contests.invalidate()
        session.connection().info[_TOUCHED] = True


def _touched(conn: Connection, *, clear: bool) -> bool:
    """Whether the connection's transaction wrote contests; True when that cannot be told (a
    connection the database dropped: its info is out of reach until the rollback ends)."""
    try:
        info = conn.info
    except SQLAlchemyError:
        return True
    return bool(info.pop(_TOUCHED, False) if clear else info.get(_TOUCHED, False))


def _after_rollback(conn: Connection, *_: Any) -> None:
    if _touched(conn, clear=True):
        contests.invalidate()


def _after_savepoint_rollback(conn: Connection, *_: Any) -> None:
    if _touched(conn, clear=False):  # the outer transaction may still roll back too
        contests.invalidate()


def _after_commit(conn: Connection) -> None:
    _touched(conn, clear=True)


event.listen(Engine, "rollback", _after_rollback)
event.listen(Engine, "rollback_savepoint", _after_savepoint_rollback)
event.listen(Engine, "commit", _after_commit)
