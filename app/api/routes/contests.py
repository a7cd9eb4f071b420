"""GET /contests."""

from fastapi import APIRouter

from app.api.deps import SessionDep
from app.schemas.regions import ContestRead
from app.services.regions import list_contests

router = APIRouter(prefix="/contests", tags=["contests"])


@router.get("", response_model=list[ContestRead])
def read_contests(session: SessionDep) -> list[ContestRead]:
    """Every contest with its paslon."""
    return list_contests(session=session)
