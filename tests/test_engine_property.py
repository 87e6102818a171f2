"""Property tests: the compiled durable_rules rulesets conclude exactly what a direct evaluation
of the same conditions concludes, for random fact assignments (real and synthetic rule bases)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import knowledge
from engine.compiler import CompiledDocument
from engine.direct import evaluate_document
from engine.facts import DECIMALS
from engine.judge import compiled
from engine.knowledge import Sector
from engine.model import Document, Fact

KB = knowledge.default()
ENCODED = [d for d in KB.documents.values() if d.status == "encoded"]


def assert_same_as_direct(cdoc: CompiledDocument, doc: Document, facts: dict) -> None:
    run = cdoc.run(facts)
    want_rules, want_derived = evaluate_document(doc, facts)
    diff = {k: (run.rules.get(k), v) for k, v in want_rules.items() if run.rules.get(k) != v}
    assert not diff and run.rules.keys() == want_rules.keys(), (facts, diff)
    assert run.derived == want_derived, (facts, run.derived, want_derived)


def value_strategy(fact: Fact):
    if fact.type == "bool":
        return st.booleans()
    if fact.type == "enum":
        return st.sampled_from(fact.values)
    low = fact.min if fact.min is not None else -1000.0
    high = fact.max if fact.max is not None else 1000.0
    # the engine's number domain: any finite float (engine.compiler.to_network keeps comparisons exact)
    return st.one_of(st.integers(int(low), int(high)).map(float),
                     st.floats(low, high, allow_nan=False, allow_infinity=False))  # any float: compared exactly


def facts_strategy(sector: Sector):
    """A random subset of the sector's facts (derived ones too), each with a random legal value."""
    items = {fid: value_strategy(f) for fid, f in sector.facts.items()}
    return st.dictionaries(st.sampled_from(sorted(items)), st.none()).flatmap(
        lambda keys: st.fixed_dictionaries({k: items[k] for k in keys}))


@pytest.mark.parametrize("doc_id", [d.id for d in ENCODED])
def test_compiled_equals_direct_on_knowledge_base(doc_id):
    doc = KB.documents[doc_id]
    sector = KB.sectors[doc.sector]
    cdoc = compiled(KB, doc)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(facts_strategy(sector))
    def check(facts):
        assert_same_as_direct(cdoc, doc, facts)

    check()


# ---- a synthetic rule base exercising every gate kind, counting, negation, defeaters, chains ----

NUM_FACTS = [f"x{i}" for i in range(4)]
BOOL_FACTS = [f"b{i}" for i in range(5)]
ENUM_FACTS = ["e0"]
DERIVED = ["d0", "d1"]
ENUM_VALUES = ["甲", "乙", "丙"]


def _leaf(rng: random.Random, allow_derived: bool) -> dict:
    kind = rng.choice(["num", "bool", "enum"] + (["derived"] if allow_derived else []))
    if kind == "num":
        return {"fact": rng.choice(NUM_FACTS), rng.choice(["ge", "gt", "le", "lt"]): rng.choice([0, 1, 1.5, 10])}
    if kind == "bool":
        return {"fact": rng.choice(BOOL_FACTS), "is": rng.choice([True, False])}
    if kind == "derived":
        return {"fact": rng.choice(DERIVED[1:]), "is": rng.choice([True, False])}
    op = rng.choice(["in", "not_in", "is"])
    if op == "is":
        return {"fact": "e0", "is": rng.choice(ENUM_VALUES)}
    return {"fact": "e0", op: rng.sample(ENUM_VALUES, rng.randint(1, 2))}


def _tree(rng: random.Random, depth: int, allow_derived: bool) -> dict:
    if depth == 0 or rng.random() < 0.3:
        return _leaf(rng, allow_derived)
    kind = rng.choice(["all", "any", "at_least", "not"])
    if kind == "not":
        return {"not": _tree(rng, depth - 1, allow_derived)}
    children = [_tree(rng, depth - 1, allow_derived) for _ in range(rng.randint(1, 4))]
    if kind == "at_least":
        return {"at_least": rng.randint(1, len(children)), "of": children}
    return {kind: children}


def _synthetic() -> tuple[Document, Sector]:
    rng = random.Random(20261128)
    facts = [Fact(id=f, label=f"数{f}", type="number", unit="m", question="?") for f in NUM_FACTS]
    facts += [Fact(id=f, label=f"是{f}", type="bool", question="?") for f in BOOL_FACTS]
    facts += [Fact(id="e0", label="枚举", type="enum", values=ENUM_VALUES, question="?")]
    facts += [Fact(id=f, label=f"推{f}", type="bool", derived=True, question="?") for f in DERIVED]
    rules = [
        # d1 is derived from plain facts; d0 from a tree that may use d1: a two-step chain
        {"id": "D1", "clause": "1", "when": _tree(rng, 3, False), "then": {"derive": "d1"}},
        {"id": "D0", "clause": "1", "when": {"any": [_tree(rng, 3, True), {"fact": "d1", "is": True}]},
         "then": {"derive": "d0"}},
    ]
    for i in range(40):
        when = _tree(rng, 4, True)
        if i % 3 == 0:
            when = {"all": [when, {"fact": "d0", "is": rng.choice([True, False])}]}
        rule = {"id": f"R{i}", "clause": "1", "when": when, "then": "major_hazard"}
        if i % 4 == 0:
            rule["unless"] = _tree(rng, 2, False)
        rules.append(rule)
    doc = Document.model_validate({
        "id": "SYNTH", "sector": "synthetic", "title": "合成规则库", "number": "SYN-1", "issuer": "测试",
        "effective": "2020-01-01", "source": "tests", "clauses": [{"no": "1", "text": "合成条款"}], "rules": rules})
    return doc, Sector("synthetic", "合成", {f.id: f for f in facts}, [doc])


SYNTH_DOC, SYNTH_SECTOR = _synthetic()
SYNTH_COMPILED = CompiledDocument(SYNTH_DOC)


@settings(max_examples=400, deadline=None)
@given(facts_strategy(SYNTH_SECTOR))
def test_compiled_equals_direct_on_synthetic_rules(facts):
    assert_same_as_direct(SYNTH_COMPILED, SYNTH_DOC, facts)


def test_synthetic_rule_base_reaches_every_outcome():
    """Guard against a vacuous property: the random facts do produce true, false and open rules."""
    rng = random.Random(1)
    seen = set()
    for _ in range(300):
        facts = {f: rng.choice([True, False]) for f in BOOL_FACTS if rng.random() < 0.7}
        facts.update({f: rng.choice([0.0, 1.0, 2.0, 20.0]) for f in NUM_FACTS if rng.random() < 0.7})
        if rng.random() < 0.7:
            facts["e0"] = rng.choice(ENUM_VALUES)
        seen.update(SYNTH_COMPILED.run(facts).rules.values())
    assert seen == {True, False, None}
