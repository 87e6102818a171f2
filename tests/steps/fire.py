"""Extra Chinese steps used by the fire scenarios (GB 35181), written generically so any sector can use them:
derived facts (e.g. the premises category 人员密集场所), the reason a rule was not met (e.g. the count of a
counting rule), the rules cited by the reference analysis, and "every remaining fact whose name starts
with … is 否" for counting scenarios with many elements."""

from __future__ import annotations

from pytest_bdd import given, parsers, then

from engine import knowledge
from engine.facts import coerce


def _sector(case):
    return knowledge.default().sectors[case["sector"]]


@given(parsers.re(r'其余名称以 "(?P<prefix>[^"]+)" 开头的是非事实均为 "(?P<value>[^"]+)"'))
def given_rest_by_prefix(case, prefix, value):
    """名称以给定文字开头、尚未给出的是非事实一律取该值（计数类场景用）。

    例：而且 其余名称以 "综合判定要素" 开头的是非事实均为 "否"
    """
    sector = _sector(case)
    given = {sector.fact_by_name(name).id for name in case["facts"] if sector.fact_by_name(name) is not None}
    filled = [f for f in sector.facts.values() if f.type == "bool" and f.label.startswith(prefix) and f.id not in given]
    assert filled, f"没有名称以“{prefix}”开头且尚未给出的是非事实"
    for fact in filled:
        case["facts"][fact.label] = value


@then(parsers.re(r'推出事实 "(?P<label>[^"]+)" 为 "(?P<value>[^"]+)"'))
def then_derived_value(result, case, label, value):
    """某事实由规则推出（不是直接给出的），且取值如写。

    例：那么 推出事实 "人员密集场所" 为 "是"
    """
    fact = _sector(case).fact_by_name(label)
    assert fact is not None, f"词汇表中没有事实“{label}”"
    assert fact.id not in result.facts, f"“{label}”是给出的事实，不是推出的"
    want = coerce(fact, value, label)
    assert fact.id in result.derived, f"未推出“{label}”；推出的事实：{sorted(result.derived)}"
    assert result.derived[fact.id] == want, f"“{label}”推出为 {result.derived[fact.id]}，预期 {want}"


@then(parsers.re(r'未推出事实 "(?P<label>[^"]+)"'))
def then_not_derived(result, case, label):
    """某事实没有被任何规则推出。

    例：那么 未推出事实 "综合判定要素7.3.8（条文缺失）"
    """
    fact = _sector(case).fact_by_name(label)
    assert fact is not None, f"词汇表中没有事实“{label}”"
    assert fact.id not in result.derived, f"“{label}”被推出为 {result.derived[fact.id]}"


@then(parsers.re(r'规则 "(?P<rule_id>[^"]+)" 未构成，理由包含 "(?P<text>[^"]+)"'))
def then_not_met_reason(result, rule_id, text):
    """该规则未构成，且其未构成理由包含所写文字。

    例：而且 规则 "FIRE-2017-5.3.3a" 未构成，理由包含 "满足 2 项，需至少 3 项"
    """
    items = [n for n in result.not_met if n.rule_id == rule_id]
    assert items, f"规则 {rule_id} 不在未构成的情形中：{[n.rule_id for n in result.not_met]}"
    assert any(text in line for n in items for line in n.failed), [n.failed for n in items]


@then(parsers.re(r'参考分析引用规则 "(?P<rule_id>[^"]+)"'))
def then_reference_cites(result, rule_id):
    """参考分析（旧版标准下）引用了该规则。

    例：而且 参考分析引用规则 "FIRE-2017-6.5a"
    """
    assert result.reference is not None, "没有参考分析"
    assert any(h.rule_id == rule_id for h in result.reference.hazards), [h.rule_id for h in result.reference.hazards]


@then("没有重大事故隐患")
def then_no_hazard(result):
    """没有任何重大事故隐患。

    例：而且 没有重大事故隐患
    """
    assert not result.hazards, [h.rule_id for h in result.hazards]
