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
    """行业：chemicals / mines / fire / gas / fireworks。

    例：假如 行业为 "chemicals"
    """
    case["sector"] = sector


@given(parsers.re(r'检查日期为 "(?P<day>\d{4}-\d{2}-\d{2})"'))
def given_day(case, day):
    """检查日期，决定适用哪一版标准（不写则为今天）。

    例：而且 检查日期为 "2026-06-01"
    """
    case["as_of"] = dt.date.fromisoformat(day)


@given("检查已全部完成")
def given_complete(case):
    """检查已全部完成：未报告的情形视为未发现。

    例：而且 检查已全部完成
    """
    case["complete"] = True


@given("现场事实如下：")
def given_facts(case, datatable):
    """现场事实表，表头为 | 事实 | 取值 |；事实用词汇表中的中文名（或 id），取值为 是/否、枚举值或数值（可带单位）。

    例：而且 现场事实如下：
    """
    header, *rows = datatable
    assert header[:2] == ["事实", "取值"], f"事实表的表头须为 | 事实 | 取值 |，得到 {header}"
    for name, value, *_ in rows:
        case["facts"][name] = value


@given(parsers.re(r'事实 "(?P<name>[^"]+)" 为 "(?P<value>[^"]*)"'))
def given_one_fact(case, name, value):
    """单条现场事实。

    例：而且 事实 "充装介质" 为 "液氨"
    """
    case["facts"][name] = value


@given(parsers.re(r'发现部门为 "(?P<dept>[^"]+)"'))
def given_found_by(case, dept):
    """发现问题的部门（用于移交）。

    例：而且 发现部门为 "县消防救援大队"
    """
    case["context"]["found_by"] = dept


@when("进行判定", target_fixture="result")
def do_judge(case):
    """按以上事实进行判定。

    例：当 进行判定
    """
    # every question, so that "需补充的事实包括" speaks of all facts still needed (the default shows the top few)
    return judge(case["sector"], case["facts"], case["as_of"], complete=case["complete"], context=case["context"],
                 all_questions=True)


@when("尝试判定", target_fixture="error")
def try_judge(case):
    """进行判定，并预期报错（与“报错代码为”连用）。

    例：当 尝试判定
    """
    try:
        judge(case["sector"], case["facts"], case["as_of"], complete=case["complete"], context=case["context"])
    except HazardError as exc:
        return exc
    raise AssertionError("预期判定报错，但判定成功")


def _cites(items, number, clause):
    return [h for h in items if h.document.number == number and h.clause == clause]


@then(parsers.re(r'结论为 "(?P<verdict>[^"]+)"'))
def then_verdict(result, verdict):
    """判定结论：重大事故隐患 / 不构成重大事故隐患 / 信息不足 / 无法判定。

    例：那么 结论为 "重大事故隐患"
    """
    assert verdict in VERDICTS, f"未知结论写法 {verdict}，可选 {list(VERDICTS)}"
    assert result.verdict == VERDICTS[verdict], (
        f"结论为 {result.verdict_zh}；重大隐患 {[h.rule_id for h in result.hazards]}；"
        f"待补充 {[q.label for q in result.questions]}")


@then(parsers.re(r'结论用语为 "(?P<term>[^"]+)"'))
def then_verdict_term(result, term):
    """结论的用语是该行业标准自己的说法（如消防为“重大火灾隐患”）。

    例：而且 结论用语为 "重大火灾隐患"
    """
    assert result.verdict_zh == term, result.verdict_zh


@then(parsers.re(r'除外情形待核实包括 "(?P<label>[^"]+)"'))
def then_pending_exception(result, label):
    """构成重大隐患，但该除外情形尚未核实，列为“除外情形待核实”。

    例：而且 除外情形待核实包括 "存在不应判定为重大火灾隐患的情形（5.1.3 b项或c项）"
    """
    pending = [e.label for h in result.hazards for e in h.exceptions_pending]
    assert label in pending, pending


@then(parsers.re(r'引用 "(?P<number>[^"]+)" 条款 "(?P<clause>[^"]+)"'))
def then_cites(result, number, clause):
    """重大事故隐患引用了该文件号的该条款。

    例：而且 引用 "安监总管三〔2017〕121号" 条款 "七"
    """
    assert _cites(result.hazards, number, clause), (
        f"未引用 {number} 条款 {clause}；实际引用 {[(h.document.number, h.clause) for h in result.hazards]}")


@then(parsers.re(r'引用规则 "(?P<rule_id>[^"]+)"'))
def then_cites_rule(result, rule_id):
    """重大事故隐患引用了该规则。

    例：而且 引用规则 "CHEM-2017-07"
    """
    assert any(h.rule_id == rule_id for h in result.hazards), [h.rule_id for h in result.hazards]


@then(parsers.re(r'不引用规则 "(?P<rule_id>[^"]+)"'))
def then_not_cites_rule(result, rule_id):
    """没有任何重大事故隐患引用该规则。

    例：那么 不引用规则 "CHEM-2017-07"
    """
    assert not any(h.rule_id == rule_id for h in result.hazards), [h.rule_id for h in result.hazards]


@then(parsers.re(r'规则 "(?P<rule_id>[^"]+)" 未构成'))
def then_rule_not_met(result, rule_id):
    """该规则已判定为不满足（某一条件不成立，或被排除/除外情形阻却）。

    例：而且 规则 "CHEM-2017-07" 未构成
    """
    assert any(n.rule_id == rule_id for n in result.not_met), (
        f"规则 {rule_id} 不在未构成的情形中；未构成：{[n.rule_id for n in result.not_met]}；"
        f"重大隐患：{[h.rule_id for h in result.hazards]}；待定：{result.open_rules}")


