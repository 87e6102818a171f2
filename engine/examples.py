"""Example cases made from a rule's own conditions: the facts that make a situation hold, and near
misses that differ in one condition. Used to generate training questions (and scenario skeletons).

Nothing here is a verdict: every example is judged by `engine.judge.judge` before it is used, so a key
can never disagree with the rule base. Values are chosen inside each fact's declared range and,
for thresholds, clearly on one side of the number (the boundary itself is asked separately).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine import logic
from engine.knowledge import Sector
from engine.model import Document, Fact, Rule


@dataclass(frozen=True)
class Example:
    """Facts (ids → typed values) for one rule, and which leaf was flipped for a near miss."""

    rule: Rule
    facts: dict[str, Any]
    flipped: logic.Leaf | None = None


def _number(fact: Fact, op: str, bound: float, want: bool) -> float | None:
    if not want:
        op = {"ge": "lt", "gt": "le", "le": "gt", "lt": "ge"}[op]
    step = max(abs(bound) * 0.25, 1.0)
    value = {"ge": bound + step, "gt": bound + step, "le": bound - step, "lt": bound - step}[op]
    lo, hi = fact.min, fact.max
    if lo is not None and value < lo:
        value = lo if op in ("le", "ge") and lo <= bound else (bound + lo) / 2
    if hi is not None and value > hi:
        value = hi if op in ("ge", "le") and hi >= bound else (bound + hi) / 2
    value = round(value, 3)
    return value if logic.Leaf("x", op, bound).test(value) else None


def _leaf_value(fact: Fact, leaf: logic.Leaf, want: bool) -> Any:
    op, v = leaf.op, leaf.value
    if fact.type == "bool":
        return v if want else (not v)
    if fact.type == "enum":
        values = fact.values or []
        if op == "is":
            return v if want else next((x for x in values if x != v), None)
        inside, outside = [x for x in values if x in v], [x for x in values if x not in v]
        pick = (inside if (op == "in") == want else outside)
        return pick[0] if pick else None
    if op == "is":
        return v if want else v + 1
    return _number(fact, op, float(v), want)


class Solver:
    """Greedy search for facts that make a condition come out as wanted, through derived facts."""

    def __init__(self, sector: Sector, doc: Document):
        self.sector = sector
        self.derivers = {r.then.fact: r for r in doc.rules if r.then.kind == "derive"}

    def make(self, node: logic.Node, want: bool, facts: dict[str, Any]) -> dict[str, Any] | None:
        if isinstance(node, logic.Leaf):
            return self._leaf(node, want, facts)
        if node.kind == "not":
            return self.make(node.children[0], not want, facts)
        need = node.needed_true if want else node.needed_false
        done = 0
        current = facts
        for child in node.children:
            if done >= need:
                break
            found = self.make(child, want, current)
            if found is not None:
                current, done = found, done + 1
        return current if done >= need else None

    def _leaf(self, leaf: logic.Leaf, want: bool, facts: dict[str, Any]) -> dict[str, Any] | None:
        if leaf.fact in facts:
            return facts if leaf.test(facts[leaf.fact]) == want else None
        rule = self.derivers.get(leaf.fact)
        if rule is not None:
            # an intermediate conclusion: make what it is concluded from
            wanted = leaf.test(True) == want
            parts = [rule.condition] + ([logic.Gate("not", (rule.defeater,))] if rule.defeater is not None else [])
            node = parts[0] if len(parts) == 1 else logic.Gate("all", tuple(parts), len(parts))
            return self.make(node, wanted, facts)
        value = _leaf_value(self.sector.facts[leaf.fact], leaf, want)
        if value is None:
            return None
        return {**facts, leaf.fact: value}


def _whole(doc: Document, rule: Rule) -> logic.Node:
    parts = ([doc.scope_condition] if doc.scope_condition is not None else []) + [rule.condition]
    if rule.defeater is not None:
        parts.append(logic.Gate("not", (rule.defeater,)))
    return parts[0] if len(parts) == 1 else logic.Gate("all", tuple(parts), len(parts))


def major_case(sector: Sector, doc: Document, rule: Rule, base: dict[str, Any] | None = None) -> Example | None:
    """Facts under which `rule` holds (its document's scope met, its exception answered 否)."""
    facts = Solver(sector, doc).make(_whole(doc, rule), True, dict(base or {}))
    return None if facts is None else Example(rule, facts)


def _alternatives(fact: Fact, value: Any, doc: Document) -> list[Any]:
    if fact.type == "bool":
        return [not value]
    if fact.type == "enum":
        return [v for v in fact.values or [] if v != value]
    out = []
    for rule in doc.rules:
        for leaf in logic.leaves(rule.condition):
            if leaf.fact == fact.id and leaf.op in logic.NUMERIC_OPS:
                other = _number(fact, leaf.op, float(leaf.value), not leaf.test(value))
                if other is not None and other not in out:
                    out.append(other)
    return out


def near_misses(sector: Sector, doc: Document, rule: Rule, major: Example) -> list[Example]:
    """One example per given fact of `major` whose value, changed alone, makes the situation false."""
    from engine.direct import evaluate_document

    out = []
    for fact_id, value in major.facts.items():
        for other in _alternatives(sector.facts[fact_id], value, doc):
            facts = {**major.facts, fact_id: other}
            if doc.scope_condition is not None and logic.evaluate(doc.scope_condition, facts) is False:
                continue  # outside the document's scope (e.g. not a 化工 unit): no document judges it
            if evaluate_document(doc, facts)[0][rule.id] is False:
                leaf = next((l for l in logic.leaves(_whole(doc, rule)) if l.fact == fact_id), None)
                out.append(Example(rule, facts, leaf))
                break
    return out
