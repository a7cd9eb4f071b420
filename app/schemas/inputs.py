"""Reusable types for what clients send: text without NUL or control characters (422 naming
the field, never a database error) and references to stored rows within the id column's range."""

from typing import Annotated

from pydantic import AfterValidator, Field

from app.domain.inputs import MAX_ROW_ID, text_problem


def _text(value: str) -> str:
    problem = text_problem(value, multiline=True)
    if problem is not None:
        raise ValueError(problem)
    return value


def _line(value: str) -> str:
    problem = text_problem(value, multiline=False)
    if problem is not None:
        raise ValueError(problem)
    return value


# Free text a person writes (a reason, a note): line breaks and tabs allowed.
Text = Annotated[str, AfterValidator(_text)]
# One line: names, codes, statuses, labels, passwords.
Line = Annotated[str, AfterValidator(_line)]
# The id of a stored row (a submission to correct, ...): a JSON integer only, so `true` is not
# submission 1 and "7" is not silently taken for 7.
RowRef = Annotated[int, Field(ge=1, le=MAX_ROW_ID, strict=True)]
