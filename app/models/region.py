"""Regions (provinsi → desa) and TPS, with denormalised ancestor codes for indexed roll-ups."""

from sqlmodel import Field, SQLModel


class Region(SQLModel, table=True):
    """A provinsi, kabupaten/kota, kecamatan or desa/kelurahan, keyed by its Kemendagri code."""

    code: str = Field(primary_key=True, max_length=10)
    level: str = Field(max_length=10, index=True)
    name: str = Field(max_length=200)
    parent_code: str | None = Field(default=None, foreign_key="region.code", index=True)


class Tps(SQLModel, table=True):
    """A polling station. Ancestor codes are stored so "all TPS under X" is one index lookup."""

    code: str = Field(primary_key=True, max_length=13, min_length=13)
    number: int
    desa_code: str = Field(foreign_key="region.code", index=True, max_length=10)
    kecamatan_code: str = Field(index=True, max_length=6)
    kabupaten_code: str = Field(index=True, max_length=4)
    provinsi_code: str = Field(index=True, max_length=2)
    dpt: int | None = None
