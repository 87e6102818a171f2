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
        self._classes: dict[tuple[str, type, Any], tuple] = {}  # (fact, type(value), value) -> answer_class

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
        """Kleene truth of `node` on `facts` (derived facts through `memo`). Without `fixed` this is the
        plain evaluation (the reference, as engine.logic.evaluate); with it, `facts` are the known facts
        and one tried fact, evaluated by _tried_truth (same answers)."""
        if fixed is not None:
            return self._tried_truth(node, facts, memo, fixed)
        if isinstance(node, logic.Leaf):
            return node.truth(self._value(node.fact, facts, memo, None))
        return logic.combine(node, [self._truth(child, facts, memo, None) for child in node.children])

    def _tried_truth(self, node: logic.Node, facts: dict[str, Any], memo: dict[str, Any], fixed: "_Fixed") -> bool | None:
        """`node`'s truth on `facts` = the known facts and fixed.fact at its trial value. A node whose
        truth no trial value can change keeps its truth on the known facts: one the tried fact does not
        reach (depends_on), or one settled on them when the trial is monotone (_Fixed). A gate
        evaluates only the children the tried fact reaches, the others counted once (fixed.split).
        The caches are read in place (the hottest path)."""
        known = fixed.base._truths.get(id(node), _UNSEEN)
        if known is _UNSEEN:
            known = fixed.base.truth(node)
        if (fixed.monotone and known is not None) or fixed.fact not in (self._deps.get(id(node)) or self.depends_on(node)):
            return known
        if isinstance(node, logic.Leaf):
            return node.truth(self._value(node.fact, facts, memo, fixed))
        if node.kind == "not":
            value = self._tried_truth(node.children[0], facts, memo, fixed)
            return None if value is None else not value
        split = fixed._splits.get(id(node))  # fixed.split(node), inlined likewise
        need_true, need_false, children = split if split is not None else fixed.split(node)
        left = len(children)
        for child in children:  # Kleene threshold, stopping as soon as the children left cannot change it
            if need_true <= 0 or need_false <= 0 or (need_true > left and need_false > left):
                break
            left -= 1
            value = self._tried_truth(child, facts, memo, fixed)
            need_true -= value is True
            need_false -= value is False
        return True if need_true <= 0 else False if need_false <= 0 else None

    def _outcome(self, rule: Rule, facts: dict[str, Any], memo: dict[str, Any], exception_ok: bool,
                 fixed: "_Fixed | None" = None) -> bool | None:
        """The rule's conclusion: False as soon as one of its parts (the scope, the condition, not the
        exception) is false, True when all are true, else None (open)."""
        open_ = False
        if self.doc.scope is not None:
            scope = self._truth(self.doc.scope_condition, facts, memo, fixed)
            if scope is False:
                return False
            open_ = scope is None
        condition = self._truth(rule.condition, facts, memo, fixed)
        if condition is False:
            return False
        open_ = open_ or condition is None
        if rule.unless is not None:
            unless = self._truth(rule.defeater, facts, memo, fixed)
            if unless is None and exception_ok and rule.unless_kind == "exception":
                unless = False  # an unanswered 除外 exception does not withhold the conclusion
            if unless is True:
                return False
            open_ = open_ or unless is None
        return None if open_ else True

    def outcome(self, rule_id: str, facts: dict[str, Any]) -> bool | None:
        """The rule's conclusion on `facts` (True: concluded, an unanswered exception aside)."""
        return self._outcome(self.rules[rule_id], facts, {}, exception_ok=True)

    def trial(self, rule_id: str, fixed: "_Fixed", value: Any) -> bool | None:
        """outcome(rule_id, {**fixed.known, fixed.fact: value}), evaluating again only the parts of the
        conditions that `fixed.fact` can reach (the rest is taken from `fixed`, same answers); see Trials.
        The derived facts of one trial value are worked out once for every rule tried with it."""
        facts, memo = fixed.trial(value)
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
            found: dict[str, set[float]] = {}
            for leaf in self._leaves():
                if isinstance(leaf.value, (int, float)) and not isinstance(leaf.value, bool):
                    found.setdefault(leaf.fact, set()).add(leaf.value)
            self._thresholds = {k: tuple(sorted(v)) for k, v in found.items()}
        return self._thresholds.get(fact, ())

    def answer_class(self, fact: str, value: Any) -> tuple:
        """The truths, at `value`, of every leaf of the document testing `fact`. A fact's value enters
        the evaluation only through those leaves, so two answers of one class give every rule the
        same outcome on any other facts (e.g. the 35 premises uses GB 35181 tests fall in 12 classes)."""
        key = (fact, type(value), value)
        found = self._classes.get(key)
        if found is None:
            if not hasattr(self, "_tests"):
                self._tests: dict[str, list[logic.Leaf]] = {}
                for leaf in self._leaves():
                    self._tests.setdefault(leaf.fact, []).append(leaf)
            try:
                found = tuple(leaf.truth(value) for leaf in self._tests.get(fact, ()))
            except TypeError:  # a value no leaf can compare: a class of its own
                found = ("value", type(value), value)
            self._classes[key] = found
        return found

    def _leaves(self) -> Iterable[logic.Leaf]:
        """Every leaf of the document's conditions, exceptions and scope."""
        nodes = [r.condition for r in self.doc.rules] + [r.defeater for r in self.doc.rules if r.unless is not None]
        if self.doc.scope is not None:
            nodes.append(self.doc.scope_condition)
        for node in nodes:
            yield from logic.leaves(node)


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
    facts are evaluated once and shared by every tried fact and value, and each outcome is worked out
    once (the question ranking and the either-way check try many of the same)."""

    def __init__(self, known: dict[str, Any]):
        self.known = known
        self._known: dict[int, _Known] = {}  # id(probe) ->
        self._fixed: dict[tuple[int, str], _Fixed] = {}  # (id(probe), fact) ->

    def outcome(self, probe: Probe, rule_id: str, fact: str, value: Any) -> bool | None:
        fixed = self._fixed.get((id(probe), fact))
        if fixed is None:
            known = self._known.get(id(probe))
            if known is None:
                known = self._known[id(probe)] = _Known(probe, self.known)
            fixed = self._fixed[id(probe), fact] = _Fixed(known, fact)
        return fixed.outcome(rule_id, value)


class _Known:
    """One document's truths on the known facts (Probe's plain evaluation), each worked out once."""

    def __init__(self, probe: Probe, known: dict[str, Any]):
        self.probe = probe
        self.known = known
        self._memo: dict[str, Any] = {}  # derived facts on the known facts
        self._truths: dict[int, bool | None] = {}  # id(node) ->
        self._counts: dict[int, tuple[int, int]] = {}  # id(gate) ->

    def value(self, fact: str) -> Any:
        """The fact's value on the known facts: given, derived, or None."""
        return self.probe._value(fact, self.known, self._memo, None)

    def truth(self, node: logic.Node) -> bool | None:
        """As Probe._truth on the known facts, a gate's from its children's (each worked out once)."""
        found = self._truths.get(id(node), _UNSEEN)
        if found is _UNSEEN:
            if isinstance(node, logic.Leaf):
                found = node.truth(self.value(node.fact))
            else:
                found = logic.combine(node, [self.truth(c) for c in node.children])
            self._truths[id(node)] = found
        return found

    def counts(self, gate: logic.Gate) -> tuple[int, int]:
        """How many of the gate's children are true and false on the known facts."""
        found = self._counts.get(id(gate))
        if found is None:
            values = [self.truth(c) for c in gate.children]
            found = self._counts[id(gate)] = (values.count(True), values.count(False))
        return found


