"""The set-based verification engine: its SQL filter flags exactly the forms the Python rules
report on, a full recheck from scratch equals the incremental and the batched (queue) ones, a
D.Hasil that matches its TPS sums is skipped only when the rules would report nothing, and photo
findings get history and resolution through the same writer."""

import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, select, update
from sqlmodel import Session, col

from app.domain.evaluation import DHasilData
from app.domain.fields import ALL_FIELDS, fields_for_contest
from app.domain.findings import FormContext
from app.domain.form_rules import Relation, form_checks
from app.domain.reconcile import DesaTally, DHasil, reconcile_tallies
from app.domain.rules import check_form
from app.models import (
    DHasilVersion,
    Discrepancy,
    DiscrepancyEvent,
    OcrResult,
    Photo,
    Submission,
    Tps,
    TpsResult,
)
from app.services.readings import apply_reading
from app.services.recheck import recheck_kecamatan, recheck_submission
from app.services.recheck_bulk import recheck_all
from app.services.verification import matches_dhasil, verify_units
from app.services.verification_filter import breach, flagged_forms
from tests.domain.strategies import consistent_forms
from tests.verification.conftest import (
    DESA_A,
    DESA_B,
    GUB,
    GUB_FORM,
    KEC,
    TPS_A1,
    TPS_A2,
    TPS_B1,
    TPS_OTHER,
    WALI,
    WALI_FORM,
    seed_world,
)

# --- the SQL filter against the Python rules ---------------------------------------------------

FORMS = Table(
    "engine_filter_forms",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("contest_id", String(20)),
    *(Column(name, Integer) for name in ALL_FIELDS),
    prefixes=["TEMPORARY"],
)


@st.composite
def damaged_form(draw: st.DrawFn) -> tuple[dict[str, int], FormContext]:
    """A consistent form with up to four edits: a small slip, a hundreds slip, a missing field,
    an impossible number."""
    values, ctx = draw(consistent_forms)
    values = dict(values)
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(values) or ["suara_sah"]))
        edit = draw(st.sampled_from(["small", "hundreds", "drop", "wild", "bound", "bound"]))
        if edit == "bound":  # one check held or broken by exactly one
            _to_bound(draw, values, draw(st.sampled_from(form_checks(ctx))).relation)
        elif edit == "drop":
            values.pop(name, None)
        elif edit == "wild":
            values[name] = draw(st.integers(-50, 5000))
        elif name in values:
            step = (
                draw(st.integers(-3, 3)) if edit == "small" else draw(st.sampled_from([-5, 1, 5]))
            )
            values[name] += step if edit == "small" else 100 * step
    return values, ctx


def _to_bound(draw: st.DrawFn, values: dict[str, int], relation: Relation) -> None:
    """Move the relation's first left input so that the relation sits on its bound ± 1."""
    first = relation.left[0] if relation.left else None
    if first is None or any(values.get(i) is None for i in relation.inputs):
        return
    if relation.kind == "range":
        values[first] = draw(st.sampled_from([-1, 0, 999, 1000]))
        return
    rest = sum(values[x] for x in relation.left[1:])
    values[first] = relation.bound(values) - rest + draw(st.integers(-1, 1))


def _contest_of(ctx: FormContext) -> str:
    return f"{ctx.kind}-{ctx.paslon_count}"


@pytest.fixture
def forms_table(session: Session) -> Iterator[Table]:
    FORMS.create(session.connection())
    yield FORMS
    FORMS.drop(session.connection())


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(damaged_form(), min_size=30, max_size=30))
def test_sql_filter_flags_exactly_the_forms_with_findings(
    session: Session, forms_table: Table, batch: list[tuple[dict[str, int], FormContext]]
) -> None:
    session.execute(delete(forms_table))
    rows = [
        {"id": i, "contest_id": _contest_of(ctx), **dict.fromkeys(ALL_FIELDS), **values}
        for i, (values, ctx) in enumerate(batch)
    ]
    session.execute(insert(forms_table), rows)
    contexts = {_contest_of(ctx): ctx for _, ctx in batch}
    column = forms_table.c.__getitem__
    where = flagged_forms(contexts, forms_table.c.contest_id, column)
    flagged = set(session.execute(select(forms_table.c.id).where(where)).scalars())
    with_findings = {i for i, (values, ctx) in enumerate(batch) if check_form(values, ctx)}
    assert with_findings <= flagged  # no false negative: every reported form is flagged
    assert flagged == with_findings  # and nothing else: the Relations are the rules
    # Each Relation on its own: SQL and Python agree on every form where its inputs are present.
    for ctx in set(contexts.values()):
        for check in form_checks(ctx):
            stmt = select(forms_table.c.id).where(
                forms_table.c.contest_id == _contest_of(ctx), breach(check.relation, column)
            )
            in_sql = set(session.execute(stmt).scalars())
            in_python = {
                i
                for i, (values, c) in enumerate(batch)
                if c == ctx
                and all(values.get(x) is not None for x in check.inputs)
                and not check.relation.holds(values)
            }
            assert in_sql == in_python, (check.rule, check.field)


