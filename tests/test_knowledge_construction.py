"""CONST-2024 (建质规〔2024〕5号, 房屋市政工程生产安全重大事故隐患判定标准（2024版）) against the shared
transcription: every clause text is quoted exactly, each of the 53 criteria (51 first-level items of
第四条–第十五条, 第十六条 and 第十七条) has a major-hazard rule, every article's single-source mark is on the
clause and reaches the judgement's warnings, and the 2022 edition is registered without any text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from engine import knowledge, logic
from engine.pipeline import judge

DOC_ID = "CONST-2024"
FEATURES = Path(__file__).resolve().parent.parent / "features" / "construction"
SCOPE = {"project_kind": "房屋建筑工程", "works_kind": "新建"}
DAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


@pytest.fixture(scope="module")
def doc(kb):
    return kb.documents[DOC_ID]


@pytest.fixture(scope="module")
def shared(shared_criteria):
    return yaml.safe_load((shared_criteria / "construction.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shared_doc(shared):
    return next(d for d in shared["documents"] if d["id"] == DOC_ID)


def _shared_clauses(shared_doc) -> tuple[dict[str, str], set[str], set[str], set[str]]:
    """Clause number -> exact text; the criteria (first-level items and whole-article criteria);
    the article leads; the nested conditions (sub-items)."""
    texts: dict[str, str] = {}
    criteria: set[str] = set()
    leads: set[str] = set()
    nested: set[str] = set()
    for article in shared_doc["articles"]:
        no = article["no"]
        texts[no] = article["lead"]
        if article.get("paragraph_2"):
            texts[no + "第二款"] = article["paragraph_2"]
        items = article.get("items") or []
        if items:
            leads.add(no)
        elif article["kind"].startswith("whole-article criterion"):
            criteria.add(no)
        for item in items:
            texts[no + item["no"]] = item["text"]
            criteria.add(no + item["no"])
            for sub in item.get("subitems") or []:
                texts[no + item["no"] + sub["no"]] = sub["text"]
                nested.add(no + item["no"] + sub["no"])
    return texts, criteria, leads, nested


def test_clause_texts_equal_shared_text(doc, shared_doc):
    texts, *_ = _shared_clauses(shared_doc)
    encoded = {c.no: c.text for c in doc.clauses}
    assert set(encoded) == set(texts), (
        f"缺少条款 {sorted(set(texts) - set(encoded))}；多出条款 {sorted(set(encoded) - set(texts))}")
    wrong = {no: (encoded[no], texts[no]) for no in texts if encoded[no] != texts[no]}
    assert not wrong, f"条文与 ../shared/criteria/construction.yaml 不一致：{wrong}"


def test_every_criterion_has_a_major_hazard_rule(doc, shared_doc):
    _, criteria, _, _ = _shared_clauses(shared_doc)
    item_counts = [a.get("item_count", 0) for a in shared_doc["articles"]]
    assert sum(item_counts) == 51 and len(criteria) == 53
    cited = {r.clause for r in doc.rules if r.then.kind == "major_hazard"}
    assert not criteria - cited, f"以下判定项没有重大事故隐患规则：{sorted(criteria - cited)}"
    assert cited <= criteria, f"规则引用了非判定项：{sorted(cited - criteria)}"


def test_only_purpose_scope_leads_nested_conditions_and_commencement_are_not_criteria(doc, shared_doc):
    texts, criteria, leads, nested = _shared_clauses(shared_doc)
    not_criteria = {c.no for c in doc.clauses if c.status != "encoded"}
    assert not_criteria == leads | nested | {"第一条", "第二条", "第三条", "第三条第二款", "第十八条"}
    assert {c.no for c in doc.clauses if c.status == "encoded"} == criteria
    for clause in doc.clauses:
        if clause.status != "encoded":
            assert clause.status == "not_a_criterion" and clause.reason, clause.no
    # the warning signs of 第五条（四） are its conditions: the rules of 第五条（四） test one sign each
    signs = [r for r in doc.rules if r.clause == "第五条（四）"]
    assert len(signs) == len(nested) == 4
    sign_facts = {leaf.fact for r in signs for leaf in logic.leaves(r.condition)} - {
        "excavation_slope_works", "collapse_signs_handled"}
    labels = {knowledge.default().sectors["construction"].facts[f].label for f in sign_facts}
    assert labels == {texts[no].rstrip("；。") for no in nested}


def test_every_clause_and_rule_carries_the_single_source_mark(doc, shared_doc):
    assert all(a["verified_by"] == ["A"] for a in shared_doc["articles"]), "shared 的来源标记已变化：请复核 unverified"
    for clause in doc.clauses:
        assert clause.unverified and "单一来源" in clause.unverified, clause.no
    for rule in doc.rules:
        mark = rule.unverified or doc.clause(rule.clause).unverified
        assert mark and "单一来源" in mark, rule.id


def _satisfying(node, derivers: dict, out: dict) -> dict:
    """Facts that make `node` true: every child of all, the first of any, the deriving rule of a derived fact."""
    if "all" in node:
        for child in node["all"]:
            _satisfying(child, derivers, out)
    elif "any" in node:
        _satisfying(node["any"][0], derivers, out)
    elif node["fact"] in derivers:
        _satisfying(derivers[node["fact"]].when, derivers, out)
    else:
        op = next(k for k in ("is", "in", "gt", "ge", "lt", "le") if k in node)
        value = node[op]
        if op == "in":
            value = value[0]
        elif op in ("gt", "lt"):
            value = value + (0.5 if op == "gt" else -0.5)
        out[node["fact"]] = value
    return out


@pytest.fixture(scope="module")
def major_rules(doc):
    return [r for r in doc.rules if r.then.kind == "major_hazard"]


def test_each_rule_fires_alone_and_its_mark_reaches_the_warnings(kb, doc, major_rules):
    derivers = {r.then.fact: r for r in doc.rules if r.then.kind == "derive"}
    assert len(major_rules) >= 100
    for rule in major_rules:
        facts = {**SCOPE, **_satisfying(rule.when, derivers, {})}
        result = judge("construction", facts, DAY, kb=kb)
        assert result.verdict == "major", (rule.id, facts, result.questions)
        fired = [h for h in result.hazards if h.rule_id == rule.id]
        assert fired and fired[0].clause == rule.clause and fired[0].document.number == "建质规〔2024〕5号", rule.id
        mark = rule.unverified or doc.clause(rule.clause).unverified
        assert any(mark in w and rule.id in w for w in result.warnings), (rule.id, result.warnings)
        assert "住房和城乡建设局" in json.dumps(result.route, ensure_ascii=False), rule.id


def test_each_rule_is_out_of_scope_for_other_projects(kb, doc, major_rules):
    derivers = {r.then.fact: r for r in doc.rules if r.then.kind == "derive"}
    rule = major_rules[0]
    for outside in ({"project_kind": "其他专业建设工程"}, {"works_kind": "不在施工过程中"}):
        facts = {**SCOPE, **outside, **_satisfying(rule.when, derivers, {})}
        with pytest.raises(Exception) as info:
            judge("construction", facts, DAY, kb=kb)
        assert getattr(info.value, "code", None) == "no_edition_in_force"


def test_metadata_scope_and_the_2022_edition(kb, doc, shared, shared_doc):
    assert (doc.number, doc.issuer) == (shared_doc["number"], shared_doc["issuer"])
    assert (str(doc.published), str(doc.effective)) == (shared_doc["published"], shared_doc["effective"])
    assert doc.source == "../shared/criteria/construction.yaml#CONST-2024" and doc.replaces == "CONST-2022"
    leaves = {(leaf.fact, leaf.op, tuple(leaf.value)) for leaf in logic.leaves(doc.scope_condition)}
    assert leaves == {("project_kind", "in", ("房屋建筑工程", "市政基础设施工程")),
                      ("works_kind", "in", ("新建", "扩建", "改建", "拆除"))}
    assert "新建、扩建、改建、拆除房屋市政工程" in doc.clause("第三条").text
    old = kb.documents["CONST-2022"]
    prev = next(p for p in shared["previous_editions"] if p["id"] == "CONST-2022")
    assert prev["text_transcribed"] is False
    assert old.status == "not_encoded" and not old.clauses and not old.rules
    assert old.number == prev["number"] and str(old.effective) == prev["signed"]
    assert old.expires == doc.effective - dt.timedelta(days=1)


def test_vocabulary_facts_are_used_asked_and_phrased(kb, doc):
    sector = kb.sectors["construction"]
    used = {leaf.fact for r in doc.rules for leaf in logic.leaves(r.condition)}
    used |= {leaf.fact for leaf in logic.leaves(doc.scope_condition)}
    assert set(sector.facts) == used, f"未使用的事实：{sorted(set(sector.facts) - used)}"
    for fid, fact in sector.facts.items():
        assert fact.question.endswith("？") or "？（" in fact.question, fid
        assert fact.phrases, f"{fid} 没有自由文本短语"
        if fact.type == "number":
            assert fact.unit and fact.min is not None and fact.max is not None, fid


def test_the_only_number_threshold_excludes_75_percent(doc):
    numeric = [(r.id, leaf) for r in doc.rules for leaf in logic.leaves(r.condition) if leaf.fact == "env_humidity"]
    assert [(leaf.op, leaf.value) for _, leaf in numeric] == [("gt", 75)]
    assert "相对湿度长期超过75%" in doc.clause("第十条（一）").text


def test_every_rule_appears_in_a_construction_scenario(doc):
    text = "\n".join(p.read_text(encoding="utf-8") for p in FEATURES.glob("*.feature"))
    missing = [r.id for r in doc.rules if r.then.kind == "major_hazard" and f"| {r.id} |" not in text]
    assert not missing, f"以下规则没有情形场景：{missing}"
    near = (FEATURES / "const2024_near_miss.feature").read_text(encoding="utf-8")
    no_near = sorted({r.clause for r in doc.rules if r.then.kind == "major_hazard"} - {
        line.split("|")[1].strip() for line in near.splitlines() if line.strip().startswith("| 第")})
    assert not no_near, f"以下条款没有近似情形场景：{no_near}"


READINGS = {  # rules that add a reading of ours to the single source: their own mark must name both
    "CONST-2024-04-04c": "严重缺陷", "CONST-2024-13-07": "有隧道工程", "CONST-2024-16": "技术目录",
    **{f"CONST-2024-08-06{x}": "任一项" for x in "abc"}, **{f"CONST-2024-08-07{x}": "任一项" for x in "abcd"},
    **{f"CONST-2024-11-02{x}": "逗号并列" for x in "abc"}, **{f"CONST-2024-11-04{x}": "任一类" for x in "abcd"},
    **{f"CONST-2024-13-05{x}": "顿号并列" for x in "ab"},
}


def test_the_readings_list_is_complete(doc):
    assert {r.id for r in doc.rules if r.unverified} == set(READINGS)


@pytest.mark.parametrize("rule_id,reading", sorted(READINGS.items()))
def test_our_readings_are_marked_beside_the_single_source(kb, rule_id, reading):
    _, rule = kb.rules[rule_id]
    assert rule.unverified and "单一来源" in rule.unverified and reading in rule.unverified, rule_id
