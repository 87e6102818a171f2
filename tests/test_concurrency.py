"""Judgements from many threads at once give exactly the sequential answers: durable_rules is
serialised by one lock and each judgement lives in its own session."""

from __future__ import annotations

import datetime as dt
import json
import random
from concurrent.futures import ThreadPoolExecutor

from engine import knowledge
from engine.errors import HazardError
from engine.pipeline import judge

DAY = dt.date(2026, 6, 1)
THREADS = 8
PER_THREAD = 200


def _cases(n: int) -> list[tuple[str, dict]]:
    """Random partial fact sets over every encoded sector, so verdicts differ from case to case."""
    kb = knowledge.default()
    rng = random.Random(7)
    sectors = [s for s in kb.sectors.values() if any(d.status == "encoded" and d.in_force(DAY) for d in s.documents)]
    cases = []
    for _ in range(n):
        sector = rng.choice(sectors)
        facts = {}
        for fid in rng.sample(sorted(sector.facts), min(len(sector.facts), rng.randint(1, 6))):
            fact = sector.facts[fid]
            if fact.type == "bool":
                facts[fid] = rng.choice([True, False])
            elif fact.type == "enum":
                facts[fid] = rng.choice(fact.values)
            else:
                low = fact.min if fact.min is not None else 0
                high = fact.max if fact.max is not None else 200
                facts[fid] = round(rng.uniform(low, high), 2)
        cases.append((sector.id, facts))
    return cases


def _answer(case: tuple[str, dict]) -> str:
    sector, facts = case
    try:
        result = judge(sector, facts, DAY)
    except HazardError as exc:  # e.g. facts that put the case outside every document's scope
        return json.dumps(exc.to_dict(), ensure_ascii=False)
    return result.model_dump_json()


def test_eight_threads_give_the_sequential_answers():
    cases = _cases(THREADS * PER_THREAD)
    sequential = [_answer(c) for c in cases]
    assert len({s[:40] for s in sequential}) > 1
    verdicts = {json.loads(s).get("verdict") for s in sequential}
    assert {"major", "insufficient"} <= verdicts, verdicts
    with ThreadPoolExecutor(THREADS) as pool:
        concurrent = list(pool.map(_answer, cases))
    mismatches = [i for i, (a, b) in enumerate(zip(sequential, concurrent)) if a != b]
    assert not mismatches, f"{len(mismatches)} 个判定与顺序执行不一致，例如第 {mismatches[:5]} 个"
