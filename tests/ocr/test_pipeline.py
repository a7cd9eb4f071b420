"""read_page end to end on drawn pages: failures are values, blanks are None, the JSON shape."""

from __future__ import annotations

import json
from collections.abc import Sequence

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from ocr.annotate import annotate_page
from ocr.pipeline import REGISTRATION_CAP, UNFRAMED_CAP, read_page, registration_limit
from ocr.reading import ACCEPT_LINE
from ocr.rectify import Registration
from ocr.templates import load_form
from tests.ocr.pages import draw_page, photograph

FORM = load_form("ppwp-plano-2024")


class Always:
    """A digit model that reads every box as one class (11 = blank)."""

    def __init__(self, label: int) -> None:
        self.label = label

    def classify(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        probs = np.full((len(crops), 12), 0.001)
        probs[:, self.label] = 1.0
        return probs / probs.sum(axis=1, keepdims=True)


def test_bad_images_are_failure_values_not_exceptions() -> None:
    assert read_page(b"\x00garbage").status == "unreadable"
    jpeg = cv2.imencode(".jpg", np.full((900, 600), 200, np.uint8))[1].tobytes()
    assert read_page(jpeg[: len(jpeg) // 3]).status in ("unreadable", "not_cform")
    png = bytearray(cv2.imencode(".png", np.full((900, 600), 200, np.uint8))[1].tobytes())
    png[40:60] = b"\xff" * 20  # a broken chunk
    assert read_page(bytes(png)).status == "unreadable"
    blank = cv2.imencode(".jpg", np.full((1600, 1200), 230, np.uint8))[1].tobytes()
    reading = read_page(blank, model=Always(11))
    assert reading.status == "not_cform" and reading.reason
    said = read_page(blank, form="ppwp-plano-2024", page=3, model=Always(11))
    assert said.status == "markers_not_found"


def test_a_blank_page_reads_not_filled_never_zero() -> None:
    photo, _ = photograph(draw_page(FORM.page_template(1)))
    reading = read_page(photo, model=Always(11))
    assert reading.status == "needs_review" and reading.page == 1  # nothing to accept
    assert set(reading.values().values()) == {None}
    assert all(c.status == "not_applicable" for c in reading.checks)


def test_a_page_without_tag_is_read_as_the_page_it_was_said_to_be() -> None:
    photo, _ = photograph(draw_page(FORM.page_template(2), hide_tag=True), rotate=2.0, tilt=0.02)
    reading = read_page(photo, form="ppwp-plano-2024", page=2, model=Always(11))
    assert (reading.ok, reading.page, reading.registration["method"]) == (True, 2, "markers")


def test_a_page_of_another_form_family_is_the_wrong_page() -> None:
    photo, _ = photograph(draw_page(FORM.page_template(2)))
    reading = read_page(photo, form="kwk-plano-2024", page=2, model=Always(11))
    assert (reading.status, reading.form, reading.page) == ("wrong_page", "ppwp-plano-2024", 2)


def test_reading_json_and_annotation() -> None:
    photo, _ = photograph(draw_page(FORM.page_template(3)))
    reading = read_page(photo, model=Always(7))  # every box a 7: 777 everywhere
    data = json.loads(json.dumps(reading.to_dict()))
    field = data["fields"]["suara_sah"]
    assert field["value"] == 777 and field["alternatives"][0][0] == 777
    # 777 + 777 != 777: a broken sum never makes a value surer than its boxes.
    assert field["confidence"] <= field["alternatives"][0][1]
    assert len(field["boxes"]) == 3 and len(field["boxes"][0]) == 4
    check = data["checks"][0]
    assert (check["code"], check["satisfied"], check["lhs_total"]) == (
        "VALID_INVALID_SUM",
        False,
        1554,
    )
    picture = annotate_page(reading)
    assert picture is not None and picture.shape[2] == 3


def test_cli_prints_the_reading_and_fails_on_a_wrong_page(tmp_path) -> None:
    photo, _ = photograph(draw_page(FORM.page_template(2)))
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), photo)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["ocr", "read", str(path), "--contest", "ppwp-0", "--page", "3", "--json"]
    )
    assert result.exit_code == 6  # ExitCode.VERIFICATION_FAILED: the photo could not be read
    assert json.loads(result.stdout)["status"] == "wrong_page"
    bad = runner.invoke(cli, ["ocr", "read", str(path), "--contest", "xyz-1", "--json"])
    assert bad.exit_code != 0


def test_without_a_tag_the_printed_boxes_say_which_page_it_is() -> None:
    photo, _ = photograph(draw_page(FORM.page_template(1), hide_tag=True), rotate=2.0, tilt=0.02)
    said_3 = read_page(photo, form="ppwp-plano-2024", page=3, model=Always(11))
    assert (said_3.status, said_3.page) == ("wrong_page", 1)
    assert read_page(photo, form="ppwp-plano-2024", page=1, model=Always(11)).ok


def test_without_tag_or_hint_the_printed_boxes_identify_the_page() -> None:
    photo, _ = photograph(draw_page(FORM.page_template(1), hide_tag=True), rotate=2.0, tilt=0.02)
    reading = read_page(photo, model=Always(11))
    assert (reading.ok, reading.form, reading.page) == (True, "ppwp-plano-2024", 1)


