"""Inspection checklists (检查表) generated from the rule base, and the judgement of a filled one.

A checklist is built for one sector, one inspection date and one kind of unit or place, described by
context facts (e.g. 矿山类别=煤矿, 煤矿开采方式=井工煤矿, 场所使用性质=商店、商场、集贸市场). It lists, per
document in force and in the document's clause order, every major-hazard situation (one item per
rule) that the context does not rule out, with the questions an inspector answers on site. A leaf
over a derived fact (e.g. GB 35181's comprehensive elements, counted by 5.3.3) is expanded into the
questions of the rule that derives it, so the inspector answers what can be observed.

Nothing here decides a hazard: a filled checklist is judged by `engine.judge.judge` on its answers,
and each item's state (构成/不构成/待补充) is the three-valued outcome of its rule on the same answers
(`engine.direct.evaluate_document`), so a blank answer is an open question, never "not found".
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Optional

from pydantic import BaseModel, Field

from engine import knowledge, logic
from engine.direct import evaluate_document
from engine.errors import HazardError
from engine.facts import format_value, parse_facts
from engine.knowledge import KnowledgeBase, Sector
from engine.model import Document, Fact, Judgement, Rule

SIGN = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
NEGATED = {"is": "is_not", "in": "not_in", "not_in": "in", "ge": "lt", "gt": "le", "le": "gt", "lt": "ge"}


class ChecklistQuestion(BaseModel):
    """One question of an item: the fact, how to answer it and which answer counts towards the hazard."""

    fact: str = Field(description="事实编号（回填答案时按它读取）")
    label: str = Field(description="事实名称")
    question: str = Field(description="现场检查时要回答的问题")
    form: str = Field(description="答案形式：是/否、可选值或数值及单位")
    major_answer: str = Field(description="计入该情形的答案，如“否”“≥ 1.0%”“属于 液氨、液氯”")
    op: str = Field(description="同上，机器可读的比较：is / is_not / in / not_in / ge / gt / le / lt")
    value: Any = Field(description="同上，比较的值（是非题为 true/false）")
    via: Optional[str] = Field(None, description="通过哪条推出的要素计入（如综合判定要素 7.3.3）")
    asked_in: Optional[int] = Field(None, description="该问题已在第几项提出（同一事实只填写一次）")


class ChecklistItem(BaseModel):
    """One situation of one clause: a rule of kind major_hazard."""

    no: int = Field(description="检查表中的序号（从 1 起）")
    rule_id: str
    document: str = Field(description="文件编号，如 COAL-2026")
    number: str = Field(description="文号，如 应急管理部令第21号")
    clause: str = Field(description="条款编号（文件自身的编号）")
    clause_text: str = Field(description="条款原文（逐字）")
    situation: str = Field(description="本项对应的情形")
    counting: Optional[str] = Field(None, description="计数规则的说明，如“以下综合判定要素满足 3 项以上（含本数）即构成”")
    exception: Optional[str] = Field(None, description="除外或不适用情形（回答“是”时不构成）")
    questions: list[ChecklistQuestion]


class ChecklistSection(BaseModel):
    document: str
    number: str
    title: str
    effective: dt.date
    preamble: Optional[str] = None
    items: list[ChecklistItem]


class Checklist(BaseModel):
    """A checklist for one kind of unit or place on one date (JSON shape of `hazard checklist --json`)."""

    sector: str
    sector_label: str
    as_of: dt.date
    context: dict[str, Any] = Field(description="单位或场所类别（事实编号 → 取值），决定适用的文件与情形")
    context_labels: dict[str, str] = Field(description="同上，以中文名称与取值表示")
    sections: list[ChecklistSection]
    excluded: int = Field(description="因单位或场所类别而不适用、未列入的情形数")
    rulebase_version: str

    @property
    def items(self) -> list[ChecklistItem]:
        return [item for s in self.sections for item in s.items]


class ItemOutcome(BaseModel):
    no: int
    rule_id: str
    clause: str
    state: Literal["构成", "不构成", "待补充"]
    blank: list[str] = Field(default_factory=list, description="本项未填写的问题（事实名称）")


class ChecklistResult(BaseModel):
    """The judgement of a filled checklist: the engine's judgement plus each item's state."""

    verdict: Literal["major", "not_major", "insufficient"]
    verdict_zh: str
    judgement: Judgement
    items: list[ItemOutcome]
    blank_questions: list[str] = Field(description="尚未填写、决定结论的问题（事实名称），按首次出现的顺序")


def _form(fact: Fact) -> str:
    if fact.type == "bool":
        return "是/否"
    if fact.type == "enum":
        return "选填：" + "；".join(fact.values or [])
    return f"数值{('（' + fact.unit + '）') if fact.unit else ''}"


def _answer_text(fact: Fact, op: str, value: Any) -> str:
    if op == "is":
        return format_value(fact, value)
    if op == "is_not":
        return "不为 " + format_value(fact, value)
    if op in ("in", "not_in"):
        return ("属于 " if op == "in" else "不属于 ") + "、".join(map(str, value))
    return f"{SIGN[op]} {format_value(fact, value)}"


def _context_of(sector: Sector, raw: dict[str, Any]) -> dict[str, Any]:
    facts = parse_facts(sector, raw, prefix="context")
    for fid in facts:
        fact = sector.facts[fid]
        if not fact.scope:
            allowed = "、".join(f.label for f in sector.facts.values() if f.scope)
            raise HazardError("not_a_context_fact",
                              f"“{fact.label}”是现场检查事实，不是单位或场所类别；可用于生成检查表的类别有：{allowed}",
                              f"context.{fact.label}")
    return facts


class _Builder:
    def __init__(self, sector: Sector, doc: Document, known: dict[str, Any]):
        self.sector, self.doc, self.known = sector, doc, known
        self.derivers = {r.then.fact: r for r in doc.rules if r.then.kind == "derive"}

    def questions(self, node: logic.Node, negated: bool, via: str | None, seen: set[str],
                  out: list[ChecklistQuestion]) -> None:
        if logic.evaluate(node, self.known) is not None:
            return  # settled by the unit's kind: nothing to ask
        if isinstance(node, logic.Gate):
            for child in node.children:
                self.questions(child, negated ^ (node.kind == "not"), via, seen, out)
            return
        fact = self.sector.facts[node.fact]
        rule = self.derivers.get(node.fact)
        if rule is not None and node.fact not in self.known:
            # an element concluded by another rule: ask what it is concluded from
            wanted = node.test(True) ^ negated
            label = f"{rule.clause} {rule.situation or fact.label}"
            parts = [rule.condition] + ([logic.Gate("not", (rule.defeater,))] if rule.defeater is not None else [])
            for part in parts:
                self.questions(part, not wanted, label, seen, out)
            return
        key = (node.fact, via)
        if key in seen:
            return
        seen.add(key)
        op = NEGATED[node.op] if negated else node.op
        if fact.type == "bool" and op in ("is", "is_not"):
            op, value = "is", (node.value if op == "is" else not node.value)
        else:
            value = node.value
        out.append(ChecklistQuestion(fact=fact.id, label=fact.label, question=fact.question, form=_form(fact),
                                     major_answer=_answer_text(fact, op, value), op=op,
                                     value=list(value) if isinstance(value, tuple) else value, via=via))

    def item(self, no: int, rule: Rule) -> ChecklistItem:
        clause = self.doc.clause(rule.clause)
        out: list[ChecklistQuestion] = []
        seen: set[tuple[str, str | None]] = set()
        if self.doc.scope_condition is not None:
            self.questions(self.doc.scope_condition, False, None, seen, out)
        self.questions(rule.condition, False, None, seen, out)
        exception = None
        if rule.defeater is not None:
            exception = "；".join(q.label for q in self._exception_questions(rule)) or None
            self.questions(logic.Gate("not", (rule.defeater,)), False, "除外或不适用情形", seen, out)
        gates = [n for n in _walk(rule.condition) if isinstance(n, logic.Gate) and n.kind == "at_least"]
        counting = "；".join(f"以下 {len(g.children)} 项要素满足 {g.threshold} 项以上（含本数）即构成" for g in gates) or None
        return ChecklistItem(no=no, rule_id=rule.id, document=self.doc.id, number=self.doc.number, clause=rule.clause,
                             clause_text=clause.text if clause and clause.text else "", counting=counting,
                             situation=rule.situation or (clause.text if clause else ""), exception=exception,
                             questions=out)

    def _exception_questions(self, rule: Rule) -> list[ChecklistQuestion]:
        out: list[ChecklistQuestion] = []
        self.questions(logic.Gate("not", (rule.defeater,)), False, None, set(), out)
        return out


def _walk(node: logic.Node):
    yield node
    if isinstance(node, logic.Gate):
        for child in node.children:
            yield from _walk(child)


def _clause_order(doc: Document) -> dict[str, int]:
    return {c.no: i for i, c in enumerate(doc.clauses)}


def build(sector_id: str, as_of: dt.date | None = None, context: dict[str, Any] | None = None, *,
          document: str | None = None, kb: KnowledgeBase | None = None) -> Checklist:
    """The checklist for one kind of unit or place on `as_of` (default today).

    `context` maps context facts (vocabulary facts marked `scope: true`, by id or Chinese label) to
    values; `document` restricts the checklist to one edition (its id, e.g. COAL-2026). Raises
    HazardError (unknown_sector, unknown_fact, bad_value, not_a_context_fact, unknown_document,
    no_edition_in_force). Legal source: the encoded criteria of the sector in force on `as_of`.
    """
    kb = kb or knowledge.default()
    sector = kb.sectors.get(sector_id)
    if sector is None:
        raise HazardError("unknown_sector", f"未知行业“{sector_id}”；可选：{'、'.join(kb.sectors)}", "sector")
    as_of = as_of or dt.date.today()
    ctx = _context_of(sector, context or {})
    docs = [d for d in knowledge.documents_in_force(sector, as_of) if d.status == "encoded"]
    if document is not None:
        if document not in {d.id for d in sector.documents}:
            known = "、".join(d.id for d in sector.documents)
            raise HazardError("unknown_document", f"{sector.label}行业没有文件“{document}”；可选：{known}", "document")
        docs = [d for d in docs if d.id == document]
        if not docs:
            raise HazardError("no_edition_in_force", f"文件 {document} 在 {as_of} 不施行或尚未编码", "as_of")
    if not docs:
        raise HazardError("no_edition_in_force", f"{as_of} 没有已编码的{sector.label}判定标准施行", "as_of")
    sections, excluded, no = [], 0, 0
    for doc in docs:
        outcomes, derived = evaluate_document(doc, ctx)
        known = {**ctx, **derived}
        builder = _Builder(sector, doc, known)
        order = _clause_order(doc)
        rules = sorted((r for r in doc.rules if r.then.kind == "major_hazard"),
                       key=lambda r: order.get(r.clause, len(order)))
        items = []
        for rule in rules:
            if outcomes[rule.id] is False:
                excluded += 1
                continue
            no += 1
            items.append(builder.item(no, rule))
        if items:
            sections.append(ChecklistSection(document=doc.id, number=doc.number, title=doc.title,
                                             effective=doc.effective, preamble=doc.preamble, items=items))
    _mark_repeats(sections)
    labels = {sector.facts[f].label: format_value(sector.facts[f], v) for f, v in ctx.items()}
    return Checklist(sector=sector.id, sector_label=sector.label, as_of=as_of, context=ctx, context_labels=labels,
                     sections=sections, excluded=excluded, rulebase_version=kb.version)


def _mark_repeats(sections: list[ChecklistSection]) -> None:
    """A fact is answered once: later questions on it point to the item where it is first asked."""
    first: dict[str, int] = {}
    for item in (i for s in sections for i in s.items):
        for q in item.questions:
            if q.fact in first:
                q.asked_in = first[q.fact]
            else:
                first[q.fact] = item.no


def judge_filled(checklist: Checklist, answers: dict[str, Any], *, kb: KnowledgeBase | None = None,
                 context: dict[str, Any] | None = None) -> ChecklistResult:
    """Judge a filled checklist: `answers` maps fact ids (or labels) to what was written.

    The answered facts and the checklist's context are judged by `engine.judge.judge` on the
    checklist's date; every item gets its rule's three-valued state on the same facts. The verdict is
    重大事故隐患 when any situation holds, 信息不足 while any item is still open (its blank questions
    are listed, never taken as "not found"), 不构成 only when every item is settled false.
    Raises HazardError for values that cannot be read (naming the fact).
    """
    from engine.judge import VERDICT_ZH
    from engine.pipeline import judge

    kb = kb or knowledge.default()
    sector = kb.sectors[checklist.sector]
    facts = {**checklist.context, **parse_facts(sector, answers, prefix="answers")}
    result = judge(checklist.sector, facts, checklist.as_of, kb=kb, context=context)
    states: list[ItemOutcome] = []
    blank: list[str] = []
    for section in checklist.sections:
        doc = kb.documents[section.document]
        outcomes, _ = evaluate_document(doc, facts)
        for item in section.items:
            value = outcomes.get(item.rule_id)
            state = "构成" if value is True else "不构成" if value is False else "待补充"
            missing = [q.label for q in item.questions if q.fact not in facts] if value is None else []
            states.append(ItemOutcome(no=item.no, rule_id=item.rule_id, clause=item.clause, state=state,
                                      blank=list(dict.fromkeys(missing))))
            blank.extend(m for m in missing if m not in blank)
    if result.verdict == "major" or any(s.state == "构成" for s in states):
        verdict = "major"
    elif any(s.state == "待补充" for s in states):
        verdict = "insufficient"
    else:
        verdict = "not_major"
    return ChecklistResult(verdict=verdict, verdict_zh=VERDICT_ZH[verdict], judgement=result, items=states,
                           blank_questions=blank)
