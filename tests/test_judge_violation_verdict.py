"""The major-hazard verdict beside violation rules (engine/judge.py), on a tiny sector-neutral
knowledge base: a violation rule never decides the verdict; a case for which no major-hazard rule in
force can still conclude is 不构成 (not 信息不足 with nothing to ask); a violation rule still open is
named in a warning."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from engine import judge as judge_module
from engine import knowledge
from engine.judge import judge

DAY = dt.date(2026, 6, 1)

VOCABULARY = """
sector: demo_violation
label: 示例行业
facts:
  - {id: unit, label: 单位类别, type: enum, values: [经营者, 用户], question: 单位属于哪一类？}
  - {id: licensed, label: 取得许可, type: bool, question: 是否取得许可？}
  - {id: device_used, label: 使用设备, type: bool, question: 是否使用该设备？}
  - {id: alarm, label: 安装报警装置, type: bool, question: 是否安装报警装置？}
"""

MAJOR = """
id: DEMO-V-MAJOR
sector: demo_violation
title: 示例重大隐患标准
number: 示例〔2026〕1号
issuer: 示例部门
effective: 2020-01-01
source: test
scope: {fact: unit, is: 经营者}
clauses:
  - {no: 一, text: 未取得许可。}
rules:
  - {id: DEMO-V-1, clause: 一, situation: 未取得许可, when: {fact: licensed, is: false}, then: major_hazard}
"""

LAW = """
id: DEMO-V-LAW
sector: demo_violation
title: 示例法律
number: 示例令第1号
issuer: 示例机关
effective: 2020-01-01
source: test
scope: {fact: unit, is: 用户}
clauses:
  - {no: 第一条, text: 使用设备的，应当安装报警装置。}
rules:
  - id: DEMO-V-LAW-1
    clause: 第一条
    situation: 使用设备的，应当安装报警装置
    when: {all: [{fact: device_used, is: true}, {fact: alarm, is: false}]}
    then: violation
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("kb")
    sector = root / "demo_violation"
    sector.mkdir()
    for name, text in (("vocabulary.yaml", VOCABULARY), ("DEMO-V-MAJOR.yaml", MAJOR), ("DEMO-V-LAW.yaml", LAW)):
        (sector / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return knowledge.load(root)


def run(kb, **facts):
    return judge("demo_violation", facts, DAY, kb=kb)


def test_user_with_violation_is_not_major_and_reports_the_violation(kb):
    j = run(kb, unit="用户", device_used=True, alarm=False)
    assert j.verdict == "not_major" and not j.hazards and not j.questions
    assert [v.rule_id for v in j.violations] == ["DEMO-V-LAW-1"]


def test_open_violation_alone_is_not_insufficient_without_questions(kb):
    j = run(kb, unit="用户", device_used=True)
    assert j.verdict == "not_major", (j.verdict_zh, j.warnings)
    assert not j.violations
    assert any("尚待补充事实：安装报警装置" in w for w in j.warnings), j.warnings


def test_a_false_violation_rule_does_not_make_the_case_not_major(kb):
    # the operator standard is open (unit not given) and no major-hazard rule is touched
    j = run(kb, device_used=True, alarm=True)
    assert j.verdict == "insufficient", j.verdict_zh
    assert any(q.fact == "licensed" for q in j.questions)


def test_major_hazard_beside_open_violation(kb):
    j = run(kb, unit="经营者", licensed=False)
    assert j.verdict == "major" and [h.rule_id for h in j.hazards] == ["DEMO-V-1"]
    assert not j.violations


def test_operator_without_hazard_is_not_major(kb):
    j = run(kb, unit="经营者", licensed=True)
    assert j.verdict == "not_major" and any(n.rule_id == "DEMO-V-1" for n in j.not_met)


def test_nothing_given_asks_the_scope_first(kb):
    j = run(kb)
    assert j.verdict == "insufficient"
    assert [q.fact for q in j.questions][:1] == ["unit"], [q.fact for q in j.questions]