class Script:
    """A digit model that reads each field's three boxes as scripted ("123", "___", "X32")."""

    def __init__(self, *fields: str) -> None:
        self.classes = ["0123456789X_".index(ch) for ch in "".join(fields)]

    def classify(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        probs = np.full((len(crops), 12), 1e-5)
        probs[np.arange(len(crops)), self.classes[: len(crops)]] = 1.0
        return probs / probs.sum(axis=1, keepdims=True)


BUBBLES = {"suara_paslon_1": "123", "suara_paslon_2": "274", "suara_paslon_3": "-32"}


def test_a_page_is_read_only_when_every_value_is_read_at_or_above_the_line() -> None:
    photo, _ = photograph(draw_page(FORM.page_template(2), bubbles=BUBBLES))
    sure = read_page(photo, model=Script("123", "274", "X32"))
    assert (sure.status, sure.reason) == ("read", None)
    unread = read_page(photo, model=Script("123", "274", "___"))
    assert unread.status == "needs_review" and unread.ok
    assert unread.reason == "1 not filled or not read: suara_paslon_3"
    # The line is the caller's: at 1.0 nothing short of certainty is "read".
    assert read_page(photo, model=Script("123", "274", "X32"), line=1.0).status == "needs_review"


def test_cli_exits_6_for_a_page_whose_values_are_not_all_read(tmp_path) -> None:
    photo, _ = photograph(draw_page(FORM.page_template(2)))  # nothing written in the boxes
    path = tmp_path / "blank.png"
    cv2.imwrite(str(path), photo)
    result = CliRunner().invoke(cli, ["ocr", "read", str(path), "--json"])
    assert json.loads(result.stdout)["status"] == "needs_review"
    assert result.exit_code == 6  # ExitCode.VERIFICATION_FAILED


def test_a_registration_from_the_tag_alone_is_made_perspective_by_the_frames() -> None:
    # No marker and a white table (no page outline): the tag only starts the search; the printed
    # frames give the homography and confirm it, so the values stand (no affine fit, no cap).
    page = FORM.page_template(2)
    drawn = draw_page(page, bubbles=BUBBLES, hide_markers=tuple(m.name for m in page.markers))
    photo, _ = photograph(drawn, rotate=8.0, tilt=0.1, table=255)
    reading = read_page(photo, model=Script("123", "274", "X32"))
    assert reading.registration["method"] == "tag+frames"
    assert reading.registration["fields_placed"] == 1.0
    assert reading.values() == {"suara_paslon_1": 123, "suara_paslon_2": 274, "suara_paslon_3": 32}
    assert reading.status == "read"


@pytest.mark.parametrize(("placed", "rms", "capped"), [
    (1.0, 1.5, False), (0.8, 4.9, False), (1.0, 6.0, True), (1.0, float("nan"), False),
    (0.5, 1.0, True), (float("nan"), 1.0, True),
])  # fmt: skip
def test_only_a_registration_the_frames_confirm_is_uncapped(
    placed: float, rms: float, capped: bool
) -> None:
    limit, why = registration_limit(Registration(np.eye(3), "tag+markers", (), rms, placed, True))
    assert (limit, bool(why)) == ((REGISTRATION_CAP, True) if capped else (1.0, False))
    assert REGISTRATION_CAP < ACCEPT_LINE


def test_an_empty_box_whose_frame_is_not_there_is_not_a_confident_blank() -> None:
    page = FORM.page_template(2)
    drawn = draw_page(page, bubbles={**BUBBLES, "suara_paslon_1": "-23", "suara_paslon_2": "-74"})
    box = page.fields[0].boxes[0]  # suara_paslon_1, hundreds: its frame wiped off the paper
    x, y, w, h = int(box.x), int(box.y), int(box.w), int(box.h)
    drawn[y - 6 : y + h + 6, x - 6 : x + w + 6] = 255
    photo, _ = photograph(drawn)
    reading = read_page(photo, model=Script("_23", "_74", "_32"))
    unframed = reading.fields["suara_paslon_1"]
    assert unframed.value == 23 and unframed.confidence <= UNFRAMED_CAP
    assert unframed.limited_by == ("empty box without its frame lines",)
    assert all(reading.fields[f"suara_paslon_{n}"].confidence > 0.99 for n in (2, 3))


def test_a_digit_read_where_its_box_frame_is_not_is_not_confident() -> None:
    # The crop of a box that is not there holds whatever is printed nearby (a column line read
    # as a 1 on a real screen photo): a digit there is capped as well.
    page = FORM.page_template(2)
    drawn = draw_page(page, bubbles=BUBBLES)
    box = page.fields[1].boxes[2]  # suara_paslon_2, units
    x, y, w, h = int(box.x), int(box.y), int(box.w), int(box.h)
    drawn[y - 6 : y + h + 6, x - 6 : x + w + 6] = 255
    photo, _ = photograph(drawn)
    reading = read_page(photo, model=Script("123", "274", "X32"))
    unframed = reading.fields["suara_paslon_2"]
    assert unframed.value == 274 and unframed.confidence <= UNFRAMED_CAP
    assert unframed.limited_by == ("box without its frame lines",)
    assert reading.fields["suara_paslon_1"].confidence > 0.99


def test_the_registration_cap_reads_in_indonesian_on_the_console() -> None:
    from app.domain.review_reasons import reason_in

    limit = registration_limit(Registration(np.eye(3), "tag+markers", (), 1.0, 1 / 3, True))
    why = f"low confidence 0.70 ({limit[1][0]}; box without its frame lines)"
    assert reason_in("id", why) == (
        "keyakinan rendah 0,70 (penyelarasan halaman menemukan bingkai 33% kolom; "
        "kotak tanpa garis bingkai)"
    )
