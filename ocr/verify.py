"""Is this the page it was said to be? Without a tag, the printed digit-box frames decide.

A page registered by its tag is identified by the tag. One registered without it (markers or
page outline, on the uploader's word) is checked by looking for the printed frames of every
page of the form on the rectified photo: when another page's frames are found much more clearly
than the claimed page's, the photo is that other page (`WrongPage`). The PPWP pages share their
size and markers, so one rectified image serves them all.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ocr.cells import FIELD_SEARCH, frames_offset
from ocr.errors import WrongPage
from ocr.templates import FormTemplate, PageTemplate

Gray = npt.NDArray[np.uint8]

CLEARER = 1.5  # how much better another page's frames must match to call the photo that page


def frame_match(rectified: Gray, page: PageTemplate) -> float:
    """The median clarity of the page's field frames on the rectified photo (~1: none there)."""
    scores = [frames_offset(rectified, f.boxes, search=FIELD_SEARCH)[1] for f in page.fields]
    return float(np.median(scores)) if scores else 0.0


def check_claimed_page(rectified: Gray, form: FormTemplate, page: PageTemplate) -> None:
    """Raise WrongPage when another same-size page of the form fits the photo clearly better."""
    claimed = frame_match(rectified, page)
    for other in form.pages:
        if other.page == page.page or (other.width, other.height) != (page.width, page.height):
            continue
        if frame_match(rectified, other) > CLEARER * max(claimed, 0.5):
            raise WrongPage(
                f"the printed boxes match {form.form} page {other.page}, not page {page.page}",
                found_form=form.form,
                found_page=other.page,
            )
