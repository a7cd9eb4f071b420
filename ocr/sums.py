"""Stage 7, sums: choose each number among its alternatives so that the form's sums hold.

The decoder maximises  Σ log p(field = value)  −  PENALTY × (number of broken sums)  over the
alternatives of every field (a sum with a not-filled field does not apply). Breaking a sum thus
costs as much as choosing, for one field, a reading `BREACH_ODDS` times less probable than its
best: an ambiguous box (a hundreds digit the model half-doubts) is corrected, while clear boxes
that really break a sum (the real 123 + 274 + 32 = 429 ≠ 427) are left as read and the breach is
reported. Every field the sums moved off its most probable reading is reported as changed.
A field in an applicable sum gets as confidence its probability given the rest of the decoded
page (`_conditional`): the sums that confirm a reading make it surer. But when a sum forced a
change (the decoder chose, for some field, other than its most probable reading), EVERY field of
that sum is capped at `FORCED_CAP`, below the service's acceptance line (0.8): a confidently
misread box and the correctly read neighbour the decoder moved to keep the sum are
indistinguishable from the sum's side, so the whole sum goes to a person, values as decoded.
The one exception is a field that another sum checks independently: when a sum holding all of
it as read (nothing moved) contains the field, a confident misreading of it would have broken
that sum too, so the forced sum's cap does not apply to it (`_vouched`); a moved field is
always capped.

Search: depth-first branch and bound over the fields that occur in a sum (alternatives tried
best first, the bound being the best still reachable without further penalties), with a node
budget; the unconstrained best is the starting incumbent, so the answer is never worse than it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ocr.reading import CheckStatus, SumCheck, Value
from ocr.templates import SumRule

Candidates = Sequence[tuple[Value, float]]

BREACH_ODDS = 1000.0
PENALTY = math.log(BREACH_ODDS)
NODE_BUDGET = 40_000  # ~50 ms worst case in Python; real pages need a few hundred
FLOOR = 1e-12
FORCED_CAP = 0.75  # every field of a sum that forced a change: below acceptance (0.8)


@dataclass(frozen=True)
class Decoded:
    """The chosen value of every field, which were moved by a sum, and each sum's check."""

    values: dict[str, Value]
    changed: frozenset[str]
    checks: list[SumCheck]
    confidence: dict[str, float]  # for the fields in an applicable sum: see `_conditional`
    suspect: frozenset[str] = frozenset()  # the fields of every sum that forced a change
    # suspect fields confirmed by another sum that holds as read: not capped (see _vouched)
    vouched: frozenset[str] = frozenset()


def rule_status(rule: SumRule, values: Mapping[str, Value]) -> CheckStatus:
    """Whether a sum holds for these values (not applicable when a field is missing or None)."""
    parts = [values.get(name) for name in rule.names]
    if any(v is None for v in parts):
        return "not_applicable"
    lhs = sum(v for v in parts[:-1] if v is not None)
    return "satisfied" if lhs == parts[-1] else "violated"


def decode_with_sums(
    candidates: Mapping[str, Candidates],
    rules: Sequence[SumRule],
    *,
    cross_page: frozenset[str] = frozenset(),
    penalty: float = PENALTY,
) -> Decoded:
    """The most probable joint reading under the penalised sums (see the module docstring)."""
    active = [r for r in rules if all(n in candidates and candidates[n] for n in r.names)]
    best = {name: cands[0][0] for name, cands in candidates.items() if cands}
    order = list(dict.fromkeys(n for r in active for n in r.names))
    chosen = _search(order, candidates, active, penalty, best)
    values = {**best, **chosen}
    changed = frozenset(n for n in order if values[n] != best[n])
    checks = [_check(rule, values, changed, rule.code in cross_page) for rule in rules]
    confidence = {n: _conditional(n, values, candidates, active, penalty) for n in order}
    suspect = frozenset(n for r in active if changed & set(r.names) for n in r.names)
    vouched = _vouched(active, values, changed)
    for name in suspect - vouched:
        confidence[name] = min(confidence[name], FORCED_CAP)
    return Decoded(
        values=values,
        changed=changed,
        checks=checks,
        confidence=confidence,
        suspect=suspect,
        vouched=vouched & suspect,
    )


def _vouched(
    rules: Sequence[SumRule], values: Mapping[str, Value], changed: frozenset[str]
) -> frozenset[str]:
    """The fields of every sum that holds with all its fields as read (none moved).

    Such a sum is a second, independent check of each of its fields: a field confidently
    misread would break it, unless another of its fields were misread by exactly the opposite
    amount. A field of a sum that forced a change and of such a sum is therefore not one the
    forced sum can blame (a row of the page-1 grid whose total the decoder moved, with each
    cell's column holding as read); a field the decoder moved never is (every sum it is in has
    a moved field)."""
    holding = [
        r for r in rules if not changed & set(r.names) and rule_status(r, values) == "satisfied"
    ]
    return frozenset(n for r in holding for n in r.names)


