"""Which situations can become quiz questions: per document, the situations with a generated major
case the engine confirms, with a near miss, and the numeric thresholds that yield a boundary pair.

    python3 benchmarks/quiz_coverage.py
"""

from __future__ import annotations

import datetime as dt
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import examples, knowledge, logic  # noqa: E402
from engine.pipeline import judge  # noqa: E402


def main() -> int:
    kb = knowledge.default()
    print(f"{'document':24} {'situations':>10} {'questionable':>12} {'near miss':>9} {'thresholds':>10} {'boundary':>8}")
    missing = []
    for sector in kb.sectors.values():
        for doc in sector.documents:
            if doc.status != "encoded":
                continue
            day = doc.expires or max(doc.effective, dt.date.today())
            rules = [r for r in doc.rules if r.then.kind == "major_hazard"]
            ok = near = thresholds = boundary = 0
            for rule in rules:
                ex = examples.major_case(sector, doc, rule)
                j = judge(sector.id, ex.facts, day, kb=kb) if ex else None
                if j is None or rule.id not in {h.rule_id for h in j.hazards}:
                    missing.append(rule.id)
                    continue
                ok += 1
                near += bool(examples.near_misses(sector, doc, rule, ex))
                for leaf in logic.leaves(rule.condition):
                    if leaf.op in logic.NUMERIC_OPS and leaf.fact in ex.facts:
                        thresholds += 1
                        at = judge(sector.id, {**ex.facts, leaf.fact: leaf.value}, day, kb=kb)
                        boundary += at.verdict in ("major", "not_major")
            print(f"{doc.id:24} {len(rules):10} {ok:12} {near:9} {thresholds:10} {boundary:8}")
    print("situations no question can be generated for:", ", ".join(missing) or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
