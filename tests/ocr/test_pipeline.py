"""read_page end to end on drawn pages: failures are values, blanks are None, the JSON shape."""

from __future__ import annotations

import json
from collections.abc import Sequence

import cv2
import numpy as np
from typer.testing import CliRunner

from app.cli import app as cli
from ocr.annotate import annotate_page
from ocr.pipeline import read_page
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
    assert reading.status == "read" and reading.page == 1
    assert set(reading.values().values()) == {None}
    assert all(c.status == "not_applicable" for c in reading.checks)


def test_a_page_without_tag_is_read_as_the_page_it_was_said_to_be() -> None:
    photo, _ = photograph(draw_page(FORM.page_template(2), hide_tag=True), rotate=2.0, tilt=0.02)
    reading = read_page(photo, form="ppwp-plano-2024", page=2, model=Always(11))
    assert (reading.status, reading.page, reading.registration["method"]) == ("read", 2, "markers")


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
    assert read_page(photo, form="ppwp-plano-2024", page=1, model=Always(11)).status == "read"


def test_without_tag_or_hint_the_printed_boxes_identify_the_page() -> None:
    photo, _ = photograph(draw_page(FORM.page_template(1), hide_tag=True), rotate=2.0, tilt=0.02)
    reading = read_page(photo, model=Always(11))
    assert (reading.status, reading.form, reading.page) == ("read", "ppwp-plano-2024", 1)
