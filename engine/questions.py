"""How decisive a question is: can one answer to it make the verdict 重大事故隐患, or settle a situation?

For every fact an open rule still needs, each possible answer is tried against the rules it bears on
(the other missing facts stay missing): a fact with an answer that alone concludes a major hazard is
"one fact away" (tier 0); a fact with an answer that alone rules a situation out can settle 不构成
(tier 1); the rest are needed together with other answers (tier 2). Candidate answers are the
values of a bool or enum fact, and for a number the thresholds the document's conditions compare it
with, on both sides. Evaluation is the same three-valued logic as engine.direct, chained through
derived facts (a derived fact given by the inspector is not re-derived).
"""

from __future__ import annotations

from typing import Any, Iterable

from engine import logic
from engine.facts import DECIMALS
from engine.model import Document, Fact, Rule

MAJOR, SETTLE, MORE = 0, 1, 2


class Probe:
    """Three-valued evaluation of one document's rules on a trial fact set."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.rules = {r.id: r for r in doc.rules}
        self.derivers = {r.then.fact: r for r in doc.rules if r.then.kind == "derive"}
        self._deps: dict[int, frozenset[str]] = {}  # id(node) -> facts its truth can depend on
        self._reached: dict[tuple[int, str], tuple[logic.Node, ...]] = {}  # (id(gate), fact) -> its children fact reaches

    def _value(self, fact: str, facts: dict[str, Any], memo: dict[str, Any], fixed: "_Fixed | None") -> Any:
        if fact in facts:
            return facts[fact]
        rule = self.derivers.get(fact)
        if rule is None:
            return None
        if fact not in memo:
            memo[fact] = None  # guards against cycles (the loader rejects them anyway)
            memo[fact] = self._outcome(rule, facts, memo, False, fixed)
        return memo[fact]

    def _truth(self, node: logic.Node, facts: dict[str, Any], memo: dict[str, Any], fixed: "_Fixed | None") -> bool | None:
        if fixed is not None and fixed.fact not in (self._deps.get(id(node)) or self.depends_on(node)):
            return fixed.truth(self, node)  # the same whatever the trial value: evaluated once on the known facts
        if isinstance(node, logic.Leaf):
            return node.truth(self._value(node.fact, facts, memo, fixed))
        if node.kind == "not":
            value = self._truth(node.children[0], facts, memo, fixed)
            return None if value is None else not value
        if fixed is None:
            trues = falses = 0
            children: tuple[logic.Node, ...] = node.children
        else:  # the children the tried fact cannot reach are counted once (e.g. 20 elements of an at-least gate)
            trues, falses, children = fixed.split(self, node)
        values = [self._truth(child, facts, memo, fixed) for child in children]
        if trues + sum(v is True for v in values) >= node.needed_true:
            return True
        if falses + sum(v is False for v in values) >= node.needed_false:
            return False
        return None

    def _outcome(self, rule: Rule, facts: dict[str, Any], memo: dict[str, Any], exception_ok: bool,
                 fixed: "_Fixed | None" = None) -> bool | None:
        parts = []
        if self.doc.scope is not None:
            parts.append(self._truth(self.doc.scope_condition, facts, memo, fixed))
        parts.append(self._truth(rule.condition, facts, memo, fixed))
        if rule.unless is not None:
            unless = self._truth(rule.defeater, facts, memo, fixed)
            if unless is None and exception_ok and rule.unless_kind == "exception":
                unless = False  # an unanswered 除外 exception does not withhold the conclusion
            parts.append(None if unless is None else not unless)
        if any(p is False for p in parts):
            return False
        return True if all(p is True for p in parts) else None

    def outcome(self, rule_id: str, facts: dict[str, Any]) -> bool | None:
        """The rule's conclusion on `facts` (True: concluded, an unanswered exception aside)."""
        return self._outcome(self.rules[rule_id], facts, {}, exception_ok=True)

    def trial(self, rule_id: str, fixed: "_Fixed", value: Any) -> bool | None:
        """outcome(rule_id, {**fixed.known, fixed.fact: value}), evaluating again only the parts of the
        conditions that `fixed.fact` can reach (the rest is taken from `fixed`, same answers); see Trials.
        The derived facts of one trial value are worked out once for every rule tried with it."""
        facts, memo = fixed.trial(self, value)
        return self._outcome(self.rules[rule_id], facts, memo, True, fixed)

    def depends_on(self, node: logic.Node) -> frozenset[str]:
        """The facts whose value can change `node`'s truth: those it tests and, for a derived fact
        not given, the facts (and the scope) its deriving rule tests, transitively."""
        found = self._deps.get(id(node))
        if found is None:
            if isinstance(node, logic.Leaf):
                out = {node.fact}
                rule = self.derivers.get(node.fact)
                if rule is not None:
                    self._deps[id(node)] = frozenset(out)  # guards against cycles (rejected by the loader)
                    parts = [rule.condition] + ([rule.defeater] if rule.unless is not None else [])
                    if self.doc.scope is not None:
                        parts.append(self.doc.scope_condition)
                    for part in parts:
                        out |= self.depends_on(part)
            else:
                out = set().union(*(self.depends_on(child) for child in node.children))
            found = self._deps[id(node)] = frozenset(out)
        return found

    def reached(self, gate: logic.Gate, fact: str) -> tuple[logic.Node, ...]:
        """The children of `gate` whose truth `fact` can change (depends_on), in order; worked out once
        per gate and fact, whatever the known facts."""
        key = (id(gate), fact)
        found = self._reached.get(key)
        if found is None:
            found = self._reached[key] = tuple(c for c in gate.children if fact in self.depends_on(c))
        return found

    def thresholds(self, fact: str) -> tuple[float, ...]:
        """The numbers the document's conditions compare `fact` with."""
        if not hasattr(self, "_thresholds"):
            nodes = [r.condition for r in self.doc.rules] + [r.defeater for r in self.doc.rules if r.unless is not None]
            if self.doc.scope is not None:
                nodes.append(self.doc.scope_condition)
            found: dict[str, set[float]] = {}
            for node in nodes:
                for leaf in logic.leaves(node):
                    if isinstance(leaf.value, (int, float)) and not isinstance(leaf.value, bool):
                        found.setdefault(leaf.fact, set()).add(leaf.value)
            self._thresholds = {k: tuple(sorted(v)) for k, v in found.items()}
        return self._thresholds.get(fact, ())


