"""Knowledge coverage of the scenarios: what no scenario under features/ exercises, per document.

For every rule of an encoded document, some scenario (facts judged on a day the document is in force,
with the document's scope not failing) must show:
- its exception (`unless`) holding while the rule's conditions hold (the exception is then what decides);
- each condition (leaf) flipped on its own: that leaf fails while the rule would hold with it
  (a near miss; the leaf is *decisive*: met, the rule holds; failed, the rule fails);
- each value of an `in:` / `not_in:` list, in a scenario where that leaf is decisive.
Scenario facts are evaluated against the rules with engine.logic, derived facts with engine.direct,
never by matching text. A scenario that expects an error (`当 尝试判定`) does not count. A near miss
or value that no facts can produce (the solver's exhaustive search finds none: the condition is implied
by the others, e.g. the upper bound of a table band) is not a gap.

    python3 -m engine.spec.coverage [DOC_ID …]            # print the gaps
    python3 -m engine.spec.coverage --write DOC_ID …      # write features/<sector>/<doc>_coverage.feature
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine import direct, knowledge, logic
from engine.errors import HazardError
from engine.model import Document, Rule
from engine.spec import scan, solve


@dataclass(frozen=True)
class Gap:
    """One thing no scenario shows. kind: exception | near_miss | value."""

    document: str
    rule: str
    kind: str
    path: tuple[int, ...] = ()
    value: Any = None
    text: str = ""  # Chinese description of what is missing
    shows: str = ""  # Chinese description of a scenario that closes it

    def __str__(self) -> str:
        return f"{self.rule}：{self.text}"


@dataclass
class Scenario:
    item: scan.ScenarioCase
    facts: dict[str, Any]  # typed, by fact id


def scenario_facts(items: list[scan.ScenarioCase]) -> list[Scenario]:
    """The scenarios that judge given facts, with their facts typed (unreadable ones are skipped)."""
    from engine.facts import parse_facts

    kb = knowledge.default()
    out = []
    for item in items:
        sector = kb.sectors.get(item.sector or "")
        if sector is None or item.expects_error or not item.case.get("facts"):
            continue
        try:
            facts = parse_facts(sector, item.case["facts"])
        except HazardError:
            continue
        out.append(Scenario(item, facts))
    return out


@lru_cache(maxsize=1)
def _scanned() -> tuple[Scenario, ...]:
    items, _ = scan.scan_all()
    return tuple(scenario_facts(items))


def encoded_documents() -> list[Document]:
    kb = knowledge.default()
    return [d for d in kb.documents.values() if d.status == "encoded" and d.rules]


class _RuleNeeds:
    """What one rule still needs, and the trees to test decisiveness of each leaf."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.leaves = []
        for path, leaf, helps in solve.positions(rule.condition):
            holds = solve.replace(rule.condition, path, solve.TRUE if helps else solve.FALSE)
            fails = solve.replace(rule.condition, path, solve.FALSE if helps else solve.TRUE)
            self.leaves.append((path, leaf, helps, holds, fails))
        self.exception = rule.defeater is not None
        self.near = {path for path, *_ in self.leaves}
        self.values = {(path, v) for path, leaf, *_ in self.leaves if leaf.op in ("in", "not_in") for v in leaf.value}

    def done(self) -> bool:
        return not (self.exception or self.near or self.values)

    def see(self, known: dict[str, Any]) -> None:
        rule = self.rule
        when = logic.evaluate(rule.condition, known)
        unless = logic.evaluate(rule.defeater, known) if rule.defeater is not None else False
        if self.exception and when is True and unless is True:
            self.exception = False
        if unless is True:
            return
        for path, leaf, helps, holds, fails in self.leaves:
            if leaf.fact not in known or known[leaf.fact] is None:
                continue
            if path not in self.near and not any(p == path for p, _ in self.values):
                continue
            if logic.evaluate(holds, known) is not True or logic.evaluate(fails, known) is not False:
                continue
            if leaf.test(known[leaf.fact]) != helps:
                self.near.discard(path)
            self.values.discard((path, known[leaf.fact]))


