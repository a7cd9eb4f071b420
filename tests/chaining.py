"""The one way tests link the audit outbox into the chain, as the worker's chainer would.

Writes leave their audit entry in the outbox (app/services/audit_outbox.py); a test that reads
audit records or verifies the chain first calls one of these, explicitly."""

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.services.audit_chainer import Chainer, chain_visible


def chain_now(session: Session) -> int:
    """Chain every entry the test's own session sees, inside its (rolled back) transaction."""
    return chain_visible(session)


def chain_committed(engine: Engine) -> int:
    """Chain every committed entry of a database, with the production chainer (its horizon)."""
    return Chainer(engine).drain(timeout=30)
