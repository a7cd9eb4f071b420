"""HUNDREDS_SLIP: find the one misread digit box that explains a broken sum, and propose a value.

Sirekap read each of a number's three boxes on its own (DOMAIN.md §3), so one wrong box turns
152 into 652 or 8 into 800. The candidates for a value v (0..999, boxes h t u) are:

- tier 1, one box misread:
  - the hundreds box read as another digit: v ± k·100 within 0..999 (652 → 152, 507 → 107, an
    "X32" whose X was read as 9: 932 → 32);
  - a stray box: one box dropped, the other two kept in order (948 → 48, 98 or 94);
  - a shifted number: trailing boxes left empty read as 0 (800 → 80 or 8, 120 → 12);
- tier 2, only when tier 1 explains nothing: a spurious hundreds box plus one more misread box,
  the hundreds dropped and the tens or units replaced (948 → 58, Sirekap's 58-as-948 case).

A tens or units box misread alone (150 → 158) is not a candidate: such small differences are as
likely a person's slip as a reading's, and DOMAIN.md §4 defines the rule by k·100 and boxes.

A candidate c for field f *explains* the form when, with f = c, every sum rule that reads f holds
and no rule that reads f reports a breach it did not report before. For each broken sum rule, the
explanations over its fields are collected (tier 1 first); exactly one explanation yields a
HUNDREDS_SLIP warning on that field with `suggestion = c`; none or several yield nothing. One field
is reported once even when its fix repairs several broken sums (the message names them all); two
fields proposed for the same broken sum (possible only across tiers) cancel each other.
"""

from collections.abc import Sequence

from app.domain.fields import MAX_FORM_VALUE
from app.domain.findings import Finding
from app.domain.form_rules import Check, Values, breaks
from app.domain.messages import label


def one_box_candidates(value: int) -> set[int]:
    """Tier 1: values one misread hundreds box, stray box or shift away from `value`."""
    if not 0 <= value <= MAX_FORM_VALUE:
        return set()
    h, t, u = value // 100, value // 10 % 10, value % 10
    found = {d * 100 + t * 10 + u for d in range(10)}
    found |= {t * 10 + u, h * 10 + u, h * 10 + t}
    if u == 0:
        found.add(value // 10)
    if t == 0 and u == 0:
        found.add(value // 100)
    found.discard(value)
    return found


def stray_hundreds_candidates(value: int) -> set[int]:
    """Tier 2: a spurious hundreds box and one more misread box (948 → 58)."""
    if not 100 <= value <= MAX_FORM_VALUE:
        return set()
    t, u = value // 10 % 10, value % 10
    found = {d * 10 + u for d in range(10)} | {t * 10 + d for d in range(10)}
    found.discard(value % 100)
    return found


def _explains(
    name: str, candidate: int, fixed: dict[str, int | None], involved: Sequence[tuple[Check, bool]]
) -> bool:
    """Whether setting one field to a candidate makes its sums hold and adds no new breach.
    `fixed` is a copy of the form's values (the field is set here); `involved` the checks that
    read the field, each with whether it broke before."""
    fixed[name] = candidate
    for check, broke_before in involved:
        if not breaks(check, fixed):
            continue
        if check.summable or not broke_before:
            return False
    return True


def _solving(target: Check, name: str, values: Values) -> int | None:
    """The one value of `name` that makes the broken equality `target` hold, or None when no
    integer does (its inputs all known: it broke). Σ left − Σ right changes by a·δ when `name`,
    counted a times on the left less its times on the right, moves by δ."""
    rel = target.relation
    gap = sum(values[x] or 0 for x in rel.left) - sum(values[x] or 0 for x in rel.right)
    a = rel.left.count(name) - rel.right.count(name)
    value = values[name]
    if a == 0 or gap % a or value is None:
        return None
    return value - gap // a


def _explanations(
    target: Check, values: Values, checks: Sequence[Check], tier: int
) -> list[tuple[str, int]]:
    """Every (field of `target`, candidate) of one tier that explains the form.

    An explanation makes every summable check reading its field hold, `target` among them, so
    of a field's candidates only the one solving `target`'s equality can explain (at most one
    `_explains` call a field instead of one for each of its ≈ 30 candidates); a target that is
    not a plain equality tries them all."""
    exact = target.relation.kind == "eq" and target.unless is None
    found = []
    fixed = dict(values)
    for name in target.inputs:
        value = values.get(name)
        if value is None:
            continue
        pool = one_box_candidates(value) if tier == 1 else stray_hundreds_candidates(value)
        if exact:
            solving = _solving(target, name, values)
            pool = {solving} & pool if solving is not None else set()
        if not pool:
            continue
        involved = [(c, breaks(c, values)) for c in checks if name in c.inputs]
        found += [(name, c) for c in sorted(pool) if _explains(name, c, fixed, involved)]
        fixed[name] = value
    return found


def _slip_finding(name: str, value: int, candidate: int, repaired: list[str]) -> Finding:
    """The HUNDREDS_SLIP warning on one field."""
    field_id, field_en = label(name)
    rules = ", ".join(repaired)
    return Finding(
        "HUNDREDS_SLIP",
        "warning",
        name,
        candidate,
        value,
        f"{field_id} {value} kemungkinan salah baca satu kotak angka; {candidate} memenuhi {rules} "
        f"(selisih {abs(value - candidate)})",
        f"{field_en} {value} is likely one misread digit box; {candidate} satisfies {rules} "
        f"(difference {abs(value - candidate)})",
        suggestion=candidate,
        inputs=(name,),
    )


def find_slips(values: Values, checks: Sequence[Check]) -> list[Finding]:
    """HUNDREDS_SLIP findings for the broken sum rules of one form (see the module docstring)."""
    broken = [c for c in checks if c.summable and breaks(c, values)]
    proposals: dict[str, set[int]] = {}
    for check in broken:
        found = _explanations(check, values, checks, 1)
        found = found or _explanations(check, values, checks, 2)
        if len(found) == 1:
            name, candidate = found[0]
            proposals.setdefault(name, set()).add(candidate)
    repairs = {name: {i for i, c in enumerate(broken) if name in c.inputs} for name in proposals}
    out = []
    for name, candidates in proposals.items():
        value = values.get(name)
        others = set().union(*(r for n, r in repairs.items() if n != name))
        if len(candidates) != 1 or value is None or repairs[name] & others:
            continue  # two different repairs for one breach: no suggestion
        rules = list(dict.fromkeys(broken[i].rule for i in sorted(repairs[name])))
        out.append(_slip_finding(name, value, candidates.pop(), rules))
    return out
