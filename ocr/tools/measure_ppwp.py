"""Build-time tool: measure the C.HASIL-PPWP 2024 plano template from KPU's blank PDF.

Run once by a developer (never at run time): renders the 3 pages with pdftoppm at 144 dpi, finds
the AprilTag (aruco 36h10), the 4 step-shaped corner markers, every digit box (the white interior
of a printed square) and the bubble circles under the page-2 boxes, names them in reading order
and writes ``ocr/templates/ppwp-plano-2024.json`` in template px (72 dpi = PDF points).

    .venv/bin/python -m ocr.tools.measure_ppwp [/path/to/C.HASIL-PPWP.pdf]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from ocr.templates import TEMPLATE_DIR, parse_form

PDF = Path("/work/shared/forms/blank/C.HASIL-PPWP.pdf")
RENDER_DPI = 144
TEMPLATE_DPI = 72
SCALE = TEMPLATE_DPI / RENDER_DPI
GL = ("l", "p", "j")

# Field names per row of boxes, top to bottom; a row of 9 boxes is the L, P, J triple.
PAGE_ROWS: dict[int, list[list[str]]] = {
    1: [
        [f"pemilih_dpt_{g}" for g in GL],
        [f"pengguna_dpt_{g}" for g in GL],
        [f"pengguna_dptb_{g}" for g in GL],
        [f"pengguna_dpk_{g}" for g in GL],
        [f"pengguna_total_{g}" for g in GL],
        ["surat_diterima"],
        ["surat_digunakan"],
        ["surat_rusak"],
        ["surat_tidak_digunakan"],
        [f"disabilitas_{g}" for g in GL],
    ],
    2: [["suara_paslon_1"], ["suara_paslon_2"], ["suara_paslon_3"]],
    3: [["suara_sah"], ["suara_tidak_sah"], ["suara_total"]],
}
LABELS = {
    "surat_diterima": "II.1",
    "surat_digunakan": "II.2",
    "surat_rusak": "II.3",
    "surat_tidak_digunakan": "II.4",
    "suara_paslon_1": "IV.1",
    "suara_paslon_2": "IV.2",
    "suara_paslon_3": "IV.3",
    "suara_sah": "V.A",
    "suara_tidak_sah": "V.B",
    "suara_total": "V.C",
}

Gray = NDArray[np.uint8]


def render_pages(pdf: Path, out: Path) -> list[Gray]:
    """Render every page of the PDF to grayscale arrays with pdftoppm."""
    subprocess.run(
        ["pdftoppm", "-r", str(RENDER_DPI), "-gray", "-png", str(pdf), str(out / "p")], check=True
    )
    pages = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in sorted(out.glob("p-*.png"))]
    return [np.asarray(p, dtype=np.uint8) for p in pages if p is not None]


def components(binary: Gray) -> list[tuple[float, float, float, float, float]]:
    """Connected components as (x, y, w, h, fill) in template px."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=4)
    out = []
    for x, y, w, h, area in stats[1:n]:
        out.append((x * SCALE, y * SCALE, w * SCALE, h * SCALE, area / float(w * h)))
    return out


def find_tag(gray: Gray) -> dict[str, Any]:
    """The page's AprilTag id and corners (aruco order)."""
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h10)
    corners, ids, _ = cv2.aruco.ArucoDetector(dictionary).detectMarkers(gray)
    if ids is None or len(ids) != 1:
        raise SystemExit(f"expected one tag, found {ids}")
    pts = (corners[0].reshape(4, 2) * SCALE).round(2).tolist()
    return {"id": int(np.asarray(ids).ravel()[0]), "corners": pts}


def find_markers(gray: Gray) -> list[dict[str, Any]]:
    """The four step-shaped corner markers: dark blobs about half filled, named by quadrant."""
    dark = (gray < 128).astype(np.uint8)
    h, w = gray.shape[0] * SCALE, gray.shape[1] * SCALE
    found = []
    for x, y, bw, bh, fill in components(dark):
        near_corner = min(x, w - x) < 300 and min(y, h - y) < 300
        if near_corner and 30 < bw < 55 and abs(bw - bh) < 3 and 0.4 < fill < 0.6:
            vert = "top" if y < h / 2 else "bottom"
            horiz = "left" if x < w / 2 else "right"
            found.append({"name": f"{vert}_{horiz}", "x": x, "y": y, "w": bw, "h": bh})
    if len(found) != 4:
        raise SystemExit(f"expected 4 markers, found {found}")
    return found


def find_boxes(gray: Gray) -> list[list[tuple[float, float, float, float]]]:
    """Digit-box interiors (white squares 46–60 pt), grouped into rows top to bottom."""
    white = (gray > 110).astype(np.uint8)
    boxes = [
        (x, y, w, h)
        for x, y, w, h, fill in components(white)
        if 46 < w < 60 and 46 < h < 60 and fill > 0.85
    ]
    rows: list[list[tuple[float, float, float, float]]] = []
    for box in sorted(boxes, key=lambda b: (b[1], b[0])):
        if rows and abs(rows[-1][0][1] - box[1]) < 10:
            rows[-1].append(box)
        else:
            rows.append([box])
    return [sorted(row) for row in rows]


