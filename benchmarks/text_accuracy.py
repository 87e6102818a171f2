"""Accuracy of the text reader on the labelled sentences in tests/text/*.yaml.

    python3 benchmarks/text_accuracy.py [--verbose] [files…]

Prints, per file (sector / edition) and in total: fact precision and recall (confirmed facts read
from the text against the facts the sentence states), verdict accuracy, and the number of sentences
judged major on a fact the sentence does not state (must be 0). `evaluate()` is what the test uses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from engine import knowledge  # noqa: E402
from engine.text.judging import judge_text  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "text"


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return round(float(value), 6)
    return str(value)


def _given(reasons) -> list[tuple[str, Any]]:
    out = []
    for r in reasons:
        if r.source == "given":
            out.append((r.fact, _norm(r.value)))
        out += _given(r.derived_from)
    return out


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run_case(case: dict, sector: str, as_of: dt.date | None, context: dict | None = None) -> dict:
    """One labelled case -> what the system read and concluded, compared with the labels. `context`
    (file-level, then the case's own) is what the inspector supplies beside the text — the kind of
    unit, as chosen on the page — given as structured facts; it is not counted as read from the text."""
    given = {**(context or {}), **(case.get("context") or {})}
    result = judge_text(case["text"], sector, given or None, as_of)
    vocab = knowledge.default().sectors[sector]
    given = {vocab.fact_by_name(k).id if vocab.fact_by_name(k) else k: v for k, v in given.items()}
    got = {(e.fact, _norm(e.value)) for e in result.extracted if e.confirmed and e.fact not in given}
    want = {(k, _norm(v)) for k, v in (case.get("facts") or {}).items()}
    read = [e for e in result.extracted if e.confirmed and e.fact not in given]
    verdict = result.verdict if result.findings and (read or not given) else "none"
    unstated = [f for fr in result.findings for h in fr.judgement.hazards for f in _given(h.reasoning)
                if f not in want and f[0] not in given]
    return {"got": got, "want": want, "verdict": verdict, "expected": case["verdict"],
            "major_unstated": verdict == "major" and bool(unstated), "unstated": unstated}


def evaluate(paths: list[Path] | None = None) -> dict[str, dict]:
    """{file stem: {n, tp, fp, fn, precision, recall, verdict_accuracy, major_unstated, errors: [...]}}."""
    out = {}
    for path in paths or sorted(DATA.glob("*.yaml")):
        data = load(path)
        as_of = data.get("as_of")
        as_of = dt.date.fromisoformat(str(as_of)) if as_of else None
        stats = {"n": 0, "tp": 0, "fp": 0, "fn": 0, "verdict_ok": 0, "major_unstated": 0, "errors": []}
        for case in data["cases"]:
            r = run_case(case, data["sector"], as_of, data.get("context"))
            stats["n"] += 1
            stats["tp"] += len(r["got"] & r["want"])
            stats["fp"] += len(r["got"] - r["want"])
            stats["fn"] += len(r["want"] - r["got"])
            stats["verdict_ok"] += r["verdict"] == r["expected"]
            stats["major_unstated"] += r["major_unstated"]
            if r["got"] != r["want"] or r["verdict"] != r["expected"]:
                stats["errors"].append({"text": case["text"], "extra": sorted(r["got"] - r["want"]),
                                        "missing": sorted(r["want"] - r["got"]),
                                        "verdict": r["verdict"], "expected": r["expected"]})
        tp, fp, fn = stats["tp"], stats["fp"], stats["fn"]
        stats["precision"] = tp / (tp + fp) if tp + fp else 1.0
        stats["recall"] = tp / (tp + fn) if tp + fn else 1.0
        stats["verdict_accuracy"] = stats["verdict_ok"] / stats["n"] if stats["n"] else 1.0
        out[path.stem] = stats
    return out


def totals(results: dict[str, dict]) -> dict:
    tp = sum(s["tp"] for s in results.values())
    fp = sum(s["fp"] for s in results.values())
    fn = sum(s["fn"] for s in results.values())
    n = sum(s["n"] for s in results.values())
    return {"n": n, "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
            "verdict_accuracy": sum(s["verdict_ok"] for s in results.values()) / n if n else 1.0,
            "major_unstated": sum(s["major_unstated"] for s in results.values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--verbose", "-v", action="store_true", help="list every sentence read wrongly")
    args = parser.parse_args()
    results = evaluate(args.files or None)
    print(f"{'set':<16}{'n':>5}{'precision':>11}{'recall':>8}{'verdict':>9}{'major-on-unstated':>19}")
    for name, s in results.items():
        print(f"{name:<16}{s['n']:>5}{s['precision']:>11.1%}{s['recall']:>8.1%}{s['verdict_accuracy']:>9.1%}"
              f"{s['major_unstated']:>19}")
        if args.verbose:
            for e in s["errors"]:
                print(f"    {e['text']}\n      +{e['extra']} -{e['missing']} verdict {e['verdict']} (want {e['expected']})")
    t = totals(results)
    print(f"{'total':<16}{t['n']:>5}{t['precision']:>11.1%}{t['recall']:>8.1%}{t['verdict_accuracy']:>9.1%}"
          f"{t['major_unstated']:>19}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
