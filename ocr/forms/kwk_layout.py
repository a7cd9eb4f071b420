"""Geometry of our KWK plano pages in template px (72 dpi, origin top-left), for ocr/forms/kwk.py.

Numbers here are design choices, not measurements: a 600 x 900 mm page like the PPWP plano,
digit boxes of 64 x 80 px (22.6 x 28.2 mm) so a handwritten digit stays large in a phone photo,
bubbles of radius 7 px on a 17.5 px pitch under each box (the PPWP plano's proportions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DPI = 72
PAGE_W = 1701
PAGE_H = 2551
MARKER = 56  # a marker's bounding box; two black squares of MARKER/2 on its diagonal
MARKER_MARGIN = 50
TAG_X, TAG_Y, TAG_SIDE = 1440, 250, 120
BOX_W, BOX_H, BOX_PITCH = 64, 80, 76
BUBBLE_R, BUBBLE_PITCH, BUBBLE_GAP = 7.0, 17.5, 18.0
LEFT, RIGHT = 120, 1580
BAND_TOP, BAND_H, BAND_STEP = 580, 290, 300
BAND_H_ROW = 100
VOTE_BOX_X = 1200
GENDER_BOX_X = {"l": 820, "p": 1080, "j": 1340}
GENDER_HEAD = {"l": "LAKI-LAKI (L)", "p": "PEREMPUAN (P)", "j": "JUMLAH (L+P)"}
LABEL_SIZE, HEAD_SIZE = 20, 24

Json = dict[str, Any]


@dataclass
class Printed:
    """Printed texts and rectangles being collected for one page."""

    texts: list[Json] = field(default_factory=list)
    rects: list[Json] = field(default_factory=list)

    def text(self, text: str, x: float, y: float, size: float, **style: Any) -> None:
        """Add one text item (style: anchor, bold, max_w)."""
        self.texts.append({"text": text, "x": x, "y": y, "size": size, **style})

    def rect(
        self, x: float, y: float, w: float, h: float, stroke: float = 1.0, gray: int = 0
    ) -> None:
        """Add one rectangle outline (a line when w or h is 0)."""
        self.rects.append({"x": x, "y": y, "w": w, "h": h, "stroke": stroke, "gray": gray})


@dataclass
class PageBody:
    """The page-specific part of a page: fields, the page's sums and its printed content."""

    fields: list[Json] = field(default_factory=list)
    sums: list[Json] = field(default_factory=list)
    printed: Printed = field(default_factory=Printed)


def markers() -> list[Json]:
    """The four corner markers' bounding boxes."""
    near, far_x, far_y = (
        MARKER_MARGIN,
        PAGE_W - MARKER_MARGIN - MARKER,
        PAGE_H - MARKER_MARGIN - MARKER,
    )
    spots = {"top_left": (near, near), "top_right": (far_x, near)}
    spots |= {"bottom_right": (far_x, far_y), "bottom_left": (near, far_y)}
    return [{"name": n, "x": x, "y": y, "w": MARKER, "h": MARKER} for n, (x, y) in spots.items()]


def tag_corners() -> list[list[float]]:
    """The AprilTag's outer corners (black border included), aruco order TL, TR, BR, BL."""
    x0, y0, x1, y1 = TAG_X, TAG_Y, TAG_X + TAG_SIDE, TAG_Y + TAG_SIDE
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def header(page: int, pages: int) -> Printed:
    """Title, contest name, region lines, the MODEL box and "Halaman n dari N" above the tag."""
    out = Printed()
    mid = 760
    out.text(
        "BERITA ACARA DAN SERTIFIKAT HASIL PENGHITUNGAN SUARA",
        mid,
        150,
        28,
        anchor="center",
        bold=True,
        max_w=1180,
    )
    out.text("{contest}", mid, 195, 26, anchor="center", bold=True, max_w=1180)
    out.text("PEMILIHAN KEPALA DAERAH TAHUN 2024", mid, 235, 22, anchor="center")
    for i, name in enumerate(("Provinsi", "Kabupaten/Kota", "Kecamatan", "Kelurahan/Desa")):
        out.text(f"{name}", 140, 300 + 32 * i, LABEL_SIZE)
        out.text(": " + "." * 60, 330, 300 + 32 * i, LABEL_SIZE)
    out.text("Nomor TPS", 140, 428, LABEL_SIZE)
    out.text(": " + "." * 20, 330, 428, LABEL_SIZE)
    out.rect(1400, 128, 200, 72, stroke=2)
    out.text("MODEL", 1500, 150, 18, anchor="center", bold=True)
    out.text("C.HASIL-KWK", 1500, 178, 18, anchor="center", bold=True)
    out.text(f"Halaman {page} dari {pages}", 1500, 226, 20, anchor="center", bold=True)
    out.rect(LEFT, 470, RIGHT - LEFT, 0, stroke=2)
    return out


