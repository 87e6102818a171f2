"""The question ranking's shortcut (engine.questions.Trials: what the tried fact cannot reach is
evaluated once on the known facts) answers exactly what a full evaluation answers, on every encoded
document, for random known facts and every candidate answer of random facts."""

from __future__ import annotations

import random

import pytest

from engine import knowledge, logic
from engine import questions as qrank

KB = knowledge.default()
ENCODED = [d for d in KB.documents.values() if d.status == "encoded"]


def random_value(fact, rng: random.Random, probe: qrank.Probe):
    values = qrank.candidates(fact, probe) or [0.0]
    return rng.choice(values)


@pytest.mark.parametrize("doc_id", [d.id for d in ENCODED])
def test_trials_equal_full_evaluation(doc_id):
    doc = KB.documents[doc_id]
    sector = KB.sectors[doc.sector]
    probe = qrank.Probe(doc)
    tested = sorted({leaf.fact for r in doc.rules for node in (r.condition, r.defeater) if node is not None
                     for leaf in logic.leaves(node)} | ({leaf.fact for leaf in logic.leaves(doc.scope_condition)}
                                                         if doc.scope is not None else set()))
    rng = random.Random(doc_id)
    compared = 0
    for _ in range(12):
        known = {fid: random_value(sector.facts[fid], rng, probe)
                 for fid in rng.sample(tested, min(len(tested), rng.randint(0, 8)))}
        trials = qrank.Trials(known)
        for fid in rng.sample(tested, min(len(tested), 4)):
            for rule in rng.sample(doc.rules, min(len(doc.rules), 15)):
                for value in qrank.candidates(sector.facts[fid], probe):
                    want = probe.outcome(rule.id, {**known, fid: value})
                    assert trials.outcome(probe, rule.id, fid, value) == want, (known, fid, value, rule.id)
                    compared += 1
    assert compared > 100
