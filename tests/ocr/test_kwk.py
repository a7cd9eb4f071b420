"""Our KWK plano family: templates validate, match the committed data, render where they say."""

import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr.forms.kwk import MAX_PASLON, kwk_form, kwk_form_id, kwk_tag_id, write_kwk_templates
from ocr.forms.render import fill_placeholders, render_form_pdf, render_page
from ocr.templates import TEMPLATE_DIR, load_form, load_form_file

DPI = 40.0  # small renders keep these tests fast; geometry scales exactly


@pytest.mark.parametrize("count", range(1, MAX_PASLON + 1))
def test_template_validates_and_has_the_domain_fields(count: int) -> None:
    form = load_form(kwk_form_id(count))
    names = [f.name for p in form.pages for f in p.fields]
    paslon = [f"suara_paslon_{n}" for n in range(1, count + 1)]
    assert [p.tag.id for p in form.pages] == [
        100 + 10 * count + 1,
        100 + 10 * count + 2,
        100 + 10 * count + 3,
    ]
    assert [f.name for f in form.pages[1].fields] == paslon
    assert [f.name for f in form.pages[2].fields] == ["suara_sah", "suara_tidak_sah", "suara_total"]
    assert len(names) == 22 + count + 3
    assert all(f.bubbles is not None for p in form.pages[1:] for f in p.fields)
    assert all(f.bubbles is None for f in form.pages[0].fields)
    assert form.sums[0].lhs == paslon and form.sums[0].rhs == "suara_sah"
    assert all(len(p.markers) == 4 for p in form.pages)


def test_committed_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    for path in write_kwk_templates(tmp_path):
        committed = TEMPLATE_DIR / path.name
        assert json.loads(committed.read_text()) == json.loads(path.read_text()), path.name
        assert load_form_file(committed) == kwk_form(int(path.stem[-1]))


def test_bad_counts_and_pages_are_refused() -> None:
    with pytest.raises(ValueError, match="1..6 paslon"):
        kwk_form(7)
    with pytest.raises(ValueError, match="pages 1..3"):
        kwk_tag_id(2, 4)


def test_placeholders_are_filled_and_missing_names_left_blank() -> None:
    text = fill_placeholders("{contest}: {paslon_1} / {paslon_2}", "Gubernur", ["A - B"])
    assert text == "Gubernur: A - B / "


def _detect_tags(img: np.ndarray) -> tuple[list[int], np.ndarray]:
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h10)
    corners, ids, _ = cv2.aruco.ArucoDetector(dictionary).detectMarkers(img)
    assert ids is not None
    return [int(i) for i in ids.ravel()], np.asarray(corners[0]).reshape(4, 2)


@pytest.mark.parametrize("page_number", [1, 2, 3])
def test_rendered_tag_is_detected_with_its_id_at_its_corners(page_number: int) -> None:
    form = kwk_form(4)
    page = form.page_template(page_number)
    img = render_page(form, page_number, dpi=DPI, contest_name="Bupati Muara Enim")
    ids, corners = _detect_tags(img)
    assert ids == [kwk_tag_id(4, page_number)]
    expected = np.asarray(page.tag.corners) * DPI / form.dpi
    assert np.abs(corners - expected).max() <= 2.0


def test_markers_are_where_the_template_says() -> None:
    form = kwk_form(2)
    page = form.page_template(2)
    img = render_page(form, 2, dpi=DPI)
    scale = DPI / form.dpi
    dark = (img < 128).astype(np.uint8)
    for marker in page.markers:
        pad = 10
        x0, y0 = int(marker.x * scale) - pad, int(marker.y * scale) - pad
        x1, y1 = int((marker.x + marker.w) * scale) + pad, int((marker.y + marker.h) * scale) + pad
        ys, xs = np.nonzero(dark[y0:y1, x0:x1])
        found = (xs.min() + x0, ys.min() + y0, xs.max() + x0 + 1, ys.max() + y0 + 1)
        want = (
            marker.x * scale,
            marker.y * scale,
            (marker.x + marker.w) * scale,
            (marker.y + marker.h) * scale,
        )
        assert np.abs(np.subtract(found, want)).max() <= 2.0, marker.name
        # step shape: top-left and bottom-right quadrants black, the other two white
        cx, cy = int((marker.x + marker.w / 2) * scale), int((marker.y + marker.h / 2) * scale)
        assert dark[cy - 3, cx - 3] and dark[cy + 3, cx + 3]
        assert not dark[cy - 3, cx + 3] and not dark[cy + 3, cx - 3]


def test_pdf_has_three_pages(tmp_path: Path) -> None:
    out = tmp_path / "form.pdf"
    count = render_form_pdf(kwk_form(3), "Gubernur Sumsel", ["A", "B", "C"], out, dpi=DPI)
    data = out.read_bytes()
    assert count == 3
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 3


def test_renderer_is_data_driven_it_draws_the_ppwp_template_too() -> None:
    form = load_form("ppwp-plano-2024")
    img = render_page(form, 2, dpi=DPI)
    ids, _ = _detect_tags(img)
    assert ids == [102]
