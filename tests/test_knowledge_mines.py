"""COAL-2026 (应急管理部令第21号) against the shared transcription: every clause text is quoted
exactly, every one of the 123 first-level items of 第四条–第二十条 is cited by a rule (directly or
through one of its sub-items), and the document is scoped to coal mines."""

from __future__ import annotations

import pytest
import yaml

from engine import knowledge, logic

DOC_ID = "COAL-2026"


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


@pytest.fixture(scope="module")
def doc(kb):
    return kb.documents[DOC_ID]


@pytest.fixture(scope="module")
def shared_doc(shared_criteria):
    data = yaml.safe_load((shared_criteria / "mines.yaml").read_text(encoding="utf-8"))
    return next(d for d in data["documents"] if d["id"] == DOC_ID)


def _shared_clauses(shared_doc) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Clause number -> exact text (articles, items, sub-items), and first-level item -> itself
    plus all its sub-item numbers."""
    texts: dict[str, str] = {}
    families: dict[str, set[str]] = {}

    def walk(items, prefix, family):
        for item in items:
            no = prefix + item["no"]
            texts[no] = item["text"]
            family.add(no)
            walk(item.get("subitems") or [], no, family)

    for article in shared_doc["articles"]:
        texts[article["no"]] = article["lead"]
        for item in article["items"]:
            family: set[str] = set()
            walk([item], article["no"], family)
            if article["no"] not in ("第三条",):
                families[article["no"] + item["no"]] = family
    return texts, families


def test_clause_texts_equal_shared_text(doc, shared_doc):
    texts, _ = _shared_clauses(shared_doc)
    encoded = {c.no: c.text for c in doc.clauses}
    assert set(encoded) == set(texts), (
        f"缺少条款 {sorted(set(texts) - set(encoded))}；多出条款 {sorted(set(encoded) - set(texts))}")
    wrong = {no: (encoded[no], texts[no]) for no in texts if encoded[no] != texts[no]}
    assert not wrong, f"条文与 ../shared/criteria/mines.yaml 不一致：{wrong}"


def test_every_first_level_item_is_cited(doc, shared_doc):
    _, families = _shared_clauses(shared_doc)
    assert len(families) == shared_doc["first_level_item_count"] == 123
    cited = {r.clause for r in doc.rules if r.then.kind == "major_hazard"}
    uncited = sorted(item for item, family in families.items() if not family & cited)
    assert not uncited, f"以下一级项没有任何规则引用（本项或其子项）：{uncited}"


def test_every_encoded_leaf_clause_has_a_rule_and_leads_are_marked(doc, shared_doc):
    texts, families = _shared_clauses(shared_doc)
    cited = {r.clause for r in doc.rules}
    for clause in doc.clauses:
        if clause.status == "encoded":
            assert clause.no in cited, clause.no
        else:
            assert clause.status == "not_a_criterion" and clause.reason, (clause.no, clause.status)
            assert clause.no not in cited, clause.no
    # only the articles' leads, 第一条–第三条, 第二十一条 and lead-in items are not criteria
    leads = {no for no in texts if not any(no in fam for fam in families.values())}
    lead_ins = {no for fam in families.values() for no in fam
                if any(other != no and other.startswith(no) for other in fam)}
    assert {c.no for c in doc.clauses if c.status != "encoded"} == leads | lead_ins


def test_metadata_and_scope(doc):
    assert (doc.number, str(doc.effective), str(doc.published)) == ("应急管理部令第21号", "2026-07-01", "2026-05-24")
    assert doc.source == "../shared/criteria/mines.yaml#COAL-2026"
    scope = logic.parse(doc.scope)
    assert isinstance(scope, logic.Leaf) and (scope.fact, scope.op, scope.value) == ("mine_kind", "is", "煤矿")


def test_numeric_facts_have_units_and_bounds(kb, doc):
    facts = kb.sectors["mines"].facts
    used = {leaf.fact for r in doc.rules for node in [r.condition] + ([r.defeater] if r.unless is not None else [])
            for leaf in logic.leaves(node)}
    for fid in sorted(used):
        fact = facts[fid]
        assert fact.question and fact.label, fid
        if fact.type == "number":
            assert fact.unit and fact.min is not None and fact.max is not None, fid
        assert fact.phrases, f"{fid} 没有自由文本短语"
