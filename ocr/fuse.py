"""Stage 6, fuse: box and bubble evidence → per-digit probabilities → number alternatives.

Per box, the classifier's 12 classes (0-9, X, blank) are multiplied by what the bubble column
under it says (a small floor keeps a column from vetoing a box outright), and a number whose
boxes and bubbles disagree never gets more than `DISAGREE_CAP` confidence.
A number's probability is the sum over the box patterns that spell it: "032", "X32" and "_32"
are all 32; "XX3" and "__3" are 3; three empty boxes are *not filled* (None), never 0.
Patterns that spell nothing ("3_2", a units box crossed out) keep their mass out of every value,
which lowers the confidence of all of them.
The sum-constrained choice among the alternatives lives in `ocr.sums`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ocr.reading import Value

Probs = npt.NDArray[np.float64]

N_CLASSES = 12
X_CLASS, BLANK_CLASS = 10, 11
BUBBLE_NONE = 10
# What a box keeps when its bubble column clearly says something else. Low on purpose: a clearly
# blackened bubble is a stronger signal than a handwriting classifier (97-99% at best on real
# writing); the disagreement itself is reported (bubbles_agree) and caps the confidence.
BUBBLE_FLOOR = 0.001  # about the error rate of OMR on a clearly blackened column
DISAGREE_CAP = 0.6  # the most confidence a number gets when its boxes and bubbles disagree
MAX_ALTERNATIVES = 10  # kept per number: the candidates the sums choose among
MIN_ALTERNATIVE = 1e-7
CLASS_TEXT = "0123456789X_"


def bubble_likelihood(column: Probs) -> Probs:
    """The bubble column's support for each of the 12 box classes.

    An empty leading box (X or blank) goes with an empty column or a blackened 0: officers do both.
    """
    like = np.empty(N_CLASSES)
    like[:10] = column[:10]
    like[X_CLASS] = like[BLANK_CLASS] = column[BUBBLE_NONE] + column[0]
    return like


def fuse_box(box: Probs, column: Probs | None) -> Probs:
    """Per-box class probabilities from the classifier and (when present) the bubble column."""
    box = np.asarray(box, dtype=np.float64)
    fused: Probs = box
    if column is not None:
        fused = box * (BUBBLE_FLOOR + bubble_likelihood(np.asarray(column, dtype=np.float64)))
    out: Probs = fused / max(float(fused.sum()), 1e-12)
    return out


def value_masses(boxes: Probs) -> tuple[Probs, float]:
    """Probability of every value 0..999 (index = value) and of "not filled", for 3 boxes.

    `boxes` is (3, 12): hundreds, tens, units. The masses sum to at most 1.
    """
    h, t, u = (np.asarray(b, dtype=np.float64) for b in boxes)
    eh, et, eu = (b[X_CLASS] + b[BLANK_CLASS] for b in (h, t, u))
    masses = np.einsum("i,j,k->ijk", h[:10], t[:10], u[:10])
    masses[0] += eh * np.outer(t[:10], u[:10])  # "X32", "_32"
    masses[0, 0] += eh * et * u[:10]  # "XX3", "__3"
    return masses.ravel(), float(eh * et * eu)


def alternatives(boxes: Probs, limit: int = MAX_ALTERNATIVES) -> list[tuple[Value, float]]:
    """The most probable readings of a number, best first: [(value or None, p), ...]."""
    masses, empty = value_masses(boxes)
    order = np.argsort(masses)[::-1][:limit]
    out: list[tuple[Value, float]] = [
        (int(v), float(masses[v])) for v in order if masses[v] >= MIN_ALTERNATIVE
    ]
    if empty >= MIN_ALTERNATIVE:
        out.append((None, empty))
    out.sort(key=lambda vp: vp[1], reverse=True)
    return out[:limit]


def digits_text(boxes: Probs) -> str:
    """The top class of each box as text: digits, 'X' or '_' (blank)."""
    return "".join(CLASS_TEXT[int(np.argmax(b))] for b in boxes)


def bubbles_text(columns: list[Probs]) -> str:
    """The bubbles' reading per column: the blackened digit, or '-' for none."""
    return "".join(
        "-" if int(np.argmax(c)) == BUBBLE_NONE else str(int(np.argmax(c))) for c in columns
    )


def bubbles_agree(boxes: Probs, columns: list[Probs]) -> bool:
    """True when every box's top class matches its column (an empty box: none or 0 blackened)."""
    for box, column in zip(boxes, columns, strict=True):
        digit, bubble = int(np.argmax(box)), int(np.argmax(column))
        if digit >= 10:
            if bubble not in (BUBBLE_NONE, 0):
                return False
        elif digit != bubble:
            return False
    return True
