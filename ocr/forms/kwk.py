"""Our own KWK plano form family (Pilkada C.Hasil-KWK, 1 to 6 paslon), generated as template data.

KPU's official Pilkada plano is not public, so we print our own in the design of the PPWP 2024
plano: a 600 x 900 mm page (1701 x 2551 template px at 72 dpi, like the PPWP template), four
step-shaped corner markers, an AprilTag 36h10 per page beside "Halaman n dari 3", three digit boxes
per number, and a bubble column 0-9 under each box on the vote pages (2 and 3).

AprilTag ids: ``100 + 10 * paslon_count + page``, so the 1-paslon form uses 111, 112, 113 and the
6-paslon form 161, 162, 163 (the PPWP plano uses 101-103). The tag thus tells both the page and
which KWK layout it is.

This module only *generates* the data: the committed files
``ocr/templates/kwk-plano-2024-p{n}.json`` are what the reader loads. Rebuild them with
``python -m ocr.forms.kwk [--out DIR]``. Supporting KPU's own form later is a new data file, not a
change here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ocr.forms import kwk_layout as lay
from ocr.templates import TEMPLATE_DIR, FormTemplate

MAX_PASLON = 6
PAGES = 3
FORM_PREFIX = "kwk-plano-2024-p"

Json = dict[str, Any]


def kwk_form_id(paslon_count: int) -> str:
    """The template form id of the KWK plano for that many paslon."""
    _check_count(paslon_count)
    return f"{FORM_PREFIX}{paslon_count}"


def kwk_tag_id(paslon_count: int, page: int) -> int:
    """The AprilTag id printed on page `page` of the KWK plano for `paslon_count` paslon."""
    _check_count(paslon_count)
    if not 1 <= page <= PAGES:
        raise ValueError(f"the KWK plano has pages 1..{PAGES}, not {page}")
    return 100 + 10 * paslon_count + page


def _check_count(paslon_count: int) -> None:
    if not 1 <= paslon_count <= MAX_PASLON:
        raise ValueError(f"a KWK form has 1..{MAX_PASLON} paslon, not {paslon_count}")


def _page(paslon_count: int, page: int, body: lay.PageBody) -> Json:
    """A page dict: the common frame (markers, tag, header) plus the page's own body."""
    header = lay.header(page, PAGES)
    return {
        "page": page,
        "width": lay.PAGE_W,
        "height": lay.PAGE_H,
        "markers": lay.markers(),
        "tag": {"id": kwk_tag_id(paslon_count, page), "corners": lay.tag_corners()},
        "fields": body.fields,
        "sums": body.sums,
        "printed": {
            "texts": header.texts + body.printed.texts,
            "rects": header.rects + body.printed.rects,
        },
    }


def kwk_form_data(paslon_count: int) -> Json:
    """The whole KWK plano for that many paslon as template JSON data (not yet validated)."""
    bodies = (lay.page1_body(), lay.page2_body(paslon_count), lay.page3_body())
    paslon = [f"suara_paslon_{n}" for n in range(1, paslon_count + 1)]
    return {
        "form": kwk_form_id(paslon_count),
        "title": f"C.HASIL-KWK 2024 plano ({paslon_count} paslon, rekap-audit design)",
        "dpi": lay.DPI,
        "tag_family": "36h10",
        "pages": [_page(paslon_count, i + 1, body) for i, body in enumerate(bodies)],
        "sums": [{"code": "PASLON_SUM", "lhs": paslon, "rhs": "suara_sah"}],
    }


def kwk_form(paslon_count: int) -> FormTemplate:
    """The KWK plano for that many paslon, validated by the template schema."""
    return FormTemplate.model_validate(kwk_form_data(paslon_count))


def write_kwk_templates(directory: Path = TEMPLATE_DIR) -> list[Path]:
    """Regenerate ``kwk-plano-2024-p{1..6}.json`` in `directory`; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for count in range(1, MAX_PASLON + 1):
        form = kwk_form(count)
        path = directory / f"{form.form}.json"
        data = form.model_dump(mode="json", exclude_defaults=False)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m ocr.forms.kwk [--out DIR]`` rebuilds the KWK template files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TEMPLATE_DIR, help="template directory")
    args = parser.parse_args(argv)
    for path in write_kwk_templates(args.out):
        print(path)  # noqa: T201 - this is the command's output


if __name__ == "__main__":
    main()
