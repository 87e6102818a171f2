"""Knowledge coverage of the Chinese scenarios, per encoded document (engine.spec.coverage).

Fails when a rule's exception (`unless`) never holds in any scenario, a value of an `in:` list never
appears where its condition decides, or a condition is never flipped on its own (a near miss) — so a
new sector or edition cannot bring these gaps back. Close a gap by writing the scenario (`hazard spec
--new RULE_ID` prints a skeleton) or generate `features/<sector>/<doc>_coverage.feature` with
`python3 -m engine.spec.coverage --write DOC_ID` and review it.
"""

from __future__ import annotations

import pytest

from engine import knowledge, logic
from engine.spec import coverage, scan, solve

DOCUMENTS = [d.id for d in coverage.encoded_documents()]


@pytest.mark.parametrize("doc_id", DOCUMENTS)
def test_every_exception_value_and_condition_is_exercised(doc_id):
    found = coverage.gaps(knowledge.default().documents[doc_id])
    shown = "\n".join(f"  {g}" for g in found[:40]) + (f"\n  ……共 {len(found)} 个" if len(found) > 40 else "")
    if found:
        pytest.fail(f"{doc_id} 有 {len(found)} 个知识覆盖缺口（补场景：hazard spec --new 规则号；"
                       f"或 python3 -m engine.spec.coverage --write {doc_id} 生成后核对）：\n{shown}", pytrace=False)


def _scenario(sector: str, day: str, facts: dict) -> coverage.Scenario:
    """A scenario as the scanner would produce it, for checking the analysis itself."""
    import datetime as dt

    item = scan.ScenarioCase(scan.FEATURES / sector / "x.feature", 1, "t", None, {}, None,
                             case={"sector": sector, "as_of": dt.date.fromisoformat(day), "facts": facts})
    return coverage.Scenario(item, facts)


def test_without_scenarios_every_kind_of_gap_is_reported():
    doc = knowledge.default().documents["GAS-2023"]
    found = coverage.gaps(doc, [])
    kinds = {(g.rule, g.kind) for g in found}
    assert ("GAS-2023-06-2", "exception") in kinds
    values = {g.value for g in found if g.rule == "GAS-2023-06-2" and g.kind == "value"}
    assert {"其他地下构筑物", "地下人行通道"} <= values
    rule = next(r for r in doc.rules if r.id == "GAS-2023-06-2")
    assert sum(g.kind == "near_miss" for g in found if g.rule == rule.id) == len(list(solve.positions(rule.condition)))


def test_a_near_miss_counts_only_when_that_condition_alone_fails():
    kb = knowledge.default()
    doc = kb.documents["COAL-2026"]
    rule = next(r for r in doc.rules if r.id == "COAL-2026-05-05")
    sector = kb.sectors["mines"]
    ids = {sector.fact_by_name(n).id: n for n in ("甲烷积聚空间体积", "积聚空间内甲烷浓度", "积聚附近20m内已停工撤人断电并处理")}
    volume, methane, handled = ids
    base = {sector.fact_by_name("矿山类别").id: "煤矿", volume: 1.5, methane: 2.0}
    # every scenario says "handled = 否" (the audit's finding): the handling condition is never flipped
    only_major = [_scenario("mines", "2026-11-28", {**base, handled: False})]
    open_paths = {g.path for g in coverage.gaps(doc, only_major) if g.rule == rule.id and g.kind == "near_miss"}
    handled_path = next(p for p, leaf, _ in solve.positions(rule.condition) if leaf.fact == handled)
    assert handled_path in open_paths
    # handled = 是 with the accumulation over the limit: that condition alone fails -> covered
    flipped = only_major + [_scenario("mines", "2026-11-28", {**base, handled: True})]
    open_paths = {g.path for g in coverage.gaps(doc, flipped) if g.rule == rule.id and g.kind == "near_miss"}
    assert handled_path not in open_paths
    # two conditions failing at once is not a near miss of either
    both = only_major + [_scenario("mines", "2026-11-28", {**base, handled: True, methane: 1.0})]
    open_paths = {g.path for g in coverage.gaps(doc, both) if g.rule == rule.id and g.kind == "near_miss"}
    assert handled_path in open_paths
    assert logic.evaluate(rule.condition, {**base, handled: False}) is True


def test_scenarios_outside_the_edition_period_do_not_count():
    kb = knowledge.default()
    doc = kb.documents["COAL-2026"]
    sector = kb.sectors["mines"]
    rule = next(r for r in doc.rules if r.id == "COAL-2026-05-05")
    handled = sector.fact_by_name("积聚附近20m内已停工撤人断电并处理").id
    facts = {sector.fact_by_name("矿山类别").id: "煤矿", sector.fact_by_name("甲烷积聚空间体积").id: 1.5,
             sector.fact_by_name("积聚空间内甲烷浓度").id: 2.0, handled: True}
    before = [_scenario("mines", "2026-06-30", facts)]  # COAL-2020 was in force that day
    assert any(g.rule == rule.id and g.kind == "near_miss" for g in coverage.gaps(doc, before))
