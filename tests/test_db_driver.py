"""app/db_driver.py: a statement run on the DBAPI cursor stores and reads exactly what the same
statement run through SQLAlchemy does, on both backends, and fails as SQLAlchemy fails."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, exc, insert, select, text
from sqlmodel import Session

from app.db import has_written
from app.db_driver import Direct
from app.models import Submission
from tests.factories import add_contest, add_regions, add_tps

SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
TPS = "1671011001001"
COLUMNS = [SUBMISSIONS.c[n] for n in "id source submitted_at values confidence reason".split()]
READ = select(*COLUMNS).where(SUBMISSIONS.c.tps_code == bindparam("tps")).order_by("id")


@pytest.fixture
def seeded(session: Session) -> Session:
    add_regions(session, ("1671011001",))
    add_tps(session, (TPS,), dpt=410)
    add_contest(session, "pkwkp-16", kind="gubernur", region_code="16", paslon=3, name="Gub")
    session.commit()
    return session


def _row(at: datetime, **extra: object) -> dict[str, object]:
    return {
        "tps_code": TPS, "contest_id": "pkwkp-16", "kecamatan_code": "167101", "source": "app",
        "submitted_by": "device:k1", "submitted_at": at, "reason": "ñ “quoted” — 5%",
        "supersedes_id": None, "values": {"suara_sah": 7, "é": 1}, "confidence": None, **extra,
    }  # fmt: skip


def test_insert_and_read_match_sqlalchemy_both_ways(seeded: Session) -> None:
    session = seeded
    at = datetime(2024, 11, 27, 13, 5, 9, 120034, tzinfo=UTC)
    east = datetime(2024, 11, 27, 22, 5, 9, tzinfo=timezone(timedelta(hours=9)))  # WIT
    through_sa = session.execute(
        insert(SUBMISSIONS).returning(SUBMISSIONS.c.id), _row(at)
    ).scalar_one()
    direct = Direct(insert(SUBMISSIONS).returning(SUBMISSIONS.c.id))
    by_cursor = direct.scalar(session, _row(at, confidence={"suara_sah": 0.93}))
    third = direct.scalar(session, _row(east))
    assert through_sa < by_cursor < third
    assert has_written(session)
    read = Direct(READ).rows(session, {"tps": TPS})
    expected = session.execute(READ, {"tps": TPS}).all()
    assert [tuple(r) for r in read] == [tuple(r) for r in expected]
    assert [r.id for r in read] == [through_sa, by_cursor, third]
    assert read[1].confidence == {"suara_sah": 0.93} and read[0].values == {"suara_sah": 7, "é": 1}
    assert read[0].submitted_at == read[1].submitted_at  # the same time, stored the same way
    assert read[2].reason == "ñ “quoted” — 5%"
    assert Direct(READ).first(session, {"tps": "0"}) is None


def test_a_driver_error_is_sqlalchemys_and_the_transaction_is_the_sessions(
    seeded: Session,
) -> None:
    session = seeded
    direct = Direct(insert(SUBMISSIONS).returning(SUBMISSIONS.c.id))
    nested = session.begin_nested()
    with pytest.raises(exc.IntegrityError):  # no such contest: a foreign key refuses it
        direct.scalar(session, _row(datetime.now(UTC), contest_id="nope", source=None))
    nested.rollback()
    count = session.execute(text("SELECT count(*) FROM submission")).scalar_one()
    assert count == 0
    with pytest.raises(exc.NoResultFound):
        Direct(READ).scalar(session, {"tps": "0"})


def test_values_written_into_the_statement_are_bound_from_it(seeded: Session) -> None:
    """The recheck queue's upsert: `generation=1` and `generation + 1` are the statement's own."""
    from app.services.recheck_queue import QUEUE, TPS_UNIT, enqueue

    session = seeded
    for _ in range(3):
        enqueue(session, TPS_UNIT, TPS, "pkwkp-16")
    enqueue(session, TPS_UNIT, "other", "pkwkp-16")
    rows = session.execute(
        select(QUEUE.c.unit_code, QUEUE.c.generation).order_by(QUEUE.c.unit_code)
    ).all()
    assert [tuple(r) for r in rows] == [(TPS, 3), ("other", 1)]
    assert has_written(session)
    with pytest.raises(KeyError):  # a parameter the statement needs is never guessed
        Direct(READ).rows(session, {})
