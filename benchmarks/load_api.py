"""Load benchmark of the HTTP API (not a test): requests/s and p50/p99 latency of single
judgements (POST /v1/judgements) at 1, 8 and 32 concurrent clients, against `hazard serve` with
1 and 2 worker processes. Loopback only; every measurement is bounded in time and in requests,
and the servers are stopped at the end.

    python benchmarks/load_api.py [--seconds 5] [--workers 1 2] [--clients 1 8 32] [--supervisor hazard trivial]

Beside `hazard serve`, a trivial FastAPI app returning a fixed judgement under the same supervisor
(benchmarks/trivial_app.py) gives the HTTP floor; the ratio of the two is printed.

The load generator is a minimal asyncio HTTP/1.1 keep-alive client (one connection per client) in
one process, so it is cheap next to the server; it shares the machine's cores with the server,
which the printed core count puts in context. The in-process engine rate (judge() in a loop, no
HTTP) is printed as the ceiling of one worker.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.launch import HOST, running_server  # noqa: E402

MAX_REQUESTS = 200_000  # per measurement, whatever the duration
CASES = [
    {"充装介质": "液氨", "充装使用万向管道充装系统": "否"},
    {"充装介质": "液氨", "充装使用万向管道充装系统": "是"},
    {"充装介质": "液氯", "充装使用万向管道充装系统": "否"},
    {"涉及重点监管危险化工工艺": "是"},
    {"涉及重点监管危险化工工艺": "是", "装置实现自动化控制": "否"},
    {"在役化工装置经正规设计": "否", "在役化工装置进行了安全设计诊断": "否"},
]
BODIES = [json.dumps({"sector": "chemicals", "as_of": "2026-06-01", "facts": f}, ensure_ascii=False).encode()
          for f in CASES]


SECTORS = ["chemicals", "mines", "gas", "fire", "fireworks"]
HEAVY = json.dumps({"cases": [{"sectors": SECTORS, "as_of": "2026-06-01", "facts": {}}] * 20}).encode()  # 100 judgements
SMALL = json.dumps({"sector": "chemicals", "as_of": "2026-06-01", "facts": {"充装介质": "液氨"}}, ensure_ascii=False).encode()


def request_bytes(port: int, body: bytes, path: bytes = b"/v1/judgements") -> bytes:
    return (b"POST " + path + b" HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (HOST.encode(), port, len(body), body))


async def one_client(port: int, offset: int, deadline: float, budget: list[int], latencies: list[float],
                     statuses: dict[int, int], requests: list[bytes] | None = None) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    requests = requests or [request_bytes(port, b) for b in BODIES]
    i = offset
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            start = time.perf_counter()
            writer.write(requests[i % len(requests)])
            i += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def measure(port: int, clients: int, seconds: float) -> dict:
    # warm-up: every connection and worker has answered before the clock starts
    await asyncio.gather(*(one_client(port, c, time.perf_counter() + 0.5, [clients * 20], [], {})
                           for c in range(clients)))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    budget = [MAX_REQUESTS]
    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one_client(port, c, start + seconds, budget, latencies, statuses) for c in range(clients)))
    elapsed = time.perf_counter() - start
    client_cpu = (time.process_time() - cpu) / elapsed
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50": q[49] * 1000, "p99": q[98] * 1000,
            "non_200": sum(n for s, n in statuses.items() if s != 200), "client_cpu": client_cpu}


async def spread(port: int, connections: int) -> list[int]:
    """How many of `connections` simultaneous keep-alive connections each worker answers (GET /healthz
    names the worker): the kernel's spreading, sorted, e.g. [16, 16]."""
    async def one() -> int:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n" % HOST.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(v) for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:])
                          if k.strip().lower() == b"content-length")
            return json.loads(await reader.readexactly(length))["worker"]
        finally:
            writer.close()
    pids = await asyncio.gather(*(one() for _ in range(connections)))
    return sorted((pids.count(p) for p in set(pids)), reverse=True)


async def mixed(port: int, heavy: int, small: int, seconds: float) -> dict:
    """Latency of one-fact judgements while `heavy` clients keep sending maximal batches (item 6 of
    issue 10: a small request must not starve behind amplified ones)."""
    heavy_req = [request_bytes(port, HEAVY, b"/v1/judgements/batch")]
    small_req = [request_bytes(port, SMALL)]
    lat_small: list[float] = []
    lat_heavy: list[float] = []
    st: dict[int, int] = {}
    end = time.perf_counter() + seconds
    await asyncio.gather(*(one_client(port, 0, end, [10**6], lat_heavy, st, heavy_req) for _ in range(heavy)),
                         *(one_client(port, 0, end, [10**6], lat_small, st, small_req) for _ in range(small)))
    lat_small.sort()
    q = statistics.quantiles(lat_small, n=100, method="inclusive") if len(lat_small) > 1 else lat_small * 99
    return {"small": len(lat_small), "p50": q[49] * 1000, "p99": q[98] * 1000, "worst": lat_small[-1] * 1000,
            "heavy": len(lat_heavy), "heavy_p50": statistics.median(lat_heavy) * 1000 if lat_heavy else float("nan"),
            "non_200": sum(n for s_, n in st.items() if s_ != 200)}


