"""Hypothesis properties: consistent data is clean; any one changed number is found."""

from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.fields import fields_for_contest
from app.domain.findings import FormContext
from app.domain.form_rules import sum_checks
from app.domain.rules import DHasil, check_form, reconcile_kecamatan
from tests.domain.strategies import ELECTION_CONTEXTS, consistent_forms, form_in

Form = dict[str, int]
KEC = "167101"


@settings(deadline=None)
@given(consistent_forms)
def test_consistent_form_passes_every_rule(case: tuple[Form, FormContext]) -> None:
    values, ctx = case
    assert check_form(values, ctx) == []


@settings(deadline=None)
@given(consistent_forms, st.data())
def test_any_single_changed_number_breaks_a_rule(
    case: tuple[Form, FormContext], data: st.DataObject
) -> None:
    values, ctx = case
    name = data.draw(st.sampled_from(fields_for_contest(ctx.paslon_count)))
    new = data.draw(st.integers(0, 999).filter(lambda x: x != values[name]))
    changed = {**values, name: new}
    assert [f for f in check_form(changed, ctx) if f.severity == "error"] != []


@st.composite
def kecamatan(draw: st.DrawFn) -> tuple[FormContext, dict[str, list[str]], dict[str, Form]]:
    """1-3 desa of 1-3 TPS each, every TPS with a consistent accepted form."""
    ctx = draw(ELECTION_CONTEXTS)
    tps_by_desa: dict[str, list[str]] = {}
    accepted: dict[str, Form] = {}
    for d in range(draw(st.integers(1, 3))):
        desa = f"{KEC}{2001 + d}"
        tps_by_desa[desa] = [f"{desa}{n:03d}" for n in range(1, draw(st.integers(1, 3)) + 1)]
        for tps in tps_by_desa[desa]:
            accepted[tps] = draw(form_in(ctx))
    return ctx, tps_by_desa, accepted


def summed(forms: list[Form]) -> Form:
    """Field-wise sum of forms."""
    return {k: sum(f[k] for f in forms) for k in forms[0]}


def true_dhasil(tps_by_desa: Mapping[str, list[str]], accepted: Mapping[str, Form]) -> DHasil:
    """The D.Hasil that adds the TPS up correctly."""
    desa = {d: summed([accepted[t] for t in codes]) for d, codes in tps_by_desa.items()}
    return DHasil(desa, summed(list(desa.values())))


@settings(max_examples=50, deadline=None)
@given(kecamatan())
def test_consistent_kecamatan_reconciles_clean(
    case: tuple[FormContext, dict[str, list[str]], dict[str, Form]],
) -> None:
    ctx, tps_by_desa, accepted = case
    version = true_dhasil(tps_by_desa, accepted)
    assert reconcile_kecamatan(tps_by_desa=tps_by_desa, accepted=accepted, dhasil=version,
                               ctx=ctx) == []  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(kecamatan(), st.data())
def test_one_changed_dhasil_number_is_one_comparison_and_its_own_arithmetic(
    case: tuple[FormContext, dict[str, list[str]], dict[str, Form]], data: st.DataObject
) -> None:
    ctx, tps_by_desa, accepted = case
    version = true_dhasil(tps_by_desa, accepted)
    scope = data.draw(st.sampled_from([None, *sorted(version.desa)]))
    column = version.total if scope is None else version.desa[scope]
    name = data.draw(st.sampled_from(sorted(column)))
    new = data.draw(st.integers(0, 2 * column[name] + 10).filter(lambda x: x != column[name]))
    if scope is None:
        changed = DHasil(version.desa, {**column, name: new})
    else:
        changed = DHasil({**version.desa, scope: {**column, name: new}}, version.total)
    found = reconcile_kecamatan(tps_by_desa=tps_by_desa, accepted=accepted, dhasil=changed, ctx=ctx)
    rule = "KECAMATAN_VS_DHASIL" if scope is None else "DESA_VS_DHASIL"
    compared = [(f.rule, f.scope, f.field, f.actual) for f in found if f.rule == rule]
    assert compared == [(rule, scope, name, new)]
    arithmetic = sorted((f.detail_key, f.field, f.scope) for f in found if f.rule != rule)
    reading = [c for c in sum_checks(ctx.paslon_count) if name in c.inputs]
    assert arithmetic == sorted((c.rule, c.field, scope) for c in reading)
    assert all(f.rule == "DHASIL_ARITHMETIC" for f in found if f.rule != rule)


@settings(max_examples=50, deadline=None)
@given(kecamatan(), st.data())
def test_one_changed_tps_number_is_exactly_one_desa_finding(
    case: tuple[FormContext, dict[str, list[str]], dict[str, Form]], data: st.DataObject
) -> None:
    ctx, tps_by_desa, accepted = case
    version = true_dhasil(tps_by_desa, accepted)
    tps = data.draw(st.sampled_from(sorted(accepted)))
    name = data.draw(st.sampled_from(sorted(accepted[tps])))
    new = data.draw(st.integers(0, 999).filter(lambda x: x != accepted[tps][name]))
    changed = {**accepted, tps: {**accepted[tps], name: new}}
    found = reconcile_kecamatan(tps_by_desa=tps_by_desa, accepted=changed, dhasil=version, ctx=ctx)
    assert [(f.rule, f.scope, f.field) for f in found] == [("DESA_VS_DHASIL", tps[:10], name)]


@settings(deadline=None)
@given(consistent_forms, st.data())
def test_a_planted_hundreds_slip_is_never_mis_suggested(
    case: tuple[Form, FormContext], data: st.DataObject
) -> None:
    values, ctx = case
    name = data.draw(st.sampled_from(fields_for_contest(ctx.paslon_count)))
    true = values[name]
    hundreds = data.draw(st.integers(0, 9).filter(lambda h: h != true // 100))
    misread = hundreds * 100 + true % 100
    found = check_form({**values, name: misread}, ctx)
    slips = [(f.field, f.actual, f.suggestion) for f in found if f.rule == "HUNDREDS_SLIP"]
    assert slips in ([], [(name, misread, true)])


@settings(deadline=None)
@given(
    st.dictionaries(st.sampled_from(fields_for_contest(6)), st.none() | st.integers(-5, 2000)),
    ELECTION_CONTEXTS,
)
def test_any_partial_form_is_checked_without_error(
    values: dict[str, int | None], ctx: FormContext
) -> None:
    for f in check_form(values, ctx):
        assert f.rule and f.message and f.message_en and set(f.inputs) <= set(values)
