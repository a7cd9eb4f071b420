"""Bulk onboarding files: CSV rows of device keys and of user accounts, checked line by line.

Pure: what needs the database (does the TPS exist, is the username taken) is checked by the
services (app/services/bulk_keys.py, bulk_users.py) on the rows these functions return. Every
problem names where it is (`line 12` in a file, `keys[3]` in an API body), so a whole file is
checked first and nothing is created while any row is bad.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from app.domain.access import device_scope_problem, scope_problem

USERNAME: Final = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
MAX_LABEL: Final = 200
KEY_HEADERS: Final = frozenset({"tps", "kode_tps", "region_code", "code"})
USER_HEADERS: Final = frozenset({"username"})
_SCOPE_SEPARATORS: Final = re.compile(r"[\s;,]+")


@dataclass(frozen=True)
class KeyRow:
    """One device key to create: the TPS (or kecamatan) it is bound to and an optional label."""

    where: str
    region_code: str
    label: str | None = None


@dataclass(frozen=True)
class UserRow:
    """One account to create; its password is set later by the person, with a one-time token."""

    where: str
    username: str
    role: str
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowProblem:
    """Why one row cannot be used."""

    where: str
    reason: str


def csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows of a CSV text, each with the line it starts on (1-based)."""
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            rows.append((start, [cell.strip() for cell in cells]))
        start = reader.line_num + 1
    return rows


def _without_header(
    rows: list[tuple[int, list[str]]], headers: frozenset[str]
) -> list[tuple[int, list[str]]]:
    if rows and rows[0][1][0].lower() in headers:
        return rows[1:]
    return rows


def parse_key_rows(text: str) -> tuple[list[KeyRow], list[RowProblem]]:
    """`tps[,label]` per line (an optional `tps,label` header): the rows and every problem."""
    rows: list[KeyRow] = []
    problems: list[RowProblem] = []
    for line, cells in _without_header(csv_rows(text), KEY_HEADERS):
        where = f"line {line}"
        if len(cells) > 2:
            problems.append(RowProblem(where, "expected tps[,label]: too many columns"))
            continue
        row = KeyRow(where, cells[0], (cells[1] or None) if len(cells) > 1 else None)
        problem = key_row_problem(row)
        if problem:
            problems.append(RowProblem(where, problem))
        else:
            rows.append(row)
    return rows, problems


def key_row_problem(row: KeyRow) -> str | None:
    """Why a key cannot be made for this row (the code's shape and the label), or None."""
    problem = device_scope_problem(row.region_code)
    if problem:
        return problem
    if row.label is not None and len(row.label) > MAX_LABEL:
        return f"label longer than {MAX_LABEL} characters"
    if row.label is not None and not row.label.isprintable():
        return "label: printable characters only (no control characters)"
    return None


def parse_user_rows(text: str) -> tuple[list[UserRow], list[RowProblem]]:
    """`username,role[,scopes]` per line (scopes separated by spaces or `;`): rows, problems."""
    rows: list[UserRow] = []
    problems: list[RowProblem] = []
    for line, cells in _without_header(csv_rows(text), USER_HEADERS):
        where = f"line {line}"
        if not 2 <= len(cells) <= 3:
            problems.append(RowProblem(where, "expected username,role[,scopes]"))
            continue
        scopes = tuple(s for s in _SCOPE_SEPARATORS.split(cells[2]) if s) if len(cells) > 2 else ()
        row = UserRow(where, cells[0], cells[1], scopes)
        problem = user_row_problem(row)
        if problem:
            problems.append(RowProblem(where, problem))
        else:
            rows.append(row)
    return rows, problems


def username_problem(username: str) -> str | None:
    """Why a username is not allowed, or None."""
    return None if USERNAME.match(username) else "username: 1-100 letters, digits or _ . @ -"


def user_row_problem(row: UserRow) -> str | None:
    """Why an account cannot be made for this row (name, role, scopes), or None."""
    return username_problem(row.username) or scope_problem(row.role, row.scopes)


def repeated(rows: Iterable[tuple[str, str]], what: str) -> list[RowProblem]:
    """A problem for every (where, value) whose value an earlier row already had."""
    first: dict[str, str] = {}
    problems = []
    for where, value in rows:
        if value in first:
            problems.append(RowProblem(where, f"{what} '{value}' repeats {first[value]}"))
        else:
            first[value] = where
    return problems
