"""Numbers a finding states only as the outcome of a comparison, read without inventing a number.

An inspection record often says "季度产量超过30%", "甲烷浓度超限", "边坡角大于设计最大值" instead of a
measured value. For a number fact such a value becomes a logic.Outcome (an interval): conditions it
decides are true or false, the others stay open and are asked. Two forms are read:
  - a comparison phrase with a number: 超过/大于/高于 N (>), 达到/不低于/不少于 N 或 N以上 (≥),
    不足/低于/小于/少于/不满 N (<), 不超过/未超过/不大于 N 或 N以下/以内 (≤), and the signs > ≥ < ≤;
    the unit, if written, must be the fact's own;
  - a word the vocabulary lists for the fact under `outcomes` (e.g. 超限: {ge: 1.0}), the clause's own
    comparison, reviewed like any other knowledge.
Everything else is left to engine.facts.parse_facts (which rejects what it cannot read).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from engine.facts import parse_facts
from engine.knowledge import Sector
from engine.logic import Outcome
from engine.model import Fact

_NUM = r"(\d+(?:\.\d+)?)"
_PATTERNS = [
    (re.compile(rf"^(?:超过|大于|高于|多于|>)\s*{_NUM}\s*(\S*?)$"), "gt"),
    (re.compile(rf"^(?:达到|不低于|不少于|不小于|>=|≥)\s*{_NUM}\s*(\S*?)(?:以上|及以上)?$"), "ge"),
    (re.compile(rf"^{_NUM}\s*(\S*?)\s*(?:以上|及以上)$"), "ge"),
    (re.compile(rf"^(?:不足|低于|小于|少于|不满|未达到|<)\s*{_NUM}\s*(\S*?)$"), "lt"),
    (re.compile(rf"^(?:不超过|未超过|不大于|不高于|<=|≤)\s*{_NUM}\s*(\S*?)$"), "le"),
    (re.compile(rf"^{_NUM}\s*(\S*?)\s*(?:以下|以内)$"), "le"),
]


def outcome(fact: Fact, raw: Any) -> Outcome | None:
    """The comparison outcome a raw value states for a number fact, or None if it is not one."""
    if fact.type != "number" or not isinstance(raw, str):
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if text in fact.outcomes:
        (op, bound), = fact.outcomes[text].items()
        return Outcome.of(raw.strip(), op, bound)
    for pattern, op in _PATTERNS:
        m = pattern.match(text)
        if m and m.group(2) in ("", fact.unit or ""):
            return Outcome.of(raw.strip(), op, round(float(m.group(1)), 6))
    return None


def read_facts(sector: Sector, raw: dict[str, Any]) -> dict[str, Any]:
    """Typed facts by id, with comparison outcomes of number facts as logic.Outcome values; every
    other value is read by engine.facts.parse_facts (HazardError naming the field on bad input)."""
    if not isinstance(raw, dict):
        return parse_facts(sector, raw)
    outcomes: dict[str, Outcome] = {}
    rest: dict[str, Any] = {}
    for name, value in raw.items():
        fact = sector.fact_by_name(str(name).strip())
        found = outcome(fact, value) if fact is not None else None
        if found is not None:
            outcomes[fact.id] = found
        else:
            rest[name] = value
    facts = parse_facts(sector, rest)
    facts.update(outcomes)
    return facts