# --- a D.Hasil equal to its TPS sums reports nothing ------------------------------------------


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["column+1", "total+1", "drop column", "drop total", "missing tps"]),
        st.integers(0, 2),  # which desa
        st.sampled_from(fields_for_contest(2)),
    ),
    max_size=2,
)


@settings(max_examples=150, deadline=None)
@given(
    sums=st.lists(
        st.dictionaries(st.sampled_from(fields_for_contest(2)), st.integers(0, 9)),
        min_size=1,
        max_size=3,
    ),
    edits=EDITS,
)
def test_a_kecamatan_is_skipped_exactly_when_its_dhasil_matches(
    sums: list[dict[str, int]], edits: list[tuple[str, int, str]]
) -> None:
    """matches_dhasil (the skip) implies the rules report nothing, and an exact D.Hasil is
    skipped: a D.Hasil equal to its TPS sums, some numbers left out, reports nothing."""
    ctx = FormContext.for_kind("pilkada", paslon_count=2)
    fields = fields_for_contest(2)
    full = [{f: d.get(f, i + 1) for f in fields} for i, d in enumerate(sums)]
    tallies = {f"d{i}": DesaTally(2, d) for i, d in enumerate(full)}
    columns = {f"d{i}": dict(d) for i, d in enumerate(full)}
    total = {f: sum(d[f] for d in full) for f in fields}
    for edit, i, name in edits:
        desa = f"d{i % len(full)}"
        if edit == "column+1":
            columns[desa][name] = full[i % len(full)][name] + 1
        elif edit == "total+1" and name in total:  # a dropped total stays dropped
            total[name] += 1
        elif edit == "drop column":
            columns[desa].pop(name, None)
        elif edit == "drop total":
            total.pop(name, None)
        else:
            tallies[desa] = DesaTally(2, tallies[desa].sums, ("t",))
    skipped = matches_dhasil(tallies, DHasilData(1, columns, total), fields)
    found = reconcile_tallies(tallies, DHasil(desa=columns, total=total), ctx)
    if skipped:
        assert found == []
    if all(edit.startswith("drop") for edit, _, _ in edits):
        assert skipped and found == []


# --- full recheck = incremental = batched -----------------------------------------------------

UNITS = [(t, c) for t in (TPS_A1, TPS_A2, TPS_B1, TPS_OTHER) for c in (GUB, WALI)]
KECAMATAN = {TPS_A1: KEC, TPS_A2: KEC, TPS_B1: KEC, TPS_OTHER: "167102"}


def _random_values(rng: random.Random, contest: str) -> dict[str, int]:
    values = dict(GUB_FORM if contest == GUB else WALI_FORM)
    for _ in range(rng.choice([0, 0, 1, 2])):
        name = rng.choice(sorted(values))
        values[name] = max(0, values[name] + rng.choice([-100, -2, -1, 1, 3, 100, 500]))
    return values


def _random_sequence(session: Session, seed: int, on_post: Any, on_dhasil: Any) -> None:
    """Posts (several sources, corrections, photo readings) and D.Hasil versions in random order."""
    rng = random.Random(seed)
    subs: dict[tuple[str, str], list[int]] = {}
    versions: dict[str, int] = {}
    for step in range(30):
        if rng.random() < 0.2:
            contest = rng.choice([GUB, WALI])
            versions[contest] = versions.get(contest, 0) + 1
            base = GUB_FORM if contest == GUB else WALI_FORM
            desa = {
                d: {k: 2 * v + rng.choice([0, 0, 1]) for k, v in base.items()} for d in (DESA_A,)
            }
            desa[DESA_B] = {k: v + rng.choice([0, 0, -1]) for k, v in base.items()}
            total = {k: desa[DESA_A][k] + desa[DESA_B][k] + rng.choice([0, 0, 2]) for k in base}
            row = DHasilVersion(
                kecamatan_code=KEC, contest_id=contest, version=versions[contest],
                entered_by="test", desa=desa, total=total,
            )  # fmt: skip
            session.add(row)
            session.flush()
            on_dhasil(KEC, contest)
            continue
        tps, contest = rng.choice(UNITS)
        source = rng.choice(["app", "ppk", "ppk", "plenary", "ocr", "sirekap"])
        values = _random_values(rng, contest)
        earlier = subs.get((tps, contest), [])
        supersedes = rng.choice(earlier) if earlier and rng.random() < 0.3 else None
        if supersedes is not None:
            values = dict(rng.sample(sorted(values.items()), 3))
        confidence = {k: rng.choice([0.5, 0.95]) for k in values} if source == "ocr" else None
        sub = Submission(
            tps_code=tps, contest_id=contest, kecamatan_code=KECAMATAN[tps], source=source,
            submitted_by=f"step {step}", values=values, supersedes_id=supersedes,
            reason="koreksi" if supersedes or source == "plenary" else None,
            confidence=confidence,
        )  # fmt: skip
        session.add(sub)
        session.flush()
        subs.setdefault((tps, contest), []).append(sub.id or 0)
        on_post(sub)