class _Fixed:
    """One fact tried, at several values, against one document's known facts: what it cannot change
    keeps its truth on the known facts, so only what it reaches is evaluated again per value."""

    def __init__(self, known: _Known, fact: str):
        self.base = known
        self.probe = known.probe
        self.fact = fact
        # Kleene evaluation is monotone: a fact going from unknown to a value can settle an open node but
        # never change a settled one. That holds when the fact is missing from the known facts (neither
        # given nor derived from them); a given fact tried at another value, or a derived one tried
        # against its derivation, can change anything it reaches.
        self.monotone = fact not in known.known and known.value(fact) is None
        self._splits: dict[int, tuple[int, int, tuple[logic.Node, ...]]] = {}  # id(gate) ->
        self._trials: dict[tuple, tuple[dict[str, Any], dict[str, Any]]] = {}  # answer class ->
        self._outcomes: dict[tuple[str, tuple], bool | None] = {}  # (rule id, answer class) ->

    def outcome(self, rule_id: str, value: Any) -> bool | None:
        """probe.outcome(rule_id, {**known, fact: value}), worked out once per answer class
        (Probe.answer_class: the answers every leaf on the fact tests alike give the same outcome)."""
        key = (rule_id, self.probe.answer_class(self.fact, value))
        found = self._outcomes.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = self._outcomes[key] = self.probe.trial(rule_id, self, value)
        return found

    def trial(self, value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The facts of one trial value and the memo of the derived facts worked out on them, shared by
        every rule tried with that value or one of its answer class (a derived fact depends on the
        facts alone, and on the tried one through the leaves testing it)."""
        key = self.probe.answer_class(self.fact, value)
        found = self._trials.get(key)
        if found is None:
            found = self._trials[key] = ({**self.base.known, self.fact: value}, {})
        return found

    def split(self, gate: logic.Gate) -> tuple[int, int, tuple[logic.Node, ...]]:
        """For a gate the tried fact reaches: how many more of its children must be true for it to be
        true, and false for it to be false, beyond its other children's truths on the known facts; and
        the children the fact reaches (to evaluate per trial value)."""
        found = self._splits.get(id(gate))
        if found is None:
            reached = self.probe.reached(gate, self.fact)
            trues, falses = self.base.counts(gate)
            for child in reached:  # the others: every child less the reached ones
                value = self.base.truth(child)
                trues -= value is True
                falses -= value is False
            found = self._splits[id(gate)] = (gate.needed_true - trues, gate.needed_false - falses, reached)
        return found


_UNSEEN = object()  # not worked out yet (None is a truth)


def rank(facts_by_id: dict[str, Fact], probes: dict[str, Probe], trials: Trials,
         question_rules: dict[str, Iterable[str]], rule_docs: dict[str, str]) -> dict[str, tuple[int, int]]:
    """For each asked fact: (tier, number of the open rules one of its answers settles), the answers
    tried on `trials`' known facts."""
    out: dict[str, tuple[int, int]] = {}
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
