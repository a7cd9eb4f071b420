"""Run Alembic from code (CLI, tests) against the configured or a given database URL."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(*, url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the project's migrations."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["configure_logger"] = False
    if url:
        cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_database(*, revision: str = "head", url: str | None = None) -> None:
    """Apply migrations up to a revision."""
    command.upgrade(alembic_config(url=url), revision)


def downgrade_database(*, revision: str, url: str | None = None) -> None:
    """Revert migrations down to a revision."""
    command.downgrade(alembic_config(url=url), revision)
