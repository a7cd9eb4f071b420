"""The demo's photos: KWK governor forms rendered, filled with held-out handwritten digits and
"photographed" by the simulator (ocr/forms, ocr/bench), plus the shared real PPWP page-2 photo.
Deterministic for a seed; rendered JPEGs are kept in a cache folder so a rebuilt demo skips the
rendering (the reading is the service's, every time)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ocr.bench.synth import DigitBank

from app.demo.generate import Values
from app.demo.sources import DATA_DIR

PHOTO_DIR = DATA_DIR.parent / "demo"
REAL_PHOTO = PHOTO_DIR / "ppwp-2024-hal2-photo-a.jpg"  # paslon 123, 274, 32 (page 2, tag 102)
DIGITS = PHOTO_DIR / "digits-heldout.npz"  # 20 held-out MNIST digits per class (NOTICE.md)
RENDER_DPI = 100.0
CONTEST_TITLE = "PEMILIHAN GUBERNUR DAN WAKIL GUBERNUR SUMATERA SELATAN"
# (TPS index among the chosen ones, page, kind): one TPS's three pages as a KPPS would send them,
# then harder shots (shadow, blur) of a second TPS, which the reader tends to send to review.
PLAN = ((0, 1, "normal"), (0, 2, "normal"), (0, 3, "normal"), (1, 2, "shadow"), (1, 3, "blur"))


@dataclass(frozen=True)
class DemoPhoto:
    """One photo to upload: where, as which contest and page, and its bytes."""

    tps_code: str
    contest_id: str
    page: int
    kind: str  # "real" or the simulator's kind
    jpeg: bytes


def _digit_bank() -> "DigitBank":
    from ocr.bench.synth import DigitBank

    with np.load(DIGITS) as data:
        images = data["images"].astype(np.float32) / 255.0
        return DigitBank(images, data["labels"].astype(np.int64))


def render_kwk_photo(
    values: Values, *, page: int, kind: str, seed: int, paslon_names: Sequence[str]
) -> bytes:
    """A governor form page (3 paslon) filled with `values` and photographed (JPEG bytes)."""
    from ocr.bench.photo_sim import photograph
    from ocr.bench.synth import fill_page
    from ocr.forms.kwk import kwk_form
    from ocr.forms.render import render_page

    rng = np.random.default_rng(seed)
    form = kwk_form(len(paslon_names))
    blank = render_page(
        form, page, dpi=RENDER_DPI, contest_name=CONTEST_TITLE, paslon_names=list(paslon_names)
    )
    bank = _digit_bank()
    flat, _ = fill_page(blank, form.page_template(page), RENDER_DPI / form.dpi, values, bank, rng)
    return photograph(flat, rng, kind).jpeg


def _cached(cache: Path | None, name: str, make: Callable[[], bytes]) -> bytes:
    path = cache / name if cache else None
    if path is not None and path.is_file():
        return path.read_bytes()
    data = make()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return data


def demo_photos(
    *,
    kwk: Sequence[tuple[str, Values]],
    contest_id: str,
    paslon_names: Sequence[str],
    real_tps: str,
    president: str,
    seed: int,
    count: int,
    cache: Path | None = None,
) -> list[DemoPhoto]:
    """The real PPWP photo first, then up to `count - 1` simulated KWK photos of PLAN."""
    photos = [DemoPhoto(real_tps, president, 2, "real", REAL_PHOTO.read_bytes())]
    for index, page, kind in PLAN[: max(0, count - 1)]:
        tps_code, values = kwk[index % len(kwk)]
        make = partial(
            render_kwk_photo,
            values,
            page=page,
            kind=kind,
            seed=seed + index * 10 + page,
            paslon_names=paslon_names,
        )
        jpeg = _cached(cache, f"{seed}-{tps_code}-{page}-{kind}.jpg", make)
        photos.append(DemoPhoto(tps_code, contest_id, page, kind, jpeg))
    return photos
