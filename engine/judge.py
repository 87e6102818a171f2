"""Judge one case: pick the editions in force, run their compiled rulesets, explain the outcome.

The verdict follows the three-answer rule of the design: a concluded major hazard makes
重大事故隐患; otherwise any open relevant rule makes 信息不足 (with the questions that settle it);
only when every relevant rule is false is it 不构成. A rule is relevant when the case gives a fact
it tests (directly or through a fact derived from it), so a finding is judged against the
situations it touches, not against the whole standard at once.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable

from engine import knowledge, logic
from engine.compiler import CNode, CompiledDocument, CompiledRule, RunResult
from engine.errors import HazardError
from engine.facts import format_value, parse_facts
from engine.knowledge import KnowledgeBase, Sector
from engine.model import (Document, DocumentRef, Finding, Judgement, NotMet, Question, Reason)

VERDICT_ZH = {
    "major": "重大事故隐患",
    "not_major": "不构成重大事故隐患",
    "insufficient": "信息不足",
    "not_determined": "无法判定（现行版本尚未编码）",
}

_compiled: dict[tuple[str, str], CompiledDocument] = {}

# Hooks other modules register (e.g. routing), so the engine does not import them.
POST_PROCESSORS: list[Callable[[Judgement, dict[str, Any]], None]] = []


def compiled(kb: KnowledgeBase, doc: Document) -> CompiledDocument:
    key = (kb.version, doc.id)
    if key not in _compiled:
        _compiled[key] = CompiledDocument(doc)
    return _compiled[key]


def prepare(kb: KnowledgeBase | None = None) -> KnowledgeBase:
    """Load and compile the whole knowledge base up front (start-up, not first request)."""
    kb = kb or knowledge.default()
    for doc in kb.documents.values():
        if doc.status == "encoded":
            compiled(kb, doc)
    return kb


def doc_ref(doc: Document) -> DocumentRef:
    return DocumentRef(id=doc.id, title=doc.title, number=doc.number, issuer=doc.issuer,
                       effective=doc.effective, expires=doc.expires)


def condition_text(leaf: logic.Leaf, sector: Sector) -> str:
    fact = sector.facts[leaf.fact]
    if leaf.op == "is":
        return f"{fact.label} = {format_value(fact, leaf.value)}"
    if leaf.op in ("in", "not_in"):
        word = "属于" if leaf.op == "in" else "不属于"
        return f"{fact.label} {word} {'、'.join(map(str, leaf.value))}"
    sign = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}[leaf.op]
    return f"{fact.label} {sign} {format_value(fact, leaf.value)}"


@dataclass
class _Context:
    sector: Sector
    cdoc: CompiledDocument
    run: RunResult
    facts: dict[str, Any]  # given, typed

    def truth(self, node: CNode) -> bool | None:
        return self.run.truth.get(node.id)

    def value(self, fact: str) -> Any:
        if fact in self.facts:
            return self.facts[fact]
        return self.run.derived.get(fact)

    def deriving_rule(self, fact: str) -> CompiledRule | None:
        return self.cdoc.derivers.get(fact)


def _reasons(ctx: _Context, node: CNode, want: bool) -> list[Reason]:
    """The leaves that made `node` come out as `want`, with where each fact came from."""
    if isinstance(node.node, logic.Leaf):
        leaf = node.node
        fact = ctx.sector.facts[leaf.fact]
        source, below = "given", []
        if leaf.fact not in ctx.facts:
            rule = ctx.deriving_rule(leaf.fact)
            if rule is not None:
                source = rule.rule.id
                below = _reasons(ctx, rule.when, bool(ctx.value(leaf.fact)))
        text = condition_text(leaf, ctx.sector)
        return [Reason(fact=leaf.fact, label=fact.label, value=ctx.value(leaf.fact),
                       condition=text if want else f"不满足：{text}", source=source, derived_from=below)]
    gate = node.node
    child_want = (not want) if gate.kind == "not" else want
    out: list[Reason] = []
    for child in node.children:
        if ctx.truth(child) is child_want:
            out.extend(_reasons(ctx, child, child_want))
    return out


def _grounds(reason: Reason) -> str:
    """A condition with the facts it was derived from, e.g. an exclusion and the situation behind it."""
    if not reason.derived_from:
        return reason.condition
    return f"{reason.condition}（{'；'.join(_grounds(d) for d in reason.derived_from)}）"


def _failed(ctx: _Context, node: CNode) -> list[str]:
    """Plain-Chinese descriptions of the conditions that made `node` false."""
    if isinstance(node.node, logic.Leaf):
        leaf = node.node
        fact = ctx.sector.facts[leaf.fact]
        got = format_value(fact, ctx.value(leaf.fact))
        return [f"要求 {condition_text(leaf, ctx.sector)}，实际为 {got}"]
    gate = node.node
    if gate.kind == "not":
        return [f"不应满足：{r.condition}" for r in _reasons(ctx, node.children[0], True)]
    false_children = [c for c in node.children if ctx.truth(c) is False]
    lines = [line for c in false_children for line in _failed(ctx, c)]
    if gate.kind == "at_least":
        trues = sum(ctx.truth(c) is True for c in node.children)
        lines.insert(0, f"满足 {trues} 项，需至少 {gate.threshold} 项（含本数），共 {len(node.children)} 项")
    return lines


def _unknown_facts(ctx: _Context, node: CNode, seen: set[str]) -> list[str]:
    """Facts nobody gave that keep `node` open, in tree order (through derived facts too)."""
    if ctx.truth(node) is not None:
        return []
    if isinstance(node.node, logic.Leaf):
        fact = node.node.fact
        if fact in seen:
            return []
        seen.add(fact)
        rule = ctx.deriving_rule(fact) if fact not in ctx.facts else None
        if rule is not None:
            # ask for the derived fact itself first: one answer settles it
            return [fact] + _unknown_facts(ctx, rule.when, seen)
        return [fact]
    out: list[str] = []
    for child in node.children:
        out.extend(_unknown_facts(ctx, child, seen))
    return out


def _finding(ctx: _Context, r: CompiledRule) -> Finding:
    rule = r.rule
    clause = ctx.cdoc.doc.clause(rule.clause)
    return Finding(rule_id=rule.id, kind=rule.then.kind, document=doc_ref(ctx.cdoc.doc), clause=rule.clause,
                   text=clause.text if clause else "", situation=rule.situation,
                   reasoning=_reasons(ctx, r.when, True), unverified=rule.unverified or (clause.unverified if clause else None))


def _judge_documents(sector: Sector, docs: Iterable[Document], facts: dict[str, Any], kb: KnowledgeBase,
                     complete: bool) -> dict[str, Any]:
    hazards, violations, not_met, open_rules = [], [], [], []
    question_rules: dict[str, list[str]] = {}
    derived: dict[str, Any] = {}
    notes: list[str] = []
    major_possible = False  # some major-hazard rule is not settled false (it is true or may still become true)
    open_violations: list[str] = []
    for doc in docs:
        cdoc = compiled(kb, doc)
        ctx = _Context(sector, cdoc, cdoc.run(facts), facts)
        derived.update(ctx.run.derived)
        for r in cdoc.rules:
            rule = r.rule
            if rule.then.kind == "derive":
                continue
            parts = [r.when] + ([r.unless] if r.unless is not None else [])
            relevant = not cdoc.touching[rule.id].isdisjoint(facts)
            outcome = ctx.run.rules.get(rule.id)
            major_possible = major_possible or (rule.then.kind == "major_hazard" and outcome is not False)
            if outcome is True:
                (hazards if rule.then.kind == "major_hazard" else violations).append(_finding(ctx, r))
                continue
            if not relevant:
                continue
            if outcome is False:
                if r.scope is not None and ctx.truth(r.scope) is False:
                    failed = ["不适用：" + "；".join(_failed(ctx, r.scope))]
                    not_met.append(NotMet(rule_id=rule.id, document=doc.id, clause=rule.clause,
                                          kind=rule.then.kind, failed=failed))
                elif r.unless is not None and ctx.truth(r.when) is not False and ctx.truth(r.unless) is True:
                    # withheld by an exclusion (also when the situation itself is still open)
                    why = "；".join(_grounds(x) for x in _reasons(ctx, r.unless, True))
                    not_met.append(NotMet(rule_id=rule.id, document=doc.id, clause=rule.clause, kind=rule.then.kind,
                                          failed=[f"排除情形成立：{why}"], defeated_by=why))
                else:
                    not_met.append(NotMet(rule_id=rule.id, document=doc.id, clause=rule.clause,
                                          kind=rule.then.kind, failed=_failed(ctx, r.when)))
                continue
            # open
            if complete and ctx.truth(r.when) is not True:
                not_met.append(NotMet(rule_id=rule.id, document=doc.id, clause=rule.clause, kind=rule.then.kind,
                                      failed=["检查已完成：未报告该情形的事实，视为未发现"]))
                continue
            if complete and ctx.truth(r.when) is True:
                # the situation is present and only an exclusion (or scope) is unanswered
                finding = _finding(ctx, r)
                notes.append(f"规则 {rule.id}：排除情形或适用范围未提供，按检查完成视为不成立")
                (hazards if rule.then.kind == "major_hazard" else violations).append(finding)
                continue
            (open_rules if rule.then.kind == "major_hazard" else open_violations).append(rule.id)
            seen: set[str] = set()
            for part in ([r.scope] if r.scope is not None else []) + parts:
                for fact in _unknown_facts(ctx, part, seen):
                    question_rules.setdefault(fact, []).append(rule.id)
    return dict(hazards=hazards, violations=violations, not_met=not_met, open_rules=open_rules,
                question_rules=question_rules, derived=derived, notes=notes,
                major_possible=major_possible, open_violations=open_violations)


def _questions(sector: Sector, question_rules: dict[str, list[str]], open_rules: list[str]) -> list[Question]:
    """Most open rules settled first; ties keep the order the rules ask them in (a derived fact
    before the facts it is derived from, since one answer to it settles them all)."""
    items = [(fid, rules) for fid, rules in question_rules.items() if set(rules) & set(open_rules)]
    items.sort(key=lambda x: -len(set(x[1]) & set(open_rules)))
    out = []
    for fid, rules in items:
        fact = sector.facts[fid]
        out.append(Question(fact=fid, label=fact.label, question=fact.question, type=fact.type,
                            values=fact.values, unit=fact.unit, open_rules=sorted(set(rules) & set(open_rules))))
    return out


def _replaced_encoded(sector: Sector, doc: Document) -> Document | None:
    """The newest encoded edition that `doc` (not encoded) replaces, following the chain."""
    by_id = {d.id: d for d in sector.documents}
    current = doc
    while current.replaces:
        current = by_id[current.replaces]
        if current.status == "encoded":
            return current
    return None


def judge(sector_id: str, raw_facts: dict[str, Any], as_of: dt.date | None = None, *, complete: bool = False,
          kb: KnowledgeBase | None = None, context: dict[str, Any] | None = None) -> Judgement:
    """Judge one case. `raw_facts` maps fact ids or Chinese labels to values."""
    kb = kb or knowledge.default()
    sector = kb.sectors.get(sector_id)
    if sector is None:
        raise HazardError("unknown_sector", f"未知行业“{sector_id}”；可选：{'、'.join(kb.sectors)}", "sector")
    as_of = as_of or dt.date.today()
    facts = parse_facts(sector, raw_facts)
    in_force = knowledge.documents_in_force(sector, as_of)
    # a document whose scope the given facts rule out (e.g. a non-coal standard for a coal mine) does not
    # apply: it is neither judged nor warned about; an open scope keeps it (its rules then ask for the fact)
    in_scope = [d for d in in_force
                if d.scope is None or logic.evaluate(d.scope_condition, facts) is not False]
    if in_force and not in_scope:
        known = "；".join(f"{d.number}（{d.effective} 起）" for d in in_force)
        raise HazardError("no_edition_in_force",
                          f"{as_of} 施行的{sector.label}判定标准（{known}）均不适用于所给对象", "as_of")
    in_force = in_scope
    if not in_force:
        known = "；".join(f"{d.number}（{d.effective} 起）" for d in sector.documents)
        raise HazardError("no_edition_in_force",
                          f"{as_of} 没有已知的{sector.label}判定标准施行（已知：{known}）", "as_of")
    encoded = [d for d in in_force if d.status == "encoded"]
    pending = [d for d in in_force if d.status == "not_encoded"]
    warnings = []
    for doc in pending:
        applied = "、".join(f"{d.number}" for d in encoded)
        tail = f"本判定适用 {applied}。" if encoded else "本结论不构成判定。"
        warnings.append(f"{doc.number}《{doc.title}》自 {doc.effective} 起施行，尚未编码（{doc.status_note or '条文未取得'}）；{tail}")
    if not encoded:
        reference = None
        for doc in pending:
            old = _replaced_encoded(sector, doc)
            if old is not None and old.expires is not None:
                reference = judge(sector_id, raw_facts, old.expires, complete=complete, kb=kb)
                reference.warnings.insert(0, f"仅供参考：以下按已被替代的 {old.number} 分析，不构成 {as_of} 的判定。")
                warnings.append(f"现行 {doc.number} 尚未编码，不能作出判定；附 {old.number} 下的分析仅供参考，不作为判定结论。")
        result = Judgement(verdict="not_determined", verdict_zh=VERDICT_ZH["not_determined"], sector=sector.id,
                           as_of=as_of, documents=[doc_ref(d) for d in pending], warnings=warnings,
                           facts=facts, reference=reference, rulebase_version=kb.version)
        _post_process(result, context)
        return result
    for doc in encoded:
        if doc.coverage_note:
            warnings.append(f"{doc.number}：{doc.coverage_note}")
    parts = _judge_documents(sector, encoded, facts, kb, complete)
    hazards, open_rules = parts["hazards"], parts["open_rules"]
    violation_questions = parts["question_rules"]
    if hazards:
        verdict = "major"
    elif open_rules:
        verdict = "insufficient"
    elif any(n.kind == "major_hazard" for n in parts["not_met"]):
        verdict = "not_major"
    elif not parts["major_possible"]:
        # every major-hazard rule in force came out false (e.g. out of its document's scope), or there
        # is none (only violation rules apply): the verdict is settled, with nothing left to ask
        verdict = "not_major"
        warnings.append("施行中的重大事故隐患判定情形对所给对象均不适用或不成立。")
    else:
        verdict = "insufficient"
        warnings.append("所给事实未涉及任何判定情形，无法判断；请按下列问题补充现场事实。")
        counts: dict[str, list[str]] = {}
        for doc in encoded:
            # a document's scope bears on every one of its rules: asked first, one answer settles which apply
            scope = list(logic.leaves(doc.scope_condition)) if doc.scope is not None else []
            for rule in doc.rules:
                if rule.then.kind == "major_hazard":
                    for leaf in scope + list(logic.leaves(rule.condition)):
                        if not sector.facts[leaf.fact].derived:
                            counts.setdefault(leaf.fact, []).append(rule.id)
        parts["question_rules"] = counts
        open_rules = sorted({r for rs in counts.values() for r in rs})
    warnings.extend(parts["notes"])
    if parts["open_violations"]:
        missing = [f.label for fid, f in sector.facts.items()
                   if set(violation_questions.get(fid, [])) & set(parts["open_violations"])]
        warnings.append(f"违法行为（非重大事故隐患）尚待补充事实：{'、'.join(missing)}"
                        f"（规则 {'、'.join(parts['open_violations'])}）")
    for h in hazards:
        if h.unverified:
            warnings.append(f"规则 {h.rule_id} 所依据的条文或解读未经充分核实：{h.unverified}")
    result = Judgement(
        verdict=verdict, verdict_zh=VERDICT_ZH[verdict], sector=sector.id, as_of=as_of,
        documents=[doc_ref(d) for d in encoded + pending], hazards=hazards, violations=parts["violations"],
        not_met=parts["not_met"], open_rules=open_rules if verdict == "insufficient" else parts["open_rules"],
        questions=_questions(sector, parts["question_rules"], open_rules) if verdict == "insufficient" else [],
        warnings=warnings, facts=facts, derived=parts["derived"], rulebase_version=kb.version)
    _post_process(result, context)
    return result


HOOK_MODULES = ["engine.routing.hook"]  # modules that register POST_PROCESSORS when imported


@lru_cache(maxsize=1)
def _load_hooks() -> None:
    """Import the hook modules once, so every caller of judge() (CLI, API, Python) gets a route."""
    for name in HOOK_MODULES:
        importlib.import_module(name)


def _post_process(result: Judgement, context: dict[str, Any] | None) -> None:
    _load_hooks()
    for hook in POST_PROCESSORS:
        hook(result, context or {})
