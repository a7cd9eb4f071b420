"""Draw a form page from its template: markers, AprilTag, boxes, bubbles, labels; multi-page PDF.

Used to print our own forms (the KWK plano) and by the synthetic benchmark. Everything drawn comes
from the template data, so a new form needs a new data file only. A template point (x, y) lands at
image pixel (x, y) * dpi / form.dpi.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from ocr.templates import FormTemplate, PageTemplate, PrintedText

Gray = npt.NDArray[np.uint8]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
BOX_STROKE = 2.0  # template px (0.7 mm): thin enough to stay out of the digit
BUBBLE_STROKE = 1.0
BUBBLE_DIGIT_GRAY = 110


@lru_cache(maxsize=64)
def _font(size_px: int, bold: bool) -> Font:
    """DejaVu Sans (bold) if installed, else Pillow's bundled scalable font."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size_px)
    return ImageFont.load_default(size=size_px)


def fill_placeholders(text: str, contest_name: str, paslon_names: Sequence[str]) -> str:
    """Replace {contest} and {paslon_N} (N from 1) in a printed text; missing names become ''."""
    text = text.replace("{contest}", contest_name)
    for n in range(9, 0, -1):
        name = paslon_names[n - 1] if n <= len(paslon_names) else ""
        text = text.replace("{paslon_" + str(n) + "}", name)
    return text


def _draw_text(draw: ImageDraw.ImageDraw, item: PrintedText, text: str, scale: float) -> None:
    """One printed text, shrunk to its max width, anchored at its vertical middle."""
    size = max(6, round(item.size * scale))
    font = _font(size, item.bold)
    if item.max_w is not None:
        width = draw.textlength(text, font=font)
        if width > item.max_w * scale:
            font = _font(max(6, int(size * item.max_w * scale / width)), item.bold)
    anchor = {"left": "lm", "center": "mm", "right": "rm"}[item.anchor]
    draw.text((item.x * scale, item.y * scale), text, fill=0, font=font, anchor=anchor)


def _draw_bubble_digits(draw: ImageDraw.ImageDraw, page: PageTemplate, scale: float) -> None:
    """The printed digit 0..9 inside every bubble (light, as on the PPWP plano)."""
    for field in page.fields:
        for column in field.bubbles or []:
            font = _font(max(6, round(column.radius * 1.35 * scale)), False)
            for digit, (cx, cy) in enumerate(column.centers):
                xy = (cx * scale, cy * scale)
                draw.text(xy, str(digit), fill=BUBBLE_DIGIT_GRAY, font=font, anchor="mm")


def _texts_layer(page: PageTemplate, scale: float, contest: str, paslon: Sequence[str]) -> Gray:
    """A white page with every printed text and bubble digit drawn (Pillow does the fonts)."""
    size = (round(page.width * scale), round(page.height * scale))
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for item in page.printed.texts if page.printed else []:
        _draw_text(draw, item, fill_placeholders(item.text, contest, paslon), scale)
    _draw_bubble_digits(draw, page, scale)
    return np.asarray(image, dtype=np.uint8).copy()


def _px(value: float, scale: float) -> int:
    return round(value * scale)


def _draw_rects(img: Gray, page: PageTemplate, scale: float) -> None:
    """Printed frames and lines."""
    for r in page.printed.rects if page.printed else []:
        thick = max(1, _px(r.stroke, scale))
        p0, p1 = (_px(r.x, scale), _px(r.y, scale)), (_px(r.x + r.w, scale), _px(r.y + r.h, scale))
        if r.w == 0 or r.h == 0:
            cv2.line(img, p0, p1, r.gray, thick)
        else:
            cv2.rectangle(img, p0, p1, r.gray, thick)


def _draw_markers(img: Gray, page: PageTemplate, scale: float) -> None:
    """Step-shaped corner markers: two black squares touching on the box's diagonal."""
    for m in page.markers:
        x0, y0 = _px(m.x, scale), _px(m.y, scale)
        xm, ym = _px(m.x + m.w / 2, scale), _px(m.y + m.h / 2, scale)
        x1, y1 = _px(m.x + m.w, scale), _px(m.y + m.h, scale)
        img[y0:ym, x0:xm] = 0
        img[ym:y1, xm:x1] = 0


def tag_image(tag_id: int, side_px: int) -> Gray:
    """An AprilTag 36h10 of `side_px` pixels, its black border included (what aruco detects)."""
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h10)
    return np.asarray(cv2.aruco.generateImageMarker(dictionary, tag_id, side_px, borderBits=1))


def _draw_tag(img: Gray, page: PageTemplate, scale: float) -> None:
    """The page's AprilTag, filling the square its template corners describe."""
    xs = [c[0] for c in page.tag.corners]
    ys = [c[1] for c in page.tag.corners]
    x0, y0 = _px(min(xs), scale), _px(min(ys), scale)
    side = _px(max(xs), scale) - x0
    img[y0 : y0 + side, x0 : x0 + side] = tag_image(page.tag.id, side)


def _draw_fields(img: Gray, page: PageTemplate, scale: float) -> None:
    """Digit boxes (outlines centred on the box edges) and bubble circles."""
    box_thick = max(1, _px(BOX_STROKE, scale))
    bubble_thick = max(1, _px(BUBBLE_STROKE, scale))
    for field in page.fields:
        for b in field.boxes:
            p0, p1 = (
                (_px(b.x, scale), _px(b.y, scale)),
                (_px(b.x + b.w, scale), _px(b.y + b.h, scale)),
            )
            cv2.rectangle(img, p0, p1, 0, box_thick)
        for column in field.bubbles or []:
            radius = _px(column.radius, scale)
            for cx, cy in column.centers:
                center = (_px(cx, scale), _px(cy, scale))
                cv2.circle(img, center, radius, 0, bubble_thick, lineType=cv2.LINE_AA)


def render_page(
    form: FormTemplate,
    page_number: int,
    *,
    dpi: float = 150.0,
    contest_name: str = "",
    paslon_names: Sequence[str] = (),
) -> Gray:
    """A blank printed page (uint8 gray, white paper) of `form` at `dpi`."""
    page = form.page_template(page_number)
    scale = dpi / form.dpi
    img = _texts_layer(page, scale, contest_name, paslon_names)
    _draw_rects(img, page, scale)
    _draw_fields(img, page, scale)
    _draw_markers(img, page, scale)
    _draw_tag(img, page, scale)
    return img


def render_form_pdf(
    form: FormTemplate,
    contest_name: str,
    paslon_names: Sequence[str],
    out_path: Path,
    *,
    dpi: float = 150.0,
) -> int:
    """Write every page of `form` into one PDF at its physical size; returns the page count."""
    pages = [
        Image.fromarray(
            render_page(form, p.page, dpi=dpi, contest_name=contest_name, paslon_names=paslon_names)
        )
        for p in form.pages
    ]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(out_path, "PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return len(pages)
