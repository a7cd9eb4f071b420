"""Form templates: the layout of a C.Hasil form as validated data, loaded from ocr/templates/*.json.

A template file describes one printed form (all its pages) in *template pixels*: page coordinates
at the form's ``dpi`` (the PPWP plano uses 72 dpi, i.e. PDF points), origin top-left, x to the
right, y down. Supporting a new form (our KWK plano for 1–6 paslon, or KPU's own Pilkada form
once it is public) is a new JSON file, never new code.

Schema (JSON, every key required unless marked optional)::

    {
      "form": "ppwp-plano-2024",          # id: lowercase, digits and '-'
      "title": "C.HASIL-PPWP 2024 plano",  # human name
      "dpi": 72,                           # template px per inch
      "tag_family": "36h10",               # AprilTag family of the page tags
      "pages": [                           # one entry per page, numbers 1..n, in order
        {
          "page": 2,
          "width": 1701, "height": 2551,   # page size in template px
          "markers": [                     # corner markers (black step-shaped squares), 0..4;
            {"name": "top_left", "x": 80, "y": 110, "w": 30, "h": 30}, ...   # bounding box
          ],
          "tag": {"id": 102,               # AprilTag id; unique across all forms
                  "corners": [[x, y], [x, y], [x, y], [x, y]]},  # aruco order: TL, TR, BR, BL
          "fields": [
            {"name": "suara_paslon_1",     # canonical name (DOMAIN.md §2)
             "label": "IV.1",              # optional, shown on the annotated image
             "boxes": [{"x":..,"y":..,"w":..,"h":..}, x3],   # hundreds, tens, units
             "bubbles": [                  # optional: one column per box, or absent
               {"centers": [[x, y] x10], "radius": 7.0}, x3  # centres of the bubbles 0..9
             ]}
          ],
          "sums": [                        # the page's own sums: Σ lhs = rhs
            {"code": "PASLON_SUM", "lhs": ["suara_paslon_1", ...], "rhs": "suara_sah"}
          ],
          "printed": {                     # optional: drawing our own forms (ocr/forms/)
            "texts": [{"text": "{paslon_1}", "x": .., "y": .., "size": 24,
                       "anchor": "left", "bold": false}],
            "rects": [{"x": .., "y": .., "w": .., "h": .., "stroke": 2, "gray": 0}]
          }
        }
      ],
      "sums": [ ... ]                      # sums across pages (names from any page), same shape
    }

Validation on load: page numbers 1..n in order; field names unique within a form; three boxes per
field, inside the page; bubble columns (if any) one per box with ten centres; every name in a sum
exists (on the page for page sums, in the form for form sums); tag ids unique across the registry.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

TEMPLATE_DIR = Path(__file__).with_name("templates")
DIGITS_PER_NUMBER = 3
BUBBLES_PER_COLUMN = 10

Point = tuple[float, float]
MarkerName = Literal["top_left", "top_right", "bottom_right", "bottom_left"]


class _Model(BaseModel):
    """Strict, immutable base: unknown keys are errors, values cannot change after load."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Box(_Model):
    """An axis-aligned rectangle in template px (a digit box or a marker)."""

    x: float
    y: float
    w: Annotated[float, Field(gt=0)]
    h: Annotated[float, Field(gt=0)]

    @property
    def center(self) -> Point:
        """The centre of the box."""
        return (self.x + self.w / 2, self.y + self.h / 2)


class Marker(Box):
    """A corner marker: its bounding box; its centre is the point used for the homography."""

    name: MarkerName


class BubbleColumn(_Model):
    """The OMR bubbles under one digit box: centres of bubbles 0..9 and their radius."""

    centers: list[Point]
    radius: Annotated[float, Field(gt=0)]

    @field_validator("centers")
    @classmethod
    def _ten_bubbles(cls, centers: list[Point]) -> list[Point]:
        if len(centers) != BUBBLES_PER_COLUMN:
            raise ValueError(
                f"a bubble column has {BUBBLES_PER_COLUMN} centres, got {len(centers)}"
            )
        return centers


class Tag(_Model):
    """The page's AprilTag: its id and its four corners in aruco order (TL, TR, BR, BL)."""

    id: Annotated[int, Field(ge=0)]
    corners: list[Point]

    @field_validator("corners")
    @classmethod
    def _four_corners(cls, corners: list[Point]) -> list[Point]:
        if len(corners) != 4:
            raise ValueError(f"a tag has 4 corners, got {len(corners)}")
        return corners


