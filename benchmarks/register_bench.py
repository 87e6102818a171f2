"""Register load: 100,000 hazards (bulk-inserted rows shaped like registered ones), then list / filter /
stats latency (p50, p99 over repeated calls) on SQLite and, when HAZARD_TEST_POSTGRES_URL is set, on
PostgreSQL — side by side in one run.

    python3 benchmarks/register_bench.py [--hazards 100000] [--rounds 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert  # noqa: E402

from engine.register import lifecycle as lc  # noqa: E402
from engine.register.models import Finding, Hazard, Snapshot, Unit  # noqa: E402
from engine.register.service import Actor, Register  # noqa: E402

AREAS = ["乌达工业园区", "乌兰淖尔镇", "三道坎街道", "梁家沟街道", "滨河街道", "新达街道"]
SECTORS = ["chemicals", "mines", "fire", "gas", "fireworks"]
LEADS = ["应急管理局", "住房和城乡建设局", "消防救援大队", "市场监督管理局"]


def fill(reg: Register, n: int) -> None:
    rng = random.Random(1)
    now = dt.datetime.now(dt.timezone.utc)
    with reg.engine.begin() as c:
        c.execute(insert(Unit), [{"name": f"单位{i}", "area": AREAS[i % len(AREAS)], "created_at": now}
                                 for i in range(1000)])
        for start in range(0, n, 5000):
            rows = range(start, min(n, start + 5000))
            c.execute(insert(Finding), [{"id": i + 1, "unit_id": i % 1000 + 1, "channel": "督导检查发现",
                                         "found_on": dt.date(2025, 1, 1) + dt.timedelta(days=i % 600),
                                         "sector": SECTORS[i % 5], "facts": {}, "attachments": [], "created_at": now}
                                        for i in rows])
            c.execute(insert(Snapshot), [{"id": i + 1, "finding_id": i + 1, "verdict": "major", "rulebase_version": "x",
                                          "editions": [], "judgement": {}, "created_at": now} for i in rows])
            c.execute(insert(Hazard), [{
                "finding_id": i + 1, "unit_id": i % 1000 + 1, "snapshot_id": i + 1,
                "status": rng.choice(lc.STATES), "version": 1, "sector": SECTORS[i % 5], "area": AREAS[i % 1000 % 6],
                "clauses": [{"document": "D", "number": "N", "clause": str(i % 40)}], "lead": LEADS[i % 4],
                "partners": [], "partners_key": "|", "found_on": dt.date(2025, 1, 1) + dt.timedelta(days=i % 600),
                "found_month": (dt.date(2025, 1, 1) + dt.timedelta(days=i % 600)).strftime("%Y-%m"),
                "deadline": dt.date(2025, 3, 1) + dt.timedelta(days=i % 600), "plan": {}, "supervision": {},
                "escalations": [], "created_at": now} for i in rows])


def timed(fn, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hazards", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    backends = [("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.db")]
    pg = os.environ.get("HAZARD_TEST_POSTGRES_URL")
    if pg:
        import sqlalchemy as sa

        name = f"bench_{os.getpid()}"
        eng = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        backends.append(("PostgreSQL", pg.rsplit("/", 1)[0] + "/" + name))
    admin, dept, town = Actor("a", "admin"), Actor("d", "department", department="应急管理局"), Actor("t", "town", area="乌达工业园区")
    print(f"{args.hazards} hazards; milliseconds, p50 / p99 over {args.rounds} calls")
    print(f"{'operation':38} " + " ".join(f"{name:>22}" for name, _ in backends))
    results = {}
    for name, url in backends:
        reg = Register(url)
        t = time.perf_counter()
        fill(reg, args.hazards)
        print(f"  filled {name} in {time.perf_counter() - t:.1f} s")
        ops = {
            "list newest 100 (admin)": lambda: reg.list_hazards(admin),
            "filter status+sector (admin)": lambda: reg.list_hazards(admin, status=lc.RECTIFYING, sector="mines"),
            "overdue on a day (admin)": lambda: reg.list_hazards(admin, overdue_on=dt.date(2025, 6, 1)),
            "list (town, its area)": lambda: reg.list_hazards(town),
            "list (department, led + partner)": lambda: reg.list_hazards(dept),
            "show one": lambda: reg.show(admin, 5000),
            "stats (admin, all groups)": lambda: reg.stats(admin),
        }
        for op, fn in ops.items():
            rounds = max(3, args.rounds // 10) if op.startswith("stats") or "department" in op else args.rounds
            results.setdefault(op, []).append(timed(fn, rounds))
    for op, vals in results.items():
        print(f"{op:38} " + " ".join(f"{p50:10.1f} / {p99:9.1f}" for p50, p99 in vals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