def boxes_at(x: float, y: float) -> list[Json]:
    """Three digit boxes (hundreds, tens, units) whose first box's top-left is (x, y)."""
    return [{"x": x + i * BOX_PITCH, "y": y, "w": BOX_W, "h": BOX_H} for i in range(3)]


def bubbles_under(boxes: list[Json]) -> list[Json]:
    """A bubble column 0..9 under each box, centred on the box."""
    columns = []
    for box in boxes:
        cx, top = box["x"] + box["w"] / 2, box["y"] + box["h"] + BUBBLE_GAP
        centers = [[cx, top + k * BUBBLE_PITCH] for k in range(10)]
        columns.append({"centers": centers, "radius": BUBBLE_R})
    return columns


def section(out: Printed, text: str, y: float) -> None:
    """A section heading (roman numeral and title) at height y."""
    out.text(text, LEFT + 10, y, HEAD_SIZE, bold=True)


def gendered_row(body: PageBody, row: str, label: str, y: float, code: str) -> None:
    """A table row with L, P and J numbers, and its GENDER_SUM rule."""
    body.printed.text(label, LEFT + 20, y + BOX_H / 2 + 10, LABEL_SIZE, max_w=660)
    body.printed.rect(LEFT, y, RIGHT - LEFT, BAND_H_ROW, gray=150)
    for g, x in GENDER_BOX_X.items():
        body.fields.append(
            {"name": f"{row}_{g}", "label": f"{code} {g.upper()}", "boxes": boxes_at(x, y + 10)}
        )
    body.sums.append({"code": "GENDER_SUM", "lhs": [f"{row}_l", f"{row}_p"], "rhs": f"{row}_j"})


def gender_heads(out: Printed, y: float) -> None:
    """The L / P / J column headings above a gendered table."""
    for g, x in GENDER_BOX_X.items():
        out.text(GENDER_HEAD[g], x + BOX_PITCH + BOX_W / 2, y, 16, anchor="center", bold=True)


VOTERS = (
    ("pemilih_dpt", "A. Jumlah pemilih dalam DPT", "I.A"),
    ("pengguna_dpt", "B.1 Pengguna hak pilih dalam DPT", "I.B1"),
    ("pengguna_dptb", "B.2 Pengguna hak pilih dalam DPTb (pindahan)", "I.B2"),
    ("pengguna_dpk", "B.3 Pengguna hak pilih dalam DPK", "I.B3"),
    ("pengguna_total", "B.4 Jumlah pengguna hak pilih (B.1 + B.2 + B.3)", "I.B4"),
)
BALLOTS = (
    ("surat_diterima", "1. Surat suara diterima, termasuk cadangan 2,5% dari DPT"),
    ("surat_digunakan", "2. Surat suara yang digunakan"),
    ("surat_rusak", "3. Surat suara dikembalikan (rusak atau keliru dicoblos)"),
    ("surat_tidak_digunakan", "4. Surat suara tidak digunakan / tidak terpakai"),
)


def page1_body() -> PageBody:
    """Page 1: I. voters (L/P/J), II. ballot papers, III. disabled voters, with their sums."""
    body = PageBody()
    section(body.printed, "I. DATA PEMILIH DAN PENGGUNA HAK PILIH", 510)
    gender_heads(body.printed, 550)
    for i, (row, label, code) in enumerate(VOTERS):
        gendered_row(body, row, label, 570 + 100 * i, code)
    for g in "lpj":
        parts = [f"pengguna_{r}_{g}" for r in ("dpt", "dptb", "dpk")]
        body.sums.append({"code": "TURNOUT_SUM", "lhs": parts, "rhs": f"pengguna_total_{g}"})
    section(body.printed, "II. DATA PENGGUNAAN SURAT SUARA", 1110)
    for i, (name, label) in enumerate(BALLOTS):
        y = 1140 + 100 * i
        body.printed.text(label, LEFT + 20, y + 50, LABEL_SIZE, max_w=1100)
        body.printed.rect(LEFT, y, RIGHT - LEFT, BAND_H_ROW, gray=150)
        body.fields.append({"name": name, "label": f"II.{i + 1}", "boxes": boxes_at(1340, y + 10)})
    used = ["surat_digunakan", "surat_rusak", "surat_tidak_digunakan"]
    body.sums.append({"code": "BALLOT_BALANCE", "lhs": used, "rhs": "surat_diterima"})
    body.sums.append(
        {"code": "BALLOTS_USED", "lhs": ["pengguna_total_j"], "rhs": "surat_digunakan"}
    )
    section(body.printed, "III. DATA PEMILIH DISABILITAS", 1580)
    gender_heads(body.printed, 1620)
    gendered_row(body, "disabilitas", "Pemilih disabilitas yang menggunakan hak pilih", 1640, "III")
    signatures(body.printed, 1830)
    return body


