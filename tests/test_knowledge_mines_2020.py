"""Mines knowledge (COAL-2020, NONCOAL-2022, NONCOAL-2024-SUPP) against ../shared/criteria/mines.yaml:
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

def noncoal_texts(shared) -> dict[str, str | None]:
    """一（一）1 → text; leads and items too (None where the source has no text)."""
    out: dict[str, str | None] = {}
    for article in shared["articles"]:
        section = article["no"].split("、")[0]  # 一 / 二 / 三
        for item in article.get("items") or []:
            out[f"{section}{item['no']}"] = item.get("text")
            for sub in item.get("subitems") or []:
                out[f"{section}{item['no']}{sub['no'].rstrip('.．')}"] = sub.get("text")
    return out


def coal2020_texts(shared) -> dict[str, str | None]:
    """第四条（一） → text; 第四条 → its lead (None where not seen)."""
    out: dict[str, str | None] = {}
    for article in shared["articles"]:
        out[article["no"]] = article.get("lead")
        for item in article.get("items") or []:
            out[f"{article['no']}{item['no']}"] = item.get("text")
    return out


# ---- NONCOAL-2022 ----

def test_noncoal_metadata(kb, shared_docs):
    doc, src = _doc(kb, "NONCOAL-2022"), shared_docs["NONCOAL-2022"]
    assert (doc.title, doc.number) == (src["title"], src["number"])
    assert doc.effective == dt.date.fromisoformat(src["effective"])
    assert doc.published == dt.date.fromisoformat(src["published"])
    assert doc.scope == {"fact": "mine_kind", "is": "金属非金属矿山"}


def test_noncoal_clause_texts_exact(kb, shared_docs):
    shared = noncoal_texts(shared_docs["NONCOAL-2022"])
    doc = _doc(kb, "NONCOAL-2022")
    checked = 0
    for clause in doc.clauses:
        if clause.text is None:
            assert clause.status == "missing", clause.no
            continue
        assert clause.no in shared, f"条款 {clause.no} 在共享转录中找不到对应编号"
        assert clause.text == shared[clause.no], f"条款 {clause.no} 与共享条文不一致"
        checked += 1
    assert checked >= 30


def test_noncoal_every_transcribed_item_is_listed(kb, shared_docs):
    shared = noncoal_texts(shared_docs["NONCOAL-2022"])
    doc = _doc(kb, "NONCOAL-2022")
    for no, text in shared.items():
        clause = doc.clause(no)
        assert clause is not None, f"共享转录中的 {no} 未列入知识库"
        complete = text and not text.endswith("…")
        is_lead = bool(text) and re.search(r"下列(情形|行为)之一的：$", text) is not None
        if complete and not is_lead:
            assert clause.status == "encoded", f"{no} 有完整条文，应编码"
        if text and text.endswith("…"):
            assert clause.status == "missing", f"{no} 条文截断，应标为 missing"


def test_noncoal_restored_characters_are_flagged(kb):
    doc = _doc(kb, "NONCOAL-2022")
    for clause in doc.clauses:
        if clause.text and re.search(r"\[[^\]]+\]", clause.text):
            assert clause.unverified, f"{clause.no} 含转录者补全的字，须标 unverified"


def test_noncoal_tailings_section_registered_missing(kb):
    clause = _doc(kb, "NONCOAL-2022").clause("三")
    assert clause is not None and clause.status == "missing" and "尾矿库" in clause.reason


def test_noncoal_supplement_registered_not_encoded(kb, shared_docs):
    doc, src = _doc(kb, "NONCOAL-2024-SUPP"), shared_docs["NONCOAL-2024-SUPP"]
    assert (doc.title, doc.number) == (src["title"], src["number"])
    assert doc.status == "not_encoded" and not doc.rules
    assert src["effective"] is None and "假定" in doc.status_note  # the date is an assumption, and says so
