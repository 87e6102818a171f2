"""Benchmark: judgements per second, judge() vs its durable_rules part vs direct evaluation.

Not a test (no timing is asserted anywhere). For each document (default: CHEM-2017, COAL-2026,
GB35181-2017) two case sets are built from the knowledge itself:
  - realistic: for every major-hazard or violation rule, the facts that make it hold and its
    one-condition near misses (engine.examples), kept when they give 1–5 facts, given by their
    Chinese labels as an inspector would;
  - random:    1–10 random facts the document tests, the document's scope met.
Three paths run on the same cases, interleaved in rounds so that drift on a shared machine hits
them alike:
  - judge():  engine.judge.judge, the whole judgement (reading, durable_rules, explanation, questions);
  - durable:  only the compiled rulesets (CompiledDocument.run on the typed facts, every rule's
              outcome read: what durable_rules concluded, the rest evaluated in Python as it is read);
  - direct:   the same conditions evaluated in plain Python (engine.direct.evaluate_document);
  - clips:    with --clips, the same conditions in CLIPS, a C rule engine (benchmarks/clips_peer.py;
              the rules definitely true only; checked against direct on the same cases first).
Per round the mean µs per case is taken; min/median/max over rounds are printed, with the ratios
of the medians (judge()/direct, durable/direct; with --clips clips/durable, clips/direct) and
judgements/s at the median.

    python3 benchmarks/judge_bench.py [--documents CHEM-2017 COAL-2026] [--rounds 7] [--cases 400] [--clips]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import statistics
import time
from typing import Any, Callable

from engine import comparisons, examples, logic
from engine.direct import evaluate_document
from engine.judge import compiled, judge, prepare

DAY = dt.date(2026, 6, 1)  # a day on which the default documents are in force
DOCUMENTS = ["CHEM-2017", "COAL-2026", "GB35181-2017"]


def in_force_day(doc) -> dt.date:
    """A day on which `doc` is in force (DAY when it is)."""
    if doc.in_force(DAY):
        return DAY
    return doc.expires or doc.effective


def as_given(fact, value: Any) -> Any:
    """A typed value as an inspector writes it: a number with its unit (a bare small number may be
    refused as ambiguous, engine.numbers)."""
    if fact.type == "number" and fact.unit:
        return f"{value:g}{fact.unit}"
    return value


def realistic_cases(kb, doc, limit: int) -> list[dict[str, Any]]:
    """Cases of 1–5 facts by Chinese label: each rule's situation and its near misses."""
    sector = kb.sectors[doc.sector]
    out: list[dict[str, Any]] = []
    for rule in doc.rules:
        if rule.then.kind == "derive":
            continue
        major = examples.major_case(sector, doc, rule)
        if major is None:
            continue
        for example in [major, *examples.near_misses(sector, doc, rule, major)]:
            if 1 <= len(example.facts) <= 5:
                out.append({sector.facts[fid].label: as_given(sector.facts[fid], value)
                            for fid, value in example.facts.items()})
    random.Random(7).shuffle(out)
    return out[:limit]


def random_cases(kb, doc, n: int, seed: int) -> list[dict[str, Any]]:
    """Random cases (fact ids, numbers with their unit) over the facts the document's rules test, the scope met."""
    sector = kb.sectors[doc.sector]
    used = sorted({leaf.fact for r in doc.rules for leaf in logic.leaves(r.condition)})
    scope = examples.Solver(sector, doc).make(doc.scope_condition, True, {}) if doc.scope else {}
    used = [fid for fid in used if fid not in scope]  # the scope stays met
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
                facts[fid] = as_given(fact, float(rng.randint(int(fact.min or 0), int(min(fact.max or 200, 200)))))
        out.append(facts)
    return out


def mean_us(fn: Callable[[Any], Any], items: list[Any]) -> float:
    """Mean µs per item of one pass (garbage collection left as in production)."""
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items) * 1e6


