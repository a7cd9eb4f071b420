"""What the service accepts from outside: text PostgreSQL can store and a person can read,
numbers written in ASCII digits, row ids that fit the id columns."""

import re
from typing import Final

# PostgreSQL INTEGER, the type of every id column: a larger id cannot exist, and binding one
# in a query fails in the database ("integer out of range") instead of finding nothing.
MAX_ROW_ID: Final = 2**31 - 1
# PostgreSQL text cannot hold NUL; other C0/C1 controls (tab, newline and carriage return aside)
# and DEL are never typed by a person; a lone surrogate cannot be encoded as UTF-8 at all.
_NOT_TEXT: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAKS: Final = re.compile(r"[\t\n\r]")
_ASCII_DIGITS: Final = re.compile(r"[0-9]+")


def text_problem(text: str, *, multiline: bool = True) -> str | None:
    """Why a client's text cannot be stored, or None; `multiline` allows tab, CR and LF."""
    bad = _NOT_TEXT.search(text) or (None if multiline else _LINE_BREAKS.search(text))
    if bad is None:
        return None
    char = bad.group()
    if char == "\x00":
        return "must not contain NUL bytes"
    if "\ud800" <= char <= "\udfff":
        return "must be valid Unicode (a lone surrogate is not)"
    return f"must not contain control characters (found U+{ord(char):04X})"


def printable(text: str) -> str:
    """The text without control characters or lone surrogates (for strings read from a file,
    such as EXIF tags, which are kept as evidence rather than refused)."""
    return _LINE_BREAKS.sub(" ", _NOT_TEXT.sub("", text))


def ascii_digits(text: str) -> bool:
    """Whether the text is one or more ASCII digits (str.isdigit also accepts '²' and '٣')."""
    return _ASCII_DIGITS.fullmatch(text) is not None


def row_id(text: str) -> int | None:
    """A row id written as ASCII digits, or None when the text cannot name a stored row."""
    if not ascii_digits(text) or len(text) > len(str(MAX_ROW_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None
