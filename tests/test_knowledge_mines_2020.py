"""Mines knowledge (COAL-2020) against ../shared/criteria/mines.yaml (non-coal: test_knowledge_noncoal.py):
every clause text is quoted exactly, every transcribed situation is encoded or listed, and the
documents carry the metadata of the source."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from engine import knowledge


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


@pytest.fixture(scope="module")
def shared_docs(shared_criteria):
    data = yaml.safe_load((shared_criteria / "mines.yaml").read_text(encoding="utf-8"))
    return {d["id"]: d for d in data["documents"]}


def _doc(kb, doc_id):
    doc = kb.documents.get(doc_id)
    assert doc is not None, f"知识库中没有 {doc_id}"
    return doc


# ---- how the shared transcription numbers things, mapped to our clause numbers ----

def coal2020_texts(shared) -> dict[str, str | None]:
    """第四条（一） → text; 第四条 → its lead (None where not seen)."""
    out: dict[str, str | None] = {}
    for article in shared["articles"]:
        out[article["no"]] = article.get("lead")
        for item in article.get("items") or []:
            out[f"{article['no']}{item['no']}"] = item.get("text")
    return out


# ---- COAL-2020 ----

ASPECT_OF = dict(zip(
    ["第四条", "第五条", "第六条", "第七条", "第八条", "第九条", "第十条", "第十一条", "第十二条", "第十三条",
     "第十四条", "第十五条", "第十六条", "第十七条", "第十八条"],
    ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）", "（八）", "（九）", "（十）",
     "（十一）", "（十二）", "（十三）", "（十四）", "（十五）"]))


def test_coal2020_metadata_and_edition_chain(kb, shared_docs):
    doc, src = _doc(kb, "COAL-2020"), shared_docs["COAL-2020"]
    assert (doc.title, doc.number) == (src["title"], src["number"]) == ("煤矿重大事故隐患判定标准", "应急管理部令第4号")
    assert doc.published == dt.date.fromisoformat(src["published"])
    assert doc.effective == dt.date.fromisoformat(src["effective"]) == dt.date(2021, 1, 1)
    assert doc.expires == dt.date(2026, 6, 30)
    assert doc.scope == {"fact": "mine_kind", "is": "煤矿"}
    new = _doc(kb, "COAL-2026")
    assert new.replaces == "COAL-2020" and new.effective == doc.expires + dt.timedelta(days=1)


def test_coal2020_clause_texts_exact(kb, shared_docs):
    shared = coal2020_texts(shared_docs["COAL-2020"])
    doc = _doc(kb, "COAL-2020")
    checked = 0
    for clause in doc.clauses:
        if clause.text is None:
            assert clause.status == "missing", clause.no
            assert shared.get(clause.no) is None, f"{clause.no} 在共享转录中有条文，却标为缺失"
            continue
        assert clause.no in shared, f"条款 {clause.no} 在共享转录中找不到对应编号"
        assert clause.text == shared[clause.no], f"条款 {clause.no} 与共享条文不一致"
        checked += 1
    assert checked >= 80 + 15


def test_coal2020_every_transcribed_situation_has_a_rule(kb, shared_docs):
    doc = _doc(kb, "COAL-2020")
    items = [f"{a['no']}{it['no']}" for a in shared_docs["COAL-2020"]["articles"] if a["no"] in ASPECT_OF
             for it in a["items"]]
    assert len(items) == 80  # the transcription has 80 of the 81 情形 the official 解读 counts
    cited = {r.clause for r in doc.rules if r.then.kind == "major_hazard"}
    assert [no for no in items if no not in cited] == []
    for no in items:
        clause = doc.clause(no)
        assert clause.status == "encoded" and clause.unverified, f"{no} 单一来源，须标 unverified"


def test_coal2020_gaps_are_listed(kb, shared_docs):
    doc = _doc(kb, "COAL-2020")
    for article in shared_docs["COAL-2020"]["articles"]:
        clause = doc.clause(article["no"])
        assert clause is not None, f"{article['no']} 未列入"
        if article.get("lead") is None:
            assert clause.status == "missing" and clause.reason
    extra = doc.clause("第十八条（十一）")
    assert extra is not None and extra.status == "missing" and "81" in extra.reason


def test_coal2020_rules_name_their_aspect(kb, shared_docs):
    """The leads of 第五条–第十八条 are missing: each rule names the 第三条 aspect of its article instead."""
    aspects = {f"第三条{it['no']}": it["text"].rstrip("；。")
               for a in shared_docs["COAL-2020"]["articles"] if a["no"] == "第三条" for it in a["items"]}
    for rule in _doc(kb, "COAL-2020").rules:
        article = rule.clause.split("（")[0]
        key = f"第三条{ASPECT_OF[article]}"
        assert rule.note and rule.note.startswith(key + aspects[key]), rule.id


# Legal reading of each numeric threshold, written from the clause text (以上/达到或者超过 include the
# number, 超过/大于/少于/不足/小于 exclude it), not from the YAML.
THRESHOLDS = [
    ("COAL-2020-04-01a", "annual_output_ratio", "ge", 110),  # 超过核定能力“幅度在10%以上”
    ("COAL-2020-04-01b", "c20_monthly_output_ratio", "gt", 10),  # 大于核定能力的10%
    ("COAL-2020-04-04a", "producing_levels", "gt", 2),  # 超过2个
    ("COAL-2020-04-06c", "c20_shift_overstaff_pct", "ge", 20),  # 超过限员规定20%以上
    ("COAL-2020-08-07c", "roadway_advance_sections", "lt", 2),  # 未超前至少2个区段
    ("COAL-2020-13-05", "face_safe_exits", "lt", 2),  # 不能保证2个畅通的安全出口
    ("COAL-2020-18-04c", "seam_gas_pressure", "ge", 0.74),  # 达到或者超过0.74MPa
]


@pytest.mark.parametrize("rule_id,fact,op,value", THRESHOLDS)
def test_numeric_thresholds_follow_the_legal_wording(kb, rule_id, fact, op, value):
    from engine import logic

    _, rule = kb.rules[rule_id]
    leaves = [l for l in logic.leaves(rule.condition) if l.fact == fact]
    assert [(l.op, l.value) for l in leaves] == [(op, value)], rule_id
    assert kb.sectors["mines"].facts[fact].unit, f"{fact} 须带单位"


def test_every_numeric_leaf_of_these_documents_is_listed():
    from engine import logic

    kb = knowledge.load()
    listed = {(r, f) for r, f, _, _ in THRESHOLDS}
    for doc_id in ("COAL-2020",):
        for rule in kb.documents[doc_id].rules:
            for leaf in logic.leaves(rule.condition):
                if kb.sectors["mines"].facts[leaf.fact].type == "number" and leaf.op != "is":
                    assert (rule.id, leaf.fact) in listed, f"{rule.id} 的数值界限 {leaf.fact} 未写入 THRESHOLDS"


def test_every_rule_has_a_major_hazard_scenario(kb):
    """Each COAL-2020 rule is cited by name in some scenario under features/mines."""
    from pathlib import Path

    features = Path(__file__).resolve().parent.parent / "features" / "mines"
    text = "\n".join(p.read_text(encoding="utf-8") for p in features.glob("*.feature"))
    cited = set(re.findall(r'引用规则 "([^"]+)"', text))
    for doc_id in ("COAL-2020",):
        missing = [r.id for r in kb.documents[doc_id].rules if r.id not in cited]
        assert missing == [], f"{doc_id} 无场景的规则：{missing}"
