"""Read the real 2024 photos and degraded copies of them; score every field against the line.

    OMP_NUM_THREADS=1 .venv/bin/python bench/ocr_real.py [--line 0.8] [--verbose]

The photos and what they show come from tests/ocr/fixtures/real/SOURCE.md (copied unchanged from
the shared forms folder): page 2 reads 123 / 274 / 32; the "hal3" photo is a blank page 1 (no
handwriting: every field not filled); KPU's sample page 2 is blank. Each photo is read as it is
and after each of 17 degradations (deterministic: the noise has a fixed seed): the 12 of the
first report (rotation, tilt, downscale, JPEG, blur, shadow, cut, moiré) and five more (a thumb
over one corner marker, two markers covered, the page partly off the frame, a strong tilt of
about 40°, low light). A field is *right* when its
value is the expected one at or above the acceptance line, *wrong at/above the line* when another
value (or "not filled" where a number is written, or a number where nothing is) claims that
confidence (a silent error), and *review* when its confidence is below the line. Prints a
markdown table for docs/benchmarks.md.

    OMP_NUM_THREADS=1 .venv/bin/python bench/ocr_real.py --blur 2,2.5,3,3.5,4,4.5,5 [-v]

reads the three photos under Gaussian blurs of those σ only (px at a 2000 px long side, as
"blur σ 2" and "blur σ 4" above), with the blur the page tag measures (template px) and whether
the reader deconvolved the photo (`ocr.blur`), one row per σ.
"""

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from ocr.decode import decode_image
from ocr.identify import identify_page
from ocr.pipeline import _default_model, read_page
from ocr.reading import PageReading
from ocr.rectify import register_page

REAL = Path(__file__).resolve().parents[1] / "tests" / "ocr" / "fixtures" / "real"
Image = npt.NDArray[np.uint8]
PAGE1_FIELDS = [
    f"{kind}_{g}"
    for kind in ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_dpk", "pengguna_total")
    for g in "lpj"
]
PAGE1_BLANK = dict.fromkeys(
    [*PAGE1_FIELDS, "surat_diterima", "surat_digunakan", "surat_rusak", "surat_tidak_digunakan"]
    + ["disabilitas_l", "disabilitas_p", "disabilitas_j"]
)
PAGE2_BLANK = dict.fromkeys(["suara_paslon_1", "suara_paslon_2", "suara_paslon_3"])
# (file, expected values): SOURCE.md's description of each photo.
PHOTOS: list[tuple[str, dict[str, int | None]]] = [
    ("ppwp-2024-hal2-photo-a.jpg", {"suara_paslon_1": 123, "suara_paslon_2": 274,
                                    "suara_paslon_3": 32}),
    ("ppwp-2024-hal3-photo-a.jpg", PAGE1_BLANK),
    ("contoh-form-c1-hal2.jpeg", PAGE2_BLANK),
]  # fmt: skip


def _rotate(degrees: float) -> Callable[[Image], Image]:
    def apply(img: Image) -> Image:
        h, w = img.shape[:2]
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        return np.asarray(cv2.warpAffine(img, turn, (w, h), borderValue=(40, 40, 40)), np.uint8)

    return apply