def find_bubble_columns(gray: Gray, boxes: list[tuple[float, float, float, float]]) -> list[Any]:
    """The 10 bubbles under each box: outline circles about 23 pt wide, top to bottom."""
    ink = (gray < 160).astype(np.uint8)
    circles = [
        (x + w / 2, y + h / 2, (w + h) / 4)
        for x, y, w, h, fill in components(ink)
        if 20 < w < 27 and 20 < h < 27 and fill < 0.3
    ]
    columns = []
    for bx, by, bw, bh in boxes:
        cx = bx + bw / 2
        below = sorted(
            (c for c in circles if abs(c[0] - cx) < 8 and by + bh < c[1] < by + bh + 400),
            key=lambda c: c[1],
        )[:10]
        if len(below) != 10:
            raise SystemExit(f"box at {bx:.0f},{by:.0f}: {len(below)} bubbles")
        radius = round(float(np.median([c[2] for c in below])) - 1.5, 2)  # inside the outline
        centers = [[round(x, 2), round(y, 2)] for x, y, _ in below]
        columns.append({"centers": centers, "radius": radius})
    return columns


def page_fields(page: int, gray: Gray) -> list[dict[str, Any]]:
    """Name the measured boxes of one page by PAGE_ROWS (3 boxes per field)."""
    rows = find_boxes(gray)
    names = PAGE_ROWS[page]
    if [len(r) for r in rows] != [3 * len(n) for n in names]:
        raise SystemExit(f"page {page}: box rows {[len(r) for r in rows]} do not match the layout")
    fields = []
    for row, row_names in zip(rows, names, strict=True):
        for k, name in enumerate(row_names):
            boxes = row[3 * k : 3 * k + 3]
            field: dict[str, Any] = {
                "name": name,
                "label": LABELS.get(name, name),
                "boxes": [{"x": x, "y": y, "w": w, "h": h} for x, y, w, h in boxes],
            }
            if page == 2:
                field["bubbles"] = find_bubble_columns(gray, boxes)
            fields.append(field)
    return fields


def sum_rules(page: int) -> list[dict[str, Any]]:
    """The sums printed on (or implied by) each page, as data."""
    if page == 1:
        rules = [
            {"code": "GENDER_SUM", "lhs": [f"{r}_l", f"{r}_p"], "rhs": f"{r}_j"}
            for r in ("pemilih_dpt", "pengguna_dpt", "pengguna_dptb", "pengguna_dpk")
            + ("pengguna_total", "disabilitas")
        ]
        rules += [
            {
                "code": "TURNOUT_SUM",
                "lhs": [f"pengguna_dpt_{g}", f"pengguna_dptb_{g}", f"pengguna_dpk_{g}"],
                "rhs": f"pengguna_total_{g}",
            }
            for g in GL
        ]
        rules.append(
            {"code": "BALLOTS_USED", "lhs": ["pengguna_total_j"], "rhs": "surat_digunakan"}
        )
        rules.append(
            {
                "code": "BALLOT_BALANCE",
                "lhs": ["surat_digunakan", "surat_rusak", "surat_tidak_digunakan"],
                "rhs": "surat_diterima",
            }
        )
        return rules
    if page == 3:
        lhs = ["suara_sah", "suara_tidak_sah"]
        return [{"code": "VALID_INVALID_SUM", "lhs": lhs, "rhs": "suara_total"}]
    return []


def rounded(obj: Any) -> Any:
    """Round every float to 2 decimals for a readable file."""
    if isinstance(obj, float):
        return round(obj, 2)
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rounded(v) for v in obj]
    return obj


def build(pdf: Path) -> dict[str, Any]:
    """Measure all pages and return the template document."""
    with tempfile.TemporaryDirectory() as tmp:
        grays = render_pages(pdf, Path(tmp))
    pages = []
    for number, gray in enumerate(grays, start=1):
        pages.append(
            {
                "page": number,
                "width": round(gray.shape[1] * SCALE, 2),
                "height": round(gray.shape[0] * SCALE, 2),
                "markers": find_markers(gray),
                "tag": find_tag(gray),
                "fields": page_fields(number, gray),
                "sums": sum_rules(number),
            }
        )
    paslon = ["suara_paslon_1", "suara_paslon_2", "suara_paslon_3"]
    document: dict[str, Any] = rounded(
        {
            "form": "ppwp-plano-2024",
            "title": "C.HASIL-PPWP 2024 plano (presiden dan wakil presiden)",
            "dpi": TEMPLATE_DPI,
            "tag_family": "36h10",
            "pages": pages,
            "sums": [{"code": "PASLON_SUM", "lhs": paslon, "rhs": "suara_sah"}],
        }
    )
    return document


def main() -> None:
    """Measure the PDF given on the command line (or the shared copy) and write the template."""
    pdf = Path(sys.argv[1]) if len(sys.argv) > 1 else PDF
    text = json.dumps(build(pdf), indent=1)
    parse_form(text, source="measured")  # validate before writing
    out = TEMPLATE_DIR / "ppwp-plano-2024.json"
    out.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {out}\n")


if __name__ == "__main__":
    main()
