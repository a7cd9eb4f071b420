"""Double entry decisions, table-driven."""

import pytest

from app.domain.review import Decision, Entry, decide


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], Decision("open")),
        ([32], Decision("open")),
        ([32, 32], Decision("accepted", 32)),
        ([None, None], Decision("accepted", None)),
        ([32, 37], Decision("disputed")),
        ([32, 37, 37], Decision("accepted", 37)),
        ([32, 37, 32], Decision("accepted", 32)),
        ([32, 37, 38], Decision("accepted", 38)),  # the third person arbitrates
        ([32, None, None], Decision("accepted", None)),
    ],
)
def test_decide(values: list[int | None], expected: Decision) -> None:
    entries = [Entry(f"reviewer{i}", v) for i, v in enumerate(values)]
    assert decide(entries) == expected


def test_the_same_person_twice_is_refused() -> None:
    with pytest.raises(ValueError):
        decide([Entry("ani", 32), Entry("ani", 32)])
