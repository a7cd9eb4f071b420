"""Which form and page is this photo? The AprilTag says; without it, the printed boxes do.

With a tag: its id names the form and page; a hint (what the uploader said) that disagrees is a
`WrongPage`. Without a tag, every candidate page (of the hinted form or family, else of every
known form) is tried: the photo is registered once per page geometry (markers, else page
outline, see `rectify`) and the page whose digit-box frames are found most clearly wins
(`verify.frame_match`), if it wins clearly; a hinted page that is not the winner is a
`WrongPage`, and no clear winner is `NotCForm` (tag-less photos are the exception: every page
carries its tag).

The printed text is the second witness without a tag (`page_text`: one Tesseract pass over the
header band of the best registration): its 'PRESIDEN' / 'GUBERNUR'... narrows the candidates to
a form family, and its 'Halaman n dari 3' must agree with a clear frame winner (else `NotCForm`)
or, when the frames alone are not clear, names the page (if that page's frames are at least
`TEXT_MIN_MATCH`). `Identified.identified_by` records which evidence decided: tag, frames,
text or frames+text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ocr.errors import MarkersNotFound, NotCForm, OcrError, WrongPage
from ocr.locate import TagHit, detect_tags
from ocr.page_text import PageText, header_band, read_page_text
from ocr.rectify import Registration, rectify_page, register_page
from ocr.templates import FormTemplate, PageTemplate, load_forms
from ocr.verify import frame_match

Gray = npt.NDArray[np.uint8]

# Frame clarity (verify.frame_match): about 1 where nothing is printed, 1.3-1.9 for a wrong
# page or a wrong registration on real photos, 2-7 for the right page. Without a tag the
# answer must be clear, or there is none (a wrong page would give wrong numbers).
MIN_MATCH = 2.2
MARGIN = 1.25  # the best page must beat every other page number by this factor
TEXT_MIN_MATCH = 1.5  # the page the printed text names still needs its frames roughly found


@dataclass(frozen=True)
class Identified:
    """The template a photo shows, and (without a tag) its registration and rectified page."""

    form: FormTemplate
    page: PageTemplate
    tag: TagHit | None = None
    registration: Registration | None = None
    rectified: Gray | None = None
    identified_by: str = "tag"  # tag | frames | text | frames+text
    page_text: str | None = None  # the 'Halaman n dari 3' line as read, when it was read


def matches(form_id: str, hint: str | None) -> bool:
    """True when the form id is the hinted form or belongs to the hinted family."""
    return hint is None or form_id == hint or form_id.startswith(hint + "-")


def identify_page(
    gray: Gray,
    *,
    form: str | None,
    page: int | None,
    forms: Mapping[str, FormTemplate] | None = None,
) -> Identified:
    """The template this photo shows (see the module docstring); WrongPage or NotCForm.
    `forms` is the template registry (default: the shipped templates)."""
    forms = load_forms() if forms is None else forms
    by_tag = {p.tag.id: (f, p) for f in forms.values() for p in f.pages}
    tags = detect_tags(gray, tuple(sorted(by_tag)))
    if not tags:
        candidates = [f for f in forms.values() if matches(f.form, form)]
        hinted = form is not None or page is not None
        return _identify_without_tag(gray, candidates, page, hinted=hinted)
    tag = max(tags, key=lambda t: float(np.ptp(t.corners[:, 0]) * np.ptp(t.corners[:, 1])))
    form_t, page_t = by_tag[tag.id]
    if not matches(form_t.form, form) or (page is not None and page != page_t.page):
        said = f"{form or 'the form'} page {page if page is not None else page_t.page}"
        raise WrongPage(
            f"the photo shows {form_t.form} page {page_t.page} (tag {tag.id}), not {said}",
            found_form=form_t.form,
            found_page=page_t.page,
        )
    return Identified(form_t, page_t, tag)


def _identify_without_tag(
    gray: Gray, forms: list[FormTemplate], page: int | None, *, hinted: bool
) -> Identified:
    """The best-matching page among the candidates, by its printed frames and printed text."""
    scored = _score_pages(gray, forms)
    if not scored:
        if hinted:  # the uploader says it is a C.Hasil page: its markers are what is missing
            raise MarkersNotFound("no page tag, no corner markers and no page outline found")
        raise NotCForm("no page tag, and no corner markers or page outline of a known form")
    best = max(scored, key=lambda s: s[0])[1]
    assert best.rectified is not None
    found = _choose(scored, read_page_text(header_band(best.rectified)))
    if page is None or found.page.page == page:
        return found
    raise WrongPage(
        f"the printed page ({found.identified_by}) is {found.form.form} page {found.page.page},"
        f" not page {page}",
        found_form=found.form.form,
        found_page=found.page.page,
    )


def _score_pages(gray: Gray, forms: list[FormTemplate]) -> list[tuple[float, Identified]]:
    """Every candidate page that registers, with the clarity of its frames on the photo."""
    scored: list[tuple[float, Identified]] = []
    registered: dict[tuple[object, ...], tuple[Registration, Gray] | None] = {}
    for form_t in forms:
        for page_t in form_t.pages:
            key = (page_t.width, page_t.height, tuple(page_t.markers))
            if key not in registered:
                registered[key] = _register(gray, page_t)
            if registered[key] is None:
                continue
            registration, rectified = registered[key]  # type: ignore[misc]
            found = Identified(form_t, page_t, None, registration, rectified, "frames")
            scored.append((frame_match(rectified, page_t), found))
    return scored


def _choose(scored: list[tuple[float, Identified]], text: PageText) -> Identified:
    """The page the frames and the text agree on (see the module docstring), or NotCForm."""
    family = [s for s in scored if text.family and s[1].form.form.startswith(text.family)]
    scored = family or scored
    best_score, best = max(scored, key=lambda s: s[0])
    others = [s for s, i in scored if i.page.page != best.page.page]
    clear = best_score >= MIN_MATCH and not (others and best_score < MARGIN * max(others))
    if text.page is None:
        if clear:
            return best
        if best_score < MIN_MATCH:
            raise NotCForm("no page tag, and no known form's digit boxes are clear on the photo")
        raise NotCForm("no page tag, and the printed boxes do not tell the pages apart")
    if clear and best.page.page != text.page:
        raise NotCForm(
            f"no page tag; the printed boxes match page {best.page.page} but the printed "
            f"text says '{text.line}'"
        )
    if clear:
        return replace(best, identified_by="frames+text", page_text=text.line)
    named_pages = [(s, i) for s, i in scored if i.page.page == text.page]
    score, named = max(named_pages, key=lambda s: s[0]) if named_pages else (0.0, best)
    if score < TEXT_MIN_MATCH:
        raise NotCForm(f"no page tag; the text says '{text.line}' but its boxes are not clear")
    return replace(named, identified_by="text", page_text=text.line)


def _register(gray: Gray, page: PageTemplate) -> tuple[Registration, Gray] | None:
    """Tag-less registration to one page geometry, and the rectified photo; None if it fails."""
    try:
        registration = register_page(gray, page, None, refine=False)
    except OcrError:
        return None
    return registration, rectify_page(gray, registration, page)
