"""Readiness checks: the database answers and its schema is at the migrations' head."""

from pathlib import Path
from typing import Any

import structlog
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session

log = structlog.get_logger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def head_revisions() -> set[str]:
    """The head revision(s) of the migration scripts shipped with the code."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(cfg).get_heads())


def check_readiness(*, session: Session) -> dict[str, dict[str, Any]]:
    """Each check with ok and a detail; the service is ready only when all are ok."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        checks["database"] = {"ok": True, "detail": "reachable"}
    except Exception as exc:  # the readiness answer must name the failure, never raise
        # Driver text names the host, port and user: the log gets it, the probe does not.
        log.warning("readiness.database", exception=f"{type(exc).__name__}: {exc}"[:500])
        checks["database"] = {"ok": False, "detail": "database unavailable"}
        return checks
    current = set(MigrationContext.configure(session.connection()).get_current_heads())
    heads = head_revisions()
    checks["migrations"] = {
        "ok": current == heads,
        "detail": f"database at {sorted(current) or 'nothing'}, code at {sorted(heads)}",
    }
    return checks
