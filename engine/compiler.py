"""Compile a document's rules into durable_rulesets and run them, one session a judgement.

Facts enter the Rete network as `{t: "f", id, v}`. Each distinct leaf condition is a pair of
durable rules (the test and its negation) that asserts the leaf's truth `{t: "c", id, v}`.
Each gate listens to its children's truths, counts them (in a per-session scratch beside the
network) and asserts its own truth once its threshold is reached. A rule's root records the rule's
truth and, for an intermediate conclusion, asserts the derived fact, which feeds further leaves:
forward chaining. Whatever no child settles stays unknown, which is the third answer.

durable_rules keeps rulesets global per process and is not thread-safe: every call goes through
one process-wide lock, each judgement has its own session id, and its state is deleted afterwards.
The host runs no background threads (see _SerialHost); a document is split into small rulesets
run in strata (see CompiledDocument).
"""

from __future__ import annotations

import itertools
import threading
from decimal import ROUND_FLOOR, Decimal
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, Callable, Iterator

import durable.lang
from durable import engine as durable_engine
from durable.lang import get_host, m, ruleset, when_all

from engine import logic
from engine.errors import EngineError
from engine.model import Document, Rule

ENGINE_LOCK = threading.RLock()
_ruleset_counter = itertools.count()
_session_counter = itertools.count()


class _SerialHost(durable_engine.Host):
    """durable_rules' default Host starts timer threads that keep dispatching every ruleset in
    the background, calling into the C engine outside any lock of ours. Racing our judgements,
    they corrupt sessions now and then (missing conclusions, ERR_NODE_DELETED after a few
    thousand judgements). We use neither timers nor queued messages, so this host starts no
    threads and every call into the engine happens under ENGINE_LOCK."""

    def _run(self) -> None:
        pass


def _host() -> durable_engine.Host:
    with ENGINE_LOCK:
        if durable.lang._main_host is None:
            durable.lang._main_host = _SerialHost()
        return get_host()  # also registers rulesets defined since the last call


_host()


def register_all() -> None:
    """Register every ruleset compiled so far with durable_rules' C engine now (it otherwise happens at
    the first judgement): `hazard check` and the server's start-up find a ruleset the C side rejects.
    EngineError names the problem."""
    try:
        _host()
    except Exception as exc:  # durable_rules raises plain Exception with the C engine's message
        raise EngineError(f"规则集未能在 durable_rules 引擎中注册：{exc}") from None


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


class RuleOutcomes(Mapping):
    """rule id -> outcome (True / False / None = open) for every rule of a document, without
    building an entry per rule: the outcomes of the rulesets that ran, None for every other rule
    of `ids`. Reading one outcome costs a dictionary look-up whatever the size of the document."""

    __slots__ = ("ids", "ran")

    def __init__(self, ids: dict[str, int], ran: dict[str, bool | None] | None = None):
        self.ids = ids  # every rule id of the document (-> its position), shared, never mutated
        self.ran = {} if ran is None else ran  # the rules of the rulesets that ran

    def __getitem__(self, rule_id: str) -> bool | None:
        if rule_id in self.ran:
            return self.ran[rule_id]
        if rule_id in self.ids:
            return None
        raise KeyError(rule_id)

    def get(self, rule_id: str, default: Any = None) -> Any:
        out = self.ran.get(rule_id, default)
        return None if out is None and rule_id in self.ids else out

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.ids

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass
class RunResult:
    truth: dict[str, bool]  # node id -> settled truth (absent: unknown)
    rules: Mapping[str, bool | None]  # every rule of the run's rulesets (a RuleOutcomes for a document)
    derived: dict[str, bool]