def _snapshot(session: Session) -> tuple[Any, Any]:
    stmt = select(Discrepancy).where(col(Discrepancy.status) != "resolved")
    rows = session.scalars(stmt.execution_options(populate_existing=True))
    found = sorted(
        (d.identity, d.severity, d.expected, d.actual, d.suggestion, d.message, d.region_code)
        for d in rows
    )
    results = session.execute(select(TpsResult.__table__)).all()
    accepted = sorted(
        tuple(r._mapping[k] for k in ("tps_code", "contest_id", *ALL_FIELDS)) for r in results
    )
    return found, accepted


def _from_scratch(session: Session) -> tuple[Any, Any]:
    session.execute(delete(DiscrepancyEvent))
    session.execute(delete(Discrepancy))
    session.execute(delete(TpsResult.__table__))
    recheck_all(session=session)
    return _snapshot(session)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_full_recheck_equals_incremental(session: Session, seed: int) -> None:
    seed_world(session)
    _random_sequence(
        session,
        seed,
        lambda sub: recheck_submission(session=session, submission=sub),
        lambda kec, contest: recheck_kecamatan(
            session=session, kecamatan_code=kec, contest_id=contest
        ),
    )
    incremental = _snapshot(session)
    assert incremental[0], "the sequence should leave findings to compare"
    assert _from_scratch(session) == incremental


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_full_recheck_equals_batched_units(session: Session, seed: int) -> None:
    """The queue's way: posts only enqueue units, batches of them are verified later."""
    seed_world(session)
    pending_tps: set[tuple[str, str]] = set()
    pending_kec: set[tuple[str, str]] = set()
    rng = random.Random(seed)

    def drain_some() -> None:
        if rng.random() < 0.4:
            verify_units(session, set(pending_tps), set(pending_kec))
            pending_tps.clear()
            pending_kec.clear()

    def on_post(sub: Submission) -> None:
        pending_tps.add((sub.tps_code, sub.contest_id))
        drain_some()

    def on_dhasil(kec: str, contest: str) -> None:
        pending_kec.add((kec, contest))
        drain_some()

    _random_sequence(session, seed, on_post, on_dhasil)
    verify_units(session, pending_tps, pending_kec)
    batched = _snapshot(session)
    assert batched[0]
    assert _from_scratch(session) == batched


def test_verify_units_credits_resolution_to_the_units_newest_submission(session: Session) -> None:
    seed_world(session)
    broken = Submission(
        tps_code=TPS_A1, contest_id=GUB, kecamatan_code=KEC, source="ppk", submitted_by="t",
        values={**GUB_FORM, "suara_paslon_1": 158},
    )  # fmt: skip
    session.add(broken)
    session.flush()
    verify_units(session, {(TPS_A1, GUB)}, set())
    fix = Submission(
        tps_code=TPS_A1, contest_id=GUB, kecamatan_code=KEC, source="plenary", submitted_by="t",
        values={"suara_paslon_1": 150}, supersedes_id=broken.id, reason="typo",
    )  # fmt: skip
    session.add(fix)
    session.flush()
    stats = verify_units(session, {(TPS_A1, GUB)}, set())
    row = session.scalars(select(Discrepancy).where(col(Discrepancy.rule) == "PASLON_SUM")).one()
    session.refresh(row)
    assert (row.status, row.resolved_by_submission_id) == ("resolved", fix.id)
    assert stats.tps_units == 1 and stats.forms_flagged == 1


