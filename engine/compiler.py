"""Compile a document's rules into one durable_rules ruleset and run it, one session a judgement.

Facts enter the Rete network as `{t: "f", id, v}`. Each distinct leaf condition is a pair of
durable rules (the test and its negation) that asserts the leaf's truth `{t: "c", id, v}`.
Each gate listens to its children's truths, counts them in the session state and asserts its own
truth once its threshold is reached. A rule's root records the rule's truth in the state and, for
an intermediate conclusion, asserts the derived fact, which feeds further leaves: forward
chaining. Whatever no child settles stays unknown, which is the third answer.

durable_rules keeps rulesets global per process and is not thread-safe: every call goes through
one process-wide lock, each judgement has its own session id, and its state is deleted afterwards.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from durable.lang import c as _c  # noqa: F401  (keeps durable's DSL module initialised)
from durable.lang import get_host, m, ruleset, when_all

from engine import logic
from engine.errors import EngineError
from engine.model import Document, Rule

ENGINE_LOCK = threading.RLock()
_ruleset_counter = itertools.count()
_session_counter = itertools.count()


@dataclass
class CNode:
    """A node of a compiled rule tree: the condition and its id in the network."""

    id: str
    node: logic.Node
    children: list["CNode"] = field(default_factory=list)


@dataclass
class CompiledRule:
    rule: Rule
    root: CNode  # all of: scope, when, not unless
    when: CNode
    unless: CNode | None
    scope: CNode | None


@dataclass
class RunResult:
    truth: dict[str, bool]  # node id -> settled truth (absent: unknown)
    rules: dict[str, bool | None]
    derived: dict[str, bool]


class CompiledDocument:
    def __init__(self, doc: Document):
        self.doc = doc
        self.name = f"hj_{next(_ruleset_counter)}_{doc.id}"
        self._ids = itertools.count()
        self.leaf_ids: dict[str, str] = {}
        self.leaves: dict[str, logic.Leaf] = {}
        self.gates: dict[str, CNode] = {}
        self.parents: dict[str, list[str]] = {}
        self.rules: list[CompiledRule] = []
        self.roots: dict[str, list[CompiledRule]] = {}
        scope = logic.parse(doc.scope, doc.id) if doc.scope is not None else None
        for rule in doc.rules:
            when = self._add(rule.condition)
            unless = self._add(rule.defeater) if rule.unless is not None else None
            scope_node = self._add(scope) if scope is not None else None
            parts = [x for x in (scope_node, when) if x is not None]
            if unless is not None:
                parts.append(self._gate(logic.Gate("not", (unless.node,)), [unless]))
            root = parts[0] if len(parts) == 1 else self._gate(
                logic.Gate("all", tuple(p.node for p in parts), len(parts)), parts)
            compiled = CompiledRule(rule, root, when, unless, scope_node)
            self.rules.append(compiled)
            self.roots.setdefault(root.id, []).append(compiled)
        self.facts_used = {leaf.fact for leaf in self.leaves.values()}
        self._build()

    # ---- tree ----------------------------------------------------------------------------
    def _add(self, node: logic.Node) -> CNode:
        if isinstance(node, logic.Leaf):
            nid = self.leaf_ids.get(node.key)
            if nid is None:
                nid = self.leaf_ids[node.key] = f"n{next(self._ids)}"
                self.leaves[nid] = node
            return CNode(nid, node)
        return self._gate(node, [self._add(child) for child in node.children])

    def _gate(self, gate: logic.Gate, children: list[CNode]) -> CNode:
        cnode = CNode(f"n{next(self._ids)}", gate, children)
        self.gates[cnode.id] = cnode
        for child in children:
            self.parents.setdefault(child.id, []).append(cnode.id)
        return cnode

    # ---- durable_rules -------------------------------------------------------------------
    def _emit(self, nid: str) -> Callable[[Any, bool], None]:
        """What settling node `nid` does: feed its parents, record and conclude its rules."""
        feeds = nid in self.parents
        concludes = [(r.rule.id, r.rule.then.fact if r.rule.then.kind == "derive" else None)
                     for r in self.roots.get(nid, [])]
        used = self.facts_used

        def emit(c: Any, truth: bool) -> None:
            if feeds:
                c.assert_fact({"t": "c", "id": nid, "v": truth})
            for rule_id, derived in concludes:
                c.s["r_" + rule_id] = truth
                if derived and derived in used and not c.s["g_" + derived]:
                    c.assert_fact({"t": "f", "id": derived, "v": truth})
                elif derived:
                    c.s["d_" + derived] = truth
        return emit

    def _leaf_consequent(self, emit: Callable, truth: bool) -> Callable:
        return lambda c: emit(c, truth)

    def _count_consequent(self, gid: str, emit: Callable, truth: bool, needed: int, emit_value: bool) -> Callable:
        key = f"{gid}_{'t' if truth else 'f'}"

        def consequent(c: Any) -> None:
            count = (c.s[key] or 0) + 1
            c.s[key] = count
            if count == needed:
                emit(c, emit_value)
        return consequent

    def _build(self) -> None:
        with ENGINE_LOCK, ruleset(self.name):
            for nid, leaf in self.leaves.items():
                emit = self._emit(nid)
                base = (m.t == "f") & (m.id == leaf.fact)
                yes, no = _predicates(leaf)
                when_all(base & yes)(self._leaf_consequent(emit, True))
                when_all(base & no)(self._leaf_consequent(emit, False))
            for gid, cnode in self.gates.items():
                emit = self._emit(gid)
                gate = cnode.node
                for child in cnode.children:
                    for truth in (True, False):
                        pattern = (m.t == "c") & (m.id == child.id) & (m.v == truth)
                        if gate.kind == "not":
                            consequent = self._leaf_consequent(emit, not truth)
                        else:
                            needed = gate.needed_true if truth else gate.needed_false
                            consequent = self._count_consequent(gid, emit, truth, needed, truth)
                        when_all(pattern)(consequent)

    def run(self, facts: dict[str, Any]) -> RunResult:
        """Judge one fact set. Only facts some leaf tests are asserted, so an unknown fact is
        a normal outcome, not a MessageNotHandledException."""
        relevant = {k: v for k, v in facts.items() if k in self.facts_used and v is not None}
        if not relevant:
            return RunResult({}, {r.rule.id: None for r in self.rules}, {})
        sid = f"s{next(_session_counter)}"
        host = get_host()
        state_init = {"sid": sid}
        for k in facts:
            state_init["g_" + k] = 1
        payload = [{"sid": sid, "t": "f", "id": k, "v": v} for k, v in relevant.items()]
        with ENGINE_LOCK:
            try:
                host.update_state(self.name, state_init)
                host.assert_facts(self.name, payload)
                state = host.get_state(self.name, sid)
                network = host.get_facts(self.name, sid)
            finally:
                try:
                    host.delete_state(self.name, sid)
                except Exception:  # state may not exist if the first call failed
                    pass
        if "exception" in state:
            raise EngineError(f"规则引擎执行出错（{self.doc.id}）：{state['exception']}")
        truth = {f["id"]: f["v"] for f in network if f.get("t") == "c"}
        derived = {f["id"]: f["v"] for f in network if f.get("t") == "f" and f["id"] not in facts}
        derived.update({k[2:]: v for k, v in state.items() if k.startswith("d_")})
        rules = {r.rule.id: state.get("r_" + r.rule.id) for r in self.rules}
        # a root that is a plain leaf feeds no gate; its truth is only in the rule record
        for r in self.rules:
            if rules[r.rule.id] is not None:
                truth.setdefault(r.root.id, rules[r.rule.id])
        return RunResult(truth, rules, derived)


def _predicates(leaf: logic.Leaf) -> tuple[Any, Any]:
    """The durable_rules test for a leaf and its exact negation (given the fact is present)."""
    v, op = leaf.value, leaf.op
    if op == "is":
        return m.v == v, m.v != v
    if op in ("in", "not_in"):
        yes = _any_of([m.v == x for x in v])
        no = _all_of([m.v != x for x in v])
        return (yes, no) if op == "in" else (no, yes)
    table = {
        "ge": (m.v >= v, m.v < v),
        "gt": (m.v > v, m.v <= v),
        "le": (m.v <= v, m.v > v),
        "lt": (m.v < v, m.v >= v),
    }
    return table[op]


def _any_of(tests: list[Any]) -> Any:
    out = tests[0]
    for t in tests[1:]:
        out = out | t
    return out


def _all_of(tests: list[Any]) -> Any:
    out = tests[0]
    for t in tests[1:]:
        out = out & t
    return out
