"""Benchmark: how fast `hazard serve --workers N` is ready, and its memory, with forked workers
(the default: the parent builds the app once, then forks) beside spawned ones
(HAZARD_WORKER_START=spawn: every worker imports and compiles everything itself).

Not a test. For each start method, in alternating rounds: the seconds from launching `hazard serve`
to the first answer of GET /healthz and to every worker alive (healthz `workers.alive`), one
judgement through POST /v1/judgements (its verdict is printed, so a broken worker shows), and the
memory of the supervisor and its children from /proc (RSS, and PSS, which splits the pages a fork
shares between the processes that share them). Linux only (/proc, SO_REUSEPORT).

    python3 benchmarks/serve_startup.py [--workers 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE = {"sector": "chemicals", "facts": {"特种作业人员持证上岗": "否"}, "as_of": "2026-06-01"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid: int) -> tuple[int, int]:
    """RSS and PSS of one process, MB."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    rss = int(re.search(r"^Rss:\s+(\d+)", text, re.M).group(1))
    pss = int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1))
    return rss // 1024, pss // 1024


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(x) for x in out]


def one_round(method: str, workers: int) -> dict[str, object]:
    port = free_port()
    env = dict(os.environ, HAZARD_WORKER_START=method)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port), "--workers", str(workers),
                             "--log-level", "warning"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    first = None
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"hazard serve exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    health = json.load(r)
                first = first if first is not None else time.perf_counter() - start
                if (health.get("workers") or {}).get("alive") == workers:
                    break
            except OSError:
                pass
            if time.perf_counter() - start > 180:
                raise RuntimeError("not ready within 180 s")
            time.sleep(0.05)
        ready = time.perf_counter() - start
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/judgements", data=json.dumps(CASE).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            verdict = json.load(r)["verdict"]
        pids = [proc.pid] + children(proc.pid)
        sizes = [memory(pid) for pid in pids]
        return {"first": first, "ready": ready, "verdict": verdict, "processes": len(pids),
                "rss": sum(s[0] for s in sizes), "pss": sum(s[1] for s in sizes)}
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[dict[str, object]]] = {"fork": [], "spawn": []}
    for r in range(args.rounds):
        for method in (("fork", "spawn") if r % 2 == 0 else ("spawn", "fork")):
            results[method].append(one_round(method, args.workers))
    print(f"`hazard serve --workers {args.workers}`, {args.rounds} rounds (median; min–max)")
    print(f"  {'workers':<8}{'first answer s':>18}{'all alive s':>18}{'processes':>11}{'RSS MB':>8}{'PSS MB':>8}  verdict")
    for method, rows in results.items():
        def cell(key: str) -> str:
            values = [float(row[key]) for row in rows]
            return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"
        print(f"  {method:<8}{cell('first'):>18}{cell('ready'):>18}{rows[0]['processes']:>11}"
              f"{statistics.median(int(row['rss']) for row in rows):>8}{statistics.median(int(row['pss']) for row in rows):>8}"
              f"  {rows[0]['verdict']}")
    fork = statistics.median(float(row["ready"]) for row in results["fork"])
    spawn = statistics.median(float(row["ready"]) for row in results["spawn"])
    print(f"  all workers alive, fork / spawn = {fork / spawn:.2f}")


if __name__ == "__main__":
    main()
