"""Check, not a benchmark: the judgements of this checkout and of another one (e.g. `git archive
<commit> | tar -x -C DIR`) are byte-identical on a large case set.

Cases (built here, from this checkout's knowledge, and written to a JSON file both sides read):
for every encoded document, on a day it is in force, its realistic cases (each rule's situation
and near misses, 1–5 facts by Chinese label) and random cases (1–10 random facts, the scope met),
each judged with and without `complete`; every third with all questions listed and every fifth
routed. Each side judges them in its own process with its own disk cache, twice: the first run
fills the cache, the second (the one compared) reads the knowledge from it, as `hazard judge` does.
Errors (HazardError) are compared as their code and message. Prints the counts and the first
differences; exit status 1 when any judgement differs (a judgement equal to the other once parsed,
only the order of an object's keys differing, is counted and reported, and differs with --bytes).

    python3 benchmarks/compare_judgements.py DIR [--cases 200] [--random 100] [--bytes]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

JUDGE = r"""
import datetime as dt, json, sys
from engine import knowledge
from engine.errors import HazardError
from engine.pipeline import judge
kb = knowledge.default()
cases = json.load(open(sys.argv[1], encoding="utf-8"))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for c in cases:
        try:
            j = judge(c["sector"], c["facts"], dt.date.fromisoformat(c["day"]), complete=c["complete"],
                      all_questions=c["all_questions"], routed=c["routed"])
            line = j.model_dump_json()
        except HazardError as exc:
            line = json.dumps(["error", exc.code, exc.message, exc.field], ensure_ascii=False)
        out.write(line + "\n")
print(type(kb.sectors).__name__)
"""


def build_cases(per_document: int, random_per_document: int) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from judge_bench import in_force_day, random_cases, realistic_cases

    from engine import knowledge

    kb = knowledge.default()
    cases = []
    for doc in kb.documents.values():
        if doc.status != "encoded" or not doc.rules:
            continue
        day = in_force_day(doc).isoformat()
        sets = realistic_cases(kb, doc, per_document) + random_cases(kb, doc, random_per_document, seed=11)
        for facts in sets:
            for complete in (False, True):
                n = len(cases)
                cases.append({"sector": doc.sector, "facts": facts, "day": day, "complete": complete,
                              "all_questions": n % 3 == 0, "routed": n % 5 == 0})
    return cases


def run(checkout: Path, cases_file: str, out_file: str, cache: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(checkout), "HAZARD_CACHE_DIR": cache}
    env.pop("HAZARD_CACHE", None)
    done = subprocess.run([sys.executable, "-c", JUDGE, cases_file, out_file], env=env, cwd=checkout,
                          check=True, capture_output=True, text=True)
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout")
    parser.add_argument("--cases", type=int, default=200, help="realistic cases per document (at most)")
    parser.add_argument("--random", type=int, default=100, help="random cases per document")
    parser.add_argument("--bytes", action="store_true", help="a difference in key order alone counts as different")
    args = parser.parse_args()
    cases = build_cases(args.cases, args.random)
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        cases_file = str(Path(tmp) / "cases.json")
        Path(cases_file).write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
        outputs = {}
        for name, checkout in (("this", ROOT), ("other", args.other.resolve())):
            cache = str(Path(tmp) / f"cache-{name}")
            out = str(Path(tmp) / f"{name}.jsonl")
            run(checkout, cases_file, out, cache)  # fills the cache
            sectors = run(checkout, cases_file, out, cache)  # from the cache
            outputs[name] = Path(out).read_text(encoding="utf-8").splitlines()
            print(f"{name}: {checkout} — {len(outputs[name])} judgements, knowledge sectors as {sectors}")
    mine, theirs = outputs["this"], outputs["other"]
    differ = [i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b]
    verdicts = {}
    for line in mine:
        v = json.loads(line)
        key = v[0] if isinstance(v, list) else v["verdict"]
        verdicts[key] = verdicts.get(key, 0) + 1
    print(f"{len(cases)} cases; verdicts here: {verdicts}")
    reordered = [i for i in differ if json.loads(mine[i]) == json.loads(theirs[i])]
    if reordered:  # equal once parsed: only the order of an object's keys differs
        print(f"{len(reordered)} judgements differ only in the order of an object's keys (e.g. derived facts)")
        differ = [i for i in differ if i not in set(reordered)] if not args.bytes else differ
    if len(mine) != len(theirs) or differ:
        print(f"DIFFERENT: {len(differ)} judgements (lengths {len(mine)} / {len(theirs)})")
        for i in differ[:3]:
            print(json.dumps(cases[i], ensure_ascii=False))
            print("  this: ", mine[i][:400])
            print("  other:", theirs[i][:400])
        sys.exit(1)
    print(f"identical: {len(mine)} judgements" + (" byte for byte" if not reordered else
                                                     f", {len(mine) - len(reordered)} of them byte for byte"))


if __name__ == "__main__":
    main()