def engine_rate(seconds: float) -> float:
    from engine.judge import prepare
    from engine.pipeline import judge

    prepare()
    cases = [json.loads(b)["facts"] for b in BODIES]
    day = dt.date(2026, 6, 1)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        judge("chemicals", cases[n % len(cases)], day, context={"found_by": None})
        n += 1
    return n / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each measurement (default 5)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--supervisor", nargs="+", default=["hazard", "trivial"],
                        choices=["hazard", "trivial", "gunicorn", "uvicorn"],
                        help="what to serve and how: hazard serve (own, one SO_REUSEPORT socket per worker), a "
                             "trivial FastAPI app returning a fixed judgement under the same supervisor "
                             "(benchmarks/trivial_app.py, the HTTP floor), gunicorn with uvicorn workers and "
                             "--reuse-port, uvicorn --workers")
    parser.add_argument("--mixed", action="store_true",
                        help="also: one-fact judgements (2 clients) while 8 clients send maximal batches")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.seconds > 60:
        parser.error("--seconds must be in (0, 60]")

    load = "、".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (other work shares these cores); "
          f"{args.seconds:g} s per measurement; loopback {HOST}")
    base = engine_rate(min(args.seconds, 3.0))
    print(f"in-process engine, no HTTP: {base:,.0f} judgements/s (one process)\n")
    rows = []
    for sup in args.supervisor:
        for workers in args.workers:
            with running_server(workers=workers, supervisor=sup) as url:
                port = int(url.rsplit(":", 1)[1])
                for clients in args.clients:
                    r = asyncio.run(measure(port, clients, args.seconds))
                    r["spread"] = asyncio.run(spread(port, 32))
                    rows.append((sup, workers, clients, r))
                    print(f"  {sup} workers={workers} clients={clients:>2}: {r['rps']:8.0f} req/s", flush=True)
    print()
    print(f"{'supervisor':>10} {'workers':>7} {'clients':>7} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
          f" {'non-200':>7} {'vs 1 worker':>11} {'vs engine':>9} {'client CPU':>10}  spread of 32 connections")
    single = {(s, c): r["rps"] for s, w, c, r in rows if w == min(args.workers)}
    for sup, workers, clients, r in rows:
        ratio = r["rps"] / single[(sup, clients)] if (sup, clients) in single else float("nan")
        print(f"{sup:>10} {workers:>7} {clients:>7} {r['requests']:>9} {r['rps']:>8.0f} {r['p50']:>8.2f} {r['p99']:>8.2f}"
              f" {r['non_200']:>7} {ratio:>10.2f}x {r['rps'] / base:>8.2f}x {r['client_cpu']:>9.0%}  {r['spread']}")
    print("\nclient CPU: the load generator's share of one core; near 100 % it, not the server, sets the pace.")
    floor = {(w, c): r for s, w, c, r in rows if s == "trivial"}
    if floor:
        print("\nagainst the trivial app (same supervisor, workers and clients): req/s ratio, p99 ms")
        for sup, workers, clients, r in rows:
            if sup != "trivial" and (workers, clients) in floor:
                t = floor[(workers, clients)]
                print(f"  {sup} workers={workers} clients={clients:>2}: {r['rps'] / t['rps']:.2f}x "
                      f"({r['rps']:.0f} vs {t['rps']:.0f} req/s), p99 {r['p99']:.1f} vs {t['p99']:.1f} ms")
    if args.mixed:
        for sup in args.supervisor:
            workers = max(args.workers)
            with running_server(workers=workers, supervisor=sup) as url:
                m = asyncio.run(mixed(int(url.rsplit(":", 1)[1]), 8, 2, args.seconds))
            print(f"\nmixed ({sup}, {workers} workers): one-fact judgements beside 8 clients sending batches of "
                  f"100 empty judgements: {m['small']} small requests, p50 {m['p50']:.1f} ms, p99 {m['p99']:.1f} ms, "
                  f"worst {m['worst']:.1f} ms; {m['heavy']} batches (median {m['heavy_p50']:.0f} ms); "
                  f"non-200: {m['non_200']}")
            rows.append((sup, workers, 0, {"non_200": m["non_200"]}))
    return 1 if any(r["non_200"] for *_, r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
