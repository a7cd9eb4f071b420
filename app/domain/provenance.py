"""Which source a writer's C.Hasil submission carries, and which submissions it may correct.

The source decides the accepted value (`accepted.py`: plenary > review > ppk > app > ...), so it
follows from who writes, never from the body alone: a device key (the KPPS app, a witness app)
writes `app`; a PPK, or an admin, writes `ppk`, or `plenary` for a correction decided at the
kecamatan plenary (with a reason). A correction (`corrects`) may only replace what the writer's
own source may replace. docs/rules.md "Who may write and correct what".
"""

from typing import Final

from app.domain.accepted import SOURCE_PRIORITY

# Sources each writing role may give its submissions; the first is the default.
WRITER_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "kpps": ("app",),
    "ppk": ("ppk", "plenary"),
    "admin": ("ppk", "plenary"),
}
# Sources of the submissions a new submission of a source may correct (supersede). An `app`
# submission corrects only submissions of the same device key (checked in correction_problem):
# one phone must not erase another's or a witness's numbers. Only the plenary undoes the plenary.
CORRECTABLE: Final[dict[str, frozenset[str]]] = {
    "app": frozenset({"app"}),
    "ppk": frozenset({"app", "demo", "ocr", "sirekap", "review", "ppk"}),
    "plenary": frozenset(SOURCE_PRIORITY),
}


def default_source(role: str) -> str:
    """The source of a submission by `role` that names none (`role` must be a writer)."""
    return WRITER_SOURCES[role][0]


def source_problem(role: str, claimed: str | None) -> str | None:
    """Why `role` may not write a submission of source `claimed` (a sentence), or None."""
    allowed = WRITER_SOURCES.get(role, ())
    if not allowed:
        return f"a {role} does not submit results"
    if claimed is None or claimed in allowed:
        return None
    return f"a {role} submits source {' or '.join(allowed)}, not {claimed}"


def correction_problem(
    *, source: str, author: str, target_source: str, target_author: str
) -> str | None:
    """Why a submission of `source` by `author` may not correct the target (a sentence), or None."""
    if target_source not in CORRECTABLE.get(source, frozenset()):
        return f"a {source} submission may not correct a {target_source} submission"
    if source == "app" and target_author != author:
        return "a device may correct only its own submissions"
    return None