def interleaved(paths: dict[str, Callable[[Any], Any]], items: list[Any], rounds: int) -> dict[str, list[float]]:
    """Per path, the mean µs per case of each round; the paths alternate within every round."""
    for fn in paths.values():  # warm-up (compilation, caches)
        for item in items[:20]:
            fn(item)
    out: dict[str, list[float]] = {name: [] for name in paths}
    for r in range(rounds):
        order = list(paths) if r % 2 == 0 else list(reversed(paths))
        for name in order:
            gc.collect()
            out[name].append(mean_us(paths[name], items))
    return out


def report(title: str, figures: dict[str, list[float]]) -> dict[str, float]:
    print(title)
    print(f"  {'path':<10}{'min µs':>10}{'median µs':>11}{'max µs':>10}{'judgements/s':>14}")
    medians = {}
    for name, values in figures.items():
        med = statistics.median(values)
        medians[name] = med
        print(f"  {name:<10}{min(values):>10.1f}{med:>11.1f}{max(values):>10.1f}{1e6 / med:>14.0f}")
    print(f"  ratio of medians: judge()/direct = {medians['judge()'] / medians['direct']:.2f}, "
          f"durable/direct = {medians['durable'] / medians['direct']:.2f}, "
          f"judge()/durable = {medians['judge()'] / medians['durable']:.2f}")
    if "clips" in medians:
        print(f"  ratio of medians: clips/durable = {medians['clips'] / medians['durable']:.2f}, "
              f"clips/direct = {medians['clips'] / medians['direct']:.2f}")
    return medians


def clips_module():
    """benchmarks/clips_peer.py when clipspy is importable, else None (one line says so)."""
    import clips_peer  # benchmarks/ is on sys.path when this runs as a script
    if clips_peer.available():
        return clips_peer
    print(f"clips path skipped: clipspy is not installed ({clips_peer.INSTALL})")
    return None


def bench_document(kb, doc_id: str, rounds: int, cases: int, seed: int, peers=None) -> None:
    doc = kb.documents[doc_id]
    sector = kb.sectors[doc.sector]
    cdoc = compiled(kb, doc)
    peer = peers.ClipsDocument(doc, sector) if peers else None
    day = in_force_day(doc)
    print(f"\n== {doc_id} ({doc.number}): {len(doc.rules)} rules, {len(cdoc.chunks)} rulesets, "
          f"rule base {kb.version}, as of {day}")
    for kind, items in (("realistic (1–5 facts, by label)", realistic_cases(kb, doc, cases)),
                        ("random (1–10 facts + scope)", random_cases(kb, doc, cases, seed))):
        typed = [comparisons.read_facts(sector, facts) for facts in items]
        pairs = list(zip(items, typed))
        paths = {
            "judge()": lambda p: judge(doc.sector, p[0], day),
            "durable": lambda p: dict(cdoc.run(p[1]).rules),  # every rule's outcome, as direct gives
            "direct": lambda p: evaluate_document(doc, p[1]),
        }
        if peer is not None:
            agree = sum(peer.run(t) == peers.direct_true(doc, t) for t in typed)
            print(f" {kind}: clips concludes the rules direct finds true on {agree}/{len(typed)} cases")
            if agree != len(typed):
                raise SystemExit("clips disagrees with direct: see benchmarks/clips_peer.py")
            paths["clips"] = lambda p: peer.run(p[1])
        report(f" {kind}: {len(items)} cases × {rounds} rounds", interleaved(paths, pairs, rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", nargs="+", default=DOCUMENTS)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cases", type=int, default=300, help="cases per set (at most)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clips", action="store_true",
                        help="also run the rules in CLIPS (clipspy, the bench extra)")
    args = parser.parse_args()
    peers = clips_module() if args.clips else None
    start = time.perf_counter()
    kb = prepare()
    print(f"knowledge loaded and compiled in {time.perf_counter() - start:.2f} s")
    for doc_id in args.documents:
        bench_document(kb, doc_id, args.rounds, args.cases, args.seed, peers)


if __name__ == "__main__":
    main()