class _Ruleset:
    """One durable_rules ruleset holding a few rules of a document (see CompiledDocument)."""

    def __init__(self, doc: Document, rules: list[Rule], ids: Iterator[int]):
        self.doc = doc
        self.name = f"hj_{next(_ruleset_counter)}_{doc.id}"
        self._ids = ids
        self.leaf_ids: dict[str, str] = {}
        self.leaves: dict[str, logic.Leaf] = {}
        self.gates: dict[str, CNode] = {}
        self.parents: dict[str, list[str]] = {}
        self.rules: list[CompiledRule] = []
        self.roots: dict[str, list[CompiledRule]] = {}
        scope = doc.scope_condition
        self.scope = scope
        for rule in rules:
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
        # scope facts that no rule of this ruleset tests itself (a rule may narrow its document's
        # scope with the same fact, e.g. 121号 一 "危险化学品生产、经营单位" within 化工和危险化学品单位)
        own = {leaf.fact for r in rules for node in (r.condition, r.defeater) if node is not None
               for leaf in logic.leaves(node)}
        self.scope_facts = ({leaf.fact for leaf in logic.leaves(scope)} - own) if scope is not None else set()
        self._sessions: dict[str, _Scratch] = {}
        for leaf in self.leaves.values():  # a threshold the network cannot compare exactly: refused now
            for value in (leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)):
                _threshold(value)
        self._built = False  # its durable_rules rules are defined on first run (or by build())

    def build(self) -> None:
        """Define this ruleset's rules in durable_rules (registered with the C engine at the next
        _host() call), once. A judgement builds only the rulesets it runs; prepare() builds them
        all, so a server or `hazard check` has every ruleset registered before the first judgement."""
        with ENGINE_LOCK:
            if not self._built:
                self._build()
                self._built = True

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
    def _emit(self, nid: str) -> Callable[[Any, "_Scratch", bool], None]:
        """What settling node `nid` does: feed its parents, record and conclude its rules."""
        feeds = nid in self.parents
        concludes = [(r.rule.id, r.rule.then.fact if r.rule.then.kind == "derive" else None)
                     for r in self.roots.get(nid, [])]
        used = self.facts_used

        def emit(c: Any, scratch: _Scratch, truth: bool) -> None:
            if feeds:
                c.assert_fact({"t": "c", "id": nid, "v": truth})
            for rule_id, derived in concludes:
                scratch.rules[rule_id] = truth
                if derived and derived not in scratch.given:  # a fact the inspector gave is not re-derived
                    scratch.derived[derived] = truth
                    if derived in used:
                        c.assert_fact({"t": "f", "id": derived, "v": truth})
        return emit

    def _scratch(self, c: Any) -> "_Scratch":
        return self._sessions[c.s["sid"]]

    def _leaf_consequent(self, emit: Callable, truth: bool) -> Callable:
        return lambda c: emit(c, self._scratch(c), truth)

    def _count_consequent(self, gid: str, emit: Callable, truth: bool, needed: int) -> Callable:
        key = (gid, truth)

        def consequent(c: Any) -> None:
            scratch = self._scratch(c)
            scratch.counts[key] = count = scratch.counts.get(key, 0) + 1
            if count == needed:
                emit(c, scratch, truth)
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
                            consequent = self._count_consequent(gid, emit, truth, needed)
                        when_all(pattern)(consequent)

    def run(self, facts: dict[str, Any], given: set[str]) -> RunResult:
        """Judge one fact set. Only facts some leaf tests are asserted, so an unknown fact is
        a normal outcome, not a MessageNotHandledException."""
        relevant = {k: v for k, v in facts.items() if k in self.facts_used and v is not None}
        # a number known only as a comparison outcome enters as the truth of each leaf it decides
        decided = {nid: leaf.truth(relevant[leaf.fact]) for nid, leaf in self.leaves.items()
                   if isinstance(relevant.get(leaf.fact), logic.Outcome)}
        decided = {nid: t for nid, t in decided.items() if t is not None}
        relevant = {k: v for k, v in relevant.items() if not isinstance(v, logic.Outcome)}
        if not decided and (not relevant or (relevant.keys() <= self.scope_facts
                                             and logic.evaluate(self.scope, facts) is not False)):
            # nothing but an applicable scope is known: no rule here can settle (saves a session
            # per ruleset for the scope fact every mines or gas case gives)
            return RunResult({}, {r.rule.id: None for r in self.rules}, {})
        sid = f"s{next(_session_counter)}"
        self.build()
        host = _host()
        scratch = _Scratch(given=given)
        payload = [{"sid": sid, "t": "f", "id": k, "v": to_network(v)} for k, v in relevant.items()]
        payload += [{"sid": sid, "t": "c", "id": nid, "v": t} for nid, t in decided.items() if nid in self.parents]
        for nid, t in decided.items():  # a rule that is a single decided leaf concludes here
            for r in self.roots.get(nid, []):
                scratch.rules[r.rule.id] = t
                target = r.rule.then.fact if r.rule.then.kind == "derive" else None
                if target and target not in given:
                    scratch.derived[target] = t
        if not payload:  # only single-leaf rules, decided by comparison outcomes
            rules = {r.rule.id: scratch.rules.get(r.rule.id) for r in self.rules}
            return RunResult(dict(decided), rules, scratch.derived)
        with ENGINE_LOCK:
            self._sessions[sid] = scratch
            try:
                host.assert_facts(self.name, payload)
                state = host.get_state(self.name, sid)
                network = host.get_facts(self.name, sid)
            finally:
                del self._sessions[sid]
                try:
                    host.delete_state(self.name, sid)
                except Exception:  # state may not exist if the first call failed
                    pass
        if "exception" in state:
            raise EngineError(f"规则引擎执行出错（{self.doc.id}）：{state['exception']}")
        truth = {f["id"]: f["v"] for f in network if f.get("t") == "c"}
        truth.update(decided)
        rules = {r.rule.id: scratch.rules.get(r.rule.id) for r in self.rules}
        # a root that is a plain leaf feeds no gate; its truth is only in the rule record
        for r in self.rules:
            if rules[r.rule.id] is not None:
                truth.setdefault(r.root.id, rules[r.rule.id])
        return RunResult(truth, rules, scratch.derived)


