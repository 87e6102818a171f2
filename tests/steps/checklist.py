"""Chinese steps for checklists: generate the checklist for a kind of unit, check which clauses it
lists, fill answers and judge the filled checklist — the same functions `hazard checklist` uses."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from engine import checklist as cl

VERDICTS = {"重大事故隐患": "major", "不构成重大事故隐患": "not_major", "信息不足": "insufficient"}


@pytest.fixture
def sheet():
    return {"context": {}, "answers": {}}


@given("单位或场所类别如下：")
def given_context(sheet, datatable):
    """检查表所针对的单位或场所类别，表头为 | 类别 | 取值 |。

    例：而且 单位或场所类别如下：
    """
    header, *rows = datatable
    assert header[:2] == ["类别", "取值"], f"类别表的表头须为 | 类别 | 取值 |，得到 {header}"
    for name, value, *_ in rows:
        sheet["context"][name] = value


@when("生成检查表", target_fixture="checklist")
def make_checklist(case, sheet):
    """按行业、检查日期和单位类别生成检查表。

    例：当 生成检查表
    """
    return cl.build(case["sector"], case["as_of"], sheet["context"])


@then(parsers.re(r'检查表列出条款 "(?P<clause>[^"]+)"'))
def lists_clause(checklist, clause):
    """检查表列出了该条款。

    例：那么 检查表列出条款 "第五条（一）"
    """
    clauses = [i.clause for i in checklist.items]
    assert clause in clauses, f"检查表未列出条款 {clause}；已列出：{'、'.join(dict.fromkeys(clauses))}"


@then(parsers.re(r'检查表不列条款 "(?P<clause>[^"]+)"'))
def omits_clause(checklist, clause):
    """检查表没有列出该条款。

    例：而且 检查表不列条款 "第九条（一）"
    """
    found = [i.rule_id for i in checklist.items if i.clause == clause]
    assert not found, f"检查表不应列出条款 {clause}，但列出了 {'、'.join(found)}"


@then(parsers.re(r'检查表依据 "(?P<number>[^"]+)"'))
def based_on(checklist, number):
    """检查表依据该文件号。

    例：那么 检查表依据 "应急管理部令第21号"
    """
    numbers = [s.number for s in checklist.sections]
    assert number in numbers, f"检查表依据的文件为 {'、'.join(numbers)}"


@then(parsers.re(r'检查表不问 "(?P<label>[^"]+)"'))
def not_asked(checklist, label):
    """检查表不再问已知的该事实。

    例：而且 检查表不问 "矿山类别"
    """
    asked = {q.label for i in checklist.items for q in i.questions}
    assert label not in asked, f"检查表不应再问已知的“{label}”"


@when("检查表填写如下：")
def fill(sheet, datatable):
    """填写检查表的答案，表头为 | 事实 | 答案 |。

    例：而且 检查表填写如下：
    """
    header, *rows = datatable
    assert header[:2] == ["事实", "答案"], f"答案表的表头须为 | 事实 | 答案 |，得到 {header}"
    for name, value, *_ in rows:
        sheet["answers"][name] = value


@when("判定检查表", target_fixture="filled")
def judge_sheet(checklist, sheet):
    """判定填好的检查表。

    例：当 判定检查表
    """
    return cl.judge_filled(checklist, sheet["answers"])


@then(parsers.re(r'检查表结论为 "(?P<verdict>[^"]+)"'))
def sheet_verdict(filled, verdict):
    """整表判定的结论。

    例：那么 检查表结论为 "重大事故隐患"
    """
    assert filled.verdict == VERDICTS[verdict], f"期望 {verdict}，实为 {filled.verdict_zh}"


@then(parsers.re(r'检查表第 (?P<no>\d+) 项为 "(?P<state>[^"]+)"'))
def item_state(filled, no, state):
    """检查表第几项的状态：构成 / 不构成 / 待补充。

    例：而且 检查表第 1 项为 "构成"
    """
    item = next(o for o in filled.items if o.no == int(no))
    assert item.state == state, f"第 {no} 项（条款 {item.clause}）期望 {state}，实为 {item.state}"


@then(parsers.re(r'检查表待填写的问题包括 "(?P<label>[^"]+)"'))
def blank_includes(filled, label):
    """待填写的问题中有该事实。

    例：而且 检查表待填写的问题包括 "充装使用万向管道充装系统"
    """
    assert label in filled.blank_questions, f"待填写的问题为：{'、'.join(filled.blank_questions)}"