def vote_band(body: PageBody, y0: float, name: str, number: str, title: str, hint: str) -> None:
    """One framed band: a number or letter, a printed title, 3 boxes with bubble columns."""
    out = body.printed
    out.rect(LEFT, y0, RIGHT - LEFT, BAND_H, stroke=2)
    out.rect(VOTE_BOX_X - 60, y0, 0, BAND_H, stroke=1, gray=120)
    out.text(number, LEFT + 60, y0 + 60, 56, anchor="center", bold=True)
    out.text(title, LEFT + 130, y0 + 60, 26, bold=True, max_w=VOTE_BOX_X - LEFT - 220)
    out.text(hint, LEFT + 130, y0 + 120, 18, max_w=VOTE_BOX_X - LEFT - 220)
    out.text(
        "Tulis angka di kotak, hitamkan bulatan yang sama di bawahnya",
        LEFT + 130,
        y0 + 250,
        14,
        max_w=VOTE_BOX_X - LEFT - 220,
    )
    boxes = boxes_at(VOTE_BOX_X, y0 + 15)
    body.fields.append(
        {"name": name, "label": number, "boxes": boxes, "bubbles": bubbles_under(boxes)}
    )


def page2_body(paslon_count: int) -> PageBody:
    """Page 2: IV. one band per paslon with its printed name slot ({paslon_n})."""
    body = PageBody()
    section(body.printed, "IV. DATA PEROLEHAN SUARA SAH PASANGAN CALON", 510)
    body.printed.text(
        "JUMLAH SUARA SAH", VOTE_BOX_X + BOX_PITCH + BOX_W / 2, 555, 16, anchor="center", bold=True
    )
    for n in range(1, paslon_count + 1):
        hint = f"Jumlah suara sah pasangan calon nomor urut {n}"
        vote_band(
            body,
            BAND_TOP + (n - 1) * BAND_STEP,
            f"suara_paslon_{n}",
            str(n),
            "{paslon_" + str(n) + "}",
            hint,
        )
    return body


VOTES = (
    ("suara_sah", "A", "JUMLAH SUARA SAH", "Jumlah suara sah seluruh pasangan calon"),
    ("suara_tidak_sah", "B", "JUMLAH SUARA TIDAK SAH", "Surat suara yang dinyatakan tidak sah"),
    ("suara_total", "C", "JUMLAH SUARA SAH DAN TIDAK SAH", "Jumlah A + B"),
)


def page3_body() -> PageBody:
    """Page 3: V. valid, invalid and total votes, each with boxes and bubbles; signatures."""
    body = PageBody()
    section(body.printed, "V. DATA SUARA SAH DAN TIDAK SAH", 510)
    for i, (name, letter, title, hint) in enumerate(VOTES):
        vote_band(body, BAND_TOP + i * BAND_STEP, name, letter, title, hint)
    body.sums.append(
        {"code": "VALID_INVALID_SUM", "lhs": ["suara_sah", "suara_tidak_sah"], "rhs": "suara_total"}
    )
    signatures(body.printed, 1580)
    return body


def signatures(out: Printed, y: float) -> None:
    """The date line and signature slots of the KPPS and the witnesses."""
    out.text(
        "............................, tanggal ........ bulan ........ tahun 2024",
        LEFT + 20,
        y,
        LABEL_SIZE,
    )
    out.text("KETUA DAN ANGGOTA KPPS", LEFT + 20, y + 60, LABEL_SIZE, bold=True)
    out.text("SAKSI PASANGAN CALON", 900, y + 60, LABEL_SIZE, bold=True)
    for i in range(7):
        out.text(f"{i + 1}. ................................", LEFT + 20, y + 110 + 50 * i, 18)
    for i in range(6):
        out.text(f"{i + 1}. ................................", 900, y + 110 + 50 * i, 18)
