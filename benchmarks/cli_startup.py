"""Benchmark: wall time of a `hazard judge` process for a one-fact case, beside `python -c pass`.

Not a test. Runs, interleaved in rounds so that load on a shared machine hits them alike:
  - floor:    `python3 -c pass` (interpreter start-up, site packages);
  - judge:    `python3 -m engine.cli judge --sector chemicals --fact 特种作业人员持证上岗=否` with the
              disk cache of the validated knowledge and routing (engine.diskcache) warm;
  - no cache: the same with HAZARD_CACHE=off (every file read and validated, the routing graph built);
  - worker:   what one `hazard serve` worker does before it answers: api.server.create_app() (knowledge,
              every document compiled into durable_rules rulesets and registered, routing checked),
              cached and not; its peak memory (ru_maxrss) is printed once.
With --before DIR (another checkout, e.g. `git archive <commit> | tar -x -C DIR`), its `hazard judge`
(cached and not) runs in the same rounds, so before and after are measured side by side; --judge-only
leaves out the API worker rows. Prints min / median / max seconds and the ratios of the medians. The cache goes to a temporary
directory (HAZARD_CACHE_DIR), so the user's cache is not touched. Bytecode: an installed package has
its .pyc files; PYTHONDONTWRITEBYTECODE is therefore dropped for the children (so the first round
writes __pycache__ in the checkout) unless --no-bytecode is given.

    python3 benchmarks/cli_startup.py [--rounds 15] [--no-bytecode] [--before DIR] [--judge-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = ("import resource; from api.server import create_app; create_app(); "
          "print(round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))")
CASE = ["--sector", "chemicals", "--fact", "特种作业人员持证上岗=否", "--as-of", "2026-06-01"]


def wall(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-bytecode", action="store_true", help="keep PYTHONDONTWRITEBYTECODE as set")
    parser.add_argument("--before", type=Path, metavar="DIR", help="another checkout to time side by side")
    parser.add_argument("--judge-only", action="store_true", help="leave out the API worker start-up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hazard-cache-") as cache, \
            tempfile.TemporaryDirectory(prefix="hazard-cache-before-") as cache_before:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HAZARD_CACHE_DIR": cache}
        if not args.no_bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        judge = [sys.executable, "-m", "engine.cli", "judge", *CASE]
        worker = [sys.executable, "-W", "ignore", "-c", WORKER]
        runs: dict[str, tuple[list[str], dict[str, str], Path]] = {
            "floor (python -c pass)": ([sys.executable, "-c", "pass"], env, ROOT),
            "hazard judge (cached)": (judge, env, ROOT),
            "hazard judge (HAZARD_CACHE=off)": (judge, {**env, "HAZARD_CACHE": "off"}, ROOT),
        }
        if args.before:
            before = args.before.resolve()
            env_before = {**env, "PYTHONPATH": str(before), "HAZARD_CACHE_DIR": cache_before}
            runs["before: hazard judge (cached)"] = (judge, env_before, before)
            runs["before: judge (HAZARD_CACHE=off)"] = (judge, {**env_before, "HAZARD_CACHE": "off"}, before)
        if not args.judge_only:
            runs["API worker start-up (cached)"] = (worker, env, ROOT)
            runs["API worker start-up (no cache)"] = (worker, {**env, "HAZARD_CACHE": "off"}, ROOT)
        for argv, e, cwd in runs.values():  # warm-up: bytecode, the cache entries, the OS file cache
            wall(argv, e, cwd)
        peak = None if args.judge_only else subprocess.run(
            worker, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
        times: dict[str, list[float]] = {name: [] for name in runs}
        for r in range(args.rounds):
            for name in (list(runs) if r % 2 == 0 else list(reversed(runs))):
                times[name].append(wall(*runs[name]))
    print(f"one-fact `hazard judge`, {args.rounds} rounds, seconds of wall time")
    print(f"  {'process':<34}{'min':>8}{'median':>8}{'max':>8}")
    med = {}
    for name, values in times.items():
        med[name] = statistics.median(values)
        print(f"  {name:<34}{min(values):>8.3f}{med[name]:>8.3f}{max(values):>8.3f}")
    floor, cached, cold = (med[n] for n in list(runs)[:3])
    print(f"  cached judge − floor = {cached - floor:.3f} s; cached / floor = {cached / floor:.2f}; "
          f"no cache / cached = {cold / cached:.2f}")
    if args.before:
        was = med["before: hazard judge (cached)"]
        print(f"  before: cached judge − floor = {was - floor:.3f} s; after / before (cached) = {cached / was:.2f}")
    if not args.judge_only:
        worker_cached, worker_cold = med["API worker start-up (cached)"], med["API worker start-up (no cache)"]
        print(f"  API worker: no cache / cached = {worker_cold / worker_cached:.2f}; peak memory of a worker {peak} MB")


if __name__ == "__main__":
    main()