def gaps(doc: Document, scenarios: list[Scenario] | None = None) -> list[Gap]:
    """What no scenario shows for one document (empty when fully covered)."""

    kb = knowledge.default()
    sector = kb.sectors[doc.sector]
    scenarios = list(_scanned()) if scenarios is None else scenarios
    needs = [_RuleNeeds(r) for r in doc.rules]
    scope = doc.scope_condition
    for sc in scenarios:
        if sc.item.sector != doc.sector or not doc.in_force(sc.item.as_of):
            continue
        _, derived = direct.evaluate_document(doc, sc.facts)
        known = {**sc.facts, **derived}
        if scope is not None and logic.evaluate(scope, known) is False:
            continue
        for need in needs:
            if not need.done():
                need.see(known)
    out = _possible(doc, sector, _gaps_of(doc, sector, needs))
    return out


def _possible(doc: Document, sector, found: list[Gap]) -> list[Gap]:
    """The gaps a scenario can close: a near miss or value no facts can produce (the condition is implied
    by the others, e.g. a table band's upper bound below the next band's stricter row) is not one."""
    out = []
    for gap in found:
        if gap.kind == "exception":
            out.append(gap)
            continue
        facts, _ = _case_for(doc, gap, sector, solver := _solver(doc, sector))
        if facts is not None or not solver.exhaustive:
            out.append(gap)
    return out


def _solver(doc: Document, sector):
    from engine.spec.skeleton import solver_for

    return solver_for(doc, sector)


def _gaps_of(doc: Document, sector, needs: list["_RuleNeeds"]) -> list[Gap]:
    from engine.judge import condition_text

    out = []
    for need in needs:
        r = need.rule
        if need.exception:
            kind = "除外情形" if r.unless_kind == "exception" else "排除条件"
            out.append(Gap(doc.id, r.id, "exception", text=f"没有场景使其{kind}成立（条件均满足时）",
                           shows=f"条件均满足，{kind}成立"))
        for path, leaf, helps, *_ in need.leaves:
            if path in need.near:
                what = f"仅“{condition_text(leaf, sector)}”{'不满足' if helps else '成立'}"
                out.append(Gap(doc.id, r.id, "near_miss", path, text=f"没有场景{what}（差一点）", shows=what))
        for path, value in sorted(need.values, key=lambda x: (x[0], str(x[1]))):
            leaf = solve.at(r.condition, path)
            out.append(Gap(doc.id, r.id, "value", path, value,
                           text=f"“{sector.facts[leaf.fact].label}”的取值“{value}”没有出现在该条件起决定作用的场景中",
                           shows=f"“{sector.facts[leaf.fact].label}”取“{value}”"))
    return out


# ---- closing gaps with generated scenarios -------------------------------------------------------

def _case_for(doc: Document, gap: Gap, sector, solver=None) -> tuple[dict[str, Any] | None, bool]:
    """Facts closing one gap, and whether the rule then holds (True) or not (False)."""
    rule = next(r for r in doc.rules if r.id == gap.rule)
    solver = solver or _solver(doc, sector)
    base = [(doc.scope_condition, True)] if doc.scope_condition is not None else []
    no_exception = [(rule.defeater, False)] if rule.defeater is not None else []
    if gap.kind == "exception":
        return solver.solve(base + [(rule.condition, True), (rule.defeater, True)]), False
    leaf = solve.at(rule.condition, gap.path)
    helps = next(h for p, _, h in solve.positions(rule.condition) if p == gap.path)
    holds = solve.replace(rule.condition, gap.path, solve.TRUE if helps else solve.FALSE)
    fails = solve.replace(rule.condition, gap.path, solve.FALSE if helps else solve.TRUE)
    goals = base + [(holds, True), (fails, False)] + no_exception
    if gap.kind == "near_miss":
        return solver.solve(goals + [(leaf, not helps)]), False
    value_true = leaf.test(gap.value)
    return solver.solve(goals + [(logic.Leaf(leaf.fact, "is", gap.value), True)]), value_true == helps


def _facts_text(sector, facts: dict[str, Any]) -> str:
    from engine.spec.skeleton import fact_lines

    return "；".join(f"{label}={value}" for label, value in fact_lines(sector, facts))


