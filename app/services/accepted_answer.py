"""What a new submission changed: per field it carried, the value now accepted and, when that
is not the one just sent, which submission outranks it and how to replace it (docs/rules.md).

Computed in the request from the submissions of the TPS and contest stored at that moment (the
same accepted-value rule the recheck applies to them), so it needs no recheck first."""

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.accepted import AcceptedValue, source_rank
from app.domain.provenance import correction_problem
from app.schemas.results import FieldOutcome


@dataclass(frozen=True)
class Author:
    """Who sent a submission, as the correction rules see it."""

    id: int
    source: str
    submitted_by: str


def field_outcomes(
    *,
    sent: Author,
    values: Mapping[str, int | None],
    accepted: Mapping[str, AcceptedValue],
    authors: Mapping[int, Author],
) -> dict[str, FieldOutcome]:
    """The accepted value of each field the submission `sent` carries (`values`), given the
    accepted values of its TPS and contest and the authors of the submissions they came from."""
    out = {}
    for name in sorted(values):
        got = accepted.get(name)
        winner = authors.get(got.submission_id) if got is not None else None
        if got is None or winner is None:  # nothing accepted for the field (e.g. a blank)
            out[name] = FieldOutcome(accepted=None, submission_id=None, source="")
            continue
        same = got.value == values.get(name)  # another source with the same number
        out[name] = FieldOutcome(
            accepted=got.value, submission_id=winner.id, source=winner.source,
            outranked_by=None if same or winner.id == sent.id else _why(sent, winner),
        )  # fmt: skip
    return out


def _why(sub: Author, winner: Author) -> str:
    """A sentence: why the value sent is not the accepted one, and what would replace it."""
    if source_rank(winner.source) < source_rank(sub.source):
        head = f"a {winner.source} submission (#{winner.id}) outranks {sub.source}"
    else:
        head = f"submission #{winner.id} ({winner.source}) is accepted by the accepted-value rule"
    if correction_problem(
        source=sub.source, author=sub.submitted_by, target_source=winner.source,
        target_author=winner.submitted_by,
    ):  # fmt: skip
        return f"{head}; only a plenary correction (source plenary, with a reason) replaces it"
    return f"{head}; send corrects: {winner.id} to replace it"
