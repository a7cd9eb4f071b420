"""GET /regions, /regions/{code}."""

from fastapi import APIRouter

from app.api.deps import SessionDep
from app.schemas.regions import RegionRead
from app.services.regions import get_region

router = APIRouter(prefix="/regions", tags=["regions"])


@router.get("", response_model=RegionRead)
def read_nation(session: SessionDep) -> RegionRead:
    """The nation with its provinces."""
    return get_region(session=session, code="0")


@router.get("/{code}", response_model=RegionRead)
def read_region(code: str, session: SessionDep) -> RegionRead:
    """A region with its children; a desa lists its TPS."""
    return get_region(session=session, code=code)
