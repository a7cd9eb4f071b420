"""PREP-style double entry: two people who agree accept a value; a third decides a dispute."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.statuses import ReviewState


@dataclass(frozen=True)
class Entry:
    """One reviewer's value (None: the box is empty or unreadable)."""

    reviewer: str
    value: int | None


@dataclass(frozen=True)
class Decision:
    """Where an item stands after its entries; `value` is set once accepted."""

    state: ReviewState
    value: int | None = None


def decide(entries: Sequence[Entry]) -> Decision:
    """Two independent entries that agree → accepted; disagreeing → disputed until a third person
    enters a value: the value two of the three gave, or else the third (the arbiter) decides."""
    if len({e.reviewer for e in entries}) != len(entries):
        raise ValueError("every entry must come from a different person")
    if len(entries) < 2:
        return Decision("open")
    first, second = entries[0], entries[1]
    if first.value == second.value:
        return Decision("accepted", first.value)
    if len(entries) == 2:
        return Decision("disputed")
    votes = Counter(e.value for e in entries[:3])
    value, count = votes.most_common(1)[0]
    return Decision("accepted", value if count >= 2 else entries[2].value)