@dataclass
class _Scratch:
    """Per-session bookkeeping kept beside durable_rules: gate counters, rule outcomes and derived
    facts. (durable_rules' own session state holds at most ~255 properties, too few for a large
    standard; the facts that drive matching stay in the Rete network.)"""

    given: set[str]
    counts: dict[tuple[str, bool], int] = field(default_factory=dict)
    rules: dict[str, bool] = field(default_factory=dict)
    derived: dict[str, bool] = field(default_factory=dict)


class CompiledDocument:
    """A document compiled into small rulesets, run in strata so derived facts flow forward.

    Why small: durable_rules 2.0.28 crashes (segmentation fault) or loses conclusions now and
    then when one session holds a few hundred facts, which a long inspection record against a
    large standard (COAL-2026 has hundreds of rules) produces. Each ruleset therefore holds at
    most CHUNK rules, which keeps every session small. Why strata: a rule deriving a fact runs in
    an earlier stratum than the rules that use it, and its conclusion enters the later rulesets
    as a fact.
    """

    CHUNK = 8

    def __init__(self, doc: Document):
        self.doc = doc
        ids = itertools.count()
        depth = _derivation_depths(doc)
        derive_rules = [r for r in doc.rules if r.then.kind == "derive"]
        final_rules = [r for r in doc.rules if r.then.kind != "derive"]
        strata = [[r for r in derive_rules if depth[r.then.fact] == d] for d in sorted(set(depth.values()))]
        strata.append(final_rules)
        self.strata: list[list[_Ruleset]] = [
            [_Ruleset(doc, group[i:i + self.CHUNK], ids) for i in range(0, len(group), self.CHUNK)]
            for group in strata if group
        ]
        by_id = {r.rule.id: r for chunk in self.chunks for r in chunk.rules}
        self.rules: list[CompiledRule] = [by_id[r.id] for r in doc.rules]
        self.facts_used = set().union(*(chunk.facts_used for chunk in self.chunks))
        self.rule_ids = {r.rule.id: i for i, r in enumerate(self.rules)}
        # fact -> the rulesets (per stratum) where a value of it can settle something: those testing
        # it other than as their document's scope alone. A ruleset reached by no known fact is not
        # run: its rules stay open, exactly what _Ruleset.run answers for it (see run)
        self.reached_by: dict[str, list[set[int]]] = {}
        for level, stratum in enumerate(self.strata):
            for i, chunk in enumerate(stratum):
                for fact in chunk.facts_used - chunk.scope_facts:
                    self.reached_by.setdefault(fact, [set() for _ in self.strata])[level].add(i)
        self.scope_facts = {leaf.fact for leaf in logic.leaves(doc.scope_condition)} if doc.scope else set()
        self.derivers = {r.rule.then.fact: r for r in self.rules if r.rule.then.kind == "derive"}
        scope_facts = {leaf.fact for leaf in logic.leaves(doc.scope_condition)} if doc.scope else set()
        # the facts that can bear on each rule's situation or exclusion (not its scope): a case
        # giving none of them is not judged against that rule
        self.touching = {r.rule.id: self._touching([r.when] + ([r.unless] if r.unless else [])) - scope_facts
                         for r in self.rules}
        touched: dict[str, list[int]] = {}  # fact -> positions of the rules it touches (inverse of touching)
        for position, r in enumerate(self.rules):
            for fact in self.touching[r.rule.id]:
                touched.setdefault(fact, []).append(position)
        self.touched_by = {fact: tuple(positions) for fact, positions in touched.items()}

    def _touching(self, nodes: list[CNode]) -> set[str]:
        out: set[str] = set()
        stack = list(nodes)
        while stack:
            current = stack.pop()
            if isinstance(current.node, logic.Leaf):
                fact = current.node.fact
                if fact not in out:
                    out.add(fact)
                    if fact in self.derivers:
                        stack.append(self.derivers[fact].when)
            else:
                stack.extend(current.children)
        return out

    def build_all(self) -> None:
        """Define every ruleset of the document in durable_rules now (see _Ruleset.build)."""
        for chunk in self.chunks:
            chunk.build()

    @property
    def chunks(self) -> list[_Ruleset]:
        return [chunk for stratum in self.strata for chunk in stratum]

    def _reached(self, level: int, known: dict[str, Any]) -> list[_Ruleset]:
        """The rulesets of stratum `level` that can settle anything on `known`, in order.

        _Ruleset.run settles nothing when no fact it tests is known, or only its document's scope
        facts, that scope not false and given as values (not comparison outcomes). Those are
        skipped here via the index, so the work grows with the facts given, not with the rule base;
        when the scope is false or given as an outcome, every ruleset testing a known fact runs."""
        stratum = self.strata[level]
        scope_open = not self.scope_facts or (
            not any(isinstance(known.get(f), logic.Outcome) for f in self.scope_facts)
            and logic.evaluate(self.doc.scope_condition, known) is not False)
        if scope_open:
            found: set[int] = set()
            for fact, value in known.items():
                if value is not None and fact in self.reached_by:
                    found |= self.reached_by[fact][level]
        else:
            found = {i for i, chunk in enumerate(stratum)
                     if any(known.get(f) is not None for f in chunk.facts_used)}
        return [stratum[i] for i in sorted(found)]

    def run(self, facts: dict[str, Any]) -> RunResult:
        """Rule outcomes, node truths and derived facts for one case (typed facts by id)."""
        known = dict(facts)
        given = set(facts)
        result = RunResult({}, RuleOutcomes(self.rule_ids), {})
        for level in range(len(self.strata)):
            new: dict[str, bool] = {}
            for chunk in self._reached(level, known):
                part = chunk.run(known, given)
                result.truth.update(part.truth)
                result.rules.ran.update(part.rules)
                new.update(part.derived)
            result.derived.update(new)
            known.update(new)
        return result


