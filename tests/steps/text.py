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
    """检查记录原文：检查人员写下的发现（可几条，一是…；二是…），由系统读取事实后判定。

    例：假如 检查记录为 "液氨槽车充装未使用万向管道充装系统，仍采用金属软管。"
    """
    case["text"] = text


@when("判定检查记录", target_fixture="result")
def judge_record(case):
    """按检查记录原文判定：只用有把握读取的事实；没把握的读取列为待确认事项。

    例：当 判定检查记录
    """
    t = judge_text(case["text"], case["sector"], case["facts"] or None, case["as_of"], complete=case["complete"],
                   context=case["context"])
    js = [f.judgement for f in t.findings]
    return TextView(text=t, verdict=t.verdict if t.findings else "none", verdict_zh=t.verdict_zh,
                    hazards=[h for j in js for h in j.hazards], violations=[v for j in js for v in j.violations],
                    not_met=[n for j in js for n in j.not_met], questions=[q for j in js for q in j.questions],
                    warnings=t.warnings + [w for j in js for w in j.warnings])


@then(parsers.re(r'读取到事实 "(?P<label>[^"]+)" 为 "(?P<value>[^"]+)"'))
def then_read(result, label, value):
    """从原文有把握地读取到该事实及取值（事实用词汇表中的中文名）。

    例：而且 读取到事实 "充装使用万向管道充装系统" 为 "否"
    """
    got = [(e.label, str(e.value)) for e in result.text.extracted if e.confirmed]
    assert any(lab == label and (val == value or _same_number(val, value)) for lab, val in got), got


@then(parsers.re(r'未读取事实 "(?P<label>[^"]+)"'))
def then_not_read(result, label):
    """没有（有把握地）读取该事实：原文没有说的，不当作已读取。

    例：而且 未读取事实 "防护屏障缺失"
    """
    got = [e.label for e in result.text.extracted if e.confirmed]
    assert label not in got, got


@then(parsers.re(r'待确认事项包括 "(?P<label>[^"]+)"'))
def then_proposed(result, label):
    """该事实只列为待确认事项（“是否属实：…”），未用于判定。

    例：而且 待确认事项包括 "相互禁配物质混放混存"
    """
    got = [p.label for p in result.text.proposed]
    assert label in got, got
    assert all(p.question.startswith("是否属实") for p in result.text.proposed)


@then(parsers.re(r'判定的发现有 (?P<count>\d+) 条'))
def then_findings(result, count):
    """判定了几条发现（一条记录可含几条发现，各自判定）。

    例：那么 判定的发现有 2 条
    """
    assert len(result.text.findings) == int(count), [f.text for f in result.text.findings]


@then("没有判定任何发现")
def then_nothing(result):
    """没有判定任何发现：原文没有可确认的事实。

    例：那么 没有判定任何发现
    """
    assert not result.text.findings, [f.text for f in result.text.findings]


@then(parsers.re(r'采用的行业为 "(?P<sector>[^"]+)"'))
def then_sector(result, sector):
    """未指定行业时，系统按原文采用的行业。

    例：而且 采用的行业为 "chemicals"
    """
    assert result.text.sector == sector, (result.text.sector, result.text.sector_note)


def _same_number(a: str, b: str) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return False
