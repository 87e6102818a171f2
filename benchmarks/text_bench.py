"""Throughput and start-up of the text reader, over the labelled sentences in tests/text/*.yaml.

    python3 benchmarks/text_bench.py [--rounds 3] [--no-startup]

Prints:
- start-up: wall time of one `hazard judge --text …` process (python3 -m engine.cli), with the disk
  cache of compiled patterns empty (cold: the sector is compiled) and filled (warm), and the time to
  build the reader in this process;
- sentences/s of text -> facts (extraction, the given sector and every sector) and text -> judgement,
  as CPU time of this process (what one core does, whatever else the machine runs) and wall time.

Target (issue 17): >= 3,000 sentences/s extraction on one core. Reports the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

DATA = ROOT / "tests" / "text"
SENTENCE = "某危险化学品生产企业液氨槽车充装未使用万向管道充装系统"


def sentences() -> list[tuple[str, str, dt.date | None]]:
    out = []
    for path in sorted(DATA.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        day = dt.date.fromisoformat(str(data["as_of"])) if data.get("as_of") else None
        out += [(c["text"], data["sector"], day) for c in data["cases"]]
    return out


def rate(fn, items, rounds: int) -> tuple[float, float]:
    """(best sentences/s by CPU time, best by wall time) over `rounds` passes."""
    cpu = wall = 0.0
    for _ in range(rounds):
        c, w = time.process_time(), time.perf_counter()
        for item in items:
            fn(item)
        cpu = max(cpu, len(items) / max(time.process_time() - c, 1e-9))
        wall = max(wall, len(items) / max(time.perf_counter() - w, 1e-9))
    return cpu, wall


def startup(cache_dir: str) -> float:
    env = {**os.environ, "HAZARD_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "engine.cli", "judge", "--sector", "chemicals", "--text", SENTENCE,
                    "--as-of", "2026-06-01"], env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up processes")
    args = parser.parse_args()
    if not args.no_startup:
        with tempfile.TemporaryDirectory() as tmp:
            cold = startup(tmp)
            warm = min(startup(tmp) for _ in range(2))
        print(f"start-up, one `hazard judge --text` process: {cold:.1f} s cold cache, {warm:.1f} s warm")

    from engine import knowledge
    from engine.text.judging import judge_text
    from engine.text.reader import read, reader

    kb = knowledge.default()
    start = time.perf_counter()
    r = reader(kb)
    for sid in kb.sectors:
        r.sector(sid)
    build = time.perf_counter() - start
    items = sentences()
    chars = sum(len(t) for t, _, _ in items) / len(items)
    one = rate(lambda it: read(it[0], [it[1]], kb), items, args.rounds)
    every = rate(lambda it: read(it[0], None, kb), items, args.rounds)
    judged = rate(lambda it: judge_text(it[0], it[1], None, it[2], kb=kb), items, max(1, args.rounds - 2))
    print(f"sentences: {len(items)} (mean {chars:.0f} characters); reader with every sector ready in {build:.1f} s")
    print(f"{'':25}{'cpu':>10}{'wall':>10}  sentences/s")
    print(f"{'extraction, given sector':25}{one[0]:10.0f}{one[1]:10.0f}")
    print(f"{'extraction, every sector':25}{every[0]:10.0f}{every[1]:10.0f}")
    print(f"{'text -> judgement':25}{judged[0]:10.0f}{judged[1]:10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