def candidates(fact: Fact, probe: Probe) -> list[Any]:
    """The answers worth trying for one fact."""
    if fact.type == "bool":
        return [True, False]
    if fact.type == "enum":
        return list(fact.values or [])
    step = 10 ** -DECIMALS
    out: list[float] = []
    for t in probe.thresholds(fact.id):
        for v in (t - step, t, t + step):
            if (fact.min is None or v >= fact.min) and (fact.max is None or v <= fact.max):
                out.append(round(v, DECIMALS))
    return out


class Trials:
    """Rule outcomes with one more fact tried on fixed known facts, many times: `outcome(probe, rule_id,
    fact, value)` == `probe.outcome(rule_id, {**known, fact: value})`. The truths of nodes on the known
    facts are evaluated once and shared by every tried fact and value."""

    def __init__(self, known: dict[str, Any]):
        self.known = known
        self._truths: dict[tuple[int, int], bool | None] = {}
        self._counts: dict[tuple[int, int], tuple[int, int]] = {}
        self._memos: dict[int, dict[str, Any]] = {}
        self._fixed: dict[str, _Fixed] = {}

    def outcome(self, probe: Probe, rule_id: str, fact: str, value: Any) -> bool | None:
        fixed = self._fixed.get(fact)
        if fixed is None:
            fixed = self._fixed[fact] = _Fixed(self, fact)
        return probe.trial(rule_id, fixed, value)

    def truth(self, probe: Probe, node: logic.Node) -> bool | None:
        key = (id(probe), id(node))
        if key not in self._truths:
            memo = self._memos.setdefault(id(probe), {})
            self._truths[key] = probe._truth(node, self.known, memo, None)
        return self._truths[key]

    def counts(self, probe: Probe, gate: logic.Gate) -> tuple[int, int]:
        """How many of the gate's children are true and false on the known facts."""
        key = (id(probe), id(gate))
        found = self._counts.get(key)
        if found is None:
            values = [self.truth(probe, c) for c in gate.children]
            found = self._counts[key] = (values.count(True), values.count(False))
        return found


class _Fixed:
    """The fact being tried against the known facts: a node it cannot reach has its truth on the known
    facts (Trials), whatever the trial value, so only what it reaches is evaluated again per value."""

    def __init__(self, known: Trials, fact: str):
        self.base = known
        self.known = known.known
        self.fact = fact
        self._splits: dict[tuple[int, int], tuple[int, int, tuple[logic.Node, ...]]] = {}
        self._trials: dict[tuple[int, Any], tuple[dict[str, Any], dict[str, Any]]] = {}

    def trial(self, probe: Probe, value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The facts of one trial value and the memo of the derived facts worked out on them (shared by
        every rule tried with that value: a derived fact depends on the facts alone)."""
        key = (id(probe), type(value), value)
        found = self._trials.get(key)
        if found is None:
            found = self._trials[key] = ({**self.known, self.fact: value}, {})
        return found

    def truth(self, probe: Probe, node: logic.Node) -> bool | None:
        return self.base.truth(probe, node)

    def split(self, probe: Probe, gate: logic.Gate) -> tuple[int, int, tuple[logic.Node, ...]]:
        """For a gate the tried fact reaches: how many of its other children are true and false on
        the known facts, and the children it reaches (to evaluate per trial value)."""
        key = (id(probe), id(gate))
        found = self._splits.get(key)
        if found is None:
            reached = probe.reached(gate, self.fact)
            trues, falses = self.base.counts(probe, gate)
            for child in reached:  # the others: every child less the reached ones
                value = self.base.truth(probe, child)
                trues -= value is True
                falses -= value is False
            found = self._splits[key] = (trues, falses, reached)
        return found


def rank(facts_by_id: dict[str, Fact], probes: dict[str, Probe], known: dict[str, Any],
         question_rules: dict[str, Iterable[str]], rule_docs: dict[str, str]) -> dict[str, tuple[int, int]]:
    """For each asked fact: (tier, number of the open rules one of its answers settles)."""
    out: dict[str, tuple[int, int]] = {}
    trials = Trials(known)
    for fid, rules in question_rules.items():
        tier, settled = MORE, 0
        for rid in dict.fromkeys(rules):
            probe = probes[rule_docs[rid]]
            results = set()
            for v in candidates(facts_by_id[fid], probe):
                results.add(trials.outcome(probe, rid, fid, v))
                if True in results:  # nothing further can change this rule's tier or count
                    break
            if True in results:
                tier = MAJOR
            elif False in results:
                tier = min(tier, SETTLE)
            if results - {None}:
                settled += 1
        out[fid] = (tier, settled)
    return out