def _tilt(img: Image) -> Image:
    """The camera leaning back: the top edge 20% narrower and 8% lower."""
    h, w = img.shape[:2]
    src = np.asarray([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = np.asarray([[0.1 * w, 0.08 * h], [0.9 * w, 0.08 * h], [w, h], [0, h]], np.float32)
    warp = cv2.getPerspectiveTransform(src, dst)
    return np.asarray(cv2.warpPerspective(img, warp, (w, h), borderValue=(40, 40, 40)), np.uint8)


def _downscale(long_side: int) -> Callable[[Image], Image]:
    def apply(img: Image) -> Image:
        scale = long_side / max(img.shape[:2])
        size = (round(img.shape[1] * scale), round(img.shape[0] * scale))
        return np.asarray(cv2.resize(img, size, interpolation=cv2.INTER_AREA), np.uint8)

    return apply


def _blur(sigma: float) -> Callable[[Image], Image]:
    """Gaussian blur, sigma in px of the photo at 2000 px long side (the reader's working size)."""

    def apply(img: Image) -> Image:
        s = sigma * max(img.shape[:2]) / 2000
        return np.asarray(cv2.GaussianBlur(img, (0, 0), s), np.uint8)

    return apply


def _shadow(img: Image) -> Image:
    """A soft shadow (a hand or the phone) over the left 55%, down to 40% of the light."""
    h, w = img.shape[:2]
    x = np.arange(w, dtype=np.float32) / w
    light = 0.4 + 0.6 / (1 + np.exp(-(x - 0.55) * 30))
    return np.asarray(np.clip(img * light[None, :, None], 0, 255), np.uint8)


def _cut(img: Image) -> Image:
    """3% cut off the bottom edge."""
    return np.ascontiguousarray(img[: int(img.shape[0] * 0.97)])


def _moire(img: Image) -> Image:
    """Screen moiré: two close diagonal gratings (a beat pattern) at ±12% of the light."""
    h, w = img.shape[:2]
    scale = max(h, w) / 2000
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / scale
    wave = np.sin(2 * np.pi * (xx * 0.97 + yy * 0.26) / 5.0) * np.sin(
        2 * np.pi * (xx * 0.94 + yy * 0.34) / 5.3
    )
    return np.asarray(np.clip(img * (1 + 0.12 * wave)[..., None], 0, 255), np.uint8)


def _jpeg(img: Image) -> Image:
    return img  # the quality is applied when encoding (see `encode`)


def _strong_tilt(img: Image) -> Image:
    """The camera leaning back about 40°: the top edge 45% narrower and 15% lower."""
    h, w = img.shape[:2]
    src = np.asarray([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = np.asarray([[0.225 * w, 0.15 * h], [0.775 * w, 0.15 * h], [w, h], [0, h]], np.float32)
    warp = cv2.getPerspectiveTransform(src, dst)
    return np.asarray(cv2.warpPerspective(img, warp, (w, h), borderValue=(40, 40, 40)), np.uint8)


def _low_light(img: Image) -> Image:
    """A dim room: a third of the light, sensor noise σ 6 (fixed seed)."""
    noise = np.random.default_rng(7).normal(0.0, 6.0, img.shape)
    return np.asarray(np.clip(img * 0.33 + noise, 0, 255), np.uint8)


def _left_off(img: Image) -> Image:
    """The page partly off the frame: the photo's left 20% cut away (on these photos: the
    page's left edge and both left corner markers)."""
    return np.ascontiguousarray(img[:, int(img.shape[1] * 0.2) :])


def _cover(corners: tuple[str, ...], colour: tuple[int, int, int]) -> Callable[[Image], Image]:
    """A thumb (skin colour, soft edge) over the page's corner markers named, located on the
    photo as taken (`MARKERS`)."""

    def apply(img: Image) -> Image:
        out = img.astype(np.float32)
        mask = np.zeros(img.shape[:2], np.float32)
        spots = MARKERS.get(id(img), {})
        radius = int(0.045 * max(img.shape[:2]))
        for name in corners:
            if name in spots:
                x, y = spots[name]
                cv2.ellipse(
                    mask, (int(x), int(y)), (radius, int(radius * 1.4)), 30, 0, 360, 1.0, -1
                )
        mask = cv2.GaussianBlur(mask, (0, 0), radius / 8)[..., None]
        out = out * (1 - mask) + np.asarray(colour, np.float32) * mask
        return np.asarray(np.clip(out, 0, 255), np.uint8)

    return apply


# Where each photo's corner markers are (photo px), from its reading as taken; filled in main().
MARKERS: dict[int, dict[str, tuple[float, float]]] = {}


DEGRADATIONS: dict[str, Callable[[Image], Image]] = {
    "as taken": lambda img: img,
    "rotated 3°": _rotate(3),
    "rotated 8°": _rotate(8),
    "rotated 15°": _rotate(15),
    "perspective tilt": _tilt,
    "downscaled to 1600 px": _downscale(1600),
    "downscaled to 1000 px": _downscale(1000),
    "JPEG quality 30": _jpeg,
    "blur σ 2": _blur(2),
    "blur σ 4": _blur(4),
    "uneven shadow": _shadow,
    "3% cut off the bottom": _cut,
    "screen moiré": _moire,
    "thumb over a marker": _cover(("top_left",), (120, 150, 205)),
    "two markers covered": _cover(("bottom_left", "bottom_right"), (120, 150, 205)),
    "page partly off the frame": _left_off,
    "strong tilt (~40°)": _strong_tilt,
    "low light": _low_light,
}


def encode(name: str, img: Image) -> bytes:
    """JPEG bytes (quality 30 for that degradation, 92 otherwise)."""
    quality = 30 if name == "JPEG quality 30" else 92
    return bytes(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes())


@dataclass
class Tally:
    """Fields of one degradation over every photo."""

    right: int = 0
    wrong_sure: int = 0
    review: int = 0
    statuses: list[str] = field(default_factory=list)

    @property
    def fields(self) -> int:
        """Fields scored."""
        return self.right + self.wrong_sure + self.review

    def cells(self) -> str:
        """The table's fields | right | wrong | review cells."""
        return f"{self.fields} | {self.right} | {self.wrong_sure} | {self.review}"

    def add(self, other: "Tally") -> None:
        """Count another tally's fields in this one."""
        self.right += other.right
        self.wrong_sure += other.wrong_sure
        self.review += other.review


def score(data: bytes, expected: dict[str, int | None], line: float, tally: Tally) -> str:
    """Read one photo, add its fields to `tally`; returns a one-line summary."""
    return _tally(read_page(data, model=_default_model()), expected, line, tally)


def _tally(reading: PageReading, expected: dict[str, int | None], line: float, tally: Tally) -> str:
    """Add one reading's fields to `tally`; returns a one-line summary."""
    tally.statuses.append(reading.status)
    wrong = []
    for name, want in expected.items():
        got = reading.fields.get(name)
        value, conf = (got.value, got.confidence) if got is not None else (None, 0.0)
        if conf < line:
            tally.review += 1
        elif value == want:
            tally.right += 1
        else:
            tally.wrong_sure += 1
            wrong.append(f"{name}={value}@{conf:.2f}")
    method = reading.registration.get("method", "-")
    rms = reading.registration.get("rms_error_px", "-")
    return f"{reading.status} {method} rms={rms} wrong: {' '.join(wrong) or '-'}"


def _marker_spots(img: Image) -> dict[str, tuple[float, float]]:
    """The photo's corner markers (photo px): the template's marker centres through the
    homography of the markers and tag found on the photo as taken (the evidence alone: a refit
    to the printed frames follows the fields, and a page that is not flat can leave its corners
    hundreds of px off it; the real page 2's top-left marker was put 370 px off)."""
    reading = read_page(encode("as taken", img), model=_default_model())
    decoded = decode_image(encode("as taken", img))
    found = identify_page(decoded.gray, form=reading.form, page=reading.page)
    registration = register_page(decoded.gray, found.page, found.tag, refine=False)
    to_photo = np.linalg.inv(registration.image_to_template)
    scale = max(img.shape[:2]) / max(decoded.gray.shape)
    spots = {}
    for marker in found.page.markers:
        pt = cv2.perspectiveTransform(np.float64([[marker.center]]), to_photo)[0, 0] * scale
        spots[marker.name] = (float(pt[0]), float(pt[1]))
    return spots


def _load(path: Path) -> Image:
    img = cv2.imread(str(path))
    if img is None:
        raise SystemExit(f"cannot read {path}")
    return np.asarray(img, np.uint8)


def blur_sweep(sigmas: list[float], line: float, verbose: bool) -> None:
    """The three photos under each Gaussian blur: one table row per σ."""
    photos = [(name, _load(REAL / name), want) for name, want in PHOTOS]
    print(f"acceptance line {line}\n")
    print("| blur σ (px at 2000) | fields | right | wrong at/above the line | review "
          "| page statuses | tag blur (template px), deblurred |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    total = Tally()
    for sigma in sigmas:
        tally, measured = Tally(), []
        for name, img, want in photos:
            reading = read_page(encode("blur", _blur(sigma)(img)), model=_default_model())
            line_text = _tally(reading, want, line, tally)
            blur = reading.registration.get("blur_px")
            deblurred = "yes" if reading.registration.get("deblurred") else "no"
            measured.append("-" if blur is None else f"{blur} {deblurred}")
            if verbose:
                print(f"<!-- σ {sigma} {name}: {line_text} -->")
        statuses, blurs = ", ".join(tally.statuses), ", ".join(measured)
        print(f"| {sigma:g} | {tally.cells()} | {statuses} | {blurs} |")
        total.add(tally)
    print(f"| **all** | {total.cells()} | | |")


def main() -> None:
    """Every photo under every degradation; the per-degradation table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--line", type=float, default=0.8, help="the acceptance line")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--blur", help="only a sweep of Gaussian blurs, e.g. 2,3,4 (px)")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if args.blur:
        blur_sweep([float(x) for x in args.blur.split(",")], args.line, args.verbose)
        return
    photos = [(name, _load(REAL / name), want) for name, want in PHOTOS]
    for _, img, _ in photos:
        MARKERS[id(img)] = _marker_spots(img)
    print(f"acceptance line {args.line}\n")
    print("| degradation | fields | right | wrong at/above the line | review | page statuses |")
    print("|---|---|---|---|---|---|")
    total = Tally()
    for label, degrade in DEGRADATIONS.items():
        tally = Tally()
        for name, img, want in photos:
            line = score(encode(label, degrade(img)), want, args.line, tally)
            if args.verbose:
                print(f"<!-- {label} {name}: {line} -->")
        print(f"| {label} | {tally.cells()} | {', '.join(tally.statuses)} |")
        total.add(tally)
    print(f"| **all** | {total.cells()} | |")


if __name__ == "__main__":
    main()
