"""SE-GB45067-2024 (GB 45067-2024 特种设备重大事故隐患判定准则, chapter 4) against the shared
transcription: every clause text is quoted exactly, every one of the 47 lettered items is cited by a
major-hazard rule (4.1 d), a cross-reference to 4.2～4.10, is marked not_a_criterion with its reason),
chapters 1–3 are registered as missing, and each item applies only to its equipment category."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from engine import knowledge, logic
from engine.judge import judge

DOC_ID = "SE-GB45067-2024"
DAY = dt.date(2026, 8, 1)


@pytest.fixture(scope="module")
def doc():
    return knowledge.load().documents[DOC_ID]


@pytest.fixture(scope="module")
def shared_doc(shared_criteria):
    data = yaml.safe_load((shared_criteria / "special_equipment.yaml").read_text(encoding="utf-8"))
    return next(d for d in data["documents"] if d["id"] == DOC_ID)


def _shared_texts(shared_doc) -> dict[str, str]:
    texts = {}
    for clause in shared_doc["clauses"]:
        texts[clause["no"]] = clause["lead"]
        for item in clause["items"]:
            texts[f'{clause["no"]} {item["no"]}'] = item["text"]
    return texts


def test_clause_texts_equal_shared_text(doc, shared_doc):
    texts = _shared_texts(shared_doc)
    encoded = {c.no: c.text for c in doc.clauses if c.status != "missing"}
    assert set(encoded) == set(texts), (
        f"缺少条款 {sorted(set(texts) - set(encoded))}；多出条款 {sorted(set(encoded) - set(texts))}")
    wrong = {no: (encoded[no], texts[no]) for no in texts if encoded[no] != texts[no]}
    assert not wrong, f"条文与 ../shared/criteria/special_equipment.yaml 不一致：{wrong}"


def test_chapters_one_to_three_are_registered_missing(doc):
    missing = {c.no: c for c in doc.clauses if c.status == "missing"}
    assert set(missing) == {"1", "2", "3"}
    assert all(c.reason for c in missing.values())


def test_every_item_has_a_rule(doc, shared_doc):
    items = [f'{c["no"]} {i["no"]}' for c in shared_doc["clauses"] for i in c["items"]]
    assert len(items) == shared_doc["item_count"] == 47
    cited = {r.clause for r in doc.rules if r.then.kind == "major_hazard"}
    uncited = [i for i in items if i not in cited]
    assert uncited == ["4.1 d)"]
    cross = next(c for c in doc.clauses if c.no == "4.1 d)")
    assert cross.status == "not_a_criterion" and "转致" in cross.reason


def test_category_items_test_their_category(doc):
    """Every rule of 4.2–4.4 and 4.6–4.10 names the equipment category its clause is about."""
    lead_category = {"4.2": "锅炉", "4.3": "压力容器", "4.4": "压力管道", "4.6": "电梯", "4.7": "起重机械",
                     "4.8": "客运索道", "4.9": "大型游乐设施", "4.10": "场（厂）内专用机动车辆"}
    for rule in doc.rules:
        head = rule.clause.split(" ")[0]
        if head in lead_category:
            cats = [leaf.value for leaf in logic.leaves(rule.condition) if leaf.fact == "equipment_category"]
            assert cats == [lead_category[head]], rule.id


def test_same_defect_on_another_category_is_not_judged_under_it():
    facts = {"still_in_use": True, "inspection_conclusion": "不合格"}
    lift = judge("special_equipment", {**facts, "equipment_category": "电梯"}, as_of=DAY)
    boiler = judge("special_equipment", {**facts, "equipment_category": "锅炉"}, as_of=DAY)
    assert lift.verdict == "major" and boiler.verdict == "not_major"


def test_single_source_mark_reaches_every_clause(doc):
    assert all("单一来源" in (c.unverified or "") for c in doc.clauses if c.status != "missing")
