"""Chinese steps for training quizzes (issue 13): generate one question of a kind from the rule base
(the same engine.quiz.generate the CLI, API and pages use) and read its wording back — stem, the
finding shown, options, the key and the explanations — so the Chinese a trainee reads is checked."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from engine import quiz as qz

KIND_BY_ZH = {zh: kind for kind, zh in qz.KIND_ZH.items()}


@pytest.fixture
def quiz_spec():
    return {"rules": None}


@given(parsers.re(r'练习题只考规则 "(?P<rule>[^"]+)"'))
def given_quiz_rule(quiz_spec, rule):
    """只就这条规则（情形）出题，可重复写多条。

    例：而且 练习题只考规则 "CHEM-2017-07"
    """
    quiz_spec["rules"] = (quiz_spec["rules"] or []) + [rule]


@when(parsers.re(r'生成一道“(?P<kind>[^”]+)”题，随机种子为 (?P<seed>\d+)'), target_fixture="question")
def make_question(case, quiz_spec, kind, seed):
    """按行业、检查日期生成一道题（题型：是否构成重大事故隐患、依据哪一条、边界、还需核实什么、牵头部门、多选），
    随机种子相同则题目相同。

    例：当 生成一道“依据哪一条”题，随机种子为 7
    """
    assert kind in KIND_BY_ZH, f"未知题型“{kind}”，可选 {list(KIND_BY_ZH)}"
    quiz = qz.generate(case["sector"], 1, int(seed), case["as_of"], [KIND_BY_ZH[kind]], rules=quiz_spec["rules"])
    return quiz.questions[0]


@then(parsers.re(r'题干为 "(?P<stem>[^"]+)"'))
def then_stem(question, stem):
    """题干的全文。

    例：那么 题干为 "检查日期 2026-08-01，现场发现如下。该发现应依据安监总管三〔2017〕121号哪一条判定为重大事故隐患？"
    """
    assert question.stem == stem, question.stem


@then(parsers.re(r'题中的检查发现包括 "(?P<item>[^"]+)"'))
def then_finding_shows(question, item):
    """题干列出的检查发现中有这一项（写成 事实：取值）。

    例：而且 题中的检查发现包括 "充装使用万向管道充装系统：否"
    """
    assert item in question.finding, question.finding


@then(parsers.re(r'正确选项为 "(?P<text>[^"]+)"'))
def then_key(question, text):
    """唯一的正确选项（选项文字全文）。

    例：而且 正确选项为 "应急管理局"
    """
    right = [o.text for o in question.options if o.correct]
    assert right == [text], right
    assert question.answer == [o.key for o in question.options if o.correct]


@then(parsers.re(r'正确选项包括 "(?P<text>[^"]+)"'))
def then_key_includes(question, text):
    """多选题：正确选项中有这一项（选项文字全文）。

    例：而且 正确选项包括 "被检查单位类别：危险化学品生产单位；建立与岗位相匹配的全员安全生产责任制：否"
    """
    right = [o.text for o in question.options if o.correct]
    assert text in right, right


@then(parsers.re(r'错误选项包括 "(?P<text>[^"]+)"'))
def then_wrong_includes(question, text):
    """有这一项错误选项（选项文字全文）。

    例：而且 错误选项包括 "条款 二：特种作业人员未持证上岗。"
    """
    wrong = [o.text for o in question.options if not o.correct]
    assert text in wrong, wrong


@then(parsers.re(r'正确选项的解析包括 "(?P<text>[^"]+)"'))
def then_key_explained(question, text):
    """正确选项的解析（引擎的推理与条文原文）中有这段文字。

    例：而且 正确选项的解析包括 "牵头部门：应急管理局"
    """
    explained = [o.explanation for o in question.options if o.correct]
    assert any(text in e for e in explained), explained


@then(parsers.re(r'每个错误选项的解析以 "(?P<text>[^"]+)" 开头'))
def then_wrong_explained(question, text):
    """错误选项的解析都先说明它错在哪里。

    例：而且 每个错误选项的解析以 "不对" 开头
    """
    wrong = [o.explanation for o in question.options if not o.correct]
    assert wrong and all(e.startswith(text) for e in wrong), wrong


@then("选项互不相同")
def then_distinct(question):
    """没有两个文字相同的选项。

    例：而且 选项互不相同
    """
    texts = [o.text for o in question.options]
    assert len(set(texts)) == len(texts), texts