def coverage_feature(doc: Document, found: list[Gap]) -> tuple[str, list[Gap]]:
    """A feature file closing the gaps (scenario outlines, one row per gap) and the gaps it could not close."""
    from engine.spec.skeleton import _check, day_in_force

    kb = knowledge.default()
    sector = kb.sectors[doc.sector]
    groups: dict[tuple[str, bool], list[str]] = {}
    unsolved = []
    rules = {r.id: r for r in doc.rules}
    for gap in found:
        rule = rules[gap.rule]
        facts, holds = _case_for(doc, gap, sector)
        if facts is None or not _check(doc, rule, facts, holds):
            unsolved.append(gap)
            continue
        cells = [gap.rule, rule.clause, gap.shows, _facts_text(sector, facts)]
        if rule.then.kind == "derive":
            cells.append(sector.facts[rule.then.fact].label)
        groups.setdefault((rule.then.kind, holds), []).append("      | " + " | ".join(map(_cell, cells)) + " |")
    lines = ["# language: zh-CN",
             f"功能: {doc.number}（{doc.id}）知识覆盖：除外情形、列举取值、逐一条件的“差一点”",
             "  由 python3 -m engine.spec.coverage --write 按规则条件生成（与 hazard spec --new 同一求解），",
             "  补齐 tests/test_spec_coverage.py 发现的缺口；每行验证规则的读法被引擎如实执行，条文解读的核对以各规则的 note 为准。",
             "",
             "  背景:",
             f'    假如 行业为 "{sector.id}"',
             f'    而且 检查日期为 "{day_in_force(doc).isoformat()}"',
             ""]
    header = "      | 规则 | 条款 | 说明 | 事实 |"
    outlines = {
        ("major_hazard", True): ("该取值使条件成立——构成重大事故隐患",
                                 ['那么 结论为 "重大事故隐患"', '而且 引用规则 "<规则>"']),
        ("major_hazard", False): ("只差一个条件或除外情形成立——该规则不构成",
                                  ['那么 不引用规则 "<规则>"', '而且 规则 "<规则>" 未构成']),
        ("violation", True): ("该取值使条件成立——构成违法行为",
                              [f'那么 违法行为引用 "{doc.number}" 条款 "<条款>"']),
        ("violation", False): ("只差一个条件——该违法行为规则不构成", ['那么 规则 "<规则>" 未构成']),
        ("derive", True): ("该取值使条件成立——推出中间结论", ['那么 推出事实 "<推出>" 为 "是"']),
        ("derive", False): ("只差一个条件——不推出中间结论", ['那么 推出事实 "<推出>" 为 "否"']),
    }
    for key, (title, thens) in outlines.items():
        rows = groups.get(key)
        if not rows:
            continue
        head = header + (" 推出 |" if key[0] == "derive" else "")
        lines += [f"  场景大纲: {title}", '    假如 事实清单为 "<事实>"', "    当 进行判定",
                  *(f"    {t}" for t in thens), "", "    例子:", head, *rows, ""]
    return "\n".join(lines), unsolved


def coverage_path(doc: Document):
    """features/<sector>/<document>_coverage.feature, e.g. features/gas/gas2023_coverage.feature."""
    return scan.FEATURES / doc.sector / f"{doc.id.lower().replace('-', '')}_coverage.feature"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: list[str]) -> int:
    write = "--write" in argv
    ids = [a for a in argv if not a.startswith("--")]
    kb = knowledge.default()
    docs = [kb.documents[i] for i in ids] if ids else encoded_documents()
    for doc in docs:
        path = coverage_path(doc)
        # when (re)writing a document's coverage file, its gaps are those the other scenarios leave
        found = gaps(doc, [s for s in _scanned() if s.item.file != path.resolve()] if write else None)
        print(f"{doc.id}: {len(found)} 个缺口")
        if write and found:
            text, unsolved = coverage_feature(doc, found)
            path.write_text(text + "\n", encoding="utf-8")
            print(f"  写入 {scan.relative(path)}；未能自动补齐 {len(unsolved)} 个")
            for gap in unsolved:
                print(f"    {gap}")
        elif not write:
            for gap in found:
                print(f"  {gap}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
