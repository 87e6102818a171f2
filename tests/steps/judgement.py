"""Generic Chinese steps for judgement scenarios: a sector expert writes facts in a table by their
Chinese labels and states the expected verdict, document and clause; no Python per scenario."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_bdd import given, parsers, then, when

from engine.errors import HazardError
from engine.pipeline import judge

VERDICTS = {"重大事故隐患": "major", "重大火灾隐患": "major", "不构成重大火灾隐患": "not_major", "不构成重大事故隐患": "not_major", "不构成": "not_major",
            "信息不足": "insufficient", "无法判定": "not_determined"}


@pytest.fixture
def case():
    return {"sector": None, "as_of": None, "facts": {}, "context": {}, "complete": False}


@given(parsers.re(r'行业为 "(?P<sector>[^"]+)"'))
def given_sector(case, sector):
    case["sector"] = sector


@given(parsers.re(r'检查日期为 "(?P<day>\d{4}-\d{2}-\d{2})"'))
def given_day(case, day):
    case["as_of"] = dt.date.fromisoformat(day)


@given("检查已全部完成")
def given_complete(case):
    case["complete"] = True


@given("现场事实如下：")
def given_facts(case, datatable):
    header, *rows = datatable
    assert header[:2] == ["事实", "取值"], f"事实表的表头须为 | 事实 | 取值 |，得到 {header}"
    for name, value, *_ in rows:
        case["facts"][name] = value


@given(parsers.re(r'事实 "(?P<name>[^"]+)" 为 "(?P<value>[^"]*)"'))
def given_one_fact(case, name, value):
    case["facts"][name] = value


@given(parsers.re(r'发现部门为 "(?P<dept>[^"]+)"'))
def given_found_by(case, dept):
    case["context"]["found_by"] = dept


@when("进行判定", target_fixture="result")
def do_judge(case):
    # every question, so that "需补充的事实包括" speaks of all facts still needed (the default shows the top few)
    return judge(case["sector"], case["facts"], case["as_of"], complete=case["complete"], context=case["context"],
                 all_questions=True)


@when("尝试判定", target_fixture="error")
def try_judge(case):
    try:
        judge(case["sector"], case["facts"], case["as_of"], complete=case["complete"], context=case["context"])
    except HazardError as exc:
        return exc
    raise AssertionError("预期判定报错，但判定成功")


def _cites(items, number, clause):
    return [h for h in items if h.document.number == number and h.clause == clause]


@then(parsers.re(r'结论为 "(?P<verdict>[^"]+)"'))
def then_verdict(result, verdict):
    assert verdict in VERDICTS, f"未知结论写法 {verdict}，可选 {list(VERDICTS)}"
    assert result.verdict == VERDICTS[verdict], (
        f"结论为 {result.verdict_zh}；重大隐患 {[h.rule_id for h in result.hazards]}；"
        f"待补充 {[q.label for q in result.questions]}")


@then(parsers.re(r'结论用语为 "(?P<term>[^"]+)"'))
def then_verdict_term(result, term):
    assert result.verdict_zh == term, result.verdict_zh


@then(parsers.re(r'除外情形待核实包括 "(?P<label>[^"]+)"'))
def then_pending_exception(result, label):
    pending = [e.label for h in result.hazards for e in h.exceptions_pending]
    assert label in pending, pending


@then(parsers.re(r'引用 "(?P<number>[^"]+)" 条款 "(?P<clause>[^"]+)"'))
def then_cites(result, number, clause):
    assert _cites(result.hazards, number, clause), (
        f"未引用 {number} 条款 {clause}；实际引用 {[(h.document.number, h.clause) for h in result.hazards]}")


@then(parsers.re(r'引用规则 "(?P<rule_id>[^"]+)"'))
def then_cites_rule(result, rule_id):
    assert any(h.rule_id == rule_id for h in result.hazards), [h.rule_id for h in result.hazards]


@then(parsers.re(r'不引用条款 "(?P<clause>[^"]+)"'))
def then_not_cites(result, clause):
    assert not [h for h in result.hazards if h.clause == clause], [h.rule_id for h in result.hazards]


@then(parsers.re(r'未构成的情形包括条款 "(?P<clause>[^"]+)"'))
def then_not_met(result, clause):
    assert any(n.clause == clause for n in result.not_met), [(n.clause, n.failed) for n in result.not_met]


@then(parsers.re(r'排除理由包含 "(?P<text>[^"]+)"'))
def then_defeated(result, text):
    assert any(n.defeated_by and text in n.defeated_by for n in result.not_met), [n.defeated_by for n in result.not_met]


@then(parsers.re(r'违法行为引用 "(?P<number>[^"]+)" 条款 "(?P<clause>[^"]+)"'))
def then_violation(result, number, clause):
    assert _cites(result.violations, number, clause), [(v.document.number, v.clause) for v in result.violations]


@then("没有违法行为")
def then_no_violation(result):
    assert not result.violations, [v.rule_id for v in result.violations]


@then(parsers.re(r'需补充的事实包括 "(?P<label>[^"]+)"'))
def then_question(result, label):
    assert any(q.label == label for q in result.questions), [q.label for q in result.questions]


@then(parsers.re(r'默认只列出前 (?P<n>\d+) 个问题并注明其余条数'))
def then_default_questions(case, result, n):
    shown = judge(case["sector"], case["facts"], case["as_of"], complete=case["complete"], context=case["context"])
    assert len(shown.questions) == min(int(n), len(result.questions)), [q.label for q in shown.questions]
    assert [q.fact for q in shown.questions] == [q.fact for q in result.questions][:int(n)]
    assert shown.questions_omitted == len(result.questions) - len(shown.questions)


@then(parsers.re(r'首个问题为 "(?P<label>[^"]+)"'))
def then_first_question(result, label):
    assert result.questions and result.questions[0].label == label, [q.label for q in result.questions]


@then(parsers.re(r'提示包含 "(?P<text>[^"]+)"'))
def then_warning(result, text):
    assert any(text in w for w in result.warnings), result.warnings


@then(parsers.re(r'提示不包含 "(?P<text>[^"]+)"'))
def then_no_such_warning(result, text):
    assert not any(text in w for w in result.warnings), result.warnings


@then("没有提示")
def then_no_warning(result):
    assert not result.warnings, result.warnings


@then(parsers.re(r'推理中事实 "(?P<label>[^"]+)" 由规则 "(?P<rule_id>[^"]+)" 推出'))
def then_derived(result, label, rule_id):
    def walk(reasons):
        for r in reasons:
            yield r
            yield from walk(r.derived_from)
    reasons = [r for h in result.hazards for r in walk(h.reasoning)]
    assert any(r.label == label and r.source == rule_id for r in reasons), [(r.label, r.source) for r in reasons]


@then(parsers.re(r'参考分析结论为 "(?P<verdict>[^"]+)"'))
def then_reference(result, verdict):
    assert result.reference is not None, "没有参考分析"
    assert result.reference.verdict == VERDICTS[verdict], result.reference.verdict_zh


@then(parsers.re(r'报错代码为 "(?P<code>[^"]+)"'))
def then_error(error, code):
    assert error.code == code, (error.code, error.message)
