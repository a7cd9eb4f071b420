"""The migration history runs up, down and up again, and matches the models, on this backend."""

from alembic import command
from sqlalchemy import inspect

from app.db import build_engine
from app.models import metadata
from app.services.migrations import alembic_config, downgrade_database, upgrade_database
from tests.conftest import FreshDatabase


def table_names(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(fresh_database: FreshDatabase) -> None:
    url = fresh_database.create()
    upgrade_database(url=url)
    assert table_names(url) == set(metadata.tables)
    downgrade_database(revision="base", url=url)
    assert table_names(url) == set()
    upgrade_database(url=url)
    assert table_names(url) == set(metadata.tables)


def test_models_and_migrations_agree(fresh_database: FreshDatabase) -> None:
    # `alembic check` raises when autogenerate would emit any operation.
    url = fresh_database.create()
    upgrade_database(url=url)
    command.check(alembic_config(url=url))