@then(parsers.re(r'不引用条款 "(?P<clause>[^"]+)"'))
def then_not_cites(result, clause):
    """没有任何重大事故隐患引用该条款。

    例：而且 不引用条款 "七"
    """
    assert not [h for h in result.hazards if h.clause == clause], [h.rule_id for h in result.hazards]


@then(parsers.re(r'未构成的情形包括条款 "(?P<clause>[^"]+)"'))
def then_not_met(result, clause):
    """该条款的某条规则已判定为不满足（未构成）。

    例：而且 未构成的情形包括条款 "十二"
    """
    assert any(n.clause == clause for n in result.not_met), [(n.clause, n.failed) for n in result.not_met]


@then(parsers.re(r'排除理由包含 "(?P<text>[^"]+)"'))
def then_defeated(result, text):
    """某条规则被排除情形阻却，且排除理由包含所写文字。

    例：而且 排除理由包含 "停产停业"
    """
    assert any(n.defeated_by and text in n.defeated_by for n in result.not_met), [n.defeated_by for n in result.not_met]


@then(parsers.re(r'违法行为引用 "(?P<number>[^"]+)" 条款 "(?P<clause>[^"]+)"'))
def then_violation(result, number, clause):
    """违法行为（非重大事故隐患）引用了该文件号的该条款。

    例：而且 违法行为引用 "中华人民共和国主席令第八十八号" 条款 "第三十六条第四款"
    """
    assert _cites(result.violations, number, clause), [(v.document.number, v.clause) for v in result.violations]


@then("没有违法行为")
def then_no_violation(result):
    """没有违法行为。

    例：而且 没有违法行为
    """
    assert not result.violations, [v.rule_id for v in result.violations]


@then(parsers.re(r'需补充的事实包括 "(?P<label>[^"]+)"'))
def then_question(result, label):
    """信息不足时，需补充的事实中有该事实。

    例：而且 需补充的事实包括 "外部安全防护距离符合国家标准要求"
    """
    assert any(q.label == label for q in result.questions), [q.label for q in result.questions]


@then(parsers.re(r'默认只列出前 (?P<n>\d+) 个问题并注明其余条数'))
def then_default_questions(case, result, n):
    """不要求全部问题时，只列出最关键的前 N 个问题，并注明其余条数。

    例：而且 默认只列出前 3 个问题并注明其余条数
    """
    shown = judge(case["sector"], case["facts"], case["as_of"], complete=case["complete"], context=case["context"])
    assert len(shown.questions) == min(int(n), len(result.questions)), [q.label for q in shown.questions]
    assert [q.fact for q in shown.questions] == [q.fact for q in result.questions][:int(n)]
    assert shown.questions_omitted == len(result.questions) - len(shown.questions)


@then(parsers.re(r'首个问题为 "(?P<label>[^"]+)"'))
def then_first_question(result, label):
    """信息不足时，第一个（最关键的）问题是该事实。

    例：而且 首个问题为 "充装使用万向管道充装系统"
    """
    assert result.questions and result.questions[0].label == label, [q.label for q in result.questions]


@then(parsers.re(r'提示包含 "(?P<text>[^"]+)"'))
def then_warning(result, text):
    """某条提示包含所写文字。

    例：而且 提示包含 "AQ 3067—2026"
    """
    assert any(text in w for w in result.warnings), result.warnings


@then(parsers.re(r'提示不包含 "(?P<text>[^"]+)"'))
def then_no_such_warning(result, text):
    """没有任何提示包含所写文字。

    例：而且 提示不包含 "补充情形"
    """
    assert not any(text in w for w in result.warnings), result.warnings


@then("没有提示")
def then_no_warning(result):
    """没有任何提示。

    例：而且 没有提示
    """
    assert not result.warnings, result.warnings


@then(parsers.re(r'推理中事实 "(?P<label>[^"]+)" 由规则 "(?P<rule_id>[^"]+)" 推出'))
def then_derived(result, label, rule_id):
    """推理链中，该事实由该规则推出。

    例：而且 推理中事实 "涉及“两重点一重大”" 由规则 "CHEM-2017-03-two-key-one-major" 推出
    """
    def walk(reasons):
        for r in reasons:
            yield r
            yield from walk(r.derived_from)
    reasons = [r for h in result.hazards for r in walk(h.reasoning)]
    assert any(r.label == label and r.source == rule_id for r in reasons), [(r.label, r.source) for r in reasons]


@then(parsers.re(r'参考分析结论为 "(?P<verdict>[^"]+)"'))
def then_reference(result, verdict):
    """现行版未编码时，旧版下参考分析的结论。

    例：而且 参考分析结论为 "重大事故隐患"
    """
    assert result.reference is not None, "没有参考分析"
    assert result.reference.verdict == VERDICTS[verdict], result.reference.verdict_zh


@then(parsers.re(r'报错代码为 "(?P<code>[^"]+)"'))
def then_error(error, code):
    """报错的代码（与“当 尝试判定”等连用）。

    例：那么 报错代码为 "unknown_fact"
    """
    assert error.code == code, (error.code, error.message)


@then(parsers.re(r'报错信息包括 "(?P<text>[^"]+)"'))
def then_error_message(error, text):
    """报错的中文信息中包含这段文字（如列出的可选取值）。

    例：而且 报错信息包括 "饭店、餐馆等餐饮场所"
    """
    assert text in error.message, error.message
