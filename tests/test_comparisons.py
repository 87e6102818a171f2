"""Comparison outcomes (engine.comparisons, logic.Outcome): a number stated only as '超过30%' or '超限'."""

from __future__ import annotations

import datetime as dt

import pytest

from engine import knowledge, logic
from engine.comparisons import outcome
from engine.judge import judge

KB = knowledge.default()
MINES = KB.sectors["mines"]
DAY = dt.date(2026, 8, 10)


@pytest.mark.parametrize("op,t,text,op_in,bound,want", [
    ("gt", 30, "超过30%", "gt", 30, True),     # > 30 decides > 30
    ("ge", 30, "超过30%", "gt", 30, True),     # > 30 decides ≥ 30
    ("gt", 40, "超过30%", "gt", 30, None),     # > 30 does not decide > 40
    ("le", 30, "超过30%", "gt", 30, False),
    ("lt", 30, "不足30%", "lt", 30, True),
    ("ge", 30, "不足30%", "lt", 30, False),
    ("gt", 30, "30%以上", "ge", 30, None),     # ≥ 30 leaves = 30 possible: > 30 open
    ("ge", 30, "30%以上", "ge", 30, True),
    ("lt", 30, "不超过30%", "le", 30, None),
    ("gt", 30, "不超过30%", "le", 30, False),
])
def test_an_outcome_decides_only_what_its_interval_decides(op, t, text, op_in, bound, want):
    o = logic.Outcome.of(text, op_in, bound)
    assert logic.Leaf("x", op, t).truth(o) is want


def test_phrases_and_vocabulary_words_are_read_and_other_text_is_not():
    ratio = MINES.facts["quarterly_output_ratio"]
    assert outcome(ratio, "超过30%") == logic.Outcome("超过30%", low=30, low_inclusive=False)
    assert outcome(ratio, "超过３０％").low == 30  # full-width forms
    assert outcome(ratio, "超过30米") is None  # not the fact's unit: left to the value reader (an error)
    assert outcome(ratio, "35%") is None  # a plain number is a number, not an outcome
    methane = MINES.facts["workplace_methane"]
    assert outcome(methane, "超限") == logic.Outcome("超限", low=1.0, low_inclusive=True)


def test_a_stated_comparison_concludes_the_clause_without_a_number():
    j = judge("mines", {"矿山类别": "煤矿", "煤矿开采方式": "井工煤矿", "季度原煤产量与核定生产能力之比": "超过30%"}, DAY)
    assert j.verdict == "major" and [h.clause for h in j.hazards] == ["第四条（一）"]
    assert j.facts["quarterly_output_ratio"] == "超过30%"


def test_an_outcome_that_does_not_decide_a_threshold_leaves_it_open():
    # 甲烷超限 (≥1.0%) settles the 1.0% clause but not the 1.5% one: that stays a question, never a guess
    j = judge("mines", {"矿山类别": "煤矿", "采掘工作面及作业地点风流中甲烷浓度": "超限"}, DAY, all_questions=True)
    probe = judge("mines", {"矿山类别": "煤矿", "采掘工作面及作业地点风流中甲烷浓度": "1.2%"}, DAY, all_questions=True)
    assert j.verdict == probe.verdict
    assert {h.rule_id for h in j.hazards} <= {h.rule_id for h in probe.hazards}


def test_a_below_outcome_rules_the_clause_out():
    j = judge("mines", {"矿山类别": "煤矿", "煤矿开采方式": "井工煤矿", "季度原煤产量与核定生产能力之比": "不超过30%"}, DAY)
    assert j.verdict == "not_major" and any(n.clause == "第四条（一）" for n in j.not_met)
