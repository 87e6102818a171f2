"""GB 35181 (fire) knowledge against ../shared/criteria/fire.yaml: exact clause texts, every gap listed as
missing, unverified marks carried over, the 5.3.3 counting rules and the 5.1.3 exclusions equal to the
shared reading, the editions' dates, and the counting semantics (以上 = at least N, 含本数) through the engine."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import knowledge, logic
from engine.judge import judge

OLD, NEW = "GB35181-2017", "GB35181-2025"
MISSING_TEXT_ELEMENTS = {"7.3.8", "7.3.9", "7.4.5", "7.4.6", "7.9.3"}  # existence confirmed, text a gap


@pytest.fixture(scope="module")
def shared(shared_criteria):
    data = yaml.safe_load((shared_criteria / "fire.yaml").read_text(encoding="utf-8"))
    return {d["id"]: d for d in data["documents"]}, data


@pytest.fixture(scope="module")
def sector():
    return knowledge.default().sectors["fire"]


def _doc(sector, doc_id):
    return next(d for d in sector.documents if d.id == doc_id)


def _sources(clause: dict) -> set[str]:
    """Independent source keys of a shared clause (J2 and J3 are one page, so one source)."""
    keys = set()
    for item in clause.get("verified_by") or []:
        key = re.match(r"[A-Z]+\d*", str(item)).group(0)
        keys.add("J" if key in ("J2", "J3") else key)
    return keys


def _flagged(clause: dict) -> bool:
    """The shared file marks this text or its number as not fully verified."""
    return bool(clause.get("punctuation_reconstructed") or clause.get("number_inferred")
                or clause.get("wording_uncertain") or "SINGLE" in str(clause.get("status", ""))
                or len(_sources(clause)) <= 1)


def _is_gap(clause: dict) -> bool:
    return not clause.get("text") and re.match(r"(GAP|UNKNOWN|PARTIAL|EXISTENCE)", str(clause.get("status", ""))) is not None


@pytest.mark.parametrize("doc_id", [OLD, NEW])
def test_every_encoded_text_equals_the_shared_text(shared, sector, doc_id):
    docs, _ = shared
    theirs = {str(c["no"]): c for c in docs[doc_id]["clauses"]}
    checked = 0
    for clause in _doc(sector, doc_id).clauses:
        if clause.text is None:
            continue
        assert clause.no in theirs, f"{doc_id} 条款 {clause.no} 不在 shared 文件中"
        assert clause.text == theirs[clause.no]["text"], f"{doc_id} 条款 {clause.no} 与 shared 条文不一致"
        checked += 1
    if doc_id == OLD:
        assert checked == sum(1 for c in theirs.values() if c.get("text"))


@pytest.mark.parametrize("doc_id", [OLD, NEW])
def test_every_shared_clause_is_listed_and_every_gap_is_missing(shared, sector, doc_id):
    docs, _ = shared
    ours = {c.no: c for c in _doc(sector, doc_id).clauses}
    for item in docs[doc_id]["clauses"]:
        no = str(item["no"])
        assert no in ours, f"{doc_id} 缺少 shared 所列条款 {no}（不得静默省略）"
        if _is_gap(item):
            assert ours[no].status == "missing", f"{doc_id} 条款 {no} 在 shared 中是缺口，应标为 missing"
            assert ours[no].text is None and ours[no].reason
        if ours[no].status == "missing":
            assert not item.get("text"), f"{doc_id} 条款 {no} 有条文却标为 missing"
    assert len(ours) == len(docs[doc_id]["clauses"]), "本文件的条款应与 shared 一一对应"


def test_unverified_texts_carry_unverified_in_clause_and_rules(shared, sector):
    docs, _ = shared
    doc = _doc(sector, OLD)
    flagged = {str(c["no"]) for c in docs[OLD]["clauses"] if c.get("text") and _flagged(c)}
    assert {"5.3.3", "6.3", "6.6", "6.8", "6.9", "6.10", "7.1.2", "7.3.7", "7.5"} <= flagged
    for no in flagged:
        assert doc.clause(no).unverified, f"条款 {no} 在 shared 中未经充分核实，须写 unverified"
    for rule in doc.rules:
        if doc.clause(rule.clause).unverified:
            assert rule.unverified, f"规则 {rule.id} 依据未经核实的条款 {rule.clause}，须写 unverified"


def _sid(no: str) -> str:
    return no.replace(".", "_")


def test_every_major_hazard_rule_is_defeated_by_the_exclusions_element_by_element(sector):
    """5.1.3 b)/c) (the unit or the hazard as a whole) defeat every major-hazard rule; 5.1.2 and 5.1.3 a)
    apply per element: a direct rule is defeated only by its own element's facts, a counting rule only
    when the elements that stand (neither correctable nor reviewed) fall below its threshold."""
    doc = _doc(sector, OLD)
    majors = [r for r in doc.rules if r.then.kind == "major_hazard"]
    assert len(majors) >= 20
    for rule in majors:
        assert rule.unless is not None and rule.unless_kind == "exception", f"{rule.id} 缺少 5.1.2/5.1.3 除外条件"
        facts = {l.fact for l in logic.leaves(rule.defeater)}
        assert "excluded_5_1_3" in facts, rule.id
        per_element = {f for f in facts if f.startswith(("correctable_", "reviewed_"))}
        if rule.clause.startswith("6."):
            assert facts == {"excluded_5_1_3", f"correctable_{_sid(rule.clause)}", f"reviewed_{_sid(rule.clause)}"}, rule.id
        else:
            counted = {_element_no(l.fact) for l in logic.leaves(rule.condition) if _element_no(l.fact)}
            excepted = {f.split("_", 1)[1].replace("_", ".") for f in per_element}
            assert excepted == {no for no in counted if no not in MISSING_TEXT_ELEMENTS}, rule.id
            # the exception: the count is reached, but not by the elements that stand
            reached, standing = next(c for c in rule.defeater.children if isinstance(c, logic.Gate) and c.kind == "all").children
            counted_gate = next(g for g in rule.condition.children if isinstance(g, logic.Gate) and g.kind == "at_least")
            assert reached == counted_gate, rule.id
            assert standing.kind == "not" and standing.children[0].kind == "at_least"
            assert standing.children[0].threshold == counted_gate.threshold, rule.id
    for fact in sector.facts.values():
        if fact.id.startswith(("correctable_", "reviewed_")):
            assert ("5.1.2" if fact.id.startswith("correctable_") else "5.1.3 a") in fact.label, fact.id


def test_direct_elements_6_1_to_6_10_each_have_major_rules_citing_their_own_number(shared, sector):
    docs, _ = shared
    doc = _doc(sector, OLD)
    reading = docs[OLD]["direct_rule"]["reading"]
    for no in reading["element_numbers"]:
        rules = [r for r in doc.rules if r.clause == no]
        assert rules, f"直接判定要素 {no} 没有规则"
        assert all(r.then.kind == "major_hazard" for r in rules), no
        assert doc.clause(no).status == "encoded"


def test_exclusion_rule_lists_exactly_the_shared_situations(shared, sector):
    docs, _ = shared
    doc = _doc(sector, OLD)
    rule = next(r for r in doc.rules if r.clause == "5.1.3")
    assert rule.then.kind == "derive" and rule.then.fact == "excluded_5_1_3"
    labels = {sector.facts[l.fact].label for l in logic.leaves(rule.condition)}
    reading = docs[OLD]["exclusion_rule"]["reading"]["any_of"]
    # a) is applied per element (its own fact on every element), b) and c) to the unit / hazard as a whole
    assert labels == set(reading[1:])
    assert rule.condition.kind == "any"
    per_element = [f for f in sector.facts.values() if f.id.startswith("reviewed_")]
    assert per_element and all("消防设计专家评审" in f.label and "相应技术措施" in f.label for f in per_element)


def _element_no(fact_id: str) -> str | None:
    m = re.fullmatch(r"el_(\d+(?:_\d+)+)", fact_id)
    return m.group(1).replace("_", ".") if m else None


PREMISES = {"人员密集场所": "crowded_premises", "易燃易爆危险品场所": "hazmat_premises", "重要场所": "important_premises",
            "其他场所": "other_premises"}


def test_counting_rules_equal_the_shared_reading(shared, sector):
    docs, _ = shared
    doc = _doc(sector, OLD)
    chapter7 = {str(c["no"]) for c in docs[OLD]["clauses"]
                if re.fullmatch(r"7\.\d+(\.\d+)?", str(c["no"])) and c.get("text")} | MISSING_TEXT_ELEMENTS
    for item in docs[OLD]["comprehensive_rules"]:
        letter = item["no"].split()[-1].rstrip(")")
        rule = next(r for r in doc.rules if r.id == f"FIRE-2017-5.3.3{letter}")
        assert rule.clause == "5.3.3" and rule.then.kind == "major_hazard"
        assert rule.situation == item["text"].rstrip("；"), rule.id
        reading = item["reading"]
        condition = rule.condition
        gate = next(g for g in condition.children if isinstance(g, logic.Gate) and g.kind == "at_least")
        assert gate.threshold == reading["min_count"] and reading["count_inclusive"], rule.id
        leaves = [c for c in gate.children if isinstance(c, logic.Leaf)]
        assert len(leaves) == len(gate.children)
        counted = {_element_no(l.fact) for l in leaves if _element_no(l.fact)}
        if isinstance(reading["element_numbers"], list):
            assert counted == set(reading["element_numbers"]), rule.id
            assert len(leaves) == len(counted)
        else:  # any element of chapter 7: all known ones plus the not-itemised rest counted by number
            assert counted == chapter7, rule.id
            rest = sorted(l.value for l in leaves if l.fact == "other_chapter7_elements")
            assert rest == list(range(1, gate.threshold + 1)), rule.id
        kinds = reading["premises"] if isinstance(reading["premises"], list) else [reading["premises"]]
        premise_facts = {l.fact for c in condition.children if c is not gate for l in logic.leaves(c)}
        assert premise_facts == {PREMISES[k] for k in kinds}, rule.id


def test_premises_classification_rules_are_unverified_and_cite_5_3_2(sector):
    doc = _doc(sector, OLD)
    for fact in PREMISES.values():
        rules = [r for r in doc.rules if r.then.kind == "derive" and r.then.fact == fact]
        assert len(rules) == 1, fact
        assert rules[0].clause == "5.3.2" and rules[0].unverified, rules[0].id


def test_editions_follow_the_shared_dates(shared, sector):
    docs, data = shared
    old, new = _doc(sector, OLD), _doc(sector, NEW)
    periods = {p["edition"]: p for p in data["meta"]["edition_by_inspection_date"] if "edition" in p and "from" in p}
    assert old.effective == dt.date.fromisoformat(periods[OLD]["from"])
    assert old.expires == dt.date.fromisoformat(periods[OLD]["to"])
    assert new.effective == dt.date.fromisoformat(periods[NEW]["from"]) == dt.date.fromisoformat(docs[NEW]["effective"])
    assert new.published == dt.date.fromisoformat(docs[NEW]["published"])
    assert new.replaces == OLD and new.status == "not_encoded" and not new.rules and new.status_note
    assert new.expires is None and old.expires == new.effective - dt.timedelta(days=1)
    headings = " ".join(new.structure or [])
    for item in docs[NEW]["clauses"]:
        if "title" in item and str(item["no"]) not in ("4.2",):
            title = str(item["title"]).split(" (")[0]
            assert title in headings, f"GB 35181-2025 结构中缺少 {item['no']} {title}"


def test_vocabulary_facts_have_questions_and_phrases(sector):
    assert sector.label == "消防（重大火灾隐患）"
    for fact in sector.facts.values():
        assert fact.question and re.search(r"[\u4e00-\u9fff]", fact.question), fact.id
        if fact.type in ("bool", "enum") and "条文缺失" not in fact.label:
            assert fact.phrases, f"{fact.id} 缺少 phrases"
        for value, phrases in fact.phrases.items():
            allowed = ({"true", "false"} if fact.type == "bool" else {"数值"} if fact.type == "number"
                       else set(fact.values or []))  # 数值: how the text reader finds a number fact
            assert value in allowed and phrases, (fact.id, value)
    missing = [f for f in sector.facts.values() if "条文缺失" in f.label]
    assert {re.search(r"7\.\d+\.\d+", f.label).group(0) for f in missing} == MISSING_TEXT_ELEMENTS
    for fact in missing:
        assert not fact.derived and "正式文本" in fact.question, fact.id


# ---- the counting semantics through the engine: at least N (以上，含本数), per kind of premises ----

A_LIST = ["el_7_3_1", "el_7_3_2", "el_7_3_3", "el_7_3_4", "el_7_3_5", "el_7_3_6", "el_7_3_7", "el_7_3_8",
          "el_7_3_9", "el_7_5", "el_7_9_3"]


def _all_elements(sector) -> list[str]:
    return [f for f in sector.facts if _element_no(f)]


@settings(max_examples=30, deadline=None)
@given(present=st.sets(st.sampled_from(A_LIST)), others=st.integers(0, 3))
def test_rule_a_counts_its_own_elements_at_least_three(present, others):
    sector = knowledge.default().sectors["fire"]
    facts = {f: (f in present) for f in _all_elements(sector)}
    facts.update(premises_use="医院门诊楼、病房楼", other_chapter7_elements=others, excluded_5_1_3=False)
    result = judge("fire", facts, dt.date(2025, 10, 31), complete=True)
    cited = {h.rule_id for h in result.hazards}
    assert ("FIRE-2017-5.3.3a" in cited) == (len(present) >= 3)
    assert ("FIRE-2017-5.3.3c" in cited) == (len(present) + others >= 4)
    assert result.verdict == ("major" if cited else "not_major")


@settings(max_examples=30, deadline=None)
@given(n_listed=st.integers(0, 7), others=st.integers(0, 7), use=st.sampled_from(["住宅", "一般工业厂房", "一般办公场所"]))
def test_rule_d_for_other_premises_needs_six(n_listed, others, use):
    sector = knowledge.default().sectors["fire"]
    elements = _all_elements(sector)
    facts = {f: (i < n_listed) for i, f in enumerate(elements)}
    facts.update(premises_use=use, other_chapter7_elements=others, excluded_5_1_3=False)
    result = judge("fire", facts, dt.date(2025, 10, 31), complete=True)
    cited = {h.rule_id for h in result.hazards}
    assert ("FIRE-2017-5.3.3d" in cited) == (n_listed + others >= 6)
    assert not cited - {"FIRE-2017-5.3.3d"}, cited
    # the same facts after 2025-10-31: never a bare verdict
    later = judge("fire", facts, dt.date(2025, 11, 1), complete=True)
    assert later.verdict == "not_determined" and not later.hazards
    assert later.reference is not None and later.reference.verdict == result.verdict


@settings(max_examples=30, deadline=None)
@given(present=st.sets(st.sampled_from(A_LIST)), corrected=st.sets(st.sampled_from(A_LIST)),
       reviewed=st.sets(st.sampled_from(A_LIST)))
def test_rule_a_counts_only_elements_that_stand(present, corrected, reviewed):
    """5.1.2 / 5.1.3 a) element by element: an element that can be corrected on the spot, or whose deviation
    was reviewed with measures taken, drops out of the count; the others stand."""
    sector = knowledge.default().sectors["fire"]
    facts = {f: (f in present) for f in _all_elements(sector)}
    facts.update(premises_use="医院门诊楼、病房楼", other_chapter7_elements=0, excluded_5_1_3=False)
    dropped = set()
    for el in A_LIST:
        sid = el[3:]
        if f"correctable_{sid}" not in sector.facts:  # text missing: the inspector judges the element as a whole
            continue
        facts[f"correctable_{sid}"] = el in corrected
        facts[f"reviewed_{sid}"] = el in reviewed
        if el in corrected | reviewed:
            dropped.add(el)
    result = judge("fire", facts, dt.date(2025, 10, 31), complete=True)
    cited = {h.rule_id for h in result.hazards}
    standing = present - dropped
    assert ("FIRE-2017-5.3.3a" in cited) == (len(standing) >= 3)
    assert result.verdict == ("major" if len(standing) >= 3 else "not_major"), (present, dropped)