def _derivation_depths(doc: Document) -> dict[str, int]:
    """Stratum of each derived fact: 0 when its rule uses no derived fact, else one more than
    the deepest derived fact it uses (the loader has already rejected cycles)."""
    rules = {r.then.fact: r for r in doc.rules if r.then.kind == "derive"}
    depth: dict[str, int] = {}

    def visit(fact: str) -> int:
        if fact not in depth:
            rule = rules[fact]
            nodes = [rule.condition] + ([rule.defeater] if rule.unless is not None else [])
            used = {leaf.fact for node in nodes for leaf in logic.leaves(node)} & rules.keys()
            depth[fact] = 1 + max(map(visit, used)) if used else 0
        return depth[fact]

    for fact in rules:
        visit(fact)
    return depth


# durable_rules' C JSON reader crashes (segmentation fault) on numbers in exponent form such as
# 1e-05, which json.dumps writes for small floats. Numbers therefore enter the network as
# integers on a grid of half-millionths: a value that is a whole number of millionths (every
# threshold of the knowledge base must be; see _threshold) lands on an even integer, and a value
# strictly between two millionths k and k+1 lands on the odd integer 2k+1 between them. So every
# comparison with a threshold (<, <=, >, >=, =) comes out exactly as on the exact value, which
# is what engine.direct compares: no rounding can flip a strict comparison (99.9999999 < 100).
# The exact value of a float is its shortest repr (engine.numbers guarantees input reads back to
# what was written). Magnitudes are clamped far beyond any threshold a standard uses.
SCALE = 1_000_000
_LIMIT = 9 * 10**18


def to_network(value: Any) -> Any:
    """A fact value as the network sees it: numbers -> integers on the half-millionth grid."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return max(-_LIMIT, min(_LIMIT, 2 * SCALE * int(value)))
    exact = Decimal(repr(value)).scaleb(6)
    floor = exact.to_integral_value(rounding=ROUND_FLOOR)
    return max(-_LIMIT, min(_LIMIT, 2 * int(floor) + (0 if floor == exact else 1)))


def _threshold(value: Any) -> Any:
    """A threshold of a rule in the network; it must be a whole number of millionths."""
    out = to_network(value)
    if isinstance(out, int) and not isinstance(out, bool) and out % 2:
        raise ValueError(f"阈值 {value!r} 精度超过百万分之一，规则网络无法精确比较")
    return out


def _predicates(leaf: logic.Leaf) -> tuple[Any, Any]:
    """The durable_rules test for a leaf and its exact negation (given the fact is present)."""
    op = leaf.op
    v = tuple(map(_threshold, leaf.value)) if isinstance(leaf.value, tuple) else _threshold(leaf.value)
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
