"""Contests (one race in one region) and their candidate pairs (paslon)."""

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Contest(SQLModel, table=True):
    """A race: `pkwkp-16` governor of Sumatera Selatan, `pkwkk-1671` mayor of Palembang."""

    id: str = Field(primary_key=True, max_length=20)
    code: str = Field(max_length=10)  # Sirekap contest code: pkwkp, pkwkk, ppwp
    kind: str = Field(max_length=10)  # gubernur, bupati, walikota, presiden
    region_code: str = Field(max_length=10, index=True)  # "0" for the whole nation
    name: str = Field(max_length=200)


class Paslon(SQLModel, table=True):
    """A candidate pair in a contest, by ballot number (nomor urut)."""

    __table_args__ = (UniqueConstraint("contest_id", "nomor_urut"),)

    id: int | None = Field(default=None, primary_key=True)
    contest_id: str = Field(foreign_key="contest.id", index=True)
    nomor_urut: int
    nama: str = Field(max_length=300)
    sirekap_id: str | None = Field(default=None, max_length=20, index=True)
