"""The first pass of the verification engine: the form rules' Relations (app/domain/form_rules.py)
compiled to SQL over the wide `tps_result` columns, and the accepted values of the simple units
(one submission, not a photo reading) derived by the database.

The filter is exact for what it reads: a form is flagged when any check of its contest has every
input present and its Relation does not hold; values outside 0..999 are flagged by DIGIT_RANGE's
own Relation. HUNDREDS_SLIP needs a broken sum and TURNOUT_CAP's vote cap only yields to a broken
PASLON_SUM, so every form the Python rules report on is flagged (tests/verification/
test_engine_filter.py checks this on random forms).
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, cast, false, literal, or_
from sqlalchemy.sql.elements import ColumnElement as Expr

from app.domain.cross import CROSS_CONTEST_FIELDS
from app.domain.fields import ALL_FIELDS
from app.domain.findings import FormContext
from app.domain.form_rules import Relation, form_checks

Columns = Callable[[str], Any]  # field name -> SQL column of the table read


def _total(names: Iterable[str], column: Columns) -> Any:
    """Σ of the named columns as a 64-bit integer expression (0 when there are none)."""
    total: Any = literal(0, BigInteger)
    for name in names:
        total = total + cast(column(name), BigInteger)
    return total


def breach(relation: Relation, column: Columns) -> ColumnElement[bool]:
    """SQL that is true when every input is present and the relation does not hold (NULL when
    an input is missing, which a WHERE treats as false, like a check that does not apply)."""
    if relation.kind == "range":
        return or_(
            *(or_(column(x) < relation.low, column(x) > relation.high) for x in relation.left)
        )
    left: ColumnElement[int] = _total(relation.left, column)
    right: ColumnElement[int] = _total(relation.right, column)
    if relation.kind == "eq":
        return left != right
    num, den = relation.scale.numerator, relation.scale.denominator
    if relation.rounding == "ceil":
        # holds: left - offset ≤ ⌈right × n/d⌉  ⇔  (left - offset - 1)·d < right·n
        return (left - (relation.offset + 1)) * den >= right * num
    # holds: left - offset ≤ ⌊right × n/d⌋  ⇔  (left - offset)·d ≤ right·n
    return (left - relation.offset) * den > right * num


def form_breach(ctx: FormContext, column: Columns) -> ColumnElement[bool]:
    """True for a form of that context on which at least one form check would report."""
    return or_(*(breach(check.relation, column) for check in form_checks(ctx)))


def flagged_forms(
    contexts: Mapping[str, FormContext],
    contest: Any,
    column: Columns,
    *,
    breach_of: Callable[[FormContext], ColumnElement[bool]] | None = None,
) -> ColumnElement[bool]:
    """The filter over many contests: each contest's forms against its own context
    (`breach_of` may give each context's form_breach ready-made, e.g. cached)."""
    of = breach_of or (lambda ctx: form_breach(ctx, column))
    by_ctx: dict[FormContext, list[str]] = {}
    for contest_id, ctx in contexts.items():
        by_ctx.setdefault(ctx, []).append(contest_id)
    parts: list[Expr[bool]] = [
        and_(contest.in_(sorted(ids)), of(ctx)) for ctx, ids in by_ctx.items()
    ]
    return or_(*parts) if parts else false()


def cross_breach(gubernur: Columns, local: Columns) -> ColumnElement[bool]:
    """True when the two forms of one TPS differ in a field CROSS_CONTEST compares."""
    return or_(*(gubernur(f) != local(f) for f in CROSS_CONTEST_FIELDS))


def simple_results_sql(
    dialect: str, scope_sql: str, *, returning: bool = True, area_sql: str | None = None
) -> str:
    """INSERT ... SELECT of the accepted values of every simple unit in scope (exactly one
    submission and not a photo reading: its values are accepted as they are, each from that
    submission), writing only the rows that are new or not derived from that submission;
    RETURNING the units written (unless `returning` is False). A stored row of a simple unit
    whose `newest_submission_id` is its one submission is current: submissions are never
    changed or removed, and only this statement writes a simple unit's row, so nothing else is
    read to confirm it.

    `scope_sql` is a condition on the submission alias `s` (bound parameters allowed). An area's
    `area_sql`, the same area on a kecamatan code column `{a}.kecamatan_code`, puts it on the
    joins too (the TPS `t`, the stored rows `r`), so that a batch of kecamatan reads only its
    own submissions, TPS and rows (by index) when the joins are hash joins."""
    joins, stored = "JOIN tps t ON t.code = s.tps_code", ""
    if area_sql is not None:
        joins = f"AND {scope_sql} JOIN tps t ON t.code = s.tps_code AND {area_sql.format(a='t')}"
        stored = f"AND {area_sql.format(a='r')}"
    names = ", ".join(ALL_FIELDS)
    keys = "tps_code, contest_id, desa_code, kecamatan_code, kabupaten_code, provinsi_code"
    if dialect == "postgresql":
        values = ", ".join(f"v.{n}" for n in ALL_FIELDS)
        record = ", ".join(f"{n} integer" for n in ALL_FIELDS)
        lateral = f', LATERAL json_to_record(s."values") AS v({record})'
        sources = _pg_sources()
    else:
        values = ", ".join(f"json_extract(s.\"values\", '$.{n}') AS {n}" for n in ALL_FIELDS)
        lateral = ""
        pairs = ", ".join(f"'{n}', CASE WHEN f.{n} IS NOT NULL THEN f.id END" for n in ALL_FIELDS)
        sources = f"json_patch('{{}}', json_object({pairs}))"  # a null member is left out
    updates = ", ".join(f"{n} = excluded.{n}" for n in ALL_FIELDS)
    return f"""
        WITH single AS (
            SELECT min(s.id) AS id, s.tps_code, s.contest_id FROM submission s WHERE {scope_sql}
            GROUP BY s.tps_code, s.contest_id
            HAVING count(*) = 1 AND max(CASE WHEN s.source = 'ocr' THEN 1 ELSE 0 END) = 0
        ), stale AS (
            SELECT single.id FROM single
            WHERE NOT EXISTS (
                SELECT 1 FROM tps_result r
                WHERE r.tps_code = single.tps_code AND r.contest_id = single.contest_id
                  AND r.newest_submission_id = single.id {stored}
            )
        ), fresh AS (
            SELECT s.id, s.tps_code, s.contest_id, t.desa_code, t.kecamatan_code,
                   t.kabupaten_code, t.provinsi_code, {values}
            FROM stale JOIN submission s ON s.id = stale.id {joins}
                 {lateral}
        )
        INSERT INTO tps_result ({keys}, sources, newest_submission_id, updated_at, {names})
        SELECT f.tps_code, f.contest_id, f.desa_code, f.kecamatan_code, f.kabupaten_code,
               f.provinsi_code, {sources}, f.id, :now, {", ".join(f"f.{n}" for n in ALL_FIELDS)}
        FROM fresh f
        WHERE true -- SQLite: an upsert's SELECT needs a WHERE before ON CONFLICT
        ON CONFLICT (tps_code, contest_id) DO UPDATE
        SET sources = excluded.sources, newest_submission_id = excluded.newest_submission_id,
            updated_at = excluded.updated_at, {updates}
        {"RETURNING tps_code, contest_id" if returning else ""}
    """


def _pg_sources() -> str:
    """The `sources` object of a simple unit (each present field -> the submission id) written
    as text: concat_ws leaves a missing field out. json_build_object with json_strip_nulls (which
    parses the built object again) cost about three times as much CPU, 14 of 47 s at a cold
    national recheck."""
    members = ", ".join(
        f"CASE WHEN f.{n} IS NOT NULL THEN '\"{n}\": ' || f.id::text END" for n in ALL_FIELDS
    )
    return f"('{{' || concat_ws(', ', {members}) || '}}')::json"


COMPLEX_UNITS_SQL = """
    SELECT s.tps_code, s.contest_id FROM submission s WHERE {scope}
    GROUP BY s.tps_code, s.contest_id
    HAVING count(*) > 1 OR max(CASE WHEN s.source = 'ocr' THEN 1 ELSE 0 END) = 1
"""