def _conditional(
    name: str,
    values: Mapping[str, Value],
    candidates: Mapping[str, Candidates],
    rules: Sequence[SumRule],
    penalty: float,
) -> float:
    """P(field = its decoded value | every other field as decoded, the penalised sums).

    A value the sums confirm (its alternatives would break them) becomes near certain; one in
    a broken sum keeps its own probability. The mass outside the listed alternatives counts as
    unpenalised, which keeps this from overstating.
    """
    own = [r for r in rules if name in r.names]
    weights: dict[Value, float] = {}
    for value, p in candidates[name]:
        trial = {**values, name: value}
        broken = sum(rule_status(r, trial) == "violated" for r in own)
        weights[value] = p * math.exp(-penalty * broken)
    unlisted = max(0.0, 1.0 - sum(p for _, p in candidates[name]))
    return weights.get(values[name], 0.0) / max(sum(weights.values()) + unlisted, FLOOR)


def _check(
    rule: SumRule, values: Mapping[str, Value], changed: frozenset[str], cross: bool
) -> SumCheck:
    """The check of one rule on the decoded values."""
    parts = [values.get(n) for n in rule.lhs]
    total = sum(v for v in parts if v is not None) if all(v is not None for v in parts) else None
    return SumCheck(
        code=rule.code,
        lhs=list(rule.lhs),
        rhs=rule.rhs,
        status=rule_status(rule, values),
        lhs_total=total,
        rhs_value=values.get(rule.rhs),
        changed=[n for n in rule.names if n in changed],
        cross_page=cross,
    )


class _BranchAndBound:
    """Depth-first search over the alternatives of `order`, pruned by an optimistic bound."""

    def __init__(
        self,
        order: list[str],
        candidates: Mapping[str, Candidates],
        rules: Sequence[SumRule],
        penalty: float,
    ) -> None:
        self.order, self.penalty = order, penalty
        self.logs = [[(v, math.log(max(p, FLOOR))) for v, p in candidates[n]] for n in order]
        # The rules that become fully assigned at each depth.
        self.closing: list[list[SumRule]] = [[] for _ in order]
        for rule in rules:
            self.closing[max(order.index(n) for n in rule.names)].append(rule)
        self.rest = [0.0] * (len(order) + 1)
        for i in range(len(order) - 1, -1, -1):
            self.rest[i] = self.rest[i + 1] + self.logs[i][0][1]
        self.current: dict[str, Value] = {}
        self.best_score = -math.inf
        self.best: dict[str, Value] = {}
        self.nodes = 0

    def run(self, incumbent: dict[str, Value], score: float) -> dict[str, Value]:
        """The best assignment found, starting from a known one and its score."""
        self.best, self.best_score = dict(incumbent), score
        self._visit(0, 0.0)
        return self.best

    def _visit(self, depth: int, partial: float) -> None:
        if depth == len(self.order):
            if partial > self.best_score:
                self.best_score, self.best = partial, dict(self.current)
            return
        name = self.order[depth]
        for value, logp in self.logs[depth]:
            self.nodes += 1
            if self.nodes > NODE_BUDGET:
                return
            self.current[name] = value
            broken = sum(rule_status(r, self.current) == "violated" for r in self.closing[depth])
            gained = partial + logp - self.penalty * broken
            if gained + self.rest[depth + 1] > self.best_score:
                self._visit(depth + 1, gained)
        self.current.pop(name, None)


def _search(
    order: list[str],
    candidates: Mapping[str, Candidates],
    rules: Sequence[SumRule],
    penalty: float,
    start: Mapping[str, Value],
) -> dict[str, Value]:
    """Branch and bound over `order`; returns the best assignment of those fields."""
    incumbent = {n: start[n] for n in order}
    score = _score(incumbent, order, candidates, rules, penalty)
    return _BranchAndBound(order, candidates, rules, penalty).run(incumbent, score)


def _score(
    values: Mapping[str, Value],
    order: list[str],
    candidates: Mapping[str, Candidates],
    rules: Sequence[SumRule],
    penalty: float,
) -> float:
    """The objective of a full assignment of `order`."""
    total = 0.0
    for name in order:
        p = dict(candidates[name]).get(values[name], FLOOR)
        total += math.log(max(p, FLOOR))
    return total - penalty * sum(rule_status(r, values) == "violated" for r in rules)