def test_a_stored_row_is_current_only_when_it_names_its_one_submission(session: Session) -> None:
    """The warm recheck's watermark: a single-submission unit's row that names its submission is
    not written again; one that does not (a row from before the column) is derived again, and a
    correction makes the unit the Python rules', whose row then names the newest submission."""
    seed_world(session)
    first = Submission(
        tps_code=TPS_A1, contest_id=GUB, kecamatan_code=KEC, source="ppk", submitted_by="t",
        values=dict(GUB_FORM),
    )  # fmt: skip
    session.add(first)
    session.flush()
    assert recheck_all(session=session).results_written >= 1
    results = TpsResult.__table__
    key = (results.c.tps_code == TPS_A1) & (results.c.contest_id == GUB)
    stored = session.execute(select(results).where(key)).one()
    assert stored.newest_submission_id == first.id
    assert stored.suara_sah == GUB_FORM["suara_sah"]
    assert recheck_all(session=session).results_written == 0
    session.execute(update(results).where(key).values(newest_submission_id=None, suara_sah=1))
    assert recheck_all(session=session).results_written == 1
    stored = session.execute(select(results).where(key)).one()
    assert (stored.newest_submission_id, stored.suara_sah) == (first.id, GUB_FORM["suara_sah"])
    second = Submission(
        tps_code=TPS_A1, contest_id=GUB, kecamatan_code=KEC, source="plenary", submitted_by="t",
        values={"suara_paslon_1": GUB_FORM["suara_paslon_1"] + 1}, supersedes_id=first.id,
        reason="koreksi",
    )  # fmt: skip
    session.add(second)
    session.flush()
    recheck_all(session=session)
    stored = session.execute(select(results).where(key)).one()
    assert stored.newest_submission_id == second.id


def test_a_simple_units_row_names_its_submission_for_each_field_it_has(session: Session) -> None:
    """The database writes a single-submission unit's row: every value as submitted, and
    `sources` naming the submission for exactly the fields the form has (none for a field it
    left out, none for a field it gave as null)."""
    seed_world(session)
    values = {k: v for k, v in GUB_FORM.items() if k != "suara_tidak_sah"}
    sub = Submission(
        tps_code=TPS_A1, contest_id=GUB, kecamatan_code=KEC, source="ppk", submitted_by="t",
        values={**values, "surat_rusak": None},
    )  # fmt: skip
    session.add(sub)
    session.flush()
    recheck_all(session=session)
    results = TpsResult.__table__
    key = (results.c.tps_code == TPS_A1) & (results.c.contest_id == GUB)
    stored = session.execute(select(results).where(key)).one()
    present = {k for k, v in values.items() if k != "surat_rusak"}
    assert {str(k): int(v) for k, v in stored.sources.items()} == dict.fromkeys(present, sub.id)
    assert {k: getattr(stored, k) for k in present} == {k: values[k] for k in present}
    assert (stored.suara_tidak_sah, stored.surat_rusak) == (None, None)


# --- photo findings: history and resolution ---------------------------------------------------


def _reading(value: int) -> dict[str, Any]:
    return {"page": 1, "fields": {"suara_paslon_1": {"value": value, "confidence": 0.99}}}


def _read(session: Session, photo: Photo, value: int, n: int) -> None:
    result = OcrResult(
        id=1000 + n, sha256="a" * 64, engine_version=f"v{n}", status="read",
        reading=_reading(value),
    )  # fmt: skip
    apply_reading(session=session, photo_id=photo.id or 0, result=result, min_confidence=0.8)
    session.flush()


def test_a_new_reading_resolves_and_reopens_photo_findings_with_history(
    session: Session,
) -> None:
    seed_world(session)
    people = Submission(
        tps_code=TPS_A1, contest_id=GUB, kecamatan_code=KEC, source="ppk", submitted_by="t",
        values=GUB_FORM,
    )  # fmt: skip
    session.add(people)
    session.flush()
    recheck_submission(session=session, submission=people)
    tps = session.get_one(Tps, TPS_A1)
    photo = Photo(
        sha256="a" * 64, tps_code=TPS_A1, contest_id=GUB, kecamatan_code=KEC,
        kabupaten_code=tps.kabupaten_code, page=1, phash="0" * 64, size=1, width=1, height=1,
        format="jpeg", uploaded_by="t",
    )  # fmt: skip
    session.add(photo)
    session.flush()
    mismatch = select(Discrepancy).where(col(Discrepancy.rule) == "READING_MISMATCH")

    _read(session, photo, 151, 1)  # the photo reads 151, the PPK typed 150
    first = session.scalars(mismatch).one()
    assert first.status == "open" and {"kind": "photo", "id": photo.id} in first.evidence
    _read(session, photo, 150, 2)  # a new reading agrees
    session.refresh(first)
    assert first.status == "resolved" and first.version == 2
    _read(session, photo, 151, 3)  # and a third one disagrees again: the same row reopens
    again = session.scalars(mismatch).one()
    session.refresh(again)
    assert (again.id, again.status) == (first.id, "open")
    events = session.scalars(
        select(DiscrepancyEvent)
        .where(col(DiscrepancyEvent.discrepancy_id) == first.id)
        .order_by(col(DiscrepancyEvent.id))
    ).all()
    assert [(e.actor, e.from_status, e.to_status, e.note) for e in events] == [
        ("system", "open", "resolved", "no longer found"),
        ("system", "resolved", "open", "found again"),
    ]
