"""ITRADE-2023 (工贸企业重大事故隐患判定标准, 应急管理部令第10号) against the shared transcription:
every clause text is quoted exactly, every one of the 64 items of 第三条–第十三条 has a rule,
第十四条 is encoded, single-source items carry an `unverified` mark that the judgement repeats as a
warning, and the industry and special-topic articles only apply to their own enterprises."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from engine import knowledge, logic
from engine.judge import judge

DOC_ID = "ITRADE-2023"
DAY = dt.date(2026, 11, 28)
INDUSTRY_ARTICLES = {"第四条": "冶金", "第五条": "有色", "第六条": "建材", "第七条": "机械",
                     "第八条": "轻工", "第九条": "纺织", "第十条": "烟草"}
TOPIC_ARTICLES = {"第十一条": "dust_explosion_risk", "第十二条": "ammonia_refrigeration",
                  "第十三条": "confined_space_toxic"}


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


@pytest.fixture(scope="module")
def doc(kb):
    return kb.documents[DOC_ID]


@pytest.fixture(scope="module")
def sector(kb):
    return kb.sectors["industry_trade"]


@pytest.fixture(scope="module")
def shared_doc(shared_criteria):
    data = yaml.safe_load((shared_criteria / "industry_trade.yaml").read_text(encoding="utf-8"))
    return next(d for d in data["documents"] if d["id"] == DOC_ID)


def _shared_items(shared_doc) -> dict[str, dict]:
    """Item number (第三条（一）) -> the shared item record, for 第三条–第十三条."""
    return {a["no"] + it["no"]: it for a in shared_doc["articles"] for it in a.get("items") or []}


def _article(clause_no: str) -> str:
    return clause_no.split("（")[0]


def test_clause_texts_equal_shared_text(doc, shared_doc):
    texts = {a["no"]: a["lead"] for a in shared_doc["articles"]}
    texts.update({no: it["text"] for no, it in _shared_items(shared_doc).items()})
    encoded = {c.no: c.text for c in doc.clauses}
    assert set(encoded) == set(texts), (
        f"缺少条款 {sorted(set(texts) - set(encoded))}；多出条款 {sorted(set(encoded) - set(texts))}")
    wrong = {no: (encoded[no], texts[no]) for no in texts if encoded[no] != texts[no]}
    assert not wrong, f"条文与 ../shared/criteria/industry_trade.yaml 不一致：{wrong}"


def test_all_64_items_and_article_14_have_a_rule(doc, shared_doc):
    items = _shared_items(shared_doc)
    assert len(items) == 64
    cited = {r.clause for r in doc.rules if r.then.kind == "major_hazard"}
    assert sorted(set(items) - cited) == [], "以下各项没有规则"
    assert "第十四条" in cited
    for clause in doc.clauses:
        if clause.no in items or clause.no == "第十四条":
            assert clause.status == "encoded", clause.no
        else:  # article leads, 第一条, 第二条, 第十五条
            assert clause.status == "not_a_criterion" and clause.reason, clause.no
            assert clause.no not in cited, clause.no


def test_every_situation_is_part_of_its_clause_and_alternatives_get_own_rules(doc):
    by_clause: dict[str, list] = {}
    for r in doc.rules:
        text = doc.clause(r.clause).text
        assert r.situation and r.situation in text, r.id
        by_clause.setdefault(r.clause, []).append(r)
    # an item naming alternatives with “或者” has one rule per alternative (at least as many as 或者 + 1),
    # except where 或者 joins parts of one situation (第七条（一） 吊运跨或者浇注跨, 第七条（六） 密闭或者半密闭空间,
    # 第九条（一） 隔开或者单独设置)
    one_situation = {"第七条（一）", "第七条（六）", "第九条（一）"}
    for no, rules in by_clause.items():
        text = doc.clause(no).text
        if no not in one_situation and no != "第十四条":
            assert len(rules) >= text.count("或者") + 1, (no, [r.id for r in rules])


def test_single_source_items_are_marked_and_repeated_as_warning(kb, doc, sector, shared_doc):
    items = _shared_items(shared_doc)
    single = {no for no, it in items.items() if len(it.get("verified_by") or []) == 1}
    assert len(single) == 25
    for no in items:
        clause = doc.clause(no)
        assert bool(clause.unverified) == (no in single), no
    # the judgement repeats the mark: one situation of each single-source item, made to hold
    for no in sorted(single):
        rule = next(r for r in doc.rules if r.clause == no)
        facts = _satisfying(rule, sector)
        result = judge("industry_trade", facts, DAY, kb=kb)
        assert rule.id in [h.rule_id for h in result.hazards], (rule.id, result.verdict)
        mark = rule.unverified or doc.clause(no).unverified
        assert any(mark in w for w in result.warnings), (rule.id, result.warnings)


def test_multi_source_items_give_no_unverified_warning(kb, doc, sector, shared_doc):
    items = _shared_items(shared_doc)
    multi = [no for no, it in items.items() if len(it.get("verified_by") or []) > 1]
    for no in multi:
        rule = next(r for r in doc.rules if r.clause == no)
        if rule.unverified:  # a reading of ours, marked on the rule
            continue
        result = judge("industry_trade", _satisfying(rule, sector), DAY, kb=kb)
        assert rule.id in [h.rule_id for h in result.hazards], rule.id
        assert not any("未经充分核实" in w for w in result.warnings), (rule.id, result.warnings)


def test_industry_and_topic_articles_need_their_enterprise(doc, sector):
    for rule in doc.rules:
        leaves = {(leaf.fact, leaf.op, leaf.value) for leaf in logic.leaves(rule.condition)}
        article = _article(rule.clause)
        if article in INDUSTRY_ARTICLES:
            assert ("itrade_industry", "is", INDUSTRY_ARTICLES[article]) in leaves, rule.id
        elif article in TOPIC_ARTICLES:
            assert (TOPIC_ARTICLES[article], "is", True) in leaves, rule.id
            assert not any(f == "itrade_industry" for f, _, _ in leaves), rule.id
        else:  # 第三条, 第十四条: every 工贸 enterprise
            assert not any(f == "itrade_industry" for f, _, _ in leaves), rule.id
    scope_facts = {fid for fid, f in sector.facts.items() if f.scope}
    assert {"itrade_industry", "dust_explosion_risk", "ammonia_refrigeration", "confined_space_toxic"} <= scope_facts
    scope = logic.parse(doc.scope)
    assert isinstance(scope, logic.Leaf) and (scope.fact, scope.op) == ("itrade_industry", "not_in")
    assert set(sector.facts["itrade_industry"].values) >= {"冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸"}


def test_every_rule_is_major_under_its_industry_and_not_under_another(kb, doc, sector):
    for rule in doc.rules:
        article = _article(rule.clause)
        if article not in INDUSTRY_ARTICLES:
            continue
        facts = _satisfying(rule, sector)
        assert rule.id in [h.rule_id for h in judge("industry_trade", facts, DAY, kb=kb).hazards], rule.id
        other = "商贸" if INDUSTRY_ARTICLES[article] != "商贸" else "冶金"
        result = judge("industry_trade", {**facts, "itrade_industry": other}, DAY, kb=kb, complete=True)
        assert all(_article(h.clause) != article for h in result.hazards), (rule.id, [h.rule_id for h in result.hazards])


def test_exceptions_are_marked_as_exceptions(doc):
    exceptions = {r.clause for r in doc.rules if r.unless is not None}
    assert exceptions == {"第五条（三）", "第五条（四）", "第六条（五）", "第八条（四）"}
    for r in doc.rules:
        if r.unless is not None:
            assert r.unless_kind == "exception" and "除外" in doc.clause(r.clause).text, r.id


def test_thresholds_follow_the_documents_words(doc):
    ops = {(r.clause, leaf.fact, leaf.op, leaf.value) for r in doc.rules for leaf in logic.leaves(r.condition)
           if leaf.op in ("ge", "gt", "le", "lt")}
    assert ops == {("第四条（八）", "gas_drain_seal_pressure", "lt", 30), ("第五条（十三）", "gas_drain_seal_pressure", "lt", 30),
                   ("第十二条（二）", "nh3_freezer_room_workers", "gt", 9)}


def test_facts_have_questions_phrases_units(doc, sector):
    used = {leaf.fact for r in doc.rules for node in [r.condition] + ([r.defeater] if r.unless is not None else [])
            for leaf in logic.leaves(node)}
    assert used <= set(sector.facts)
    for fid in sorted(used | {"itrade_industry"}):
        fact = sector.facts[fid]
        assert fact.question.endswith("？") and fact.label, fid
        assert fact.phrases, f"{fid} 没有自由文本短语"
        if fact.type == "number":
            assert fact.unit and fact.min is not None and fact.max is not None, fid


def test_gas_items_are_judged_here_and_only_registered_in_gas(kb, doc):
    refs = kb.documents["ITRADE-2023-GAS-REFS"]
    assert refs.status == "not_encoded" and not refs.rules
    for clause in refs.clauses:
        if clause.no == "第二条":
            continue
        assert any(r.clause == clause.no for r in doc.rules), clause.no
        assert "工贸" in clause.reason and "不重复判定" in clause.reason, clause.no
    assert "industry_trade" in refs.status_note
    assert "建城规〔2023〕4号" in doc.coverage_note and "GB 45067-2024" in doc.coverage_note


def _satisfying(rule, sector) -> dict:
    """Facts (by id) under which `rule`'s situation holds for an enterprise it applies to; a 除外
    exception is answered “not the case”."""
    facts: dict = {}

    def walk(node):
        if isinstance(node, logic.Leaf):
            value = node.value
            if node.op == "in":
                value = node.value[0]
            elif node.op == "lt":
                value = node.value - 1
            elif node.op == "gt":
                value = node.value + 1
            elif node.op != "is":
                raise AssertionError(f"{rule.id}: unexpected op {node.op}")
            facts[node.fact] = value
        else:
            for child in node.children:
                walk(child)

    walk(rule.condition)
    facts.setdefault("itrade_industry", "商贸")
    if rule.unless is not None:
        leaf = rule.defeater
        assert isinstance(leaf, logic.Leaf) and leaf.op == "is" and leaf.value is True
        facts[leaf.fact] = False
    return facts
