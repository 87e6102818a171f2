"""Compile a document's rules into durable_rulesets and run them, one session a judgement.

Fire per conclusion: each rule's condition is one durable_rules expression over a single message
holding the case's facts (`{p0: value, p1: value, ...}`), evaluated natively by durable_rules' Rete
network; a rule fires only when it concludes. A rule concluding a major hazard or a violation has one
durable rule, its condition definitely true; a rule deriving a fact has two (definitely true,
definitely false: a derived fact is known either way) and its conclusion enters the next stratum's
message, which is forward chaining. "Definitely" is Kleene's three-valued logic written positively:
a condition on a fact nobody gave is neither true nor false (durable_rules fails every comparison on
a missing property), `all` is true when every child is true and false when one child is false, and so
on; `not` swaps the two. An `at_least` gate is written out as its combinations while they are few;
a gate with many combinations (GB 35181 5.3.3: 6 of 27) is counted instead: each child fires when it
settles, and the gate's truth enters a second message for the rules above it (see _Ruleset.run).

What the network does not conclude is computed in Python, lazily, by the same three-valued evaluation
as engine.direct: whether a rule that did not fire is false or open, and the truth of each condition
of a rule, which the explanation (what failed, what is open, which questions) reads. A rule Python
finds true where the network did not fire is an EngineError, never a silent answer; the property test
(tests/test_engine_property.py) keeps the two in agreement on random cases.

durable_rules keeps rulesets global per process and is not thread-safe: every call goes through
one process-wide lock; each ruleset keeps one session, into which a run asserts its messages and from
which it retracts them. The host runs no background threads (see _SerialHost). The actions of the
rules that fire are taken from durable_rules' C action queue by rule name (see _Ruleset._assert), not
through its Python host. A document is split into small rulesets run in strata (see CompiledDocument).
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from decimal import ROUND_FLOOR, Decimal
from dataclasses import dataclass, field
from collections.abc import Mapping
from typing import Any, Callable, Iterator

import durable.lang
import durable_rules_engine
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
    """A node of a compiled rule tree: the condition and its id in the document."""

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


_PENDING = object()  # a rule of a ruleset that ran and did not fire: false or open, evaluated when read


class RuleOutcomes(Mapping):
    """rule id -> outcome (True / False / None = open) for every rule of a document, without
    building an entry per rule: `ran` holds the rules of the rulesets that ran (what the network
    concluded, or _PENDING: evaluated on first read by `resolve`), None for every other rule of `ids`.
    Reading one outcome costs a dictionary look-up whatever the size of the document."""

    __slots__ = ("ids", "ran", "_resolve")

    def __init__(self, ids: dict[str, int], ran: dict[str, Any] | None = None,
                 resolve: Callable[[str], bool | None] | None = None):
        self.ids = ids  # every rule id of the document (-> its position), shared, never mutated
        self.ran = {} if ran is None else ran  # the rules of the rulesets that ran
        self._resolve = resolve

    def __getitem__(self, rule_id: str) -> bool | None:
        if rule_id in self.ran:
            out = self.ran[rule_id]
            if out is _PENDING:
                out = self.ran[rule_id] = self._resolve(rule_id)
            return out
        if rule_id in self.ids:
            return None
        raise KeyError(rule_id)

    def get(self, rule_id: str, default: Any = None) -> Any:
        try:
            return self[rule_id]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.ids

    def __repr__(self) -> str:
        return repr(dict(self))


class RunResult:
    """One case's run of a document: rule outcomes, derived facts and the truth of every compiled
    condition node, three-valued (None: open).

    `rules` and `derived` are what the network concluded; the rest is evaluated in Python on first
    read (engine.logic's Kleene evaluation over the given and derived facts, memoised), only for the
    nodes of the rulesets that ran: a ruleset no known fact reaches settles nothing."""

    __slots__ = ("rules", "derived", "known", "_cdoc", "_ran", "_memo")

    def __init__(self, cdoc: "CompiledDocument", known: dict[str, Any], ran: set[int],
                 concluded: dict[str, Any], derived: dict[str, bool]):
        self._cdoc = cdoc
        self.known = known  # given facts, and derived ones where not given
        self._ran = ran  # positions (in cdoc.chunks) of the rulesets that ran
        self._memo: dict[str, bool | None] = {}
        self.derived = derived
        self.rules = RuleOutcomes(cdoc.rule_ids, concluded, self._resolve)

    def truth(self, node: CNode | None) -> bool | None:
        """The node's truth on this case; None when open or when its ruleset did not run."""
        if node is None or self._cdoc.node_chunk.get(node.id) not in self._ran:
            return None
        return self._truth(node)

    def _truth(self, node: CNode) -> bool | None:
        memo = self._memo
        if node.id in memo:
            return memo[node.id]
        gate = node.node
        if not node.children:
            out = gate.truth(self.known.get(gate.fact))
        else:
            out = logic.combine(gate, (self._truth(child) for child in node.children))
        memo[node.id] = out
        return out

    def _resolve(self, rule_id: str) -> bool | None:
        """A rule of a ruleset that ran and did not fire: false or open. Were it true (or a derive
        rule false), the network would have fired it: a disagreement is an error, not an answer."""
        compiled = self._cdoc.rules[self._cdoc.rule_ids[rule_id]]
        out = self.truth(compiled.root)
        if out is True or (out is False and compiled.rule.then.kind == "derive"):
            raise EngineError(f"规则引擎未得出规则 {rule_id} 的结论，而直接求值为 {out}：规则编译有误，请报告此问题")
        return out


class _Ruleset:
    """One durable_rules ruleset holding a few rules of a document (see CompiledDocument)."""

    # an at_least gate is written out as its combinations when there are at most this many of them;
    # beyond that its children are counted as they settle (see the module docstring)
    SPELL_OUT = 64
    # one durable_rules session per ruleset, reused by every run (under ENGINE_LOCK): a run asserts its
    # messages and retracts them. (Deleting a session whose message no rule took crashes durable_rules
    # 2.0.28 with a segmentation fault, so sessions are not created and deleted per run.)
    SESSION = "judge"

    def __init__(self, doc: Document, rules: list[Rule], ids: Iterator[int]):
        self.doc = doc
        self.name = f"hj_{next(_ruleset_counter)}_{doc.id}"
        self._ids = ids
        self.leaf_ids: dict[str, str] = {}
        self.leaves: dict[str, logic.Leaf] = {}
        self.gates: dict[str, CNode] = {}
        self.rules: list[CompiledRule] = []
        self.roots: dict[str, list[CompiledRule]] = {}
        self._root_nodes: dict[str, CNode] = {}
        scope = doc.scope_condition
        self.scope = scope
        scope_node = self._add(scope) if scope is not None else None  # one node, shared by the rules
        for rule in rules:
            when = self._add(rule.condition)
            unless = self._add(rule.defeater) if rule.unless is not None else None
            parts = [x for x in (scope_node, when) if x is not None]
            if unless is not None:
                parts.append(self._gate(logic.Gate("not", (unless.node,)), [unless]))
            root = parts[0] if len(parts) == 1 else self._gate(
                logic.Gate("all", tuple(p.node for p in parts), len(parts)), parts)
            compiled = CompiledRule(rule, root, when, unless, scope_node)
            self.rules.append(compiled)
            self.roots.setdefault(root.id, []).append(compiled)
            self._root_nodes[root.id] = root
        self.facts_used = {leaf.fact for leaf in self.leaves.values()}
        # scope facts that no rule of this ruleset tests itself (a rule may narrow its document's
        # scope with the same fact, e.g. 121号 一 "危险化学品生产、经营单位" within 化工和危险化学品单位)
        own = {leaf.fact for r in rules for node in (r.condition, r.defeater) if node is not None
               for leaf in logic.leaves(node)}
        self.scope_facts = ({leaf.fact for leaf in logic.leaves(scope)} - own) if scope is not None else set()
        # the message's property names: facts, leaves decided by a comparison outcome, counted gates
        self.props = {fact: f"p{i}" for i, fact in enumerate(sorted(self.facts_used))}
        self.outcome_props = {nid: f"o{i}" for i, (nid, leaf) in enumerate(self.leaves.items())
                              if _numeric(leaf)}
        # settled when its durable rules are defined (build): the gates counted, not written out,
        # and how many messages (phases) a run asserts
        self.counted: dict[str, str] = {}
        self.phases = 1
        self._levels: dict[str, int] = {}
        self._term_memo: dict[tuple[str, bool], list[Term]] = {}
        self._actions: list[Callable[[_Scratch], None]] = []  # by durable rule position (see _build)
        self._handle: int | None = None  # durable_rules' C handle, once registered (see _register)
        self._by_name: dict[str, Callable[[_Scratch], None]] = {}
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
        return cnode

    def _level(self, cnode: CNode) -> int:
        """The message (phase) a node is evaluated on: 0, or one more than the deepest counted gate
        below or at it, whose truth enters the message of that phase."""
        if cnode.id not in self._levels:
            below = max((self._level(c) for c in cnode.children), default=0)
            self._levels[cnode.id] = below + 1 if cnode.id in self.counted else below
        return self._levels[cnode.id]

    # ---- durable_rules -------------------------------------------------------------------
    def _terms(self, cnode: CNode, want: bool) -> list[Term]:
        """When `cnode` is definitely `want`, as alternatives (terms) that each are a conjunction of
        clauses (a clause: one test or an either-or of tests on the message). A gate whose terms
        would exceed SPELL_OUT is counted instead: it becomes a test of its truth in the message."""
        key = (cnode.id, want)
        if key in self._term_memo:
            return self._term_memo[key]
        if cnode.id in self.counted:
            out = [((_Test(self.counted[cnode.id], "$eq", want),),)]
        elif not cnode.children:
            out = self._leaf_terms(cnode, want)
        elif cnode.node.kind == "not":
            out = self._terms(cnode.children[0], not want)
        else:
            out = self._gate_terms(cnode, want)
            if out is None:  # too many alternatives: counted (its truth enters a later message)
                self.counted[cnode.id] = f"g{len(self.counted)}"
                self._levels.clear()
                out = [((_Test(self.counted[cnode.id], "$eq", want),),)]
        self._term_memo[key] = out
        return out

    def _leaf_terms(self, cnode: CNode, want: bool) -> list[Term]:
        leaf = cnode.node
        yes, no = _tests(leaf, self.props[leaf.fact])
        terms = list(yes if want else no)
        if cnode.id in self.outcome_props:  # or decided by a comparison outcome the finding states
            decided = _Test(self.outcome_props[cnode.id], "$eq", want)
            if len(terms) == 1 and len(terms[0]) == 1:
                terms = [((*terms[0][0], decided),)]
            else:
                terms.append(((decided,),))
        return terms

    def _gate_terms(self, cnode: CNode, want: bool) -> list[Term] | None:
        gate = cnode.node
        needed = gate.needed_true if want else gate.needed_false
        k = len(cnode.children)
        if math.comb(k, needed) > self.SPELL_OUT:
            return None
        children = [self._terms(c, want) for c in cnode.children]
        alternatives: list[Term] = []
        for combo in itertools.combinations(children, needed):
            if needed == 1:
                alternatives.extend(combo[0])
                continue
            product: list[Term] = [()]
            for terms in combo:
                product = [a + b for a in product for b in terms]
                if len(product) > self.SPELL_OUT:
                    return None
            alternatives.extend(product)
            if len(alternatives) > self.SPELL_OUT:
                return None
        if needed == 1:  # an either-or of single tests is one clause
            single = [t[0] for t in alternatives if len(t) == 1]
            if len(single) > 1:
                merged = tuple(dict.fromkeys(test for clause in single for test in clause))
                alternatives = [t for t in alternatives if len(t) != 1] + [(merged,)]
        out = [_split(term) for term in dict.fromkeys(tuple(dict.fromkeys(t)) for t in alternatives)]
        out = [t for group in out for t in group]
        return out if len(out) <= self.SPELL_OUT else None

    def _consequent(self, c: Any) -> None:
        """The function durable_rules registers for every rule of the ruleset. Runs take the actions from
        the C engine's queue themselves (see _assert), so durable_rules' Python host never calls it."""
        raise EngineError(f"规则动作不应经 durable_rules 的 Python 宿主执行（{self.name}）")

    def _conclude(self, root_id: str, truth: bool) -> Callable[["_Scratch"], None]:
        concludes = [(r.rule.id, r.rule.then.fact if r.rule.then.kind == "derive" else None)
                     for r in self.roots[root_id]]

        def action(scratch: _Scratch) -> None:
            for rule_id, derived in concludes:
                scratch.rules[rule_id] = truth
                if derived and derived not in scratch.given:  # a fact the inspector gave is not re-derived
                    scratch.derived[derived] = truth
        return action

    def _count(self, gid: str, position: int, truth: bool) -> Callable[["_Scratch"], None]:
        gate = self.gates[gid].node
        needed = gate.needed_true if truth else gate.needed_false
        key = (gid, truth)

        def action(scratch: _Scratch) -> None:
            seen = scratch.counts.setdefault(key, set())
            seen.add(position)  # a child may fire once per alternative of it that holds: counted once
            if len(seen) == needed:
                scratch.gates[gid] = truth
        return action

    def _build(self) -> None:
        """Write every rule's condition as terms, count the gates too large to write out, then define
        one durable rule per term: rule roots (true; false as well for a derive rule) and the
        children of each counted gate (true, false)."""
        todo: list[tuple[CNode, bool, list[Term], Callable[[_Scratch], None]]] = []
        for root_id, root in self._root_nodes.items():
            derives = any(r.rule.then.kind == "derive" for r in self.roots[root_id])
            for truth in ((True, False) if derives else (True,)):
                todo.append((root, truth, self._terms(root, truth), self._conclude(root_id, truth)))
        done: set[str] = set()
        while len(done) < len(self.counted):
            for gid in [g for g in self.counted if g not in done]:
                done.add(gid)
                for position, child in enumerate(self.gates[gid].children):
                    for truth in (True, False):
                        todo.append((child, truth, self._terms(child, truth), self._count(gid, position, truth)))
        self._levels.clear()
        self.phases = 1 + max((self._level(r.root) for r in self.rules), default=0)
        self._actions = []
        with ENGINE_LOCK, ruleset(self.name):
            for node, truth, terms, action in todo:
                phase = self._level(node) if self.phases > 1 else None
                for term in terms:
                    when_all(_expression(term, phase))(self._consequent)
                    self._actions.append(action)  # durable_rules names it r_<position>

    def _register(self, host: durable_engine.Host) -> None:
        """Keep the C handle of this ruleset in durable_rules and its actions by durable rule name, once
        registered. durable_rules names the rules of a ruleset r_0, r_1, … in definition order; that is
        checked here, so a different naming is an error, never a wrong conclusion."""
        registered = host.get_ruleset(self.name)
        names = {f"r_{i}": action for i, action in enumerate(self._actions)}
        if set(registered._actions) != set(names):
            raise EngineError(f"durable_rules 规则命名与编译顺序不符（{self.name}），无法读取结论")
        self._handle, self._by_name = registered._handle, names

    def _assert(self, fact: str, scratch: "_Scratch") -> bool:
        """Assert one message into the ruleset's session and run the actions of the rules it makes fire;
        False when no rule took it (durable_rules then does not keep it).

        The rules fire in durable_rules' C engine, which queues their actions; they are taken from that
        queue here, by name, instead of through durable_rules' Python host, which encodes and decodes the
        whole session state as JSON around every action (~65 µs an action; ~5 µs here). Our actions
        never change the session state, so there is nothing to write back."""
        handle = self._handle
        code, state = durable_rules_engine.assert_facts(handle, fact)
        if code == 1:  # ERR_EVENT_NOT_HANDLED: no rule took the message
            return False
        if code not in (0, 3):
            raise EngineError(f"规则引擎未能接受本次判定的事实（{self.doc.id}，代码 {code}）")
        started = durable_rules_engine.start_action_for_state(handle, state)
        if not started:
            return True
        message = started[1]
        try:
            while message:
                name = next(iter(json.loads(message)))
                self._by_name[name](scratch)
                message = durable_rules_engine.complete_and_start_action(handle, state)
        except BaseException:
            durable_rules_engine.abandon_action(handle, state)
            raise
        return True

    def run(self, facts: dict[str, Any], given: set[str]) -> "_Scratch | None":
        """Run one case: the rules that fired (their outcomes, derived facts), or None when no fact
        it tests is known, or only its document's scope (then no rule here can settle). Only facts
        some rule tests enter the message, so an unknown fact is a normal outcome."""
        relevant = {k: v for k, v in facts.items() if k in self.facts_used and v is not None}
        # a number known only as a comparison outcome enters as the truth of each leaf it decides
        decided = {nid: self.leaves[nid].truth(relevant[self.leaves[nid].fact]) for nid in self.outcome_props
                   if isinstance(relevant.get(self.leaves[nid].fact), logic.Outcome)}
        decided = {nid: t for nid, t in decided.items() if t is not None}
        relevant = {k: v for k, v in relevant.items() if not isinstance(v, logic.Outcome)}
        if not decided and (not relevant or (relevant.keys() <= self.scope_facts
                                             and logic.evaluate(self.scope, facts) is not False)):
            # nothing but an applicable scope is known (saves a session per ruleset for the scope
            # fact every mines or gas case gives)
            return None
        if self._handle is None:  # defined and registered on its first run
            self.build()
            self._register(_host())
        scratch = _Scratch(given=given)
        message = {self.props[k]: to_network(v) for k, v in relevant.items()}
        message.update((self.outcome_props[nid], t) for nid, t in decided.items())
        run = next(_session_counter)
        asserted: list[str] = []  # the messages durable_rules kept, as encoded (to retract them)
        with ENGINE_LOCK:
            try:
                for phase in range(self.phases):
                    if phase:
                        message = dict(message, **{self.counted[g]: t for g, t in scratch.gates.items()})
                        message["ph"] = phase
                    elif self.phases > 1:
                        message["ph"] = 0
                    fact = json.dumps([dict(message, id=f"c{run}_{phase}", sid=self.SESSION)], ensure_ascii=False)
                    asserted.append(fact)
                    if not self._assert(fact, scratch):
                        asserted.pop()  # no rule took it: durable_rules did not keep it either
            except Exception as exc:  # an action failed, or durable_rules did
                raise EngineError(f"规则引擎执行出错（{self.doc.id}）：{exc}") from None
            finally:
                self._retract(asserted)
        return scratch

    def _retract(self, facts: list[str]) -> None:
        """Take this run's messages (as asserted, encoded) out of the ruleset's session, which then holds
        no fact again."""
        for fact in facts:
            try:
                code = durable_rules_engine.retract_facts(self._handle, fact)[0]
            except Exception as exc:
                raise EngineError(f"规则引擎未能清除本次判定的事实（{self.doc.id}）：{exc}") from None
            if code not in (0, 1, 3):
                raise EngineError(f"规则引擎未能清除本次判定的事实（{self.doc.id}，代码 {code}）")


@dataclass
class _Scratch:
    """Per-session bookkeeping kept beside durable_rules: rule outcomes, derived facts, and the
    children counted by counted gates (and their truths once settled)."""

    given: set[str]
    rules: dict[str, bool] = field(default_factory=dict)
    derived: dict[str, bool] = field(default_factory=dict)
    counts: dict[tuple[str, bool], set[int]] = field(default_factory=dict)
    gates: dict[str, bool] = field(default_factory=dict)


class CompiledDocument:
    """A document compiled into small rulesets, run in strata so derived facts flow forward.

    Why small: a ruleset no given fact reaches is not run at all, and what a ruleset that ran does
    not conclude is evaluated in Python for its rules only, so small rulesets keep the work of a
    judgement close to the facts given (CHUNK 8 measured fastest against 2, 4, 32 and one ruleset per
    document; with the earlier leaf-per-rule compilation, sessions of a few hundred facts also
    crashed durable_rules 2.0.28). Why strata: a rule deriving a fact runs in an earlier stratum than
    the rules that use it, and its conclusion enters the later rulesets' messages as a fact.
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
        self.chunks: list[_Ruleset] = [chunk for stratum in self.strata for chunk in stratum]
        self.offsets = list(itertools.accumulate((len(s) for s in self.strata), initial=0))
        # node id -> position of its ruleset (node ids are unique within a document)
        self.node_chunk = {nid: position for position, chunk in enumerate(self.chunks)
                           for nid in itertools.chain(chunk.leaves, chunk.gates)}
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
        # the facts that can bear on each rule's situation or exclusion (not its scope): a case
        # giving none of them is not judged against that rule
        self.touching = {r.rule.id: self._touching([r.when] + ([r.unless] if r.unless else [])) - self.scope_facts
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

    def _reached(self, level: int, known: dict[str, Any]) -> list[int]:
        """The rulesets of stratum `level` that can settle anything on `known`: their positions in
        `chunks`, in order.

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
        return [self.offsets[level] + i for i in sorted(found)]

    def run(self, facts: dict[str, Any]) -> RunResult:
        """Rule outcomes, node truths and derived facts for one case (typed facts by id)."""
        known = dict(facts)
        given = set(facts)
        concluded: dict[str, Any] = {}
        derived: dict[str, bool] = {}
        ran: set[int] = set()
        for level in range(len(self.strata)):
            new: dict[str, bool] = {}
            for position in self._reached(level, known):
                chunk = self.chunks[position]
                part = chunk.run(known, given)
                if part is None:  # only an applicable scope known: every rule here stays open
                    concluded.update((r.rule.id, None) for r in chunk.rules)
                    continue
                ran.add(position)
                concluded.update((r.rule.id, part.rules.get(r.rule.id, _PENDING)) for r in chunk.rules)
                new.update((r.rule.then.fact, part.derived[r.rule.then.fact]) for r in chunk.rules
                           if r.rule.then.kind == "derive" and r.rule.then.fact in part.derived)  # in rule order
            derived.update(new)
            known.update(new)
        return RunResult(self, known, ran, concluded, derived)


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


def _numeric(leaf: logic.Leaf) -> bool:
    """A leaf on a number: a comparison outcome the finding states (超过30%) may decide it."""
    value = leaf.value
    return leaf.op in logic.NUMERIC_OPS or (
        leaf.op == "is" and isinstance(value, (int, float)) and not isinstance(value, bool))


@dataclass(frozen=True)
class _Test:
    """One comparison of a message property with a constant (durable_rules' operator names)."""

    prop: str
    op: str  # $eq $neq $lt $lte $gt $gte
    value: Any

    def expression(self) -> Any:
        prop = getattr(m, self.prop)
        return {"$eq": prop.__eq__, "$neq": prop.__ne__, "$lt": prop.__lt__, "$lte": prop.__le__,
                "$gt": prop.__gt__, "$gte": prop.__ge__}[self.op](self.value)


Clause = tuple[_Test, ...]  # either of these tests
Term = tuple[Clause, ...]  # all of these clauses

# durable_rules 2.0.28 refuses a conjunction with more than about 14 either-or clauses beside its
# plain tests (error 113, ERR_EXPRESSION_LIMIT_EXCEEDED: 32 entries in an expression sequence); a
# longer one is split into alternatives (distributing one either-or clause)
MAX_EITHER = 10


def _split(term: Term) -> list[Term]:
    either = [c for c in term if len(c) > 1]
    if len(either) <= MAX_EITHER:
        return [term]
    first = either[0]
    rest = tuple(c for c in term if c is not first)
    return [t for test in first for t in _split(((test,),) + rest)]


def _expression(term: Term, phase: int | None) -> Any:
    """A term as one durable_rules expression over the message: plain tests first (durable_rules'
    alpha chain), then the either-or clauses, as one flat conjunction."""
    clauses = sorted(term, key=len)
    parts = [] if phase is None else [m.ph == phase]
    for clause in clauses:
        parts.append(_any_of([t.expression() for t in clause]))
    return _all_of(parts)


_NEGATE = {"$eq": "$neq", "$neq": "$eq", "$lt": "$gte", "$gte": "$lt", "$gt": "$lte", "$lte": "$gt"}
_OPS = {"is": "$eq", "ge": "$gte", "gt": "$gt", "le": "$lte", "lt": "$lt"}


def _tests(leaf: logic.Leaf, prop: str) -> tuple[list[Term], list[Term]]:
    """The terms under which a leaf on the message's property `prop` is true, and false; both fail
    when the property is missing (durable_rules fails every comparison on it: the fact is unknown)."""
    op = leaf.op
    if op in ("in", "not_in"):
        values = tuple(map(_threshold, leaf.value))
        member: list[Term] = [(tuple(_Test(prop, "$eq", x) for x in values),)]
        outside: list[Term] = [tuple((_Test(prop, "$neq", x),) for x in values)]
        return (member, outside) if op == "in" else (outside, member)
    test = _Test(prop, _OPS[op], _threshold(leaf.value))
    return [((test,),)], [((_Test(prop, _NEGATE[test.op], test.value),),)]


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
