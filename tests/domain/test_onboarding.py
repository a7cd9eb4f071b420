"""Bulk onboarding files parsed line by line (pure: no database)."""

import pytest

from app.domain.onboarding import (
    KeyRow,
    RowProblem,
    UserRow,
    csv_rows,
    parse_key_rows,
    parse_user_rows,
    repeated,
)


def test_rows_keep_the_line_they_start_on_across_blank_lines_and_quoted_newlines():
    text = 'a,b\n\n"two\nlines",c\n  ,  \nlast\n'
    assert csv_rows(text) == [(1, ["a", "b"]), (3, ["two\nlines", "c"]), (6, ["last"])]


def test_key_rows_with_and_without_a_header():
    rows, problems = parse_key_rows("tps,label\n1671011001001, HP 1 \n167101\n")
    assert problems == []
    assert rows == [KeyRow("line 2", "1671011001001", "HP 1"), KeyRow("line 3", "167101")]
    rows, _ = parse_key_rows("1671011001001\n")
    assert rows == [KeyRow("line 1", "1671011001001")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1671", "not a TPS (13 digits) or kecamatan (6 digits) code"),
        ("167101100100x", "not a TPS"),
        ("١٦٧١٠١", "not a TPS"),  # Arabic-Indic digits: isdigit() but not ASCII
        ("１６７１０１", "not a TPS"),  # fullwidth digits
        ("1671011001001,a,b", "too many columns"),
        ("1671011001001," + "x" * 201, "label longer than 200"),
        ("1671011001001,a\x00b", "printable characters only"),
    ],
)
def test_bad_key_lines_are_named_by_line(line, reason):
    rows, problems = parse_key_rows(f"tps,label\n1671011001002\n{line}\n")
    assert [r.where for r in rows] == ["line 2"]
    assert len(problems) == 1 and problems[0].where == "line 3"
    assert reason in problems[0].reason


def test_user_rows_split_scopes_on_spaces_semicolons_and_commas():
    text = 'username,role,scopes\nana,ppk,167101;167102\nbudi,bawaslu,"16, 1671"\nroot,admin\n'
    rows, problems = parse_user_rows(text)
    assert problems == []
    assert rows == [
        UserRow("line 2", "ana", "ppk", ("167101", "167102")),
        UserRow("line 3", "budi", "bawaslu", ("16", "1671")),
        UserRow("line 4", "root", "admin", ()),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("ana", "expected username,role[,scopes]"),
        ("a b,admin", "username: 1-100"),
        ("ana,kpps,1671011001001", "role must be one of"),
        ("ana,ppk,1671", "not a kecamatan code"),
        ("ana,ppk", "needs at least one"),
        ("ana,admin,16", "an admin has no scopes"),
    ],
)
def test_bad_user_lines_are_named_by_line(line, reason):
    rows, problems = parse_user_rows(f"{line}\n")
    assert rows == [] and [p.where for p in problems] == ["line 1"]
    assert reason in problems[0].reason


def test_repeated_values_point_at_their_first_line():
    found = repeated([("line 1", "a"), ("line 2", "b"), ("line 3", "a")], "username")
    assert found == [RowProblem("line 3", "username 'a' repeats line 1")]
