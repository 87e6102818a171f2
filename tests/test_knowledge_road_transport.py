"""ROAD-TRANSPORT-2023 (道路运输企业和城市客运企业安全生产重大事故隐患判定标准（试行）), partial: the
clauses we have are quoted exactly from ../shared, each encoded item has a rule, and the parts not
obtained are registered as missing (never silently absent)."""

from __future__ import annotations

import pytest
import yaml

from engine import knowledge

DOC_ID = "ROAD-TRANSPORT-2023"


@pytest.fixture(scope="module")
def doc():
    return knowledge.load().documents[DOC_ID]


@pytest.fixture(scope="module")
def shared_doc(shared_criteria):
    data = yaml.safe_load((shared_criteria / "road_transport.yaml").read_text(encoding="utf-8"))
    return next(d for d in data["documents"] if d["id"] == DOC_ID)


def test_clause_texts_equal_shared_text(doc, shared_doc):
    texts = {}
    for article in shared_doc["articles"]:
        texts[article["no"]] = article["lead"]
        for item in article["items"]:
            texts[article["no"] + item["no"]] = item["text"]
    encoded = {c.no: c.text for c in doc.clauses if c.status != "missing"}
    assert encoded == texts


def test_missing_parts_are_registered_and_warned(doc):
    missing = {c.no for c in doc.clauses if c.status == "missing"}
    assert {"第一条", "第二条", "第四条其余各项", "第五条及以后各条"} <= missing
    assert doc.coverage_note and "部分取得" in doc.coverage_note


def test_every_encoded_item_has_a_rule(doc):
    cited = {r.clause for r in doc.rules if r.then.kind == "major_hazard"}
    encoded = {c.no for c in doc.clauses if c.status == "encoded"}
    assert encoded == cited
    assert encoded == {"第三条(一)", "第三条(二)", "第三条(三)", "第三条(四)", "第四条(一)"}
