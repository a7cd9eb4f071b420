"""The page reader: decode → locate → rectify → cells → digits → bubbles → fuse → sums.

`read_page` never lets a bad photo raise: every `OcrError` becomes a `PageReading` whose status
says what went wrong (unreadable, not_cform, markers_not_found, wrong_page) and why. A page read
is ``read`` only when every field is at or above the acceptance line, else ``needs_review``.
`read_pages` reads the pages of one TPS together and applies the sums that span pages.

What the crop can be trusted for caps each field's confidence (`FieldReading.limit`): a
registration that places too few fields or with a poor residual, frames not found, a box whose
own frame lines are not where the crop is (bare paper read as a confident blank, or a printed
line read as a 1), and on a heavily blurred photo an empty box the photo as taken does not show
empty (`ocr.blurred`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ocr.blur import EMPTY_MAX, Restored, restore
from ocr.blurred import FieldCheck, empty_boxes, register_blurred, weigh
from ocr.bubbles import read_column
from ocr.cells import EDGE_MIN, BoxCrop, crop_boxes, guides_only
from ocr.decode import ImageInput, decode_image
from ocr.errors import OcrError, WrongPage
from ocr.fuse import (
    BLANK_CLASS,
    BUBBLE_NONE,
    DISAGREE_CAP,
    X_CLASS,
    Probs,
    alternatives,
    bubbles_agree,
    bubbles_text,
    digits_text,
    fuse_box,
    value_masses,
)
from ocr.identify import Identified, identify_page
from ocr.locate import TagHit
from ocr.reading import ACCEPT_LINE, FieldReading, PageReading, failure, judge
from ocr.rectify import (
    Registration,
    Seed,
    evidence_seeds,
    rectify_page,
    refine_registration,
    register_page,
)
from ocr.sums import decode_with_sums
from ocr.templates import FieldLayout, FormTemplate, PageTemplate, SumRule, load_forms

FRAME_MIN = 1.2  # frame clarity (cells.frames_offset) below which the crop is not trusted
NO_FRAME_CAP = 0.3
# The registration's measured quality (rectify, align): the share of fields whose printed frames
# sit where it puts them, and the residual of the points it kept. What evidence it came from
# (tag, markers, outline) no longer matters: the frames check every path alike.
PLACED_MIN = 0.8  # share of fields placed below which the registration is not trusted
POOR_FIT_PX = 5.0  # template px RMS (72 dpi: ~1.8 mm) above which the fit is poor
REGISTRATION_CAP = 0.7  # below the acceptance line and above the caps that say more
UNFRAMED_CAP = 0.5  # a box whose own frame lines are not where its crop is
BLURRED_EMPTY_CAP = 0.7  # an empty box on a photo blurred beyond blur.EMPTY_MAX
Limit = tuple[float, tuple[str, ...]]
IMPLIED_MIN = 1e-9  # a sum-implied value with less probability than this is not a candidate


class DigitClassifier(Protocol):
    """The digit model's interface (ocr.readers.DigitModel): crops → (N, 12) probabilities."""

    def classify(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Probabilities over 0-9, X, blank; one row per crop."""
        ...


def _default_model() -> DigitClassifier:
    """The committed digit model, loaded once (imported late: it reads a model file)."""
    from ocr.readers import default_digit_model

    return default_digit_model()


@dataclass(frozen=True)
class Located:
    """A photo's page found and registered: what `read_page` crops its boxes from."""

    found: Identified
    restored: Restored  # the photo to read (deconvolved beyond blur.DEBLUR_MIN) and its blur
    registration: Registration
    rectified: np.ndarray  # `restored.gray` warped onto the template
    # On a deconvolved photo, what the blurred photo as taken shows of each field's boxes.
    checks: dict[str, FieldCheck] = field(default_factory=dict)


def locate_page(
    image: ImageInput,
    *,
    form: str | None = None,
    page: int | None = None,
    forms: Mapping[str, FormTemplate] | None = None,
) -> Located:
    """Decode, identify, measure the blur (deconvolving a heavy one) and register a photo;
    `OcrError` (or `WrongPage`) when it cannot be done. On a deconvolved photo the registration
    and the boxes are checked again on the photo as taken (`ocr.blurred`)."""
    decoded = decode_image(image)
    found = identify_page(decoded.gray, form=form, page=page, forms=forms)
    page_t, tag = found.page, found.tag
    restored = restore(decoded.gray, tag, page_t)  # a heavy blur undone (measured on the tag)
    gray = restored.gray
    seeds: list[Seed] | None = None
    registration = found.registration
    if registration is None:
        seeds = evidence_seeds(gray, page_t, tag)
        registration = refine_registration(gray, page_t, seeds)
    if not registration.refined:  # tag-less: the page was chosen on its unrefined seed
        registration = register_page(gray, page_t, None)
    checks: dict[str, FieldCheck] = {}
    if restored.deblurred:
        sigma = restored.sigma_template
        seeds = seeds if seeds is not None else evidence_seeds(gray, page_t, tag)
        registration = _blurred_registration(decoded.gray, page_t, tag, registration, seeds, sigma)
        checks = empty_boxes(rectify_page(decoded.gray, registration, page_t), page_t, sigma)
    rectified = rectify_page(gray, registration, page_t)
    return Located(found, restored, registration, rectified, checks)


def read_page(
    image: ImageInput,
    *,
    form: str | None = None,
    page: int | None = None,
    model: DigitClassifier | None = None,
    forms: Mapping[str, FormTemplate] | None = None,
    line: float = ACCEPT_LINE,
) -> PageReading:
    """Read one photo of a C.Hasil page. `form` (a form id or its family prefix, e.g.
    ``ppwp-plano-2024`` or ``kwk-plano-2024``) and `page` are what the uploader said it is:
    a tag that says otherwise gives a ``wrong_page`` reading. `forms` replaces the shipped
    template registry (``ocr.templates.load_forms(directory)`` for forms kept elsewhere).
    `line` is the acceptance line that decides ``read`` or ``needs_review``."""
    try:
        located = locate_page(image, form=form, page=page, forms=forms)
    except WrongPage as exc:
        return failure("wrong_page", str(exc), form=exc.found_form, page=exc.found_page)
    except OcrError as exc:
        return failure(exc.status, str(exc), form=form, page=page)
    found, restored, registration = located.found, located.restored, located.registration
    form_t, page_t, rectified, checks = found.form, found.page, located.rectified, located.checks
    crops = crop_boxes(rectified, page_t, registration.frames)
    probs = (model or _default_model()).classify([c.image for c in crops])
    fit = registration_limit(registration)
    evidence = {
        f.name: _field_evidence(
            rectified, f, crops, probs, fit, restored.sigma_template, checks.get(f.name)
        )
        for f in page_t.fields
    }
    reading = PageReading(
        status="read",
        form=form_t.form,
        page=page_t.page,
        registration=_registration_info(registration, found, restored),
        rectified=rectified,
        fields=evidence,
    )
    return judge(apply_sums(reading, page_rules(form_t, page_t)), line)


def _blurred_registration(
    photo: np.ndarray,
    page: PageTemplate,
    tag: TagHit | None,
    registration: Registration,
    seeds: list[Seed],
    sigma: float,
) -> Registration:
    """On a deconvolved photo, the registration as found when its frames place every field;
    else the one the blurred frames of the photo as taken place best (`blurred.register_blurred`,
    from the registration and each of the evidence's seeds), when it places more. (The
    deconvolved photo's ringing can put a field's frames a row or a few px off.)"""
    if registration.placed >= 1.0:
        return registration
    starts = [registration.image_to_template]
    starts += [seed.image_to_template for seed, _ in seeds]
    fit = register_blurred(photo, page, tag, sigma, starts)
    if fit is None or not fit.placed > registration.placed:
        return registration
    return Registration(
        fit.image_to_template,
        registration.method + "+blurred-frames",
        registration.markers_found,
        fit.rms,
        fit.placed,
        True,
    )


def registration_limit(registration: Registration) -> Limit:
    """The most confidence any field gets from this registration: 1 when the printed frames
    of at least PLACED_MIN of the fields are where it puts them and its residual (when it has
    one) is within POOR_FIT_PX, else REGISTRATION_CAP."""
    if not registration.placed >= PLACED_MIN:  # NaN (never checked) is not placed
        return REGISTRATION_CAP, (
            f"registration places {_share(registration.placed)} of the fields",
        )
    if registration.rms_error > POOR_FIT_PX:  # NaN: no residual (an outline), the frames judge
        return REGISTRATION_CAP, (f"registration residual {registration.rms_error:.1f} px",)
    return 1.0, ()


def _share(placed: float) -> str:
    return "0%" if placed != placed else f"{round(100 * placed)}%"


def _field_limit(
    boxes: Probs,
    crops: list[BoxCrop],
    frame: float,
    fit: Limit,
    blur: float = float("nan"),
    check: FieldCheck | None = None,
) -> Limit:
    """The field's cap: the registration's, frames not found, an empty box without its frame,
    an empty box on a photo blurred beyond `blur.EMPTY_MAX` (template px) unless the blurred
    photo shows it empty (`check`: `blurred.empty_boxes`; when it shows every box of the field
    empty and the model reads them so, its frames were found there too)."""
    caps = [fit] if fit[1] else []
    blank = [int(np.argmax(b)) == BLANK_CLASS for b in boxes]
    verified = list(check.empty) if check is not None else [False] * len(blank)
    if all(blank) and all(verified):
        return fit
    if blur > EMPTY_MAX and any(b and not v for b, v in zip(blank, verified, strict=True)):
        # A pen stroke blurred this much can fade into the paper: "empty" may be a lost digit
        # (a blurred copy of the real page 2, σ 4.7 template px, read its written 32 as not
        # filled at 0.88 from the blurred crops).
        caps.append((BLURRED_EMPTY_CAP, (f"empty box on a photo blurred by {blur:.1f} px",)))
    if frame < FRAME_MIN:
        caps.append((NO_FRAME_CAP, ("frames not found",)))
    unframed = [c.edges < EDGE_MIN for c in crops]
    empty = [int(np.argmax(b)) >= X_CLASS for b in boxes]
    if any(u and e for u, e in zip(unframed, empty, strict=True)):
        caps.append((UNFRAMED_CAP, ("empty box without its frame lines",)))
    elif any(unframed):  # a printed line or the next box's frame read as a digit
        caps.append((UNFRAMED_CAP, ("box without its frame lines",)))
    if not caps:
        return 1.0, ()
    return min(c for c, _ in caps), tuple(why for _, reasons in caps for why in reasons)


def _field_evidence(
    rectified: np.ndarray,
    field: FieldLayout,
    crops: list[BoxCrop],
    probs: np.ndarray,
    fit: Limit = (1.0, ()),
    blur: float = float("nan"),
    check: FieldCheck | None = None,
) -> FieldReading:
    """A field's fused box probabilities and bubble reading, before the sums. `blur` is the
    photo's blur in template px (NaN: not measured); `check` what the blurred photo shows of
    its boxes (a deconvolved photo only)."""
    rows = [i for i, c in enumerate(crops) if c.field == field.name]
    boxes: Probs = np.asarray(probs[rows], dtype=np.float64)
    if check is not None:
        boxes = weigh(boxes, check.empty)
    columns: list[Probs] = []
    if field.bubbles is not None:
        columns = [
            read_column(rectified, col, crops[i].offset)
            for col, i in zip(field.bubbles, rows, strict=True)
        ]
    per_box: list[Probs | None] = list(columns) if columns else [None] * len(rows)
    fused = np.stack([fuse_box(b, c) for b, c in zip(boxes, per_box, strict=True)])
    alts = alternatives(fused)
    masses, _ = value_masses(fused)
    agree = bubbles_agree(boxes, columns) if columns else None
    if agree is False and _guides_agree(boxes, columns, [crops[i] for i in rows]):
        agree = True
    frame = min(crops[i].frame_score for i in rows)
    limit, limited_by = _field_limit(boxes, [crops[i] for i in rows], frame, fit, blur, check)
    return FieldReading(
        name=field.name,
        value=alts[0][0] if alts else None,
        confidence=_confidence(alts[0][1] if alts else 0.0, agree, limit),
        alternatives=alts,
        boxes=[crops[i].rect for i in rows],
        digits=digits_text(boxes),
        bubbles=bubbles_text(columns) if columns else None,
        bubbles_agree=agree,
        frame_score=frame,
        limit=limit,
        limited_by=limited_by,
        masses=masses,
    )


def _guides_agree(boxes: Probs, columns: list[Probs], crops: list[BoxCrop]) -> bool:
    """Boxes and bubbles agree after all when every box that disagrees holds only the form's
    printed guide dots (`cells.guides_only`) read as a digit, under a column with no bubble
    blackened: the bubbles' 'empty' is then the better evidence (KPU's blank form reads "474"
    from its dotted 7-segment guides)."""
    for box, column, crop in zip(boxes, columns, crops, strict=True):
        if bubbles_agree(box[None, :], [column]):
            continue
        if int(np.argmax(column)) != BUBBLE_NONE or not guides_only(crop.image):
            return False
    return True


def _confidence(p: float, agree: bool | None, limit: float) -> float:
    """A value's probability, capped by what its crop allows (`_field_limit`) and when its
    boxes and bubbles disagree."""
    p = min(p, limit)
    return min(p, DISAGREE_CAP) if agree is False else p


def _registration_info(
    registration: Registration, found: Identified, restored: Restored
) -> dict[str, object]:
    """How the page was identified and registered, for the reading's JSON."""
    blur = restored.sigma_template
    return {
        "identified_by": found.identified_by,
        "page_text": found.page_text,
        "method": registration.method,
        "tag_id": found.tag.id if found.tag is not None else None,
        "markers": list(registration.markers_found),
        "rms_error_px": round(registration.rms_error, 2),
        "fields_placed": None
        if registration.placed != registration.placed
        else round(registration.placed, 3),
        "blur_px": None if blur != blur else round(blur, 1),
        "deblurred": restored.deblurred,
    }


def page_rules(form: FormTemplate, page: PageTemplate) -> list[SumRule]:
    """The page's own sums plus the form's sums whose fields are all on this page."""
    names = {f.name for f in page.fields}
    return [*page.sums, *(r for r in form.sums if set(r.names) <= names)]


def apply_sums(
    reading: PageReading, rules: Sequence[SumRule], cross: frozenset[str] = frozenset()
) -> PageReading:
    """Decode the reading's fields under the sums; values, confidences and checks updated."""
    candidates = implied_candidates(reading.fields, rules)
    decoded = decode_with_sums(candidates, rules, cross_page=cross)
    fields = {}
    for name, f in reading.fields.items():
        value = decoded.values.get(name, f.value)
        # Already capped by the decoder for every field of a sum that forced a change.
        p = decoded.confidence.get(name, dict(f.alternatives).get(value, 0.0))
        confidence = _confidence(p, f.bubbles_agree, f.limit)
        fields[name] = FieldReading(
            **{
                **f.__dict__,
                "value": value,
                "confidence": confidence,
                "forced": name in decoded.changed,
            }
        )
    return PageReading(**{**reading.__dict__, "fields": fields, "checks": decoded.checks})


def implied_candidates(
    fields: Mapping[str, FieldReading], rules: Sequence[SumRule]
) -> dict[str, list[tuple[int | None, float]]]:
    """Each field's alternatives, plus the value a broken sum implies for it when the boxes
    give that value some probability (a digit the model half-missed, not in the top few)."""
    out = {name: list(f.alternatives) for name, f in fields.items()}
    best = {name: f.alternatives[0][0] if f.alternatives else None for name, f in fields.items()}
    for rule in rules:
        found = [best.get(n) for n in rule.names]
        parts = [v for v in found if v is not None]
        if len(parts) < len(found) or sum(parts[:-1]) == parts[-1]:
            continue
        for k, name in enumerate(rule.names):
            # The value that would make the sum hold, the other fields as read.
            if k == len(parts) - 1:
                implied = sum(parts[:-1])
            else:
                implied = parts[-1] - (sum(parts[:-1]) - parts[k])
            masses = fields[name].masses
            known = {v for v, _ in out[name]}
            if masses is not None and 0 <= implied <= 999 and implied not in known:
                if masses[implied] >= IMPLIED_MIN:
                    out[name].append((implied, float(masses[implied])))
    return out


def read_pages(
    images: Sequence[ImageInput],
    *,
    form: str | None = None,
    model: DigitClassifier | None = None,
    forms: Mapping[str, FormTemplate] | None = None,
    line: float = ACCEPT_LINE,
) -> list[PageReading]:
    """Read the pages of one TPS (each identified by its tag) and apply cross-page sums."""
    readings = [
        read_page(image, form=form, model=model, forms=forms, line=line) for image in images
    ]
    return combine_pages(readings, forms, line)


def combine_pages(
    readings: Sequence[PageReading],
    forms: Mapping[str, FormTemplate] | None = None,
    line: float = ACCEPT_LINE,
) -> list[PageReading]:
    """Re-decode the read pages of one form together: page sums plus sums across pages; each
    page's status judged again on the new confidences."""
    read = [r for r in readings if r.ok and r.form is not None]
    if not read:
        return list(readings)
    form = (load_forms() if forms is None else forms)[str(read[0].form)]
    merged = PageReading(
        status="read", form=form.form, fields={n: f for r in read for n, f in r.fields.items()}
    )
    pages = {r.page for r in read}
    rules = [*(s for p in form.pages if p.page in pages for s in p.sums), *form.sums]
    cross = frozenset(r.code for r in form.sums)
    joint = apply_sums(merged, rules, cross)
    out = []
    for r in readings:
        if not (r.ok and r.form == form.form):
            out.append(r)
            continue
        names = set(r.fields)
        fields = {n: joint.fields[n] for n in r.fields}
        checks = [c for c in joint.checks if names & {*c.lhs, c.rhs}]
        out.append(judge(PageReading(**{**r.__dict__, "fields": fields, "checks": checks}), line))
    return out
