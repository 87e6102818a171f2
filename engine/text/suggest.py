"""Suggestions for text nothing matched: the nearest clauses by BM25 (rank_bm25) over the clause
texts and rule situations of a sector's documents in force. Suggestions only, never facts."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from rank_bm25 import BM25Okapi

from engine import knowledge
from engine.knowledge import KnowledgeBase
from engine.text.patterns import STOPWORDS


def _tokens(cut, text: str) -> list[str]:
    return [w for w in cut(text) if w.strip() and w not in STOPWORDS and len(w) >= 2]


@lru_cache(maxsize=32)
def _index(kb_version: str, sector_id: str, day: dt.date):
    kb = _KB[kb_version]
    cut = _CUT[kb_version]
    entries, corpus = [], []
    for doc in knowledge.documents_in_force(kb.sectors[sector_id], day):
        for rule in doc.rules:
            if rule.then.kind != "major_hazard":
                continue
            clause = doc.clause(rule.clause)
            text = (rule.situation or "") + " " + (clause.text if clause and clause.text else "")
            tokens = _tokens(cut, text)
            if tokens:
                entries.append({"rule_id": rule.id, "document": doc.number, "clause": rule.clause,
                                "situation": rule.situation or (clause.text if clause else "")})
                corpus.append(tokens)
    return entries, (BM25Okapi(corpus) if corpus else None)


_KB: dict[str, KnowledgeBase] = {}
_CUT: dict[str, object] = {}  # rule-base version -> the reader's segmenter


def nearest(text: str, sector_id: str, day: dt.date, kb: KnowledgeBase, cut, limit: int = 3) -> list[dict]:
    """Up to `limit` rules whose situation/clause text is nearest to `text` (score > 0), best first."""
    _KB[kb.version] = kb
    _CUT.setdefault(kb.version, cut)
    entries, bm25 = _index(kb.version, sector_id, day)
    query = _tokens(cut, text)
    if bm25 is None or not query:
        return []
    scores = bm25.get_scores(query)
    ranked = sorted(range(len(entries)), key=lambda i: -scores[i])[:limit]
    return [{**entries[i], "score": round(float(scores[i]), 2)} for i in ranked if scores[i] > 0]
