"""Direct in-Python evaluation of a document's rules, without durable_rules.

It is the oracle the property test compares the compiled rulesets with, and the baseline the
benchmark measures them against: same conditions, same three-valued logic, same chaining.
"""

from __future__ import annotations

from typing import Any

from engine import logic
from engine.model import Document


def evaluate_document(doc: Document, facts: dict[str, Any]) -> tuple[dict[str, bool | None], dict[str, bool]]:
    """Rule outcomes (True / False / None = open) and the derived facts, to a fixpoint."""
    known = dict(facts)
    derived: dict[str, bool] = {}
    scope = doc.scope_condition
    parsed = [(r, r.condition, r.defeater) for r in doc.rules]

    def outcome(cond: logic.Node, unless: logic.Node | None) -> bool | None:
        parts = ([scope] if scope is not None else []) + [cond]
        if unless is not None:
            parts.append(logic.Gate("not", (unless,)))
        node = parts[0] if len(parts) == 1 else logic.Gate("all", tuple(parts), len(parts))
        return logic.evaluate(node, known)

    changed = True
    while changed:
        changed = False
        for rule, cond, unless in parsed:
            target = rule.then.fact
            if rule.then.kind != "derive" or target in facts or target in derived:
                continue
            value = outcome(cond, unless)
            if value is not None:
                derived[target] = known[target] = value
                changed = True
    return {r.id: outcome(c, u) for r, c, u in parsed}, derived
