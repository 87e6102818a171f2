"""`hazard spec --new RULE_ID`: a scenario skeleton for one rule, ready to edit.

It contains a major case with the minimal facts (by their Chinese labels) that make the rule hold,
one near miss per condition (that condition alone fails, every other one holds), and, when the rule
has an exception (`unless`), the case where the exception holds. The facts are solved from the
rule's condition (engine.spec.solve) and checked with the engine's direct evaluation (engine.direct);
a case that cannot be solved is left as a marked gap for the expert to fill in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from engine import direct, knowledge, logic
from engine.errors import HazardError
from engine.facts import format_value
from engine.model import Document, Rule
from engine.spec import solve


@dataclass
class Case:
    """One generated case: what it shows, its facts (by id), and whether the rule then holds."""

    kind: str  # major | near_miss | exception
    title: str
    facts: dict[str, Any] | None
    expect: bool  # the rule's outcome this case must produce
    checked: bool = False  # the engine's direct evaluation agrees
    path: tuple[int, ...] = field(default=())


def day_in_force(doc: Document) -> dt.date:
    """A day the edition is in force (its first day)."""
    return doc.effective


def solver_for(doc: Document, sector) -> solve.Solver:
    conds = [doc.scope_condition] if doc.scope_condition is not None else []
    for r in doc.rules:
        conds.append(r.condition)
        if r.defeater is not None:
            conds.append(r.defeater)
    return solve.Solver(sector.facts, solve.thresholds(conds))


def _check(doc: Document, rule: Rule, facts: dict[str, Any] | None, expect: bool) -> bool:
    if facts is None:
        return False
    outcomes, _ = direct.evaluate_document(doc, {k: v for k, v in facts.items() if v is not None})
    return outcomes.get(rule.id) is expect


def cases(doc: Document, rule: Rule, sector, extra: list[tuple[logic.Node, bool]] | None = None) -> list[Case]:
    """The major case, a near miss per condition, and the exception case of one rule."""
    from engine.judge import condition_text

    solver = solver_for(doc, sector)
    base = [(doc.scope_condition, True)] if doc.scope_condition is not None else []
    no_exception = [(rule.defeater, False)] if rule.defeater is not None else []
    out = []
    facts = solver.solve(base + [(rule.condition, True)] + no_exception + (extra or []))
    out.append(Case("major", "全部条件成立", facts, True, _check(doc, rule, facts, True)))
    for path, leaf, helps in solve.positions(rule.condition):
        holds = solve.replace(rule.condition, path, solve.TRUE if helps else solve.FALSE)
        fails = solve.replace(rule.condition, path, solve.FALSE if helps else solve.TRUE)
        # decisive: the rule would hold with this condition met, and fails (settled) without it
        facts = solver.solve(base + [(holds, True), (fails, False), (leaf, not helps)] + no_exception)
        text = condition_text(leaf, sector)
        title = f"仅“{text}”不满足" if helps else f"仅“{text}”成立（该条件须不成立）"
        out.append(Case("near_miss", title, facts, False, _check(doc, rule, facts, False), path))
    if rule.defeater is not None:
        facts = solver.solve(base + [(rule.condition, True), (rule.defeater, True)])
        kind = "除外情形" if rule.unless_kind == "exception" else "排除条件"
        out.append(Case("exception", f"{kind}成立", facts, False, _check(doc, rule, facts, False)))
    return out


def fact_lines(sector, facts: dict[str, Any]) -> list[tuple[str, str]]:
    return [(sector.facts[k].label, format_value(sector.facts[k], v)) for k, v in facts.items() if v is not None]


def find_rule(rule_id: str) -> tuple[Any, Document, Rule]:
    kb = knowledge.default()
    found = kb.rules.get(rule_id)
    if found is None:
        raise HazardError("unknown_rule", f"没有规则 {rule_id}；可用 hazard criteria 查看全部规则", "rule_id")
    doc, rule = found
    return kb.sectors[doc.sector], doc, rule


def render(rule_id: str) -> str:
    """The skeleton feature text for one rule (Chinese Gherkin)."""
    sector, doc, rule = find_rule(rule_id)
    clause = doc.clause(rule.clause)
    lines = ["# language: zh-CN",
             f"功能: {doc.number} {rule.clause}（规则 {rule.id}）",
             f"  条文：{(clause.text if clause and clause.text else '（条文缺失）').strip()}",
             f"  {('情形：' + rule.situation) if rule.situation else ''}".rstrip(),
             "  由 hazard spec --new 生成：请逐项核对事实与预期，删去不需要的场景，再放进 features/<行业>/。",
             "",
             "  背景:",
             f'    假如 行业为 "{sector.id}"',
             f'    而且 检查日期为 "{day_in_force(doc).isoformat()}"',
             ""]
    for case in cases(doc, rule, sector):
        lines += _scenario(sector, doc, rule, case)
    return "\n".join(line for line in lines if line is not None)


def _scenario(sector, doc: Document, rule: Rule, case: Case) -> list[str]:
    head = {"major": "构成", "near_miss": "差一点", "exception": "不构成"}[case.kind]
    out = [f"  场景: {rule.clause} {head}——{case.title}"]
    if case.facts is None:
        return out + ["    # 未能自动求出满足这一情形的事实，请手工填写", "    假如 现场事实如下：",
                      "      | 事实 | 取值 |", "      | （事实） | （取值） |", "    当 进行判定", ""]
    if not case.checked:
        out.append("    # 注意：引擎的直接求值与预期不符，请核对这些事实")
    out += ["    假如 现场事实如下：", "      | 事实 | 取值 |"]
    out += [f"      | {label} | {value} |" for label, value in fact_lines(sector, case.facts)]
    out.append("    当 进行判定")
    holds = case.kind == "major"
    if rule.then.kind == "derive":
        label = sector.facts[rule.then.fact].label
        out.append(f'    那么 推出事实 "{label}" 为 "{"是" if holds else "否"}"')
    elif rule.then.kind == "violation":
        out.append(f'    那么 违法行为引用 "{doc.number}" 条款 "{rule.clause}"' if holds
                   else f'    那么 规则 "{rule.id}" 未构成')
    elif holds:
        out += ['    那么 结论为 "重大事故隐患"', f'    而且 引用规则 "{rule.id}"',
                f'    而且 引用 "{doc.number}" 条款 "{rule.clause}"']
    else:
        out += [f'    那么 不引用规则 "{rule.id}"', f'    而且 规则 "{rule.id}" 未构成']
    return out + [""]
