"""Template schema: valid files load, invalid ones fail naming the reason."""

import json
from pathlib import Path
from typing import Any

import pytest

from ocr.templates import TemplateError, find_page_by_tag, load_form, load_forms, parse_form


def box(x: float, y: float) -> dict[str, float]:
    return {"x": x, "y": y, "w": 30, "h": 40}


def minimal_form(**page_overrides: Any) -> dict[str, Any]:
    fields = [
        {"name": n, "boxes": [box(100 + 40 * i, 100 + 60 * k) for i in range(3)]}
        for k, n in enumerate(["a", "b", "c"])
    ]
    page = {
        "page": 1,
        "width": 500,
        "height": 700,
        "markers": [{"name": "top_left", "x": 10, "y": 10, "w": 20, "h": 20}],
        "tag": {"id": 901, "corners": [[400, 10], [450, 10], [450, 60], [400, 60]]},
        "fields": fields,
        "sums": [{"code": "X_SUM", "lhs": ["a", "b"], "rhs": "c"}],
    }
    page.update(page_overrides)
    return {"form": "test-form", "title": "t", "dpi": 72, "pages": [page]}


def test_minimal_form_loads() -> None:
    form = parse_form(json.dumps(minimal_form()))
    assert form.page_template(1).field("b").boxes[0].center == (115.0, 180.0)
    assert form.pages[0].sums[0].names == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"sums": [{"code": "S", "lhs": ["a"], "rhs": "zzz"}]}, "unknown fields"),
        ({"fields": [{"name": "a", "boxes": [box(1, 1)] * 2}], "sums": []}, "3 boxes"),
        ({"fields": [{"name": "a", "boxes": [box(490, 1)] * 3}], "sums": []}, "off the page"),
        ({"page": 2}, "numbered 1..n"),
        ({"tag": {"id": 1, "corners": [[0, 0]]}}, "4 corners"),
    ],
)
def test_invalid_form_is_rejected(override: dict[str, Any], reason: str) -> None:
    with pytest.raises(TemplateError, match=reason):
        parse_form(json.dumps(minimal_form(**override)))


def test_duplicate_tag_ids_across_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(minimal_form()))
    other = minimal_form()
    other["form"] = "other-form"
    (tmp_path / "b.json").write_text(json.dumps(other))
    with pytest.raises(TemplateError, match="tag id 901"):
        load_forms(tmp_path)


def test_registry_finds_page_by_tag(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(minimal_form()))
    found = find_page_by_tag(901, tmp_path)
    assert found is not None and found[0].form == "test-form" and found[1] == 1
    assert find_page_by_tag(5, tmp_path) is None
    with pytest.raises(TemplateError, match="no template"):
        load_form("nope", tmp_path)


def test_shipped_ppwp_template_has_every_field() -> None:
    form = load_form("ppwp-plano-2024")
    assert [p.tag.id for p in form.pages] == [101, 102, 103]
    assert len(form.pages[0].fields) == 22 and len(form.pages[0].markers) == 4
    paslon = form.pages[1].field("suara_paslon_2")
    assert paslon.bubbles is not None and paslon.bubbles[0].centers[0][1] > paslon.boxes[0].y
    assert [f.name for f in form.pages[2].fields] == ["suara_sah", "suara_tidak_sah", "suara_total"]
    assert form.sums[0].rhs == "suara_sah"
    assert find_page_by_tag(103) == (form, 3)
