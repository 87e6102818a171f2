"""Properties of judging a finding, over random cases of every sector (hypothesis).

1. No given fact is ignored in silence: each is tested by a document the judgement applied, or a
   warning names it ("未被采用").
2. Context facts (`scope: true`: what kind of unit or place this is) select documents and rules but
   never make a situation part of the finding: adding one to a case with a settled verdict never
   turns it into 信息不足.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine import knowledge, logic
from engine.errors import HazardError
from engine.judge import judge_facts

KB = knowledge.default()
SECTORS = sorted(KB.sectors)


def _tested(doc) -> set[str]:
    nodes = [r.condition for r in doc.rules] + [r.defeater for r in doc.rules if r.unless is not None]
    if doc.scope is not None:
        nodes.append(doc.scope_condition)
    return {leaf.fact for node in nodes for leaf in logic.leaves(node)}


def _days(sector) -> list[dt.date]:
    """A day inside every edition's period, and each edition's first and last day."""
    days = set()
    for d in sector.documents:
        days.add(d.effective)
        if d.expires:
            days.add(d.expires)
    return sorted(days)


def _thresholds(sector, fid: str) -> list[float]:
    out = set()
    for d in sector.documents:
        nodes = [r.condition for r in d.rules] + [r.defeater for r in d.rules if r.unless is not None]
        for node in nodes:
            for leaf in logic.leaves(node):
                if leaf.fact == fid and isinstance(leaf.value, (int, float)) and not isinstance(leaf.value, bool):
                    out.add(float(leaf.value))
    return sorted(out)


def value_of(fact, sector):
    if fact.type == "bool":
        return st.booleans()
    if fact.type == "enum":
        return st.sampled_from(fact.values)
    near = [round(t + d, 6) for t in _thresholds(sector, fact.id) for d in (-0.5, 0, 0.5)]
    near = [v for v in near if (fact.min is None or v >= fact.min) and (fact.max is None or v <= fact.max)]
    low = fact.min if fact.min is not None else 0.0
    high = fact.max if fact.max is not None else 1000.0
    plain = st.floats(min_value=low, max_value=high, allow_nan=False).map(lambda x: round(x, 3))
    return st.sampled_from(near) | plain if near else plain


@st.composite
def cases(draw, context_only_extra: bool = False):
    sector = KB.sectors[draw(st.sampled_from(SECTORS))]
    day = draw(st.sampled_from(_days(sector)))
    ids = draw(st.lists(st.sampled_from(sorted(sector.facts)), min_size=1, max_size=5, unique=True))
    facts = {fid: draw(value_of(sector.facts[fid], sector)) for fid in ids}
    return sector, day, facts


def _judge(sector, facts, day):
    try:
        return judge_facts(sector, facts, day, kb=KB)
    except HazardError:  # no edition in force, or none applies to the object given
        assume(False)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_given_fact_is_used_or_named_in_a_warning(case):
    sector, day, facts = case
    j = _judge(sector, facts, day)
    target = j.reference if j.verdict == "not_determined" and j.reference is not None else j
    if target is not j:
        return  # the current edition is not encoded: the whole judgement says so, no fact is judged
    applied = [KB.documents[d.id] for d in target.documents]
    used = set().union(*(_tested(d) for d in applied)) if applied else set()
    for fid in facts:
        label = sector.facts[fid].label
        # named: "“X”未被采用：why…" or, for a fact of another edition, the note that carries it over or
        # names the fact of the edition in force
        assert fid in used or any(f"“{label}”" in w for w in target.warnings), (fid, target.warnings)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.data())
def test_adding_a_context_fact_never_unsettles_a_verdict(case, data):
    sector, day, facts = case
    before = _judge(sector, facts, day)
    assume(before.verdict in ("major", "not_major"))
    context = sorted(fid for fid, f in sector.facts.items() if f.scope and fid not in facts)
    assume(context)
    fid = data.draw(st.sampled_from(context))
    value = data.draw(value_of(sector.facts[fid], sector))
    try:
        after = judge_facts(sector, {**facts, fid: value}, day, kb=KB)
    except HazardError:
        return  # the context rules out every document: an error, not 信息不足
    assert after.verdict != "insufficient", (facts, fid, value, before.verdict, after.open_rules)
