"""The knowledge base as plain data for JSON output (CLI --json and the HTTP API share it)."""

from __future__ import annotations

from typing import Any

from engine.knowledge import KnowledgeBase
from engine.model import Document, Rule


def document_summary(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id, "sector": doc.sector, "title": doc.title, "number": doc.number, "issuer": doc.issuer,
        "published": doc.published, "effective": doc.effective, "expires": doc.expires,
        "replaces": doc.replaces, "status": doc.status, "status_note": doc.status_note,
        "effective_note": doc.effective_note,
    }


def document_detail(doc: Document) -> dict[str, Any]:
    rules_by_clause: dict[str, list[str]] = {}
    for r in doc.rules:
        rules_by_clause.setdefault(r.clause, []).append(r.id)
    out = document_summary(doc)
    out["preamble"] = doc.preamble
    out["structure"] = doc.structure
    out["clauses"] = [
        {"no": c.no, "text": c.text, "status": c.status, "reason": c.reason, "unverified": c.unverified,
         "rules": rules_by_clause.get(c.no, [])}
        for c in doc.clauses
    ]
    return out


def rule_detail(doc: Document, rule: Rule) -> dict[str, Any]:
    clause = doc.clause(rule.clause)
    return {
        "id": rule.id, "document": document_summary(doc), "clause": rule.clause,
        "text": clause.text if clause else None, "situation": rule.situation,
        "when": rule.when, "unless": rule.unless, "scope": doc.scope,
        "then": rule.then.model_dump(exclude_none=True), "note": rule.note, "unverified": rule.unverified,
    }


def vocabulary(kb: KnowledgeBase, sector_id: str) -> dict[str, Any]:
    sector = kb.sectors[sector_id]
    return {"sector": sector.id, "label": sector.label,
            "facts": [f.model_dump(exclude_none=True) for f in sector.facts.values()]}
