"""Conditions as puzzles: find facts that make a rule's condition true or false, leaf by leaf.

Used by the scenario skeletons (`hazard spec --new`) and the knowledge-coverage check. Everything is
evaluated with engine.logic (the same three-valued evaluation the engine's oracle uses).

A leaf *position* is a path of child indexes into a condition tree, so two identical leaves in
different branches are different conditions. Its *polarity* is whether an even number of `not`
gates lies above it: the value that helps the rule hold is `True` for an even polarity.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

from engine import logic
from engine.model import Fact

TRUE = logic.Gate("all", (), 0)   # a condition that always holds
FALSE = logic.Gate("any", (), 1)  # a condition that never holds

Path = tuple[int, ...]


def positions(node: logic.Node, path: Path = (), negated: bool = False) -> Iterator[tuple[Path, logic.Leaf, bool]]:
    """Every leaf with its path and whether it helps the rule when true (False under an odd number of `not`)."""
    if isinstance(node, logic.Leaf):
        yield path, node, not negated
        return
    for i, child in enumerate(node.children):
        yield from positions(child, path + (i,), negated ^ (node.kind == "not"))


def replace(node: logic.Node, path: Path, new: logic.Node) -> logic.Node:
    """The tree with the node at `path` replaced."""
    if not path:
        return new
    children = list(node.children)
    children[path[0]] = replace(children[path[0]], path[1:], new)
    return logic.Gate(node.kind, tuple(children), node.threshold)


def at(node: logic.Node, path: Path) -> logic.Node:
    for i in path:
        node = node.children[i]
    return node


# ---- solving -------------------------------------------------------------------------------------

Literal = tuple[logic.Leaf, bool]


def _alternatives(node: logic.Node, want: bool) -> Iterator[list[tuple[logic.Node, bool]]]:
    """Ways to give `node` the value `want`, each a list of (child, value) obligations."""
    if node.kind == "not":
        yield [(node.children[0], not want)]
        return
    kids = node.children
    if want:
        need = node.needed_true
        for combo in itertools.combinations(range(len(kids)), need):
            yield [(kids[i], True) for i in combo]
    else:
        need = node.needed_false
        if need > len(kids):
            return
        for combo in itertools.combinations(range(len(kids)), need):
            yield [(kids[i], False) for i in combo]


class Solver:
    """Finds fact values meeting a list of (condition, wanted value) obligations."""

    def __init__(self, facts: dict[str, Fact], numbers: dict[str, set[float]], budget: int = 20000) -> None:
        self.facts = facts
        self.numbers = numbers  # thresholds seen per number fact, to build candidate values
        self.budget = budget

    def candidates(self, fact_id: str) -> list[Any]:
        fact = self.facts[fact_id]
        if fact.type == "bool":
            return [True, False]
        if fact.type == "enum":
            return list(fact.values or [])
        out: list[float] = []
        for t in sorted(self.numbers.get(fact_id, set())):
            out += [t, t + 1, t - 1, t + 0.1, t - 0.1, t + 0.01, t - 0.01]
        out += [0.0, 1.0, 100.0]
        lo, hi = fact.min, fact.max
        seen, ok = set(), []
        for v in out:
            v = round(v, 6)
            if v in seen or (lo is not None and v < lo) or (hi is not None and v > hi):
                continue
            seen.add(v)
            ok.append(v)
        return ok

    def _value(self, fact_id: str, literals: list[Literal]) -> tuple[bool, Any]:
        for v in self.candidates(fact_id):
            if all(leaf.test(v) == want for leaf, want in literals):
                return True, v
        return False, None

    def solve(self, goals: list[tuple[logic.Node, bool]], fixed: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Fact values (by id) meeting every goal, or None. `fixed` values are taken as given."""
        self.steps = 0
        fixed = dict(fixed or {})
        for result in self._search(list(goals), {}, fixed):
            if self._consistent(result):
                return result
        return None

    def _consistent(self, values: dict[str, Any]) -> bool:
        """No value states the opposite of what another value implies (`implies` / `implies_if_no`):
        a scenario an inspector would not write (构成重大危险源=否 beside 罐区一级重大危险源); the engine
        judges such input by the value given, with a warning."""
        for fact_id, value in values.items():
            fact = self.facts.get(fact_id)
            if fact is None or not isinstance(value, bool):
                continue
            for other, implied in (fact.implies if value else fact.implies_if_no).items():
                if other in values and values[other] != implied:
                    return False
        return True

    @property
    def exhaustive(self) -> bool:
        """The last `solve` searched every alternative (so None means: no facts can meet the goals)."""
        return self.steps <= self.budget

    def _search(self, goals, literals: dict[str, list[Literal]], fixed) -> Iterator[dict[str, Any]]:
        self.steps += 1
        if self.steps > self.budget:
            return
        if not goals:
            out = dict(fixed)
            for fact_id, lits in literals.items():
                if fact_id not in fixed:
                    out[fact_id] = self._value(fact_id, lits)[1]
            yield out
            return
        (node, want), rest = goals[0], goals[1:]
        if isinstance(node, logic.Leaf):
            if node.fact not in self.facts:
                return
            if node.fact in fixed:
                if fixed[node.fact] is not None and node.test(fixed[node.fact]) == want:
                    yield from self._search(rest, literals, fixed)
                return
            lits = literals.get(node.fact, []) + [(node, want)]
            if self._value(node.fact, lits)[0]:
                yield from self._search(rest, {**literals, node.fact: lits}, fixed)
            return
        for alternative in _alternatives(node, want):
            yield from self._search(alternative + rest, literals, fixed)


def thresholds(conditions: list[logic.Node]) -> dict[str, set[float]]:
    found: dict[str, set[float]] = {}
    for cond in conditions:
        for leaf in logic.leaves(cond):
            if leaf.op in logic.NUMERIC_OPS or (leaf.op == "is" and isinstance(leaf.value, (int, float))
                                                 and not isinstance(leaf.value, bool)):
                found.setdefault(leaf.fact, set()).add(float(leaf.value))
    return found
