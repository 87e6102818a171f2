"""Accuracy on the project's own single-finding cases (tests/findings/*.yaml), issue 11.

Not a test (tests/test_findings.py asserts the targets). Each case is one finding as an inspection
record states it, plus the context an inspector knows, with the verdict and clause a sector expert
gives from the law. This script judges every case the way an inspector would (no --complete) and
prints:
  - verdict accuracy and verdict+clause accuracy per sector and overall (contested cases excluded);
  - the median number of questions on the engine's 信息不足 answers;
  - each failure with its KIND: relevance/context, exception, alias/value form, edition, reading, other.

    python3 benchmarks/findings_accuracy.py [--sector mines] [--verbose] [--json]

Case format (one YAML list per file):
  id, record (the finding as a Chinese sentence), sector, as_of (YYYY-MM-DD),
  facts {Chinese label: everyday value}, expect {verdict: major|not_major|insufficient|not_determined,
  document: number, clauses: [...]}, aspects (what the case exercises: clear, near_miss, exception,
  exception_shown, comparison, edition (a fact worded as in the other edition), edition_contrast (the same
  finding judged differently under two editions), derived, value_form, context, counting, reading),
  max_questions (optional), basis (why the expert answer is so), contested (optional: why the law's
  answer is disputed; such cases are reported but excluded from the target).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from engine import knowledge  # noqa: E402
from engine.errors import HazardError  # noqa: E402
from engine.judge import judge  # noqa: E402

CASES_DIR = ROOT / "tests" / "findings"
VERDICTS = ("major", "not_major", "insufficient", "not_determined")
KINDS = ("relevance/context", "exception", "alias/value form", "edition", "reading", "other")
VERDICT_ZH = {"major": "重大", "not_major": "不构成", "insufficient": "信息不足", "not_determined": "无法判定",
              "error": "输入错误"}


@dataclass
class Outcome:
    """One case judged: what the engine said against what the expert expects."""

    case: dict[str, Any]
    verdict: str  # engine verdict, or "error"
    verdict_ok: bool
    clause_ok: bool
    questions: int = 0
    clauses: list[str] = field(default_factory=list)  # clauses the engine named for this verdict
    error: str | None = None
    kind: str | None = None  # failure kind, None when the case passed
    exception_listed: bool = False  # the answer names a 除外 exception still to verify (outside clause texts)

    @property
    def ok(self) -> bool:
        return self.verdict_ok and self.clause_ok

    def line(self) -> str:
        """One compact line naming the case, expected vs engine answer and the failure kind."""
        exp = self.case["expect"]
        want = f"{VERDICT_ZH[exp['verdict']]} {'/'.join(exp.get('clauses') or [])}".strip()
        got = VERDICT_ZH.get(self.verdict, self.verdict)
        if self.error:
            got += f"（{self.error[:60]}）"
        elif self.clauses:
            named = list(dict.fromkeys(self.clauses))
            got += " " + "/".join(named[:4]) + (f"…共{len(named)}条" if len(named) > 4 else "")
        if self.verdict == "insufficient":
            got += f"，{self.questions}问"
        return f"[{self.kind}] {self.case['id']}: 应 {want}；得 {got}"


def load_cases(directory: Path = CASES_DIR) -> list[dict[str, Any]]:
    """All cases of tests/findings/*.yaml, in file order; each gets `_file`."""
    cases: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for case in data:
            case["_file"] = path.name
            cases.append(case)
    return cases


def _as_of(case: dict[str, Any]) -> dt.date:
    value = case["as_of"]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _rule_clauses(kb) -> dict[str, tuple[str, str]]:
    """rule id -> ("number title" of its document, clause)."""
    out = {}
    for sector in kb.sectors.values():
        for doc in sector.documents:
            for rule in doc.rules or []:
                out[rule.id] = (f"{doc.number} {doc.title}", rule.clause)
    return out


def _question_count(result) -> int:
    """Questions the answer asks; a total beyond the shown few counts when the engine reports one."""
    shown = len(result.questions or [])
    for name in ("questions_total", "question_count"):
        total = getattr(result, name, None)
        if isinstance(total, int):
            return max(total, shown)
    return shown


def classify(case: dict[str, Any], verdict: str, verdict_ok: bool, error: str | None) -> str:
    """The KIND of a failure: what the engine would have to fix for this case to pass."""
    aspects = set(case.get("aspects") or [])
    expected = case["expect"]["verdict"]
    if verdict == "error":
        if "edition" in aspects:
            return "edition"
        return "alias/value form"
    if "edition" in aspects and not verdict_ok:
        return "edition"
    if "exception" in aspects and expected == "major" and verdict == "insufficient":
        return "exception"
    if "reading" in aspects:
        return "reading"
    if verdict == "insufficient" and expected in ("major", "not_major"):
        return "relevance/context"
    if not verdict_ok and ("exception" in aspects or "exception_shown" in aspects):
        return "exception"
    if not verdict_ok and ("value_form" in aspects or "comparison" in aspects):
        return "alias/value form"
    return "other"


def judge_case(case: dict[str, Any], kb=None, rule_clauses=None) -> Outcome:
    """Judge one case as an inspector would (no --complete) and compare with the expert answer."""
    kb = kb or knowledge.default()
    rule_clauses = rule_clauses if rule_clauses is not None else _rule_clauses(kb)
    exp = case["expect"]
    want_clauses = [str(c) for c in (exp.get("clauses") or [])]
    want_doc = exp.get("document")
    try:
        result = judge(case["sector"], dict(case.get("facts") or {}), _as_of(case))
    except HazardError as exc:
        out = Outcome(case, "error", False, False, error=f"{exc.code}: {exc.message}")
        out.kind = classify(case, "error", False, out.error)
        return out
    verdict = result.verdict
    verdict_ok = verdict == exp["verdict"]
    if verdict == "major":
        named = [(f"{h.document.number} {h.document.title}", h.clause) for h in result.hazards]
    elif verdict == "insufficient":
        named = [rule_clauses[r] for r in result.open_rules if r in rule_clauses]
    elif verdict == "not_major":
        names = {d.id: f"{d.number} {d.title}" for d in result.documents}
        named = [(names.get(n.document, n.document), n.clause) for n in result.not_met]
        named += [(f"{v.document.number} {v.document.title}", v.clause) for v in result.violations]
    else:
        named = []
    # the expert names a document by its number or title (e.g. 安监总管三〔2017〕121号, 中华人民共和国安全生产法)
    clauses = [c for d, c in named if not want_doc or want_doc in d]
    clause_ok = verdict_ok and all(c in clauses for c in want_clauses)
    # an unanswered 除外 exception must be listed as still to verify (issue 11 item 3); clause texts
    # themselves often contain "除外", so they are left out of the search
    rest = result.model_dump_json(exclude={"hazards", "violations", "not_met", "documents", "reference"})
    out = Outcome(case, verdict, verdict_ok, clause_ok, questions=_question_count(result),
                  clauses=[c for _, c in named], exception_listed="除外" in rest or "待核实" in rest)
    if not out.ok:
        out.kind = classify(case, verdict, verdict_ok, None)
    return out


def run(cases: list[dict[str, Any]]) -> list[Outcome]:
    kb = knowledge.default()
    rule_clauses = _rule_clauses(kb)
    return [judge_case(c, kb, rule_clauses) for c in cases]


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """Figures per sector and overall over non-contested cases, plus failures by kind."""
    counted = [o for o in outcomes if not o.case.get("contested")]
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"cases": 0, "verdict": 0, "clause": 0})
    for o in counted:
        for key in (o.case["sector"], "overall"):
            per[key]["cases"] += 1
            per[key]["verdict"] += o.verdict_ok
            per[key]["clause"] += o.ok
    asked = [o.questions for o in counted if o.verdict == "insufficient"]
    asked_expected = [o.questions for o in counted
                      if o.verdict == "insufficient" and o.case["expect"]["verdict"] == "insufficient"]
    failures = [o for o in counted if not o.ok]
    kinds = Counter(o.kind for o in failures)
    over_limit = [o for o in counted if o.verdict == "insufficient" and o.case.get("max_questions") is not None
                  and o.questions > o.case["max_questions"]]
    pending = [o for o in counted if "exception" in (o.case.get("aspects") or [])
               and o.case["expect"]["verdict"] == "major"]
    return {
        "exceptions_listed": f"{sum(o.exception_listed for o in pending if o.verdict == 'major')}/{len(pending)}",
        "per_sector": {k: dict(v, verdict_pct=round(100 * v["verdict"] / v["cases"], 1),
                               clause_pct=round(100 * v["clause"] / v["cases"], 1))
                       for k, v in sorted(per.items(), key=lambda kv: (kv[0] == "overall", kv[0]))},
        "insufficient_answers": len(asked),
        "median_questions": statistics.median(asked) if asked else 0,
        "median_questions_expected_insufficient": statistics.median(asked_expected) if asked_expected else 0,
        "failures_by_kind": {k: kinds.get(k, 0) for k in KINDS},
        "failures": [o.line() for o in failures],
        "over_max_questions": [f"{o.case['id']}: {o.questions} > {o.case['max_questions']}" for o in over_limit],
        "contested": [o.case["id"] for o in outcomes if o.case.get("contested")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sector", help="only this sector")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    cases = load_cases()
    if args.sector:
        cases = [c for c in cases if c["sector"] == args.sector]
    outcomes = run(cases)
    s = summary(outcomes)
    if args.json:
        print(json.dumps(s, ensure_ascii=False, indent=2))
        return 0
    print(f"{'sector':<12}{'cases':>6}{'verdict':>10}{'verdict+clause':>16}")
    for sector, v in s["per_sector"].items():
        print(f"{sector:<12}{v['cases']:>6}{v['verdict_pct']:>9.1f}%{v['clause_pct']:>15.1f}%")
    print(f"信息不足 answers: {s['insufficient_answers']}, median questions {s['median_questions']} "
          f"(on cases whose expert answer is 信息不足: {s['median_questions_expected_insufficient']})")
    print(f"major answers listing an unanswered 除外 exception as still to verify: {s['exceptions_listed']}")
    print("failures by kind: " + ", ".join(f"{k} {n}" for k, n in s["failures_by_kind"].items()))
    if s["contested"]:
        print(f"contested (excluded): {', '.join(s['contested'])}")
    for line in s["failures"]:
        print("  " + line)
    for line in s["over_max_questions"]:
        print("  too many questions: " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
