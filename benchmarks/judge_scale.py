"""Benchmark: cost of one judgement as the rule base grows (100 / 1,000 / 10,000 rules).

Not a test. CHEM-2017 (36 rules) is replicated into a synthetic knowledge base: copy k of every
fact is `<id>__k` (label `<label>（副本k）`), copy k of every rule tests copy k of its facts and is
named `<rule id>__k`; copy 0 is the original. The document's scope stays on the one unit-kind
fact. The same realistic cases (benchmarks/judge_bench.py: each rule's situation and near misses,
1–5 facts, by label; they name copy-0 facts only) are judged at every size, so the work the
finding asks for is the same and only the size of the rule base changes.

Each size runs in its own process, so its peak memory (ru_maxrss) is its own; in each, judge()
and the compiled rulesets alone are timed over rounds (min/median/max of the mean per case).
Printed: rules, rulesets, load+compile seconds, peak MB, µs per case, and the ratio to the smallest.

    python3 benchmarks/judge_scale.py [--sizes 100 1000 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "knowledge"
DOC_FILE, VOCAB_FILE = "CHEM-2017.yaml", "vocabulary.yaml"


def _rename(node: Any, k: int) -> Any:
    """A condition (YAML form) with every fact renamed to its copy k."""
    if isinstance(node, dict):
        return {key: (f"{value}__{k}" if key in ("fact", "derive") else _rename(value, k)) for key, value in node.items()}
    if isinstance(node, list):
        return [_rename(x, k) for x in node]
    return node


def build(target: Path, copies: int) -> None:
    """Write a knowledge root holding only the replicated chemicals sector."""
    from engine.knowledge import read_yaml_text

    sector = target / "chemicals"
    sector.mkdir(parents=True)
    shutil.copy(SOURCE / "words.yaml", target / "words.yaml")
    vocab = read_yaml_text((SOURCE / "chemicals" / VOCAB_FILE).read_text(encoding="utf-8"))
    doc = read_yaml_text((SOURCE / "chemicals" / DOC_FILE).read_text(encoding="utf-8"))
    facts, rules = [], []
    for k in range(copies):
        for fact in vocab["facts"]:
            copy = dict(fact)
            if k:
                copy["id"] = f"{fact['id']}__{k}"
                copy["label"] = f"{fact['label']}（副本{k}）"
                for link in ("same_as", "replaced_by"):
                    if copy.get(link):
                        copy[link] = _rename({"fact": copy[link]}, k)["fact"] if isinstance(copy[link], str) \
                            else [f"{x}__{k}" for x in copy[link]]
            facts.append(copy)
        for rule in doc["rules"]:
            copy = dict(rule)
            if k:
                copy["id"] = f"{rule['id']}__{k}"
                for part in ("when", "unless", "then"):
                    if part in copy:
                        copy[part] = _rename(copy[part], k)
            rules.append(copy)
    vocab["facts"], doc["rules"] = facts, rules
    import yaml
    (sector / VOCAB_FILE).write_text(yaml.safe_dump(vocab, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (sector / DOC_FILE).write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def child(root: str, rounds: int) -> None:
    """Measure one size (in its own process); print one JSON line."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from judge_bench import DAY, interleaved, realistic_cases

    from engine import comparisons, knowledge
    from engine.judge import compiled, judge, prepare

    base = knowledge.load(SOURCE)
    cases = realistic_cases(base, base.documents["CHEM-2017"], 10**6)
    start = time.perf_counter()
    kb = prepare(knowledge.load(root))
    load_s = time.perf_counter() - start
    doc = kb.documents["CHEM-2017"]
    cdoc = compiled(kb, doc)
    sector = kb.sectors["chemicals"]
    pairs = [(facts, comparisons.read_facts(sector, facts)) for facts in cases]
    figures = interleaved({"judge()": lambda p: judge("chemicals", p[0], DAY, kb=kb),
                           "durable": lambda p: cdoc.run(p[1])}, pairs, rounds)
    print(json.dumps({"rules": len(doc.rules), "rulesets": len(cdoc.chunks), "cases": len(pairs), "load_s": load_s,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "figures": figures}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rounds)
        return
    sys.path.insert(0, str(ROOT))
    from engine.knowledge import read_yaml_text
    per_copy = len(read_yaml_text((SOURCE / "chemicals" / DOC_FILE).read_text(encoding="utf-8"))["rules"])
    rows = []
    for size in args.sizes:
        copies = max(1, round(size / per_copy))
        with tempfile.TemporaryDirectory(prefix="hazard-scale-") as tmp:
            build(Path(tmp), copies)
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            done = subprocess.run([sys.executable, __file__, "--child", tmp, "--rounds", str(args.rounds)],
                                  env=env, capture_output=True, text=True, check=True)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"CHEM-2017 replicated; {rows[0]['cases']} realistic cases × {args.rounds} rounds; µs per case "
          "(min / median / max of the round means)")
    print(f"{'rules':>7}{'rulesets':>10}{'load+compile s':>16}{'peak MB':>9}  {'judge() µs':<26}{'durable µs':<26}"
          f"{'judge() ×':>10}{'durable ×':>10}")
    first = {name: statistics.median(v) for name, v in rows[0]["figures"].items()}
    for row in rows:
        cells = []
        for name in ("judge()", "durable"):
            v = row["figures"][name]
            cells.append(f"{min(v):.0f} / {statistics.median(v):.0f} / {max(v):.0f}")
        ratios = [statistics.median(row["figures"][n]) / first[n] for n in ("judge()", "durable")]
        print(f"{row['rules']:>7}{row['rulesets']:>10}{row['load_s']:>16.1f}{row['peak_mb']:>9.0f}  "
              f"{cells[0]:<26}{cells[1]:<26}{ratios[0]:>10.2f}{ratios[1]:>10.2f}")


if __name__ == "__main__":
    main()
