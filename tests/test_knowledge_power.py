"""POWER-NDRC41-2026 (国家发展改革委令2026年第41号) against the shared transcription: every clause
text is quoted exactly, every one of the 49 judgement items (48 numbered items of 第五条–第十三条
plus the catch-all 第十四条) is cited by a major-hazard rule, the single-source mark reaches the
judgement, and thresholds follow the document's own 第三十五条 (“超过” includes the number)."""

from __future__ import annotations

import pytest
import yaml

from engine import knowledge, logic

DOC_ID = "POWER-NDRC41-2026"
JUDGEMENT_ARTICLES = ["第五条", "第六条", "第七条", "第八条", "第九条", "第十条", "第十一条", "第十二条", "第十三条"]


@pytest.fixture(scope="module")
def doc():
    return knowledge.load().documents[DOC_ID]


@pytest.fixture(scope="module")
def shared_doc(shared_criteria):
    data = yaml.safe_load((shared_criteria / "power.yaml").read_text(encoding="utf-8"))
    return next(d for d in data["documents"] if d["id"] == DOC_ID)


def _shared_texts(shared_doc) -> dict[str, str]:
    texts = {}
    for article in shared_doc["articles"]:
        texts[article["no"]] = article["lead"]
        for item in article.get("items") or []:
            texts[article["no"] + item["no"]] = item["text"]
    return texts


def test_clause_texts_equal_shared_text(doc, shared_doc):
    texts = _shared_texts(shared_doc)
    encoded = {c.no: c.text for c in doc.clauses}
    assert set(encoded) == set(texts), (
        f"缺少条款 {sorted(set(texts) - set(encoded))}；多出条款 {sorted(set(encoded) - set(texts))}")
    wrong = {no: (encoded[no], texts[no]) for no in texts if encoded[no] != texts[no]}
    assert not wrong, f"条文与 ../shared/criteria/power.yaml 不一致：{wrong}"


def test_every_judgement_item_has_a_major_hazard_rule(doc, shared_doc):
    items = [a["no"] + i["no"] for a in shared_doc["articles"] if a["no"] in JUDGEMENT_ARTICLES
             for i in a["items"]] + ["第十四条"]
    assert len(items) == shared_doc["judgement_item_count"] == 49
    cited = {r.clause for r in doc.rules if r.then.kind == "major_hazard"}
    assert not [i for i in items if i not in cited]


def test_other_clauses_are_marked_not_a_criterion_with_a_reason(doc):
    cited = {r.clause for r in doc.rules}
    for clause in doc.clauses:
        if clause.status == "encoded":
            assert clause.no in cited, clause.no
        else:
            assert clause.status == "not_a_criterion" and clause.reason, clause.no
            assert clause.no not in cited


def test_every_clause_carries_the_single_source_mark(doc):
    assert all(c.unverified and "单一来源" in c.unverified for c in doc.clauses)


def test_no_threshold_excludes_its_number(doc):
    """第三十五条: 以上、超过 include the number; 以下 excludes it. So only ge and lt may appear."""
    ops = {leaf.op for r in doc.rules for leaf in logic.leaves(r.condition)
           if leaf.op in ("gt", "ge", "lt", "le")}
    assert ops <= {"ge", "lt"} and "ge" in ops and "lt" in ops, ops
    for rule in doc.rules:
        if any(leaf.op == "ge" for leaf in logic.leaves(rule.condition)) and "超过" in rule.situation:
            assert "第三十五条" in (rule.note or ""), rule.id


def test_exceeding_means_reaching_in_this_document():
    import datetime as dt

    from engine.judge import judge
    base = {"current_kind": "直流", "voltage_kv": 800}
    at = judge("power", {**base, "acetylene_weekly_increase": 2}, as_of=dt.date(2026, 8, 1))
    below = judge("power", {**base, "acetylene_weekly_increase": 1.99}, as_of=dt.date(2026, 8, 1))
    assert at.verdict == "major" and below.verdict == "not_major"
