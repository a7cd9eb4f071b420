"""Golden tests on the real 2024 photos and bubble crops (tests/ocr/fixtures/real/SOURCE.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr.bubbles import read_bubble_sheet
from ocr.pipeline import combine_pages, read_page
from ocr.reading import PageReading
from ocr.templates import load_form
from tests.ocr.pages import draw_page, photograph

REAL = Path(__file__).parent / "fixtures" / "real"
HAL2 = REAL / "ppwp-2024-hal2-photo-a.jpg"
HAL3 = REAL / "ppwp-2024-hal3-photo-a.jpg"
CLASSES = "0123456789X_"


@pytest.fixture(scope="module")
def page2() -> PageReading:
    return read_page(HAL2.read_bytes())


@pytest.mark.parametrize(
    ("sheet", "expected"),
    [
        ("6208022004_1-bubbleSheet1", "123"),
        ("6208022004_1-bubbleSheet2", "274"),
        ("6208022004_1-bubbleSheet3", "-32"),  # hundreds left empty: 032
        ("6472061004_21-bubbleSheet1", "075"),
        ("6472061004_21-bubbleSheet2", "072"),
        ("6472061004_21-bubbleSheet3", "060"),
    ],
)
def test_real_bubble_crops_read_their_values(sheet: str, expected: str) -> None:
    gray = cv2.imread(str(REAL / "bubbles" / f"static_2024_transformed_{sheet}.webp"), 0)
    columns = read_bubble_sheet(gray)
    text = "".join("-" if int(c.argmax()) == 10 else str(int(c.argmax())) for c in columns)
    assert text == expected
    assert min(float(c.max()) for c in columns) > 0.8


def test_real_page_2_reads_123_274_32(page2: PageReading) -> None:
    assert (page2.status, page2.form, page2.page) == ("read", "ppwp-plano-2024", 2)
    assert page2.registration["tag_id"] == 102
    assert page2.reason is None and all(f.confidence >= 0.8 for f in page2.fields.values())
    assert page2.values() == {"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": 32}
    assert [f.bubbles for f in page2.fields.values()] == ["123", "274", "-32"]
    # Every field keeps where it was read: three crop boxes on the rectified page.
    assert all(len(f.boxes) == 3 for f in page2.fields.values())
    assert page2.rectified is not None and page2.rectified.shape == (2552, 1701)


def test_real_page_2_said_to_be_page_3_is_the_wrong_page() -> None:
    reading = read_page(HAL2.read_bytes(), form="ppwp-plano-2024", page=3)
    assert (reading.status, reading.page) == ("wrong_page", 2)
    assert reading.reason is not None and "page 2" in reading.reason


def test_the_hal3_photo_is_a_blank_page_1_and_is_identified_as_such() -> None:
    # The shared fixture named "hal3" shows page 1 (tag 101) on a screen, not page 3: say so.
    reading = read_page(HAL3.read_bytes(), form="ppwp-plano-2024", page=3)
    assert (reading.status, reading.form, reading.page) == ("wrong_page", "ppwp-plano-2024", 1)
    as_page_1 = read_page(HAL3.read_bytes())
    assert len(as_page_1.fields) == 22
    # Nothing is written on it: every value is unread, so the page is not "read".
    assert (as_page_1.status, as_page_1.page) == ("needs_review", 1)
    assert as_page_1.reason is not None and "22 not filled" in as_page_1.reason


class ScriptedDigits:
    """A digit model that reads the boxes of each field as scripted, in template order."""

    def __init__(self, script: Sequence[str]) -> None:
        self.classes = [CLASSES.index(ch) for ch in "".join(script)]

    def classify(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        probs = np.full((len(crops), 12), 1e-5)  # clear boxes
        probs[np.arange(len(crops)), self.classes[: len(crops)]] = 1.0
        return probs / probs.sum(axis=1, keepdims=True)


def test_pages_read_together_flag_the_real_cross_page_breach(page2: PageReading) -> None:
    # Page 3 of the same form (427, "_ _ 3", 430), drawn and photographed: the shared folder has
    # no real photo of it. Its boxes are read by a scripted model; page 2 is the real photo.
    page3_photo, _ = photograph(draw_page(load_form("ppwp-plano-2024").page_template(3)))
    page3 = read_page(page3_photo, model=ScriptedDigits(["427", "__3", "430"]))
    assert page3.values() == {"suara_sah": 427, "suara_tidak_sah": 3, "suara_total": 430}
    together = {r.page: r for r in combine_pages([page2, page3])}
    paslon = next(c for c in together[3].checks if c.code == "PASLON_SUM")
    assert (paslon.status, paslon.lhs_total, paslon.rhs_value) == ("violated", 429, 427)
    assert paslon.cross_page and paslon.changed == []
    assert together[2].values() == page2.values()  # the clear boxes are not "fixed"
    valid = next(c for c in together[3].checks if c.code == "VALID_INVALID_SUM")
    assert valid.status == "satisfied"


@pytest.mark.parametrize("orientation", [3, 6])
def test_real_page_2_reads_the_same_whatever_the_exif_orientation(orientation: int) -> None:
    from io import BytesIO

    from PIL import Image

    upright = Image.open(HAL2)
    undo = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90}[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation  # viewers rotate the stored pixels back upright
    buf = BytesIO()
    upright.transpose(undo).save(buf, format="JPEG", quality=92, exif=exif)
    reading = read_page(buf.getvalue())
    assert reading.values() == {"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": 32}


def test_kpus_blank_page_2_image_registers_on_all_markers_and_reads_nothing_confidently() -> None:
    reading = read_page((REAL / "contoh-form-c1-hal2.jpeg").read_bytes())
    assert (reading.status, reading.page) == ("needs_review", 2)
    assert reading.registration["method"] == "tag+markers"
    assert len(reading.registration["markers"]) == 4
    assert reading.registration["rms_error_px"] < 2.0
    # Empty boxes (with the form's dotted guides) are never read as a confident number.
    assert all(f.value is None or f.confidence < 0.5 for f in reading.fields.values())


@pytest.mark.parametrize(
    ("scale", "quality", "angle"), [(1.0, 90, 0), (0.6, 60, 0), (0.9, 85, -12)]
)
def test_real_page_2_survives_rescaling_recompression_and_rotation(
    scale: float, quality: int, angle: float
) -> None:
    photo = cv2.imread(str(HAL2))
    h, w = photo.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    size = (int(w * scale), int(h * scale)) if angle == 0 else (w, h)
    if angle == 0:
        photo = cv2.resize(photo, size, interpolation=cv2.INTER_AREA)
    else:
        photo = cv2.warpAffine(photo, turn, size, borderValue=(30, 30, 30))
    data = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()
    reading = read_page(data)
    assert reading.values() == {"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": 32}


def test_the_printed_guide_dots_do_not_outvote_empty_bubbles(page2: PageReading) -> None:
    # KPU's blank page 2: the digit model reads the dotted 7-segment guides of empty boxes as
    # digits ("0_4", "978") while no bubble is blackened. Where the boxes hold only the guide
    # dots, the bubbles' "empty" stands: not filled, at or above the line. A written digit is
    # a stroke, never taken for guides (every box of the real page 2).
    from ocr.cells import crop_boxes, guides_only

    reading = read_page((REAL / "contoh-form-c1-hal2.jpeg").read_bytes())
    unfilled = [f for f in reading.fields.values() if f.value is None and f.confidence >= 0.8]
    assert len(unfilled) >= 2 and all(f.bubbles == "---" for f in unfilled)
    assert any(ch.isdigit() for f in unfilled for ch in f.digits)  # the guides read as digits
    assert page2.rectified is not None
    crops = crop_boxes(page2.rectified, load_form("ppwp-plano-2024").page_template(2))
    assert not any(guides_only(c.image) for c in crops)


def _strong_tilt(photo: np.ndarray) -> np.ndarray:
    """The camera leaning back about 40°: the top edge 45% narrower and 15% lower."""
    h, w = photo.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[0.225 * w, 0.15 * h], [0.775 * w, 0.15 * h], [w, h], [0, h]])
    turn = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(photo, turn, (w, h), borderValue=(40, 40, 40))


def _bottom_markers_covered(photo: np.ndarray) -> np.ndarray:
    """Both bottom corner markers under a thumb (skin colour), found where the markers and
    the tag of the photo as taken put them."""
    from ocr.decode import decode_image
    from ocr.identify import identify_page
    from ocr.rectify import register_page

    encoded = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()
    gray = decode_image(encoded).gray
    found = identify_page(gray, form=None, page=None)
    to_photo = np.linalg.inv(
        register_page(gray, found.page, found.tag, refine=False).image_to_template
    )
    scale = max(photo.shape[:2]) / max(gray.shape)
    covered = photo.copy()
    radius = int(0.045 * max(photo.shape[:2]))
    for marker in found.page.markers:
        if marker.name.startswith("bottom"):
            x, y = cv2.perspectiveTransform(np.float64([[marker.center]]), to_photo)[0, 0] * scale
            cv2.ellipse(covered, (int(x), int(y)), (radius, int(radius * 1.4)), 30, 0, 360,
                        (120, 150, 205), -1)  # fmt: skip
    return covered


@pytest.mark.parametrize("degrade", [_strong_tilt, _bottom_markers_covered])
def test_real_page_2_at_a_strong_tilt_or_with_its_bottom_markers_covered_reads_123_274_32(
    degrade: Callable[[np.ndarray], np.ndarray],
) -> None:
    # The markers found are wrong or missing (the thumb, or the tilt's far corners): the tag's
    # corners and the frames of the top field start the fit, field by field (3 box points are
    # enough to refit), and a slanted row's boxes are placed together, not each on a false
    # frame (a section rule above and a written "2"'s base stroke).
    photo = degrade(cv2.imread(str(HAL2)))
    data = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()
    reading = read_page(data)
    assert reading.registration["fields_placed"] == 1.0
    assert reading.status == "read"
    assert reading.values() == {"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": 32}


@pytest.mark.parametrize("degrade", ["rotated 8°", "strong tilt"])
def test_kpus_blank_page_2_turned_or_tilted_is_placed_on_its_frames(degrade: str) -> None:
    photo = cv2.imread(str(REAL / "contoh-form-c1-hal2.jpeg"))
    if degrade == "strong tilt":
        photo = _strong_tilt(photo)
    else:
        h, w = photo.shape[:2]
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), 8, 1.0)
        photo = cv2.warpAffine(photo, turn, (w, h), borderValue=(40, 40, 40))
    reading = read_page(cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes())
    assert reading.registration["fields_placed"] == 1.0
    for field in reading.fields.values():
        assert "box without its frame lines" not in field.limited_by
        assert field.value is None and field.confidence >= 0.8  # blank: not filled
