"""The project's own single-finding cases (tests/findings/*.yaml) and the targets of issue 11.

Each case is one finding as an inspection record states it, plus the context an inspector knows,
with the verdict and clause a sector expert gives from the law (never from the engine's output).
The target test judges every case without --complete and asks for >= 97 % verdict+clause accuracy
(contested cases excluded) and a median of <= 3 questions on 信息不足 answers. Figures per sector
and every failure with its kind: `python3 benchmarks/findings_accuracy.py`.
"""

from __future__ import annotations

import datetime as dt
import statistics
import unicodedata
from collections import Counter

import pytest

from benchmarks import findings_accuracy as fa
from engine import knowledge

CASES = fa.load_cases()
# least cases per sector: 30 for the sectors of issue 11; the sectors of issue 15 about 20–30 each, road transport
# fewer (only 第三条 and 第四条（一） of its text are known)
SECTOR_MINIMUM = {"chemicals": 30, "fireworks": 30, "mines": 30, "fire": 30, "gas": 30, "industry_trade": 20,
                  "construction": 20, "power": 20, "special_equipment": 20, "road_transport": 8}
SECTORS = set(SECTOR_MINIMUM)
ASPECTS = {"clear", "near_miss", "exception", "exception_shown", "comparison", "edition", "edition_contrast",
           "derived", "value_form", "context", "counting", "reading"}
VERDICT_TARGET = 97.0
MEDIAN_QUESTIONS_TARGET = 3


def _norm(text: str) -> str:
    """Labels compare after NFKC (ASCII and full-width brackets are the same label to an inspector)."""
    return unicodedata.normalize("NFKC", str(text))


def test_enough_cases_over_every_sector():
    assert len(CASES) >= 240, f"只有 {len(CASES)} 个案例，issue 11 要求至少 200（本集目标 240）"
    per = Counter(c["sector"] for c in CASES)
    assert set(per) == SECTORS, f"缺少行业：{SECTORS - set(per)}"
    assert all(per[s] >= n for s, n in SECTOR_MINIMUM.items()), per


def test_case_ids_unique():
    ids = Counter(c["id"] for c in CASES)
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_well_formed(case):
    kb = knowledge.default()
    assert set(case) <= {"id", "record", "sector", "as_of", "facts", "expect", "aspects", "basis",
                         "max_questions", "contested", "_file"}, case["id"]
    assert case["sector"] in kb.sectors
    assert any("\u4e00" <= ch <= "\u9fff" for ch in case["record"]), "record 须为中文检查记录"
    assert isinstance(case["as_of"], (dt.date, str)) and fa._as_of(case)
    assert case["facts"], "每个案例至少一条事实"
    sector = kb.sectors[case["sector"]]
    labels = {_norm(f.label) for f in sector.facts.values()} | set(sector.facts)
    unknown = [k for k in case["facts"] if _norm(k) not in labels]
    assert unknown == [], f"{case['id']}: 词汇表中没有这些事实：{unknown}"
    exp = case["expect"]
    assert exp["verdict"] in fa.VERDICTS
    if exp["verdict"] != "not_determined":
        assert exp.get("document") and exp.get("clauses"), "须写明文件与条款"
    assert set(case.get("aspects") or []) <= ASPECTS and case.get("aspects")
    assert case.get("basis"), "须写明依据（条文与理由）"
    if "contested" in case:
        assert isinstance(case["contested"], str) and case["contested"], "contested 须写明争议所在"


def test_set_exercises_what_issue_11_lists():
    """Exceptions (open and shown), comparisons, both coal editions, derived conclusions, counting,
    everyday value forms and context-only facts are all present."""
    aspects = Counter(a for c in CASES for a in c["aspects"])
    for name, least in {"exception": 15, "exception_shown": 10, "comparison": 30, "edition": 4,
                        "edition_contrast": 4, "derived": 8, "value_form": 20, "context": 10,
                        "counting": 4, "near_miss": 40}.items():
        assert aspects[name] >= least, f"{name}: {aspects[name]} < {least}"
    coal = [c for c in CASES if c["sector"] == "mines" and "煤矿" in c["facts"].values()]
    days = {fa._as_of(c) for c in coal}
    assert min(days) < dt.date(2026, 7, 1) <= max(days), "煤矿案例须覆盖令第4号与令第21号两侧"
    # the same finding (same facts) judged on both sides of 2026-07-01
    by_facts: dict[str, set[bool]] = {}
    for c in coal:
        key = repr(sorted(c["facts"].items()))
        by_facts.setdefault(key, set()).add(fa._as_of(c) >= dt.date(2026, 7, 1))
    assert sum(1 for sides in by_facts.values() if sides == {True, False}) >= 5


def test_accuracy_script_detects_a_wrong_expectation():
    """The comparison can fail: a case whose expected verdict is flipped is reported as a failure."""
    case = next(c for c in CASES if c["id"] == "fw-20-open-flame")
    wrong = dict(case, expect=dict(case["expect"], verdict="not_major"))
    assert fa.judge_case(case).ok
    out = fa.judge_case(wrong)
    assert not out.ok and out.kind is not None
    other_clause = dict(case, expect=dict(case["expect"], clauses=["十九"]))
    assert not fa.judge_case(other_clause).ok


def test_issue_11_targets():
    """>= 97 % verdict and clause without --complete; median <= 3 questions on 信息不足 answers.

    Expected to fail until the engine work of issue 11 (context facts, exceptions, aliases, editions)
    lands; the message lists every failing case with its kind."""
    outcomes = fa.run(CASES)
    s = fa.summary(outcomes)
    overall = s["per_sector"]["overall"]
    problems = []
    if overall["clause_pct"] < VERDICT_TARGET:
        per = "；".join(f"{k} {v['clause_pct']}%" for k, v in s["per_sector"].items())
        kinds = "，".join(f"{k} {n}" for k, n in s["failures_by_kind"].items() if n)
        problems.append(f"判定+条款正确率 {overall['clause_pct']}% < {VERDICT_TARGET}%（{per}）；失败类别：{kinds}")
        problems += s["failures"]
    asked = [o.questions for o in outcomes if o.verdict == "insufficient" and not o.case.get("contested")]
    if asked and statistics.median(asked) > MEDIAN_QUESTIONS_TARGET:
        problems.append(f"信息不足答复的提问数中位数 {statistics.median(asked)} > {MEDIAN_QUESTIONS_TARGET}")
    problems += [f"提问过多：{line}" for line in s["over_max_questions"]]
    assert not problems, "\n".join(problems)
