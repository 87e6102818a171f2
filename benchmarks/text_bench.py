"""Throughput of the text reader: sentences/s of text -> facts (extraction, one sector and every
sector) and of text -> judgement, over the labelled sentences in tests/text/*.yaml, on one core.

    python3 benchmarks/text_bench.py [--rounds 3]

Target (issue 17): >= 3,000 sentences/s extraction on one core. Reports the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from engine import knowledge  # noqa: E402
from engine.text.judging import judge_text  # noqa: E402
from engine.text.reader import read, reader  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "text"


def sentences() -> list[tuple[str, str, dt.date | None]]:
    out = []
    for path in sorted(DATA.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        day = dt.date.fromisoformat(str(data["as_of"])) if data.get("as_of") else None
        out += [(c["text"], data["sector"], day) for c in data["cases"]]
    return out


def rate(fn, items, rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = max(best, len(items) / (time.perf_counter() - start))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    kb = knowledge.default()
    start = time.perf_counter()
    reader(kb)
    build = time.perf_counter() - start
    items = sentences()
    chars = sum(len(t) for t, _, _ in items) / len(items)
    one = rate(lambda it: read(it[0], [it[1]], kb), items, args.rounds)
    every = rate(lambda it: read(it[0], None, kb), items, args.rounds)
    judged = rate(lambda it: judge_text(it[0], it[1], None, it[2], kb=kb), items, max(1, args.rounds - 2))
    print(f"sentences: {len(items)} (mean {chars:.0f} characters); reader built in {build:.1f} s")
    print(f"extraction, given sector : {one:8.0f} sentences/s")
    print(f"extraction, every sector : {every:8.0f} sentences/s")
    print(f"text -> judgement        : {judged:8.0f} sentences/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
