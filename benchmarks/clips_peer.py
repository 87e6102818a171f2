"""A peer run of a document's rules in CLIPS (clipspy), to put the ratio to a C rule engine on record.

Optional: needs clipspy (`pip install -e '.[bench]'`); nothing in engine/ or tests/ imports it.

Translation (ClipsDocument), general for every encoded document, derive rules included:
  - one template fact per case, `(case (<fact id> <value>) ...)`, one slot per fact the document
    tests or derives (default nil = not given = unknown). This is the CLIPS counterpart of what the
    compiler gives durable_rules (one message holding the case's facts), and it keeps each rule one
    pattern plus one test, so no gate is multiplied out: with one `(fact (id ..) (v ..))` fact per
    fact, `any` and `at_least` become `or` conditional elements that CLIPS expands into disjunctive
    normal form (the falsity of an `any` of `all`s is a product; GB 35181's 6-of-27 gate would be
    C(27,6) rules). Values: bool -> TRUE/FALSE symbols, enum -> CLIPS strings (the Chinese values,
    UTF-8), number -> INTEGER/FLOAT compared exactly (`=`, `>=` ... on the same doubles as Python).
    A number stated only as a comparison outcome (logic.Outcome, "超过30%") sets the slot to the
    symbol `interval` and its bounds in `<id>__lo/__loi/__hi/__hii`; a leaf on it is decided by the
    bounds exactly as Outcome.decides does.
  - each rule: `(defrule c<i> (case (<slot> ?f_<slot>) ...) (test <T>) => (conclude "<rule id>"))`,
    where T is the definite truth (Kleene: a missing fact is neither true nor false) of
    all(document scope, condition, not unless), written as two dual CLIPS expressions per node:
    T(leaf) = value known and test holds, F(leaf) = value known and test fails; `all` true iff every
    child true, false iff one false; `any` the dual; `at_least n` true iff n children true (a sum of
    `(if T then 1 else 0)`), false iff len-n+1 false; `not` swaps T and F. CLIPS' own `not` CE
    (absence, closed world) is never used for a condition. `conclude` calls back into Python.
  - a derive rule also has two rules that modify the case fact while the target slot is nil:
    T -> TRUE, F -> FALSE (a derived fact is known either way), which is forward chaining; rules
    re-match on the modified fact. Three-valued logic is monotone (a fact becoming known never makes
    a true condition false), so the rules concluded on the final fact are those TRUE on given +
    derived facts, as engine.direct.evaluate_document computes them.
  The peer concludes only what is TRUE (plus the derived facts); it does not compute which rules are
  false or open, which the durable and direct paths of judge_bench also return.

Fact leak (clipspy 1.0.6), handled in `ClipsDocument.run`, twice:
  - an environment keeps every asserted fact until it is retracted or the environment is reset, so a
    reused environment would carry earlier cases' facts (and their conclusions) into the next case:
    `env.reset()` before each case retracts every fact, clears the agenda and resets globals;
  - reset alone does not free them: clipspy 1.0.6's Fact wrapper retains the fact it wraps
    (RetainFact) and its __del__ calls `lib.ReleaseFact(env, fact)`, but CLIPS 6.4's ReleaseFact takes
    one argument; the TypeError is swallowed, so every fact asserted from Python stays busy forever
    and is never freed after the reset: memory and the cost of each call grow with the facts asserted
    so far (CHEM-2017 random cases, reset + assert_fact: 46 -> 68 -> 99 µs a case over three passes
    of 4,500 cases, +0.6 kB a case; presumably CLIPS walking its ever longer garbage list). `run` therefore releases the fact itself (`clips._clips.lib.ReleaseFact`, only
    on 1.0.6, the version the bench extra pins) right after asserting it: reset + assert + run then
    stays at 49, 51, 50 µs a case, and the RSS is unchanged over six passes of the whole `run`.

    python3 benchmarks/clips_peer.py [--documents CHEM-2017 | all] [--cases 300] [--seed 1]

checks agreement: on the case sets judge_bench uses (realistic, random; plus random cases with their
numbers as comparison outcomes when the document tests numbers), the rules CLIPS concludes equal
{rule: engine.direct.evaluate_document(doc, facts)[0][rule] is True}; exit 1 on any disagreement.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from engine import logic  # noqa: E402
from engine.knowledge import Sector  # noqa: E402
from engine.model import Document  # noqa: E402

try:
    import clips
    from clips._clips import lib as _clips_lib
    from importlib.metadata import version as _version
    _RELEASE_BY_HAND = _version("clipspy") == "1.0.6"  # its Fact.__del__ fails to release (module doc)
except ImportError:  # optional: the bench extra
    clips = _clips_lib = None
    _RELEASE_BY_HAND = False

INSTALL = "pip install -e '.[bench]'"
INTERVAL_PARTS = ("__lo", "__loi", "__hi", "__hii")
_OPS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
_NEGATED = {"ge": "<", "gt": "<=", "le": ">", "lt": ">="}


def available() -> bool:
    return clips is not None


def _string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(x: Any, where: str) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{where}: number expected, got {x!r}")
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(x):
        raise ValueError(f"{where}: {x!r} has no CLIPS literal")
    return repr(x)  # shortest repr: strtod in CLIPS reads back the same double


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"(and {' '.join(parts)})"


def _or(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"(or {' '.join(parts)})"


class _Expressions:
    """Definite truth (want=True) or falsity (want=False) of a condition tree as a CLIPS expression
    over ?f_<slot> variables; `used` collects the slots it reads."""

    def __init__(self, sector: Sector):
        self.sector = sector
        self.used: set[str] = set()

    def node(self, node: logic.Node, want: bool) -> str:
        if isinstance(node, logic.Leaf):
            return self.leaf(node, want)
        if node.kind == "not":
            return self.node(node.children[0], not want)
        parts = [self.node(child, want) for child in node.children]
        need = node.needed_true if want else node.needed_false
        if need == len(parts):
            return _and(parts)
        if need == 1:
            return _or(parts)
        counted = " ".join(f"(if {p} then 1 else 0)" for p in parts)
        return f"(>= (+ {counted}) {need})"

    def var(self, slot: str) -> str:
        self.used.add(slot)
        return f"?f_{slot}"

    def leaf(self, leaf: logic.Leaf, want: bool) -> str:
        fact = self.sector.facts[leaf.fact]
        where = f"{leaf.fact} {leaf.op} {leaf.value!r}"
        v = self.var(leaf.fact)
        wants = leaf.value if leaf.op in ("in", "not_in") else (leaf.value,)
        if fact.type == "number":
            return self.number_leaf(leaf, want, v, [_number(w, where) for w in wants])
        if leaf.op in _OPS:
            raise ValueError(f"{where}: ordering a {fact.type} fact is not translated")
        if fact.type == "bool":
            if not all(isinstance(w, bool) for w in wants):
                raise ValueError(f"{where}: bool fact compared with a non-bool")
            if len(set(wants)) == 2:  # in [true, false]: any known value
                member, nonmember = f"(neq {v} nil)", "FALSE"
            else:
                w = wants[0]
                member, nonmember = f"(eq {v} {'TRUE' if w else 'FALSE'})", f"(eq {v} {'FALSE' if w else 'TRUE'})"
        else:
            if not all(isinstance(w, str) for w in wants):
                raise ValueError(f"{where}: enum fact compared with a non-string")
            member = _or([f"(eq {v} {_string(w)})" for w in wants])
            nonmember = f"(and (stringp {v}) (not {member}))"
        positive = leaf.op != "not_in"
        return member if want == positive else nonmember

    def number_leaf(self, leaf: logic.Leaf, want: bool, v: str, wants: list[str]) -> str:
        known = f"(numberp {v})"
        if leaf.op in ("in", "not_in"):  # a comparison outcome decides neither
            member = _or([f"(= {v} {w})" for w in wants])
            positive = leaf.op == "in"
            return f"(and {known} {member})" if want == positive else f"(and {known} (not {member}))"
        t = wants[0]
        lo, loi, hi, hii = (self.var(leaf.fact + part) for part in INTERVAL_PARTS)
        at_least = f"(and (numberp {lo}) (>= {lo} {t}))"
        above = f"(and (numberp {lo}) (or (> {lo} {t}) (and (= {lo} {t}) (eq {loi} FALSE))))"
        at_most = f"(and (numberp {hi}) (<= {hi} {t}))"
        below = f"(and (numberp {hi}) (or (< {hi} {t}) (and (= {hi} {t}) (eq {hii} FALSE))))"
        if leaf.op == "is":
            return f"(and {known} (= {v} {t}))" if want else f"(or (and {known} (<> {v} {t})) {below} {above})"
        decided = {("ge", True): at_least, ("ge", False): below, ("gt", True): above, ("gt", False): at_most,
                   ("le", True): at_most, ("le", False): above, ("lt", True): below, ("lt", False): at_least}
        plain = f"(and {known} ({(_OPS if want else _NEGATED)[leaf.op]} {v} {t}))"
        return f"(or {plain} {decided[leaf.op, want]})"


class ClipsDocument:
    """One document's rules in one CLIPS environment; `run(facts)` is one judgement of one case."""

    def __init__(self, doc: Document, sector: Sector):
        if clips is None:
            raise RuntimeError(f"clipspy is not installed ({INSTALL})")
        self.doc = doc
        self.sector = sector
        self.numbers = {fid for fid in doc.used_facts if sector.facts[fid].type == "number"}
        self.slots = sorted(doc.used_facts) + sorted(n + part for n in self.numbers for part in INTERVAL_PARTS)
        self.constructs = self._constructs()
        self.env = clips.Environment()
        self._out: list[str] = []
        self.env.define_function(self._out.append, "conclude")
        for construct in self.constructs:
            self.env.build(construct)
        self.template = self.env.find_template("case")
        self.interval = clips.Symbol("interval")

    def _constructs(self) -> list[str]:
        out = ["(deftemplate case " + " ".join(f"(slot {s})" for s in self.slots) + ")"]
        scope = self.doc.scope_condition
        for i, rule in enumerate(self.doc.rules):
            parts = ([scope] if scope is not None else []) + [rule.condition]
            if rule.defeater is not None:
                parts.append(logic.Gate("not", (rule.defeater,)))
            node = parts[0] if len(parts) == 1 else logic.Gate("all", tuple(parts), len(parts))
            expr = _Expressions(self.sector)
            true = expr.node(node, True)
            out.append(f"(defrule c{i} {self._pattern(expr.used)} (test {true}) => (conclude {_string(rule.id)}))")
            if rule.then.kind == "derive":
                target = rule.then.fact
                expr = _Expressions(self.sector)
                truth = {value: expr.node(node, value) for value in (True, False)}
                for value, test in truth.items():
                    out.append(f"(defrule d{i}{'t' if value else 'f'} ?c <- {self._pattern(expr.used, target)}"
                               f" (test {test}) => (modify ?c ({target} {'TRUE' if value else 'FALSE'})))")
        return out

    @staticmethod
    def _pattern(used: set[str], unknown: str | None = None) -> str:
        """The case pattern binding the slots a rule reads; `unknown`'s slot must be nil."""
        slots = set(used) | ({unknown} if unknown else set())
        parts = []
        for s in sorted(slots):
            if s == unknown:
                parts.append(f"({s} ?f_{s}&nil)" if s in used else f"({s} nil)")
            else:
                parts.append(f"({s} ?f_{s})")
        return f"(case {' '.join(parts)})"

    def run(self, facts: dict[str, Any]) -> frozenset[str]:
        """The ids of the rules whose whole condition (scope, condition, not unless) is definitely TRUE."""
        self.env.reset()  # retracts the previous case's facts (see the module doc: fact leak)
        self._out.clear()
        slots: dict[str, Any] = {}
        for fid, value in facts.items():
            if value is None or fid not in self.doc.used_facts:
                continue
            if isinstance(value, logic.Outcome):
                slots[fid] = self.interval
                if value.low is not None:
                    slots[fid + "__lo"] = value.low
                if value.high is not None:
                    slots[fid + "__hi"] = value.high
                slots[fid + "__loi"] = value.low_inclusive
                slots[fid + "__hii"] = value.high_inclusive
            else:
                slots[fid] = value
        fact = self.template.assert_fact(**slots)
        if _RELEASE_BY_HAND:  # the wrapper's own release fails in 1.0.6: freed at the next reset
            _clips_lib.ReleaseFact(fact._fact)
        self.env.run()
        return frozenset(self._out)


