"""Settle weak or ambiguous readings by what else the finding says, using the rules as data.

A reading is *weak* when it rests on two characters or fewer ("回采", "液氨"), and *ambiguous* when
the same words were read as several facts ("继续作业": not withdrawn? not stopped?). Such a reading
stays confirmed only if a fact it shares a rule with (its partner, from the rule conditions of the
knowledge base) was also read in the same finding; otherwise it is only proposed.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from engine import knowledge, logic
from engine.knowledge import KnowledgeBase
from engine.text.assemble import CONFIRM, Extracted

WEAK_CHARS = 2
PROPOSED = 0.6


@lru_cache(maxsize=16)
def _partners(kb_version: str, sector_id: str) -> dict[str, frozenset[str]]:
    kb = _KB[kb_version]
    out: dict[str, set[str]] = {}
    for doc in kb.sectors[sector_id].documents:
        for rule in doc.rules:
            facts = {leaf.fact for leaf in logic.leaves(rule.condition)}
            if rule.defeater is not None:
                facts |= {leaf.fact for leaf in logic.leaves(rule.defeater)}
            if rule.then.fact:
                facts.add(rule.then.fact)
            for f in facts:
                out.setdefault(f, set()).update(facts - {f})
    return {k: frozenset(v) for k, v in out.items()}


_KB: dict[str, KnowledgeBase] = {}


@lru_cache(maxsize=64)
def _tested(kb_version: str, sector_id: str, day: dt.date) -> frozenset[str]:
    """Facts some rule (or scope) of a document in force on `day` tests, directly or via derived facts."""
    kb = _KB[kb_version]
    out: set[str] = set()
    for doc in knowledge.documents_in_force(kb.sectors[sector_id], day):
        if doc.scope is not None:
            out |= {leaf.fact for leaf in logic.leaves(doc.scope_condition)}
        for rule in doc.rules:
            out |= {leaf.fact for leaf in logic.leaves(rule.condition)}
            if rule.defeater is not None:
                out |= {leaf.fact for leaf in logic.leaves(rule.defeater)}
    return frozenset(out)


@lru_cache(maxsize=16)
def _users(kb_version: str, sector_id: str) -> dict[str, tuple]:
    """fact -> the documents (with a scope) whose rules test it; a fact any unscoped document tests
    is left out (it can never be out of scope)."""
    kb = _KB[kb_version]
    out: dict[str, list] = {}
    free: set[str] = set()
    for doc in kb.sectors[sector_id].documents:
        for rule in doc.rules:
            for leaf in logic.leaves(rule.condition):
                (free.add(leaf.fact) if doc.scope is None else out.setdefault(leaf.fact, []).append(doc))
    return {f: tuple(docs) for f, docs in out.items() if f not in free}


def partners(kb: KnowledgeBase, sector_id: str) -> dict[str, frozenset[str]]:
    """fact -> the facts it appears with in some rule (condition, defeater or derived fact)."""
    _KB[kb.version] = kb
    return _partners(kb.version, sector_id)


def settle(found: list[Extracted], kb: KnowledgeBase, sector_id: str, day: dt.date | None = None) -> None:
    """Lower weak or ambiguous readings without a partner in their finding to proposals, and readings
    no document in force on `day` tests (another edition's fact); drop duplicate readings (in place)."""
    sector = kb.sectors[sector_id]
    _KB[kb.version] = kb
    if day is not None:
        tested = _tested(kb.version, sector_id, day)
        for x in found:
            if x.confirmed and not sector.facts[x.fact].scope and x.fact not in tested:
                x.confidence = min(x.confidence, PROPOSED)
                x.notes.append("检查日期施行的判定标准不考察此事实")
    near = partners(kb, sector_id)
    users = _users(kb.version, sector_id)
    scope = {x.fact: x.value for x in found if x.confirmed and sector.facts[x.fact].scope}
    typed = {k: v for k, v in scope.items()}
    for x in found:
        # a fact only documents for another kind of unit test ("露天煤矿" read in a 金属非金属矿山 record)
        docs = users.get(x.fact)
        if x.confirmed and typed and docs and all(logic.evaluate(d.scope_condition, typed) is False for d in docs):
            x.confidence = min(x.confidence, PROPOSED)
            x.notes.append("与记录中识别的单位类型不符")
    # a derived fact read beside a fact it is derived from (el_7_3_3 beside exit_blocked): the rules
    # derive it from what the finding states; reading it too would assert more than was written
    for x in list(found):
        if sector.facts[x.fact].derived and any(
                y is not x and not sector.facts[y.fact].derived and y.finding == x.finding
                and y.fact in near.get(x.fact, ()) for y in found):
            found.remove(x)
    # a reading nested in a longer reading of another fact, and not its rule partner, is the same words
    # read twice: the longer, more specific reading stays ("调压箱无超压切断", not "超压切断")
    for x in list(found):
        if any(y is not x and y.finding == x.finding and y.start <= x.start and x.end <= y.end
               and (y.end - y.start) > (x.end - x.start) and y.fact not in near.get(x.fact, ())
               and y.source != "label" for y in found):
            found.remove(x)
    confirmed = [x for x in found if x.confirmed and not sector.facts[x.fact].scope]
    by_span: dict[tuple[int, int, int], list[Extracted]] = {}
    for x in confirmed:
        by_span.setdefault((x.finding, x.start, x.end), []).append(x)
    for x in confirmed:
        ambiguous = len(by_span[(x.finding, x.start, x.end)]) > 1
        weak = sum(len(w) for w in x.words) <= WEAK_CHARS and x.number is None  # a number read with it is context
        if not (ambiguous or weak):
            continue
        others = {y.fact for y in confirmed if y.finding == x.finding and (y.start, y.end) != (x.start, x.end)}
        if near.get(x.fact, frozenset()) & others:
            continue
        if weak and not ambiguous and not near.get(x.fact) and x.source != "label":
            continue  # a vocabulary phrase for a fact that alone is a situation ("超员")
        x.confidence = min(x.confidence, PROPOSED)
        x.notes.append("同一词语可对应多个事实，缺少上下文" if ambiguous else "匹配词过短，缺少上下文")
    assert PROPOSED < CONFIRM
