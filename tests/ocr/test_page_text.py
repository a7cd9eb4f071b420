"""Without a readable tag, the printed 'Halaman n dari 3' and title help identify the page."""

from __future__ import annotations

import logging

import cv2
import numpy as np
import pytest

import ocr.identify
import ocr.readers
from ocr.errors import EngineUnavailable
from ocr.forms.render import render_page
from ocr.locate import detect_tags
from ocr.page_text import PageText, parse_page_text, read_page_text
from ocr.pipeline import read_page
from ocr.templates import load_form
from tests.ocr.pages import draw_page, photograph
from tests.ocr.test_pipeline import Always

KWK = load_form("kwk-plano-2024-p2")
PPWP = load_form("ppwp-plano-2024")


@pytest.mark.parametrize(
    ("text", "page", "family"),
    [
        ("PEMILIHAN BUPATI DAN WAKIL BUPATI\nHalaman 2 dari 3", 2, "kwk"),
        ("PRESIDEN DAN WAKIL PRESIDEN ... HALAMAN 1 DARI 3", 1, "ppwp"),
        ("Hala man 3 dari 3\nPEMILIHAN GUBERNUR", 3, "kwk"),
        ("halaman: l dari 3 WALI KOTA", 1, "kwk"),
        ("Halarnan 2 dari 3", None, None),  # too noisy to trust
        ("Halaman 4 dari 3", None, None),  # no such page
        ("halaman1.psd", None, None),  # a file name, not the printed line
        ("Halaman 2 dari 5 PRESIDEN BUPATI", None, None),  # not our form; both families
    ],
)
def test_the_page_line_and_title_are_parsed_through_ocr_noise(
    text: str, page: int | None, family: str | None
) -> None:
    parsed = parse_page_text(text)
    assert (parsed.page, parsed.family) == (page, family)


def kwk_photo(page: int) -> np.ndarray:
    """A rendered KWK page with its AprilTag painted over (white), photographed."""
    img = render_page(KWK, page, dpi=KWK.dpi, contest_name="PEMILIHAN BUPATI DAN WAKIL BUPATI")
    corners = np.int32(KWK.page_template(page).tag.corners)
    x, y, w, h = cv2.boundingRect(corners)
    cv2.rectangle(img, (x - 6, y - 6), (x + w + 6, y + h + 6), 255, -1)
    photo, _ = photograph(img, rotate=2.0, tilt=0.02)
    assert not detect_tags(photo, (KWK.page_template(page).tag.id,))
    return photo


def test_a_rendered_page_without_its_tag_is_identified_with_its_printed_text() -> None:
    reading = read_page(kwk_photo(2), form=KWK.form, model=Always(11))
    assert (reading.status, reading.form, reading.page) == ("needs_review", KWK.form, 2)
    assert reading.registration["identified_by"] in ("text", "frames+text")
    assert "2" in reading.registration["page_text"]


def test_when_the_frames_cannot_tell_the_pages_apart_the_text_decides(monkeypatch) -> None:
    # Every page's frames equally clear: without the printed text there is no answer.
    monkeypatch.setattr(ocr.identify, "frame_match", lambda rectified, page: 2.5)
    forms = {KWK.form: KWK}
    reading = read_page(kwk_photo(3), model=Always(11), forms=forms)
    assert (reading.status, reading.page) == ("needs_review", 3)
    assert reading.registration["identified_by"] == "text"
    said_1 = read_page(kwk_photo(3), page=1, model=Always(11), forms=forms)
    assert (said_1.status, said_1.page) == ("wrong_page", 3)
    monkeypatch.setattr(ocr.identify, "read_page_text", lambda band: PageText())
    assert read_page(kwk_photo(3), model=Always(11), forms=forms).status == "not_cform"


def test_text_that_contradicts_clear_frames_is_not_a_page(monkeypatch) -> None:
    photo, _ = photograph(draw_page(PPWP.page_template(1), hide_tag=True), rotate=2.0, tilt=0.02)
    said = PageText(page=3, family="ppwp", line="Halaman 3 dari 3")
    monkeypatch.setattr(ocr.identify, "read_page_text", lambda band: said)
    reading = read_page(photo, model=Always(11))
    assert reading.status == "not_cform" and "Halaman 3 dari 3" in str(reading.reason)


def test_without_tesseract_the_text_is_skipped_with_a_logged_reason(monkeypatch, caplog) -> None:
    def missing(image: np.ndarray, *, psm: int = 6) -> str:
        raise EngineUnavailable("the tesseract binary is not installed")

    monkeypatch.setattr(ocr.readers, "read_printed_text", missing)
    with caplog.at_level(logging.WARNING, logger="ocr.page_text"):
        assert read_page_text(np.full((100, 400), 255, np.uint8)) == PageText()
        photo, _ = photograph(draw_page(PPWP.page_template(1), hide_tag=True), rotate=2.0)
        reading = read_page(photo, model=Always(11))
    assert (reading.status, reading.page) == ("needs_review", 1)
    assert reading.registration["identified_by"] == "frames"
    assert "tesseract" in caplog.text
