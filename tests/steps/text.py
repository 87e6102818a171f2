"""Chinese steps for findings written as text: a sector expert gives the sentence an inspector wrote
(`假如 检查记录为 "…"`), judges it (`当 判定检查记录`) and states the verdict and clause with the
generic steps of tests/steps/judgement.py, or what was read (`读取到事实 … 为 …`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pytest_bdd import given, parsers, then, when

from engine.text.judging import TextJudgement, judge_text


@dataclass
class TextView:
    """A text judgement seen through the fields the generic judgement steps read."""

    text: TextJudgement
    verdict: str
    verdict_zh: str
    hazards: list = field(default_factory=list)
    violations: list = field(default_factory=list)
    not_met: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    reference: Any = None


@given(parsers.re(r'检查记录为 "(?P<text>[^"]+)"'))
def given_text(case, text):
    case["text"] = text


@when("判定检查记录", target_fixture="result")
def judge_record(case):
    t = judge_text(case["text"], case["sector"], case["facts"] or None, case["as_of"], complete=case["complete"],
                   context=case["context"])
    js = [f.judgement for f in t.findings]
    return TextView(text=t, verdict=t.verdict if t.findings else "none", verdict_zh=t.verdict_zh,
                    hazards=[h for j in js for h in j.hazards], violations=[v for j in js for v in j.violations],
                    not_met=[n for j in js for n in j.not_met], questions=[q for j in js for q in j.questions],
                    warnings=t.warnings + [w for j in js for w in j.warnings])


@then(parsers.re(r'读取到事实 "(?P<label>[^"]+)" 为 "(?P<value>[^"]+)"'))
def then_read(result, label, value):
    got = [(e.label, str(e.value)) for e in result.text.extracted if e.confirmed]
    assert any(lab == label and (val == value or _same_number(val, value)) for lab, val in got), got


@then(parsers.re(r'未读取事实 "(?P<label>[^"]+)"'))
def then_not_read(result, label):
    got = [e.label for e in result.text.extracted if e.confirmed]
    assert label not in got, got


@then(parsers.re(r'待确认事项包括 "(?P<label>[^"]+)"'))
def then_proposed(result, label):
    got = [p.label for p in result.text.proposed]
    assert label in got, got
    assert all(p.question.startswith("是否属实") for p in result.text.proposed)


@then(parsers.re(r'判定的发现有 (?P<count>\d+) 条'))
def then_findings(result, count):
    assert len(result.text.findings) == int(count), [f.text for f in result.text.findings]


@then("没有判定任何发现")
def then_nothing(result):
    assert not result.text.findings, [f.text for f in result.text.findings]


@then(parsers.re(r'采用的行业为 "(?P<sector>[^"]+)"'))
def then_sector(result, sector):
    assert result.text.sector == sector, (result.text.sector, result.text.sector_note)


def _same_number(a: str, b: str) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return False