def direct_true(doc: Document, facts: dict[str, Any]) -> frozenset[str]:
    from engine.direct import evaluate_document
    return frozenset(rid for rid, value in evaluate_document(doc, facts)[0].items() if value is True)


def as_outcomes(sector: Sector, typed: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The case with every number stated as a comparison outcome around it (bound at, just below or
    above the number; each operator), as read_facts types "超过30%" and the vocabulary's outcome words."""
    out = dict(typed)
    for fid, value in typed.items():
        if sector.facts[fid].type == "number" and not isinstance(value, logic.Outcome):
            op = rng.choice(["ge", "gt", "le", "lt"])
            out[fid] = logic.Outcome.of(f"{op} {value:g}", op, value + rng.choice([-1.0, 0.0, 0.0, 1.0]))
    return out


def case_sets(kb, doc, cases: int, seed: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """The typed case sets judge_bench measures (realistic, random), plus the random ones with
    comparison outcomes for their numbers when the document tests numbers."""
    import judge_bench  # benchmarks/ is on sys.path when a benchmark runs as a script
    from engine import comparisons
    sector = kb.sectors[doc.sector]
    sets = [(name, [comparisons.read_facts(sector, c) for c in items]) for name, items in (
        ("realistic", judge_bench.realistic_cases(kb, doc, cases)),
        ("random", judge_bench.random_cases(kb, doc, cases, seed)))]
    if any(sector.facts[fid].type == "number" for fid in doc.tested_facts):
        rng = random.Random(seed)
        sets.append(("random, numbers as outcomes", [as_outcomes(sector, c, rng) for c in sets[1][1]]))
    return sets


def check(kb, doc_id: str, cases: int, seed: int, show: int = 3) -> tuple[int, int]:
    """Agreement of CLIPS with direct on one document's case sets: (agreeing, total); prints per set."""
    doc = kb.documents[doc_id]
    peer = ClipsDocument(doc, kb.sectors[doc.sector])
    agree = total = 0
    for name, typed in case_sets(kb, doc, cases, seed):
        ok = concluded = 0
        for facts in typed:
            want, got = direct_true(doc, facts), peer.run(facts)
            concluded += len(want)
            if want == got:
                ok += 1
            elif show > 0:
                show -= 1
                print(f"  DISAGREE {doc_id} {name}: facts {facts}\n    direct only {sorted(want - got)}, "
                      f"clips only {sorted(got - want)}")
        print(f"  {doc_id:<22}{name:<30}{ok:>5}/{len(typed):<5} agree  ({concluded} rule conclusions TRUE)")
        agree, total = agree + ok, total + len(typed)
    return agree, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", nargs="+", default=["CHEM-2017"], help="document ids, or all")
    parser.add_argument("--cases", type=int, default=300, help="cases per set (at most), as judge_bench")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if clips is None:
        print(f"clipspy is not installed: {INSTALL}")
        return 2
    from engine.judge import prepare
    kb = prepare()
    ids = ([d.id for d in kb.documents.values() if d.status == "encoded"]
           if args.documents == ["all"] else args.documents)
    agree = total = 0
    for doc_id in ids:
        a, t = check(kb, doc_id, args.cases, args.seed)
        agree, total = agree + a, total + t
    print(f"agreement: {agree}/{total} cases, CLIPS concludes exactly the rules direct finds TRUE"
          if agree == total else f"DISAGREEMENT: {total - agree} of {total} cases")
    return 0 if agree == total else 1


if __name__ == "__main__":
    sys.exit(main())
