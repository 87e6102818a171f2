"""Benchmark: judgements per second and latency, durable_rules vs direct evaluation.

Not a test. Generates N random cases (default 2000) for one document (default CHEM-2017), then
times, side by side in one
run and on the same cases:
  - judge():      the full judgement (parsing, durable_rules, explanation, questions, route);
  - durable run:  only the compiled rulesets (engine.compiler);
  - direct:       the same conditions evaluated in plain Python (engine.direct).
Prints judgements/s, median and p99 latency, and the ratios.

    python benchmarks/judge_bench.py [--cases 2000] [--seed 1] [--document COAL-2026]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from engine import knowledge, logic
from engine.direct import evaluate_document
from engine.judge import compiled, judge, prepare

DAY = dt.date(2026, 6, 1)  # a day on which the default documents are in force


def cases(doc, n: int, seed: int) -> list[dict]:
    """Random cases over the facts the document's rules test (scope facts set to apply)."""
    sector = knowledge.default().sectors[doc.sector]
    used = sorted({leaf.fact for r in doc.rules for node in (r.condition,) for leaf in logic.leaves(node)})
    scope = {leaf.fact: leaf.value for leaf in logic.leaves(logic.parse(doc.scope, doc.id))} if doc.scope else {}
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        facts = dict(scope)
        for fid in rng.sample(used, min(len(used), rng.randint(1, 10))):
            fact = sector.facts[fid]
            if fact.type == "enum":
                facts[fid] = rng.choice(fact.values)
            elif fact.type == "bool":
                facts[fid] = rng.choice([True, False])
            else:
                facts[fid] = float(rng.randint(int(fact.min or 0), int(min(fact.max or 200, 200))))
        out.append(facts)
    return out


def measure(fn, items) -> list[float]:
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - start)
    return times


def summary(name: str, times: list[float]) -> tuple[str, float, float, float]:
    ordered = sorted(times)
    median = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return name, len(times) / sum(times), median * 1e6, p99 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--document", default="CHEM-2017")
    args = parser.parse_args()
    kb = prepare()
    doc = kb.documents[args.document]
    day = doc.expires or max(doc.effective, DAY)  # a day the document is in force
    cdoc = compiled(kb, doc)
    items = cases(doc, args.cases, args.seed)
    # warm-up, then the three measurements interleaved in rounds so drift hits all alike
    for facts in items[:100]:
        judge(doc.sector, facts, day)
    rounds = 5
    full, durable, direct = [], [], []
    chunk = len(items) // rounds
    for r in range(rounds):
        part = items[r * chunk:(r + 1) * chunk]
        full += measure(lambda f: judge(doc.sector, f, day), part)
        durable += measure(cdoc.run, part)
        direct += measure(lambda f: evaluate_document(doc, f), part)
    rows = [summary("judge() 全流程", full), summary("durable_rules 规则集", durable), summary("直接求值（Python）", direct)]
    print(f"判定基准（{doc.number}）：{len(full)} 个随机案例，{len(doc.rules)} 条规则，"
          f"{len(cdoc.chunks)} 个规则集，规则库版本 {kb.version}")
    print(f"{'路径':<22}{'判定/秒':>12}{'中位数 µs':>12}{'p99 µs':>12}")
    for name, rate, median, p99 in rows:
        print(f"{name:<20}{rate:>12.0f}{median:>12.1f}{p99:>12.1f}")
    print(f"中位数之比 durable/直接求值 = {rows[1][2] / rows[2][2]:.2f}；judge()/durable = {rows[0][2] / rows[1][2]:.2f}")
    print(f"吞吐之比 直接求值/durable = {rows[2][1] / rows[1][1]:.2f}")


if __name__ == "__main__":
    main()
