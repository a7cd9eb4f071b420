"""Region and contest shapes of API.md."""

from pydantic import BaseModel


class RegionChild(BaseModel):
    """A child region in a listing."""

    code: str
    level: str
    name: str


class RegionRead(BaseModel):
    """A region with its direct children (TPS for a desa)."""

    code: str
    level: str
    name: str
    parent_code: str | None
    children: list[RegionChild]


class PaslonRead(BaseModel):
    """A candidate pair."""

    nomor_urut: int
    nama: str


class ContestRead(BaseModel):
    """A contest with its paslon."""

    id: str
    kind: str
    region_code: str
    name: str
    paslon: list[PaslonRead]
