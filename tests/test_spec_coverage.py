"""Knowledge coverage by the BDD scenarios (issue 18, "Tests that would have caught them").

A scenario suite can pass while a rule's exception, a value of an `in:` list or one of its
conditions is never exercised, so a wrong change to that part of the knowledge goes unnoticed
(a mutation run found exactly these kinds). For every encoded document this test scans the
scenarios of its sector (features/<sector>/*.feature) and fails when

- an exception (`unless`) fact is never given the value that makes the exception hold (是), or
- a value listed in an `in:` condition never appears in any scenario, or
- a bool condition of a major-hazard rule is only ever given the value the rule needs, never the
  opposite one (the "flip one condition alone" near miss cannot exist then).

Facts are matched by their Chinese label or id as scenarios write them: `label=value`, a table
row `| label | value |`, `事实 "label" 为 "value"`, or a bare example cell holding the value.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from engine import knowledge, logic

FEATURES = Path(__file__).resolve().parent.parent / "features"
KB = knowledge.load()
DOCS = [d for d in KB.documents.values() if d.status == "encoded"]


@lru_cache(maxsize=None)
def _text(sector: str) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((FEATURES / sector).glob("*.feature")))


def _given(sector: str, fact_id: str) -> set[str]:
    """Every value a scenario of the sector gives the fact (by label or id)."""
    fact = KB.sectors[sector].facts[fact_id]
    text = _text(sector)
    values: set[str] = set()
    for name in {fact.label, fact.id}:
        n = re.escape(name)
        values.update(v.strip() for v in re.findall(n + r"=([^；|\"\n]+)", text))
        values.update(v.strip() for v in re.findall(r"\|\s*" + n + r"\s*\|\s*([^|\n]+?)\s*\|", text))
        values.update(v.strip() for v in re.findall(r"事实 \"" + n + r"\" 为 \"([^\"]+)\"", text))
        # an outline header naming the fact's column, or a placeholder (`label=<x>`,
        # `| label | <x> |`) naming one: take every cell of that column of the examples
        columns = {name} | set(re.findall(n + r"=<([^>]+)>", text)) \
            | set(re.findall(r"\|\s*" + n + r"\s*\|\s*<([^>]+)>", text))
        for col_name in columns:
            values.update(_column(text, col_name))
    return values


def _column(text: str, name: str) -> set[str]:
    """Cells under the header cell `name` in every table whose first row has that cell."""
    out: set[str] = set()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.strip().startswith("|") else []
        if name in cells and (i == 0 or not lines[i - 1].strip().startswith("|")):
            col = cells.index(name)
            for row in lines[i + 1:]:
                if not row.strip().startswith("|"):
                    break
                rc = [c.strip() for c in row.strip().strip("|").split("|")]
                if len(rc) > col:
                    out.add(rc[col])
    return out


BOOL = {True: "是", False: "否"}


def _rows_with(sector: str, label: str) -> list[str]:
    return [line for line in _text(sector).splitlines() if label in line]


def _value_given(sector: str, fact_id: str, value: str) -> bool:
    if value in _given(sector, fact_id):
        return True
    fact = KB.sectors[sector].facts[fact_id]
    # generic two-fact outlines: `| 条款 | 规则 | label | value | ... |` in one example row
    for line in _rows_with(sector, fact.label):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for i, c in enumerate(cells[:-1]):
            if c in (fact.label, fact.id) and cells[i + 1] == value:
                return True
    return False


def _exception_facts(doc) -> list[tuple[str, str, str]]:
    out = []
    for rule in doc.rules:
        if rule.unless is None:
            continue
        for leaf in logic.leaves(rule.defeater):
            fact = KB.sectors[doc.sector].facts[leaf.fact]
            if fact.derived:
                continue  # a derived exclusion is exercised through the facts it is derived from
            if leaf.op == "is" and isinstance(leaf.value, bool):
                out.append((rule.id, leaf.fact, BOOL[leaf.value]))
            elif leaf.op == "is":
                out.append((rule.id, leaf.fact, str(leaf.value)))
    return out


def _listed_values(doc) -> list[tuple[str, str, str]]:
    out = []
    for rule in doc.rules:
        for node in (rule.condition, rule.defeater):
            if node is None:
                continue
            for leaf in logic.leaves(node):
                if leaf.op == "in":
                    out.extend((rule.id, leaf.fact, str(v)) for v in leaf.value)
    return out


def _bool_conditions(doc) -> list[tuple[str, str, str]]:
    """Bool conditions of major-hazard rules (outside the document scope), with the opposite value."""
    out = []
    for rule in doc.rules:
        if rule.then.kind != "major_hazard":
            continue
        for leaf in logic.leaves(rule.condition):
            fact = KB.sectors[doc.sector].facts[leaf.fact]
            if fact.type == "bool" and leaf.op == "is" and not fact.derived:
                out.append((rule.id, leaf.fact, BOOL[not leaf.value]))
    return out


def _missing(doc, items) -> list[str]:
    seen, missing = set(), []
    for rule_id, fact_id, value in items:
        if (fact_id, value) in seen:
            continue
        seen.add((fact_id, value))
        if not _value_given(doc.sector, fact_id, value):
            label = KB.sectors[doc.sector].facts[fact_id].label
            missing.append(f"{rule_id}: {label}={value}")
    return missing


# Documents whose scenarios belong to another helper's open work (issue 18 fire items, i18fire):
# they are checked, and reported, but do not fail this suite until that work lands.
PENDING = {"GB35181-2017"}


def _check(doc, items, what):
    missing = _missing(doc, items)
    if missing and doc.id in PENDING:
        pytest.xfail(f"{doc.id}: {len(missing)} {what} not yet in scenarios (pending): {missing[:5]}")
    assert not missing, f"{doc.id}: {what} never used in features/{doc.sector}: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=[d.id for d in DOCS])
def test_every_exception_is_shown_to_hold_in_a_scenario(doc):
    _check(doc, _exception_facts(doc), "exceptions given as holding")


@pytest.mark.parametrize("doc", DOCS, ids=[d.id for d in DOCS])
def test_every_listed_value_appears_in_a_scenario(doc):
    _check(doc, _listed_values(doc), "listed values")


# Documents whose one-condition near misses are still being written (issue 18): checked and
# reported, not yet enforced. Every other encoded document must have them all.
FLIP_PENDING = {"COAL-2020", "COAL-2026", "GB35181-2017"}


@pytest.mark.parametrize("doc", DOCS, ids=[d.id for d in DOCS])
def test_every_bool_condition_is_flipped_in_some_scenario(doc):
    missing = _missing(doc, _bool_conditions(doc))
    if missing and doc.id in FLIP_PENDING:
        pytest.xfail(f"{doc.id}: {len(missing)} bool conditions never given the opposite value: {missing[:8]}")
    assert not missing, f"{doc.id}: bool conditions never given the opposite value in features/{doc.sector}: {missing}"


def test_the_scan_sees_a_fact_given_in_a_table_row():
    """The scanner itself: a value written in a scenario table is found, an absent one is not."""
    assert _value_given("chemicals", "filling_container", "气瓶")
    assert not _value_given("chemicals", "filling_container", "不存在的取值")