class FieldLayout(_Model):
    """One number on the page: its canonical name, three digit boxes and optional bubble columns."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str = ""
    boxes: list[Box]
    bubbles: list[BubbleColumn] | None = None

    @model_validator(mode="after")
    def _three_boxes(self) -> FieldLayout:
        if len(self.boxes) != DIGITS_PER_NUMBER:
            raise ValueError(
                f"{self.name}: {DIGITS_PER_NUMBER} boxes needed, got {len(self.boxes)}"
            )
        if self.bubbles is not None and len(self.bubbles) != len(self.boxes):
            raise ValueError(f"{self.name}: one bubble column per box")
        return self


class SumRule(_Model):
    """A sum the form itself states: Σ lhs = rhs (code as in DOMAIN.md §4)."""

    code: str
    lhs: list[str]
    rhs: str

    @property
    def names(self) -> list[str]:
        """Every field name the rule uses."""
        return [*self.lhs, self.rhs]


class PrintedText(_Model):
    """Text printed on the page (used only to render our own forms, never read back).

    ``text`` may hold placeholders filled at render time: ``{contest}`` and ``{paslon_N}``.
    ``x, y`` is the anchor point: the text's left/centre/right end at its vertical middle.
    """

    text: str
    x: float
    y: float
    size: Annotated[float, Field(gt=0)]  # font size in template px
    anchor: Literal["left", "center", "right"] = "left"
    bold: bool = False
    max_w: Annotated[float, Field(gt=0)] | None = None  # shrink the text to fit this width


class PrintedRect(_Model):
    """A rectangle outline (or a line, when w or h is 0) printed on the page, for rendering."""

    x: float
    y: float
    w: Annotated[float, Field(ge=0)]
    h: Annotated[float, Field(ge=0)]
    stroke: Annotated[float, Field(gt=0)] = 1.0
    gray: Annotated[int, Field(ge=0, le=255)] = 0


class Printed(_Model):
    """Everything a renderer needs besides markers, tag, boxes and bubbles (optional)."""

    texts: list[PrintedText] = []
    rects: list[PrintedRect] = []


class PageTemplate(_Model):
    """One page of a form: size, markers, tag, fields and the page's own sums."""

    page: Annotated[int, Field(ge=1)]
    width: Annotated[float, Field(gt=0)]
    height: Annotated[float, Field(gt=0)]
    markers: list[Marker]
    tag: Tag
    fields: list[FieldLayout]
    sums: list[SumRule] = []
    printed: Printed | None = None  # labels, titles, frames: only for rendering our own forms

    @model_validator(mode="after")
    def _consistent(self) -> PageTemplate:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"page {self.page}: duplicate field names")
        for rule in self.sums:
            missing = set(rule.names) - set(names)
            if missing:
                raise ValueError(f"page {self.page}: sum uses unknown fields {sorted(missing)}")
        for field in self.fields:
            for box in field.boxes:
                if (
                    box.x < 0
                    or box.y < 0
                    or box.x + box.w > self.width
                    or box.y + box.h > self.height
                ):
                    raise ValueError(f"page {self.page}: a box of {field.name} is off the page")
        return self

    def field(self, name: str) -> FieldLayout:
        """The field called name (KeyError if the page has none)."""
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)


class FormTemplate(_Model):
    """A whole printed form: its pages and the sums that span pages."""

    form: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: str
    dpi: Annotated[float, Field(gt=0)]
    tag_family: Literal["36h10"] = "36h10"
    pages: list[PageTemplate]
    sums: list[SumRule] = []

    @model_validator(mode="after")
    def _consistent(self) -> FormTemplate:
        numbers = [p.page for p in self.pages]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"{self.form}: pages must be numbered 1..n in order, got {numbers}")
        names = [f.name for p in self.pages for f in p.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.form}: a field name appears on two pages")
        for rule in self.sums:
            missing = set(rule.names) - set(names)
            if missing:
                raise ValueError(
                    f"{self.form}: cross-page sum uses unknown fields {sorted(missing)}"
                )
        return self

    def page_template(self, page: int) -> PageTemplate:
        """Page number `page` (1-based); KeyError if the form has no such page."""
        if not 1 <= page <= len(self.pages):
            raise KeyError(page)
        return self.pages[page - 1]


class TemplateError(ValueError):
    """A template file is missing or invalid (names the file and the reason)."""


def parse_form(text: str, *, source: str = "<string>") -> FormTemplate:
    """Validate one template file's JSON text; raises TemplateError naming the source."""
    try:
        return FormTemplate.model_validate_json(text)
    except ValidationError as exc:
        raise TemplateError(f"{source}: {exc}") from exc


def load_form_file(path: Path) -> FormTemplate:
    """Load and validate one template file."""
    return parse_form(path.read_text(encoding="utf-8"), source=str(path))


@lru_cache(maxsize=8)
def _registry(directory: Path) -> dict[str, FormTemplate]:
    forms: dict[str, FormTemplate] = {}
    tag_owner: dict[int, str] = {}
    for path in sorted(directory.glob("*.json")):
        form = load_form_file(path)
        if form.form in forms:
            raise TemplateError(f"{path}: form id {form.form!r} defined twice")
        for page in form.pages:
            owner = tag_owner.setdefault(page.tag.id, f"{form.form} p{page.page}")
            if owner != f"{form.form} p{page.page}":
                raise TemplateError(f"{path}: tag id {page.tag.id} already used by {owner}")
        forms[form.form] = form
    return forms


def load_forms(directory: Path | None = None) -> dict[str, FormTemplate]:
    """Every form in the template directory (default: the shipped one), keyed by form id."""
    return _registry((directory or TEMPLATE_DIR).resolve())


def load_form(form_id: str, directory: Path | None = None) -> FormTemplate:
    """The form with this id; TemplateError if there is none."""
    forms = load_forms(directory)
    if form_id not in forms:
        raise TemplateError(f"no template for form {form_id!r}; known: {sorted(forms)}")
    return forms[form_id]


def find_page_by_tag(tag_id: int, directory: Path | None = None) -> tuple[FormTemplate, int] | None:
    """The form and page number that carry this AprilTag id, or None."""
    for form in load_forms(directory).values():
        for page in form.pages:
            if page.tag.id == tag_id:
                return form, page.page
    return None
