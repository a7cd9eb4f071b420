"""GET /audit/checkpoint: the head of the audit hash chain, public so anyone can record it."""

from fastapi import APIRouter

from app.api.deps import SessionDep
from app.schemas.auth import CheckpointRead
from app.services.audit import get_checkpoint

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/checkpoint", response_model=CheckpointRead)
def read_checkpoint(session: SessionDep) -> CheckpointRead:
    """Head hash, record count, time of the last record, writes not chained yet."""
    cp = get_checkpoint(session=session)
    return CheckpointRead(head_hash=cp.head_hash, count=cp.count, at=cp.at, pending=cp.pending)
