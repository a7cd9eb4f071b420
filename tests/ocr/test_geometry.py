"""Stage tests on pages drawn from the template and photographed with a known homography."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.bubbles import read_column
from ocr.cells import EDGE_MIN, crop_boxes, frame_edges
from ocr.decode import decode_image
from ocr.errors import MarkersNotFound, Unreadable
from ocr.locate import detect_tags
from ocr.outline import find_page_quad
from ocr.rectify import rectify_page, register_page
from ocr.templates import load_form
from tests.ocr.pages import draw_page, photograph, registration_error

FORM = load_form("ppwp-plano-2024")
PAGE2 = FORM.page_template(2)
BOX_CENTRES = [b.center for f in PAGE2.fields for b in f.boxes]
CORNERS = [(0, 0), (PAGE2.width, 0), (PAGE2.width, PAGE2.height), (0, PAGE2.height)]


@pytest.fixture(scope="module")
def page2_image() -> np.ndarray:
    return draw_page(PAGE2, bubbles={"suara_paslon_2": "274", "suara_paslon_3": "-32"})


@pytest.mark.parametrize("rotate", [8.0, -25.0, 180.0])
def test_tag_and_markers_register_within_two_px(page2_image: np.ndarray, rotate: float) -> None:
    photo, truth = photograph(page2_image, rotate=rotate)
    tags = detect_tags(photo, (101, 102, 103))
    assert [t.id for t in tags] == [102]
    registration = register_page(photo, PAGE2, tags[0])
    assert registration.method == "tag+markers"  # every field's frames where it puts them
    assert len(registration.markers_found) == 4 and registration.placed == 1.0
    assert registration_error(registration.image_to_template, truth, BOX_CENTRES) < 2.0
    assert registration_error(registration.image_to_template, truth, CORNERS) < 4.0


def test_two_spread_markers_and_the_tag_still_fix_a_homography() -> None:
    photo, truth = photograph(draw_page(PAGE2, hide_markers=("top_right", "bottom_left")))
    registration = register_page(photo, PAGE2, detect_tags(photo, (102,))[0])
    assert registration.method.startswith("tag+markers")
    assert set(registration.markers_found) == {"top_left", "bottom_right"}
    assert registration_error(registration.image_to_template, truth, BOX_CENTRES) < 3.0


HIDDEN = [("top_left", "bottom_right"), tuple(m.name for m in PAGE2.markers)]


@pytest.mark.parametrize("hidden", HIDDEN)
def test_few_markers_on_a_dark_table_use_the_page_outline(hidden: tuple[str, ...]) -> None:
    photo, truth = photograph(draw_page(PAGE2, hide_markers=hidden), rotate=-20.0, tilt=0.1)
    registration = register_page(photo, PAGE2, detect_tags(photo, (102,))[0])
    assert "outline" in registration.method and registration.placed == 1.0
    assert registration_error(registration.image_to_template, truth, BOX_CENTRES) < 2.0
    assert registration_error(registration.image_to_template, truth, CORNERS) < 6.0


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("tilt", [0.0, 0.15])
def test_with_few_markers_and_no_outline_the_frames_make_the_homography(
    hidden: tuple[str, ...], tilt: float
) -> None:
    # A white table (no outline) and one, two or no markers: the tag's corners only start the
    # search; the printed frames give a full homography, perspective included (no affine fit).
    drawn = draw_page(PAGE2, hide_markers=hidden)
    photo, truth = photograph(drawn, rotate=8.0, tilt=tilt, table=255)
    registration = register_page(photo, PAGE2, detect_tags(photo, (102,))[0])
    assert registration.method.endswith("+frames") and "affine" not in registration.method
    assert registration.placed == 1.0
    assert registration_error(registration.image_to_template, truth, BOX_CENTRES) < 3.5
    crops = crop_boxes(rectify_page(photo, registration, PAGE2), PAGE2)
    for crop, centre in zip(crops, BOX_CENTRES, strict=True):
        x, y, w, h = crop.rect
        found = np.float64([[[x + w / 2, y + h / 2]]])
        in_photo = cv2.perspectiveTransform(found, np.linalg.inv(registration.image_to_template))
        back = cv2.perspectiveTransform(in_photo, np.linalg.inv(truth))[0, 0]
        assert np.hypot(*(back - centre)) < 4.0


@pytest.mark.parametrize(
    ("hidden", "tilt", "rotate"),
    [(HIDDEN[1], 0.3, 0.0), (HIDDEN[1], 0.4, 15.0), (("bottom_left", "bottom_right"), 0.4, 0.0)],
)
def test_a_strong_tilt_is_registered_by_the_frames_field_by_field(
    hidden: tuple[str, ...], tilt: float, rotate: float
) -> None:
    # The top edge 30-40% narrower: from the tag (and the top markers) the far fields are out
    # of any frame search. The top field's 3 boxes found near the tag refit the homography,
    # which brings the next field within reach, and so on (the markers left may be wrong: the
    # tag and the top markers cannot check a far marker).
    photo, truth = photograph(draw_page(PAGE2, hide_markers=hidden), rotate=rotate, tilt=tilt,
                              table=255)  # fmt: skip
    registration = register_page(photo, PAGE2, detect_tags(photo, (102,))[0])
    assert registration.method.endswith("+frames") and registration.placed == 1.0
    assert registration_error(registration.image_to_template, truth, BOX_CENTRES) < 4.5


def test_a_tag_whose_page_shows_no_frames_is_not_registered() -> None:
    # Only the tag and a blank sheet: nothing places the far boxes, so no homography is guessed.
    blank = np.full((int(PAGE2.height), int(PAGE2.width)), 255, np.uint8)
    _draw_tag_only = draw_page(PAGE2, hide_markers=tuple(m.name for m in PAGE2.markers))
    tag_box = np.asarray(PAGE2.tag.corners)
    x0, y0 = (tag_box.min(axis=0) - 5).astype(int)
    x1, y1 = (tag_box.max(axis=0) + 5).astype(int)
    blank[y0:y1, x0:x1] = _draw_tag_only[y0:y1, x0:x1]
    photo, _ = photograph(blank, rotate=8.0, tilt=0.0, table=255)
    with pytest.raises(MarkersNotFound):
        register_page(photo, PAGE2, detect_tags(photo, (102,))[0])


def test_without_a_tag_the_markers_register_an_upright_photo() -> None:
    photo, truth = photograph(draw_page(PAGE2, hide_tag=True), rotate=3.0, tilt=0.03)
    assert detect_tags(photo, (101, 102, 103)) == []
    registration = register_page(photo, PAGE2, None)
    assert registration.method.startswith("markers") and registration.placed == 1.0
    assert registration_error(registration.image_to_template, truth, BOX_CENTRES) < 3.0


def test_without_tag_or_markers_the_page_outline_is_used() -> None:
    drawn = draw_page(PAGE2, hide_tag=True, hide_markers=tuple(m.name for m in PAGE2.markers))
    photo, truth = photograph(drawn, rotate=2.0, tilt=0.02)
    assert find_page_quad(photo) is not None
    registration = register_page(photo, PAGE2, None)
    assert registration.method.startswith("page_outline") and registration.placed == 1.0
    assert registration_error(registration.image_to_template, truth, BOX_CENTRES) < 3.0


def test_a_blank_photo_cannot_be_registered() -> None:
    with pytest.raises(MarkersNotFound):
        register_page(np.full((1200, 900), 128, np.uint8), PAGE2, None)


def test_boxes_are_cropped_inside_their_frames(page2_image: np.ndarray) -> None:
    photo, _ = photograph(page2_image, rotate=-12.0)
    registration = register_page(photo, PAGE2, detect_tags(photo, (102,))[0])
    crops = crop_boxes(rectify_page(photo, registration, PAGE2), PAGE2)
    assert len(crops) == 9
    for crop, box in zip(crops, [b for f in PAGE2.fields for b in f.boxes], strict=True):
        assert abs(crop.rect[0] - box.x) <= 5 and abs(crop.rect[1] - box.y) <= 5
        # An empty box's interior holds no frame: nothing dark in it.
        assert int(crop.image.min()) > 100


def test_a_box_bent_off_its_fields_line_is_found_by_its_own_frame_lines() -> None:
    # A sheet that is not flat: one box of a field printed 10 px below the other two.
    drawn = draw_page(PAGE2)
    box = PAGE2.fields[1].boxes[0]
    x, y, w, h = int(box.x), int(box.y), int(box.w), int(box.h)
    drawn[y - 5 : y + h + 5, x - 5 : x + w + 5] = 255
    cv2.rectangle(drawn, (x - 2, y + 8), (x + w + 1, y + h + 11), 0, 3)
    crops = crop_boxes(drawn, PAGE2)
    bent = crops[3]
    assert (bent.field, bent.index) == ("suara_paslon_2", 0)
    assert abs(bent.offset[1] - 10) <= 2 and bent.edges >= EDGE_MIN
    assert all(c.edges >= EDGE_MIN and abs(c.offset[1]) <= 2 for c in crops if c is not bent)
    assert frame_edges(drawn, box, (0, 10 + int(box.h))) < EDGE_MIN  # bare paper below it


def test_bubbles_read_by_fill(page2_image: np.ndarray) -> None:
    photo, _ = photograph(page2_image, rotate=5.0)
    registration = register_page(photo, PAGE2, detect_tags(photo, (102,))[0])
    rectified = rectify_page(photo, registration, PAGE2)
    got = {}
    for field in PAGE2.fields:
        assert field.bubbles is not None
        columns = [read_column(rectified, col, (0, 0)) for col in field.bubbles]
        got[field.name] = "".join(
            "-" if int(c.argmax()) == 10 else str(int(c.argmax())) for c in columns
        )
    assert got == {"suara_paslon_1": "---", "suara_paslon_2": "274", "suara_paslon_3": "-32"}


def test_decode_applies_exif_orientation_and_bounds_the_size() -> None:
    from io import BytesIO

    from PIL import Image

    img = Image.new("L", (3000, 1000), 255)
    img.paste(0, (0, 0, 100, 100))  # a black corner, top-left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    buf = BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    decoded = decode_image(buf.getvalue(), max_side=1500)
    assert decoded.gray.shape == (1500, 500)
    assert decoded.original_size == (1000, 3000)
    assert decoded.gray[:30, -30:].mean() < 60  # the corner is now top-right
    with pytest.raises(Unreadable):
        decode_image(b"not an image")
    with pytest.raises(Unreadable):
        decode_image(cv2.imencode(".png", np.zeros((50, 50), np.uint8))[1].tobytes())


def test_frame_lines_are_found_in_low_light() -> None:
    # A faint print (frames 77 levels under the paper) photographed in a dim room (12% of the
    # light): the frame lines are 9 levels under a paper at 31, yet as clear as ever relative to it.
    faint = 255 - (255 - draw_page(PAGE2).astype(np.float32)) * 0.3
    dim = np.asarray(np.round(faint * 0.12), np.uint8)
    box = PAGE2.fields[0].boxes[1]
    assert frame_edges(dim, box, (0, 0)) >= EDGE_MIN
    assert frame_edges(dim, box, (0, int(box.h) + 12)) < EDGE_MIN  # bare paper below it


def test_the_crop_reuses_the_registrations_frames_only_on_the_same_pixels() -> None:
    # The last registration round measured every box on the photo warped with the final
    # homography; the crop of the whole warped page repeats those searches. It takes them over
    # (same pixels there: the same offsets and frame ink), and measures anew on other pixels.
    from ocr.cells import fields_area

    photo, _ = photograph(draw_page(PAGE2, bubbles={"suara_paslon_1": "123"}), rotate=6.0)
    registration = register_page(photo, PAGE2, detect_tags(photo, (102,))[0])
    assert registration.frames is not None
    rectified = rectify_page(photo, registration, PAGE2)
    own = crop_boxes(rectified, PAGE2)
    reused = crop_boxes(rectified, PAGE2, registration.frames)
    assert [(c.offset, c.edges, c.frame_score) for c in reused] == [
        (c.offset, c.edges, c.frame_score) for c in own
    ]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(own, reused, strict=True))
    area = fields_area(PAGE2, 40)
    assert registration.frames.for_image(rectified, area) is not None
    other = rectified.copy()
    other[area[1] + 30, area[0] + 30] ^= 0xFF  # one pixel differs: nothing is taken over
    assert registration.frames.for_image(other, area) is None
