"""What a new submission changed: per field it carried, the value now accepted and, when that
is not the one just sent, which submission outranks it and how to replace it (docs/rules.md)."""

from sqlmodel import Session, select

from app.domain.accepted import source_rank
from app.domain.provenance import correction_problem
from app.models import Submission, TpsResult
from app.schemas.results import FieldOutcome


def field_outcomes(*, session: Session, submission: Submission) -> dict[str, FieldOutcome]:
    """The accepted value of each field the submission carries, after its recheck."""
    row = session.exec(
        select(TpsResult).where(
            TpsResult.tps_code == submission.tps_code,
            TpsResult.contest_id == submission.contest_id,
        )
    ).first()
    sources: dict[str, int] = (row.sources or {}) if row is not None else {}
    out = {}
    for name in sorted(submission.values):
        winner_id = sources.get(name)
        value = getattr(row, name, None) if row is not None else None
        winner = session.get(Submission, winner_id) if winner_id is not None else None
        if winner is None:  # nothing accepted for the field (e.g. a blank)
            out[name] = FieldOutcome(accepted=value, submission_id=None, source="")
            continue
        same = value == submission.values.get(name)  # another source with the same number
        out[name] = FieldOutcome(
            accepted=value, submission_id=winner.id, source=winner.source,
            outranked_by=None if same or winner.id == submission.id else _why(submission, winner),
        )  # fmt: skip
    return out


def _why(sub: Submission, winner: Submission) -> str:
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
