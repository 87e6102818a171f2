"""FIREWORKS-2017 (安监总管三〔2017〕121号（烟花爆竹部分）) against ../shared/criteria: every clause
text character for character, the metadata, the recorded gaps, and that every clause and
situation is encoded and exercised by a scenario."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from engine import knowledge, logic
from engine.errors import KnowledgeError
from engine.model import Document

ROOT = Path(__file__).resolve().parent.parent
SECTOR_DIR = ROOT / "knowledge" / "fireworks"
DOC_FILE = SECTOR_DIR / "FIREWORKS-2017.yaml"
FEATURES = ROOT / "features" / "fireworks"
NUMBERS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split()


def _doc_data() -> dict:
    return knowledge.read_yaml_text(DOC_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def doc() -> Document:
    return Document.model_validate(_doc_data())


@pytest.fixture(scope="module")
def shared_doc(shared_criteria) -> dict:
    data = yaml.safe_load((shared_criteria / "chemicals.yaml").read_text(encoding="utf-8"))
    found = [d for d in data["documents"] if d["id"] == "FIREWORKS-2017"]
    assert len(found) == 1, "shared/criteria/chemicals.yaml 中应有且只有一个 FIREWORKS-2017"
    return found[0]


def text_mismatches(clauses: list[tuple[str, str | None]], shared_clauses: list[dict]) -> list[str]:
    """Differences between encoded (no, text) pairs and the shared clauses, in order."""
    problems = []
    ours = [no for no, _ in clauses]
    theirs = [str(c["no"]) for c in shared_clauses]
    if ours != theirs:
        problems.append(f"条款编号或顺序不同：{ours} ≠ {theirs}")
    by_no = {str(c["no"]): c.get("text") for c in shared_clauses}
    for no, text in clauses:
        if no in by_no and text != by_no[no]:
            problems.append(f"条款 {no}：{text!r} ≠ {by_no[no]!r}")
    return problems


# ---- the text --------------------------------------------------------------------------

def test_every_clause_text_equals_the_shared_text(doc, shared_doc):
    assert len(shared_doc["clauses"]) == shared_doc["clause_count"] == 20
    assert text_mismatches([(c.no, c.text) for c in doc.clauses], shared_doc["clauses"]) == []


def test_the_comparison_catches_a_one_character_change(doc, shared_doc):
    clauses = [(c.no, c.text) for c in doc.clauses]
    no, text = clauses[18]
    clauses[18] = (no, text.replace("其它", "其他"))
    assert text_mismatches(clauses, shared_doc["clauses"]) == [
        f"条款 十九：{clauses[18][1]!r} ≠ {text!r}"]
    assert text_mismatches(clauses[:-1], shared_doc["clauses"])  # a missing clause is caught too


def test_metadata_matches_the_shared_file(doc, shared_doc):
    assert doc.id == shared_doc["id"]
    assert doc.sector == "fireworks"
    assert doc.title == shared_doc["title"]
    assert doc.number == shared_doc["number"]
    assert doc.issuer == shared_doc["issuer"]
    assert str(doc.published) == shared_doc["published"]
    assert doc.source == "../shared/criteria/chemicals.yaml#FIREWORKS-2017"


def test_effective_date_is_the_publication_date_and_says_so(doc, shared_doc):
    assert shared_doc["effective"] is None  # the notice sets none
    assert doc.effective == doc.published
    assert doc.effective_note and "未单列实施日期" in doc.effective_note
    assert doc.expires is None and doc.replaces is None


def test_gaps_are_recorded_not_filled(doc, shared_doc):
    assert shared_doc["preamble"] is None and doc.preamble is None  # preamble not seen in any source
    assert "numbering_note" in shared_doc
    assert doc.status_note and "编号" in doc.status_note and "引导语" in doc.status_note
    for clause in doc.clauses:
        assert clause.unverified and "官方编号样式未见" in clause.unverified, clause.no
    nineteen = doc.clause("十九")
    assert "其它" in nineteen.text and "其他" not in nineteen.text
    assert "其它" in nineteen.unverified


# ---- rules -----------------------------------------------------------------------------

def test_every_clause_is_encoded_with_at_least_one_rule(doc):
    assert [c.no for c in doc.clauses] == NUMBERS
    clauses_with_rules = {r.clause for r in doc.rules}
    for clause in doc.clauses:
        assert clause.status == "encoded", clause.no
        assert clause.no in clauses_with_rules, f"条款 {clause.no} 没有规则"


def test_every_rule_quotes_its_situation_from_the_clause(doc):
    for rule in doc.rules:
        assert rule.situation, rule.id
        assert rule.situation in doc.clause(rule.clause).text, rule.id
        assert rule.then.kind == "major_hazard", rule.id


def test_clauses_naming_several_situations_have_one_rule_each(doc):
    counts = {no: sum(r.clause == no for r in doc.rules) for no in NUMBERS}
    expected = {"一": 2, "二": 2, "六": 4, "七": 6, "八": 2, "九": 2, "十": 3, "十一": 3, "十三": 2,
                "十四": 6, "十五": 3, "十七": 2, "十八": 4, "十九": 3, "二十": 2}
    assert counts == {no: expected.get(no, 1) for no in NUMBERS}


def test_the_sector_loads_on_its_own(tmp_path):
    shutil.copytree(SECTOR_DIR, tmp_path / "fireworks")
    kb = knowledge.load(tmp_path)
    sector = kb.sectors["fireworks"]
    assert sector.label == "烟花爆竹"
    assert [d.id for d in sector.documents] == ["FIREWORKS-2017"]


def test_a_misquoted_situation_is_rejected(tmp_path):
    shutil.copytree(SECTOR_DIR, tmp_path / "fireworks")
    path = tmp_path / "fireworks" / "FIREWORKS-2017.yaml"
    text = path.read_text(encoding="utf-8")
    assert "situation: 在零售场所使用明火\n" in text
    path.write_text(text.replace("situation: 在零售场所使用明火\n", "situation: 在零售场所使用火源\n"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="FIREWORKS-2017-20b"):
        knowledge.load(tmp_path)


# ---- vocabulary ------------------------------------------------------------------------

def test_every_fact_has_a_question_and_phrases_and_is_used(doc):
    vocab = knowledge.read_yaml_text((SECTOR_DIR / "vocabulary.yaml").read_text(encoding="utf-8"))
    assert vocab["sector"] == "fireworks" and vocab["label"] == "烟花爆竹"
    used = {leaf.fact for r in doc.rules for leaf in logic.leaves(r.condition)}
    ids = set()
    for fact in vocab["facts"]:
        ids.add(fact["id"])
        assert fact["label"] and "？" in fact["question"], fact["id"]
        assert fact["phrases"], fact["id"]
        allowed = {"true", "false"} if fact["type"] == "bool" else set(fact.get("values") or [])
        assert set(fact["phrases"]) <= allowed, fact["id"]
        assert fact["id"] in used, f"事实 {fact['id']} 未被任何规则使用"
    assert used <= ids


# ---- scenarios -------------------------------------------------------------------------

def _feature_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(FEATURES.glob("*.feature")))


def test_every_rule_has_a_major_hazard_scenario(doc):
    text = _feature_text()
    missing = [r.id for r in doc.rules if not re.search(rf"(引用规则 \"|\| ){re.escape(r.id)}( \||\")", text)]
    assert missing == []


def test_every_clause_has_a_near_miss_scenario(doc):
    text = (FEATURES / "fw2017_near_miss.feature").read_text(encoding="utf-8")
    assert '未构成的情形包括条款 "<条款>"' in text
    missing = [no for no in NUMBERS if f"| {no} |" not in text and f'未构成的情形包括条款 "{no}"' not in text]
    assert missing == []


def test_there_is_an_insufficient_information_scenario_with_its_question():
    text = (FEATURES / "fw2017_insufficient.feature").read_text(encoding="utf-8")
    assert '结论为 "信息不足"' in text and "首个问题为" in text
