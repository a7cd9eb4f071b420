"""Fixtures for photo intake: a small region tree, contests, signed-in users, image makers."""

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, func, select

from app.api.routes.photos import get_enqueuer
from app.config import Settings
from app.models import OcrJob, Photo
from tests.factories import add_contest, add_regions, add_tps, add_user, bearer_headers

KAB = "1671"
KEC_A, KEC_B = "167101", "167102"
TPS_A, TPS_B, TPS_C = "1671011001001", "1671011001002", "1671021001001"
TPS_OTHER_KAB = "1672011001001"
GUB = "pkwkp-16"
WALKOT = "pkwkk-1671"
PRESIDEN = "ppwp-0"


def seed_regions(session: Session) -> None:
    """Provinsi 16 → kota 1671 (two kecamatan) and 1672; TPS A, B, C and one in 1672."""
    tps = (TPS_A, TPS_B, TPS_C, TPS_OTHER_KAB)
    add_regions(session, tps, names={KAB: f"KAB {KAB}"})
    add_tps(session, tps, dpt=300)
    add_contest(session, GUB, kind="gubernur", region_code="16", paslon=3)
    add_contest(session, WALKOT, kind="walikota", region_code=KAB, paslon=2)
    add_contest(session, PRESIDEN, kind="presiden", region_code="0", paslon=3)


@dataclass
class PhotoEnv:
    """The client with headers of a signed-in admin, and what was enqueued."""

    client: TestClient
    headers: dict[str, str]
    enqueued: list[int]
    settings: Settings
    session: Session

    def upload(
        self, tps: str, data: bytes, contest: str | None = GUB, page: str | None = None
    ) -> "object":
        """POST a photo the way a mobile app does."""
        form = {} if contest is None else {"contest_id": contest}
        if page is not None:
            form["page"] = page
        return self.client.post(
            f"/api/v1/tps/{tps}/photos",
            data=form,
            files={"file": ("c1.jpg", data, "image/jpeg")},
            headers=self.headers,
        )

    def stored_files(self) -> list[Path]:
        """Every file under the photo store and the upload staging directory."""
        roots = [self.settings.data_dir / "photos", self.settings.data_dir / "uploads"]
        return sorted(p for r in roots if r.exists() for p in r.rglob("*") if p.is_file())

    def counts(self) -> tuple[int, int]:
        """(photos, jobs) in the database."""
        photos = self.session.exec(select(func.count()).select_from(Photo)).one()
        jobs = self.session.exec(select(func.count()).select_from(OcrJob)).one()
        return int(photos), int(jobs)


@pytest.fixture
def photo_env(client: TestClient, session: Session, settings: Settings) -> Iterator[PhotoEnv]:
    """Seeded regions, an admin signed in, enqueue captured in a list."""
    seed_regions(session)
    add_user(session, "admin1", "admin")
    session.commit()
    enqueued: list[int] = []
    client.app.dependency_overrides[get_enqueuer] = lambda: enqueued.append  # type: ignore[attr-defined]
    headers = bearer_headers(client, "admin1")
    yield PhotoEnv(client, headers, enqueued, settings, session)


def make_jpeg(
    seed: int = 1, size: tuple[int, int] = (320, 240), quality: int = 90, **kw: object
) -> bytes:
    """A JPEG of smooth random shapes (distinct per seed, stable under re-encoding)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, size=(6, 8, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, **kw)  # type: ignore[arg-type]
    return out.getvalue()


def png_bytes(size: tuple[int, int], mode: str = "RGB") -> bytes:
    """A PNG of one colour."""
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


JpegMaker = Callable[..., bytes]
