"""Fixtures of the hostile-input tests: the console's small world, an admin's API headers, and
every table's row count (a rejected request must leave all of them as they were)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col

from app.models import Discrepancy, Photo
from tests.factories import PASSWORD
from tests.web.conftest import World, ensure_user, seed_console_world, sign_in

ADMIN = "t-admin"


def row_counts(session: Session) -> dict[str, int]:
    """Rows per table, every table of the schema."""
    session.expire_all()
    return {
        t.name: int(session.execute(select(func.count()).select_from(t)).scalar_one())
        for t in SQLModel.metadata.sorted_tables
    }


@pytest.fixture
def hostile_world(session: Session) -> World:
    """The console's seeded world: regions, submissions, a D.Hasil, discrepancies, a review item."""
    world = seed_console_world(session)
    ensure_user(session, ADMIN)
    return world


@pytest.fixture
def admin_api(client: TestClient, hostile_world: World) -> dict[str, str]:
    """Bearer headers of an admin (every write is allowed, so only the input can be refused)."""
    del hostile_world
    resp = client.post("/api/v1/auth/token", data={"username": ADMIN, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


@pytest.fixture
def admin_console(client: TestClient, hostile_world: World) -> TestClient:
    """The client signed in to the console as the admin."""
    del hostile_world
    sign_in(client, ADMIN)
    return client


@pytest.fixture
def row_ids(session: Session, hostile_world: World) -> dict[str, int]:
    """Ids of stored rows the cases point at: a discrepancy, the review item, its photo."""
    disc = session.execute(select(col(Discrepancy.id)).order_by(col(Discrepancy.id))).scalar()
    photo = session.execute(select(col(Photo.id))).scalar()
    assert disc is not None and photo is not None
    return {"disc": disc, "item": hostile_world.review_item, "photo": photo}
