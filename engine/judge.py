"""Judge one finding: pick the editions in force, run their compiled rulesets, explain the outcome.

The verdict follows the three-answer rule of the design: a concluded major hazard makes
重大事故隐患 (an unanswered 除外 exception is listed as 除外情形待核实, it does not withhold it);
otherwise any open relevant rule makes 信息不足 (with the questions that settle it, the most decisive
first); only when every relevant rule is false is it 不构成 (就所报事实). A rule is relevant when the
finding gives a fact that reaches its situation: context facts (`scope: true`, what kind of unit or
place this is, and conclusions drawn only from them) and exception facts select or defeat rules but
never make one part of the finding. Every given fact is used by a document applied or named in a
warning. Routing is not done here: engine.pipeline calls judge, then routing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from engine import knowledge, logic
from engine import comparisons
from engine import questions as qrank
from engine.compiler import CNode, CompiledDocument, CompiledRule, RunResult
from engine.errors import HazardError
from engine.facts import apply_implications, edition_links, format_value, translate_editions
from engine.knowledge import KnowledgeBase, Sector
from engine.model import FRAGMENT_STARTS
from engine.model import (Document, DocumentRef, Finding, Judgement, NotMet, PendingException, Question, Reason,
                          Rule)

VERDICT_ZH = {
    "major": "重大事故隐患",
    "not_major": "不构成重大事故隐患",
    "insufficient": "信息不足",
    "not_determined": "无法判定（现行版本尚未编码）",
}

_compiled: dict[tuple[str, str], CompiledDocument] = {}


def compiled(kb: KnowledgeBase, doc: Document) -> CompiledDocument:
    key = (kb.version, doc.id)
    if key not in _compiled:
        _compiled[key] = CompiledDocument(doc)
    return _compiled[key]


def prepare(kb: KnowledgeBase | None = None) -> KnowledgeBase:
    """Load and compile the whole knowledge base up front, every ruleset defined in durable_rules
    (start-up, not first request; a single judgement compiles only what it runs)."""
    kb = kb or knowledge.default()
    for doc in kb.documents.values():
        if doc.status == "encoded":
            compiled(kb, doc).build_all()
    return kb


def doc_ref(doc: Document) -> DocumentRef:
    return DocumentRef(id=doc.id, title=doc.title, number=doc.number, issuer=doc.issuer,
                       effective=doc.effective, expires=doc.expires)


def show_value(fact: Any, value: Any) -> Any:
    """A value as shown: a comparison outcome as the words it was given in."""
    return value.text if isinstance(value, logic.Outcome) else format_value(fact, value)


def plain_value(value: Any) -> Any:
    return value.text if isinstance(value, logic.Outcome) else value


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

    def truth(self, node: CNode | None) -> bool | None:
        return self.run.truth(node)

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
        return [Reason(fact=leaf.fact, label=fact.label, value=plain_value(ctx.value(leaf.fact)),
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
        got = show_value(fact, ctx.value(leaf.fact))
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


def _whole_situation(rule: Rule, clause_text: str) -> str:
    """The situation as an inspector reads it: the rule's part of the clause when it is a sentence of
    its own, the whole clause when the part is a fragment (e.g. "或者制度未有效执行")."""
    situation = (rule.situation or "").strip()
    if not situation or situation.startswith(FRAGMENT_STARTS) or len(situation) < 6:
        return clause_text or situation
    return situation




def _exception_clause(doc: Document, clause_no: str) -> tuple[str, str]:
    """The clause that states a rule's 除外 exception: its own, or the lead-in of the item it belongs to
    (e.g. 第二十条（五） for 第二十条（五）1．), whichever says 除外."""
    own = doc.clause(clause_no)
    if own is not None and own.text and "除外" in own.text:
        return clause_no, own.text
    parents = [c for c in doc.clauses if c.no != clause_no and clause_no.startswith(c.no) and c.text and "除外" in c.text]
    if parents:
        best = max(parents, key=lambda c: len(c.no))
        return best.no, best.text or ""
    return clause_no, (own.text or "") if own is not None else ""


def _pending_exceptions(ctx: _Context, r: CompiledRule) -> list[PendingException]:
    """The unanswered facts of a 除外 exception (a derived exception as one question, not its
    grounds), each with its question and the clause that states it."""
    out: dict[str, PendingException] = {}
    for leaf in logic.leaves(r.unless.node):
        fid = leaf.fact
        if fid in out or ctx.value(fid) is not None:
            continue
        fact = ctx.sector.facts[fid]
        deriver = ctx.deriving_rule(fid)
        clause_no, text = _exception_clause(ctx.cdoc.doc, deriver.rule.clause if deriver else r.rule.clause)
        out[fid] = PendingException(fact=fid, label=fact.label, question=fact.question, clause=clause_no, text=text)
    return list(out.values())


def _finding(ctx: _Context, r: CompiledRule, pending: list[PendingException] | None = None) -> Finding:
    rule = r.rule
    clause = ctx.cdoc.doc.clause(rule.clause)
    return Finding(rule_id=rule.id, kind=rule.then.kind, document=doc_ref(ctx.cdoc.doc), clause=rule.clause,
                   text=clause.text if clause else "", situation=rule.situation,
                   reasoning=_reasons(ctx, r.when, True), unverified=rule.unverified or (clause.unverified if clause else None),
                   exceptions_pending=pending or [])


def _not_met(doc: Document, rule: Rule, failed: list[str], defeated_by: str | None = None) -> NotMet:
    clause = doc.clause(rule.clause)
    return NotMet(rule_id=rule.id, document=doc.id, clause=rule.clause, kind=rule.then.kind,
                  situation=_whole_situation(rule, clause.text if clause and clause.text else ""),
                  failed=failed, defeated_by=defeated_by)


# ---- relevance: which rules a finding touches ------------------------------------------------

_situation_cache: dict[tuple[str, str], dict[str, frozenset[str]]] = {}


def situation_facts(kb: KnowledgeBase, sector: Sector, cdoc: CompiledDocument) -> dict[str, frozenset[str]]:
    """For each rule of a document, the facts that reach its situation: the facts its condition
    tests, and through derived facts the facts those are concluded from; without the context facts
    (`scope: true`: what kind of unit or place this is, and conclusions drawn only from them) and
    without the facts of a 除外 exception (an exception is no finding). A finding giving none of
    them is not judged against that rule."""
    key = (kb.version, cdoc.doc.id)
    if key in _situation_cache:
        return _situation_cache[key]
    out: dict[str, frozenset[str]] = {}
    doc = cdoc.doc
    doc_scope = {leaf.fact for leaf in logic.leaves(doc.scope_condition)} if doc.scope is not None else set()
    for r in cdoc.rules:
        found: set[str] = set()
        stack = [r.when] + ([r.unless] if r.unless is not None and r.rule.unless_kind == "condition" else [])
        seen: set[str] = set()
        while stack:
            node = stack.pop()
            if isinstance(node.node, logic.Leaf):
                fid = node.node.fact
                if fid in seen:
                    continue
                seen.add(fid)
                if not sector.facts[fid].scope:
                    found.add(fid)
                deriver = cdoc.derivers.get(fid)
                if deriver is not None:
                    stack.append(deriver.when)
                    if deriver.unless is not None and deriver.rule.unless_kind == "condition":
                        stack.append(deriver.unless)
            else:
                stack.extend(node.children)
        if not found:
            # the situation is itself made of context facts (e.g. 甲、乙类仓库设置在地下室): they are the finding,
            # when the finding states them all (one of them alone says what kind of place this is)
            found = {leaf.fact for leaf in logic.leaves(r.rule.condition)} - doc_scope
            _context_only.setdefault(key, set()).add(r.rule.id)
        out[r.rule.id] = frozenset(found)
    _situation_cache[key] = out
    return out


_context_only: dict[tuple[str, str], set[str]] = {}


def context_only(kb: KnowledgeBase, sector: Sector, cdoc: CompiledDocument) -> frozenset[str]:
    """The rules of a document whose situation is made only of context facts (see situation_facts)."""
    situation_facts(kb, sector, cdoc)
    return frozenset(_context_only.get((kb.version, cdoc.doc.id), ()))


_relevance_cache: dict[tuple[str, str], tuple[dict[str, tuple[int, ...]], int]] = {}


def _relevance_index(kb: KnowledgeBase, sector: Sector, cdoc: CompiledDocument) -> tuple[dict[str, tuple[int, ...]], int]:
    """For a document: fact -> positions (in cdoc.rules) of the rules whose situation it reaches
    (situation_facts, inverted), and the number of its major-hazard rules. Built once per rule base."""
    key = (kb.version, cdoc.doc.id)
    if key not in _relevance_cache:
        by_fact: dict[str, list[int]] = {}
        touching = situation_facts(kb, sector, cdoc)
        for position, r in enumerate(cdoc.rules):
            for fid in touching[r.rule.id]:
                by_fact.setdefault(fid, []).append(position)
        majors = sum(r.rule.then.kind == "major_hazard" for r in cdoc.rules)
        _relevance_cache[key] = ({k: tuple(v) for k, v in by_fact.items()}, majors)
    return _relevance_cache[key]


def _reaches(ctx: _Context, r: CompiledRule, given: set[str]) -> bool:
    """Whether a given (non-context) fact bears on the open rule `r` through a condition that is not
    false: directly, or through a derived fact that is not concluded false."""
    stack = [r.when] + ([r.unless] if r.unless is not None and r.rule.unless_kind == "condition" else [])
    seen: set[str] = set()
    while stack:
        node = stack.pop()
        if ctx.truth(node) is False:
            continue
        if not isinstance(node.node, logic.Leaf):
            stack.extend(node.children)
            continue
        fid = node.node.fact
        if fid in given:
            return True
        deriver = ctx.deriving_rule(fid) if fid not in ctx.facts else None
        if deriver is not None and fid not in seen:
            seen.add(fid)
            stack.append(deriver.when)
            if deriver.unless is not None and deriver.rule.unless_kind == "condition":
                stack.append(deriver.unless)
    return False


def _article(clause: str) -> str:
    """The article a clause belongs to: 第九条（二） -> 第九条 (a clause without items is its own)."""
    return clause.split("（", 1)[0]


_lead_in_cache: dict[tuple[str, str], dict[str, frozenset[str]]] = {}


def _lead_in_facts(kb: KnowledgeBase, cdoc: CompiledDocument, touching: dict[str, frozenset[str]]
                   ) -> dict[str, frozenset[str]]:
    """Per article with several items, the facts every one of its rules tests: its lead-in
    (第九条 "燃气经营者安全检查时发现……不按规定采取书面告知用户整改等措施的")."""
    key = (kb.version, cdoc.doc.id)
    if key in _lead_in_cache:
        return _lead_in_cache[key]
    groups: dict[str, list[frozenset[str]]] = {}
    clauses: dict[str, set[str]] = {}
    for r in cdoc.rules:
        if r.rule.then.kind == "derive":
            continue
        article = _article(r.rule.clause)
        groups.setdefault(article, []).append(touching[r.rule.id])
        clauses.setdefault(article, set()).add(r.rule.clause)
    out = {a: frozenset.intersection(*sets) for a, sets in groups.items() if len(clauses[a]) > 1}
    out = {a: common for a, common in out.items() if common}
    _lead_in_cache[key] = out
    return out


def _judge_documents(sector: Sector, docs: Iterable[Document], facts: dict[str, Any], kb: KnowledgeBase,
                     complete: bool, implied: frozenset[str] = frozenset()) -> dict[str, Any]:
    hazards, violations, not_met, open_rules = [], [], [], []
    question_rules: dict[str, list[str]] = {}
    derived: dict[str, Any] = {}
    notes: list[str] = []
    major_possible = False  # some major-hazard rule is not settled false (it is true or may still become true)
    open_violations: list[str] = []
    contexts: dict[str, _Context] = {}
    rule_docs: dict[str, str] = {}
    for doc in docs:
        cdoc = compiled(kb, doc)
        ctx = _Context(sector, cdoc, cdoc.run(facts), facts)
        contexts[doc.id] = ctx
        derived.update(ctx.run.derived)
        touching = situation_facts(kb, sector, cdoc)
        stated = facts.keys() - implied  # an implied fact is context: it never makes a rule part of the finding
        by_fact, majors = _relevance_index(kb, sector, cdoc)
        # the rules to look at: those a given fact is relevant to and those of the rulesets that ran;
        # every other rule is open and irrelevant, so it only keeps a major hazard possible
        positions: set[int] = set()
        for fid in facts:
            positions.update(by_fact.get(fid, ()))
        ran = getattr(ctx.run.rules, "ran", ctx.run.rules)
        positions.update(cdoc.rule_ids[rid] for rid in ran)
        lead_ins = _lead_in_facts(kb, cdoc, touching)
        pure_context = context_only(kb, sector, cdoc)
        named_items: set[str] = set()  # articles with a lead-in where the finding names one of the items
        if lead_ins:
            for position in positions:
                other = cdoc.rules[position].rule
                common = lead_ins.get(_article(other.clause))
                if other.then.kind != "derive" and common and (touching[other.id] & stated) - common:
                    named_items.add(_article(other.clause))
        seen_majors = 0
        for position in sorted(positions):
            r = cdoc.rules[position]
            rule = r.rule
            if rule.then.kind == "derive":
                continue
            seen_majors += rule.then.kind == "major_hazard"
            rule_docs[rule.id] = doc.id
            relevant = not touching[rule.id].isdisjoint(stated)
            if relevant and rule.id in pure_context and (
                    not touching[rule.id] <= stated or (r.scope is not None and ctx.truth(r.scope) is None)):
                # "甲类厂房" alone does not make 6.4 (设在地下室) part of the finding; nor do context facts of a
                # document whose own scope the finding leaves open (未采用机械通风 with no mine kind stated)
                relevant = False
            outcome = ctx.run.rules.get(rule.id)
            if relevant and outcome is None:
                # an open rule is part of the finding only where a given fact bears on it without being
                # ruled out: a fact that only rules one part of a situation out (e.g. two of the
                # elements counted by 5.3.3 absent) does not bring the rest of it into the finding
                relevant = _reaches(ctx, r, touching[rule.id] & stated)
                given_here = touching[rule.id] & stated
                article = _article(rule.clause)
                common = lead_ins.get(article)
                if relevant and common and given_here <= common and article in named_items:
                    # only the article's lead-in is stated here (第九条 燃气经营者未书面告知), and the finding
                    # names another item of the article (地下室内的燃具): this item is not part of it
                    relevant = False
            exception = rule.unless_kind == "exception" and r.unless is not None
            if (outcome is None and exception and not complete and ctx.truth(r.when) is True
                    and (r.scope is None or ctx.truth(r.scope) is True) and ctx.truth(r.unless) is None):
                # a 除外 exception nobody has shown: the situation stands; the exception is to be verified
                finding = _finding(ctx, r, _pending_exceptions(ctx, r))
                (hazards if rule.then.kind == "major_hazard" else violations).append(finding)
                major_possible = major_possible or rule.then.kind == "major_hazard"
                continue
            major_possible = major_possible or (rule.then.kind == "major_hazard" and outcome is not False)
            if outcome is True:
                (hazards if rule.then.kind == "major_hazard" else violations).append(_finding(ctx, r))
                continue
            if not relevant:
                continue
            if outcome is False:
                if r.scope is not None and ctx.truth(r.scope) is False:
                    not_met.append(_not_met(doc, rule, ["不适用：" + "；".join(_failed(ctx, r.scope))]))
                elif r.unless is not None and ctx.truth(r.when) is not False and ctx.truth(r.unless) is True:
                    # withheld by an exclusion (also when the situation itself is still open)
                    why = "；".join(_grounds(x) for x in _reasons(ctx, r.unless, True))
                    not_met.append(_not_met(doc, rule, [f"排除情形成立：{why}"], why))
                else:
                    not_met.append(_not_met(doc, rule, _failed(ctx, r.when)))
                continue
            # open
            if complete and ctx.truth(r.when) is not True:
                not_met.append(_not_met(doc, rule, ["检查已完成：未报告该情形的事实，视为未发现"]))
                continue
            if complete and ctx.truth(r.when) is True:
                # the situation is present and only an exclusion (or scope) is unanswered
                finding = _finding(ctx, r)
                notes.append(f"规则 {rule.id}：排除情形或适用范围未提供，按检查完成视为不成立")
                (hazards if rule.then.kind == "major_hazard" else violations).append(finding)
                continue
            (open_rules if rule.then.kind == "major_hazard" else open_violations).append(rule.id)
            seen: set[str] = set()
            # an exception is not asked before the situation: it cannot keep a major hazard open
            parts = [r.when] + ([r.unless] if r.unless is not None and not exception else [])
            for part in ([r.scope] if r.scope is not None else []) + parts:
                for fact in _unknown_facts(ctx, part, seen):
                    question_rules.setdefault(fact, []).append(rule.id)
        if seen_majors < majors:  # a major-hazard rule not looked at is open
            major_possible = True
    return dict(hazards=hazards, violations=violations, not_met=not_met, open_rules=open_rules,
                question_rules=question_rules, derived=derived, notes=notes, contexts=contexts,
                rule_docs=rule_docs, major_possible=major_possible, open_violations=open_violations)


def _questions(sector: Sector, question_rules: dict[str, list[str]], open_rules: list[str],
               ranking: dict[str, tuple[int, int]] | None = None, prefer: dict[str, int] | None = None) -> list[Question]:
    """The most decisive first: facts whose answer alone can make the verdict 重大事故隐患, then
    facts whose answer alone settles an open situation, then the rest; within each, the facts
    bearing on most open rules first; ties keep the order the rules ask them in (a derived fact
    before the facts it is derived from, since one answer to it settles them all)."""
    wanted = set(open_rules)
    items = [(i, fid, rules) for i, (fid, rules) in enumerate(question_rules.items()) if set(rules) & wanted]
    ranking = ranking or {}
    tiers = {0: "major", 1: "settle", 2: "more"}
    prefer = prefer or {}
    items.sort(key=lambda x: (ranking.get(x[1], (2, 0))[0], -prefer.get(x[1], 0), -len(set(x[2]) & wanted), x[0]))
    out = []
    for _, fid, rules in items:
        fact = sector.facts[fid]
        out.append(Question(fact=fid, label=fact.label, question=fact.question, type=fact.type,
                            values=fact.values, unit=fact.unit, open_rules=sorted(set(rules) & wanted),
                            decides=tiers[ranking.get(fid, (2, 0))[0]]))
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


DEFAULT_QUESTIONS = 3  # questions shown unless all are asked for; the count of the rest is given


def verdict_term(sector: Sector, verdict: str) -> str:
    """The verdict in the sector's own words (e.g. 重大火灾隐患 for fire), else the general term."""
    return sector.verdict_terms.get(verdict) or VERDICT_ZH[verdict]


def _sector(kb: KnowledgeBase, sector_id: str) -> Sector:
    sector = kb.sectors.get(sector_id)
    if sector is None:
        raise HazardError("unknown_sector", f"未知行业“{sector_id}”；可选：{'、'.join(kb.sectors)}", "sector")
    return sector


def judge(sector_id: str, raw_facts: dict[str, Any], as_of: dt.date | None = None, *, complete: bool = False,
          kb: KnowledgeBase | None = None, all_questions: bool = False) -> Judgement:
    """Judge one case without routing (engine.pipeline adds the route). `raw_facts` maps fact ids or
    Chinese labels to values (read by engine.facts.parse_facts); `as_of` is the inspection date
    (default today). Raises HazardError for an unknown sector, fact or value, or a date with no
    edition in force."""
    kb = kb or knowledge.default()
    sector = _sector(kb, sector_id)
    return judge_facts(sector, comparisons.read_facts(sector, raw_facts), as_of, complete=complete, kb=kb,
                       all_questions=all_questions)


def judge_facts(sector: Sector, facts: dict[str, Any], as_of: dt.date | None = None, *, complete: bool = False,
                kb: KnowledgeBase | None = None, all_questions: bool = False) -> Judgement:
    """Judge typed facts (fact id -> value) of one sector: the editions in force on `as_of`, their
    rules, the verdict with its reasons, the questions (the most decisive first; the top
    DEFAULT_QUESTIONS unless `all_questions`) and a warning for every given fact no document in
    force uses."""
    kb = kb or knowledge.default()
    as_of = as_of or dt.date.today()
    stated_keys = set(facts)
    facts, implied_notes = apply_implications(sector, facts)  # what a label states besides itself
    implied = frozenset(set(facts) - stated_keys)
    all_in_force = knowledge.documents_in_force(sector, as_of)
    # a document whose scope the given facts rule out (e.g. a non-coal standard for a coal mine) does not
    # apply: it is neither judged nor warned about; an open scope keeps it (its rules then ask for the fact)
    in_force = [d for d in all_in_force
                if d.scope is None or logic.evaluate(d.scope_condition, facts) is not False]
    if all_in_force and not in_force:
        known = "；".join(f"{d.number}（{d.effective} 起）" for d in all_in_force)
        raise HazardError("no_edition_in_force",
                          f"{as_of} 施行的{sector.label}判定标准（{known}）均不适用于所给对象", "as_of")
    if not in_force:
        known = "；".join(f"{d.number}（{d.effective} 起）" for d in sector.documents)
        raise HazardError("no_edition_in_force",
                          f"{as_of} 没有已知的{sector.label}判定标准施行（已知：{known}）", "as_of")
    encoded = [d for d in in_force if d.status == "encoded"]
    pending = [d for d in in_force if d.status == "not_encoded"]
    warnings = list(implied_notes)
    for doc in pending:
        applied = "、".join(f"{d.number}" for d in encoded)
        tail = f"本判定适用 {applied}。" if encoded else "本结论不构成判定。"
        warnings.append(f"{doc.number}《{doc.title}》自 {doc.effective} 起施行，尚未编码（{doc.status_note or '条文未取得'}）；{tail}")
    if not encoded:
        reference = None
        for doc in pending:
            old = _replaced_encoded(sector, doc)
            if old is not None and old.expires is not None:
                reference = judge_facts(sector, facts, old.expires, complete=complete, kb=kb,
                                        all_questions=all_questions)
                reference.warnings.insert(0, f"仅供参考：以下按已被替代的 {old.number} 分析，不构成 {as_of} 的判定。")
                warnings.append(f"现行 {doc.number} 尚未编码，不能作出判定；附 {old.number} 下的分析仅供参考，不作为判定结论。")
        if reference is None:  # no earlier encoded edition to analyse under: name each given fact left unjudged
            warnings.extend(unused_fact_warnings(sector, facts, pending, as_of, kb))
        return Judgement(verdict="not_determined", verdict_zh=verdict_term(sector, "not_determined"),
                         sector=sector.id, as_of=as_of, documents=[doc_ref(d) for d in pending],
                         warnings=_once(warnings), facts=_plain(facts), reference=reference, rulebase_version=kb.version)
    for doc in encoded:
        if doc.coverage_note:
            warnings.append(f"{doc.number}：{doc.coverage_note}")
    given = facts
    facts, edition_notes = translate_editions(sector, facts, encoded)  # a fact given under another edition's label
    warnings.extend(edition_notes)
    parts = _judge_documents(sector, encoded, facts, kb, complete, implied)
    hazards, open_rules = parts["hazards"], parts["open_rules"]
    violation_questions = parts["question_rules"]
    if hazards:
        verdict = "major"
    elif open_rules:
        verdict = "insufficient"
    elif any(n.kind == "major_hazard" for n in parts["not_met"]):
        verdict = "not_major"
    elif complete:
        # the inspection is finished and reported no situation of any rule: none was found; the
        # situations the given context points to (e.g. 充装介质 -> the filling clause) are listed
        verdict = "not_major"
        warnings.append("检查已完成，所报事实未涉及任何判定情形，视为未发现重大事故隐患。")
        for doc in encoded:
            ctx = parts["contexts"][doc.id]
            for rid in _pointed(ctx, facts):
                rule = ctx.cdoc.rules[ctx.cdoc.rule_ids[rid]].rule
                parts["not_met"].append(_not_met(doc, rule, ["检查已完成：未报告该情形的事实，视为未发现"]))
    elif not parts["major_possible"]:
        # every major-hazard rule in force came out false (e.g. out of its document's scope), or there
        # is none (only violation rules apply): the verdict is settled, with nothing left to ask
        verdict = "not_major"
        warnings.append("施行中的重大事故隐患判定情形对所给对象均不适用或不成立。")
    else:
        verdict = "insufficient"
        warnings.append("所给事实未涉及任何判定情形，无法判断；请按下列问题补充现场事实。")
        counts: dict[str, list[str]] = {}
        # the situations the given context (or an exception answered) points to come first, e.g. the
        # self-ignition clauses for 开采煤层自燃倾向性; the document scope (矿山类别) points to all
        affinity: dict[str, int] = {}
        for doc in encoded:
            affinity.update(_pointed(parts["contexts"][doc.id], facts))
        # a fact given under another edition's label that is not the same test (replaced_by): the
        # situations of its counterpart in force are what the finding is about
        links = edition_links(sector)
        counterparts = {other for fid in given for other, kind in links.get(fid, ()) if kind != "same_as"}
        for doc in encoded:
            ctx = parts["contexts"][doc.id]
            for r in ctx.cdoc.rules:
                if (r.rule.then.kind == "major_hazard" and ctx.run.rules.get(r.rule.id) is not False
                        and ctx.cdoc.touching[r.rule.id] & counterparts):
                    affinity[r.rule.id] = max(affinity.get(r.rule.id, 0), 1)
        for doc in encoded:
            ctx = parts["contexts"][doc.id]
            cdoc = ctx.cdoc
            for r in cdoc.rules:
                if r.rule.then.kind != "major_hazard" or ctx.run.rules.get(r.rule.id) is False:
                    continue
                if affinity and r.rule.id not in affinity:
                    continue
                seen: set[str] = set()
                # a document's scope bears on every one of its rules: one answer settles which apply
                for part in ([r.scope] if r.scope is not None else []) + [r.when]:
                    for fid in _unknown_facts(ctx, part, seen):
                        counts.setdefault(fid, []).append(r.rule.id)
                parts["rule_docs"][r.rule.id] = doc.id
        parts["question_rules"] = counts
        parts["prefer"] = {fid: max(affinity.get(r, 0) for r in rules) for fid, rules in counts.items()}
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
        for e in h.exceptions_pending:
            warnings.append(f"规则 {h.rule_id}：除外情形待核实——{e.label}（条款 {e.clause}）")
    named = {fid for fid in given if any(f"“{sector.facts[fid].label}”" in n for n in edition_notes)}
    warnings.extend(unused_fact_warnings(sector, {k: v for k, v in given.items() if k not in named}, encoded, as_of, kb))
    questions: list[Question] = []
    omitted = 0
    if verdict == "insufficient":
        wanted = {fid: rules for fid, rules in parts["question_rules"].items()
                  if fid not in facts and fid not in parts["derived"] and set(rules) & set(open_rules)}
        trials = qrank.Trials(facts)  # probe.outcome(rid, {**facts, fid: v}), shared by the ranking and _either_way
        ranking = qrank.rank(sector.facts, {d.id: _probe(kb, d) for d in encoded}, trials,
                             {fid: [r for r in rules if r in set(open_rules)] for fid, rules in wanted.items()},
                             parts["rule_docs"])
        questions = _questions(sector, wanted, open_rules, ranking, parts.get("prefer"))
        split = _either_way(sector, encoded, facts, [q.fact for q in questions if q.decides == "major"],
                            parts["contexts"], parts["rule_docs"], kb, trials)
        if split is not None:
            hazards, note = split
            verdict, questions = "major", []
            warnings.append(note)
        if not all_questions and len(questions) > DEFAULT_QUESTIONS:
            omitted = len(questions) - DEFAULT_QUESTIONS
            questions = questions[:DEFAULT_QUESTIONS]
    return Judgement(
        verdict=verdict, verdict_zh=verdict_term(sector, verdict), sector=sector.id, as_of=as_of,
        on_reported_facts=verdict == "not_major" and not complete and parts["major_possible"],
        documents=[doc_ref(d) for d in encoded], hazards=hazards, violations=parts["violations"],
        not_met=parts["not_met"], open_rules=open_rules if verdict == "insufficient" else parts["open_rules"],
        questions=questions, questions_omitted=omitted,
        warnings=_once(warnings), facts=_plain(facts), derived=parts["derived"], rulebase_version=kb.version)


def _either_way(sector: Sector, encoded: list[Document], facts: dict[str, Any], candidates_facts: list[str],
                contexts: dict[str, _Context], rule_docs: dict[str, str], kb: KnowledgeBase,
                trials: qrank.Trials) -> tuple[list[Finding], str] | None:
    """A case decided whatever the answer: a missing fact for which every possible answer concludes
    some major hazard (e.g. 第十八条 "未制定……制度，或者制度未有效执行" when the rules were not
    enforced: not made -> the first situation, made -> the second). Returns the findings, one per
    concluding rule, and a note saying so; None when no such fact. `trials` are on `facts`."""
    docs = {d.id: d for d in encoded}
    for fid in candidates_facts:
        fact = sector.facts[fid]
        by_value: dict[Any, str] = {}
        values: list[Any] = []
        for doc in encoded:
            ctx = contexts[doc.id]
            probe = _probe(kb, doc)
            tried = qrank.candidates(fact, probe)
            values += [v for v in tried if v not in values]
            for position in ctx.cdoc.touched_by.get(fid, ()):  # the rules `fid` touches, in rule order
                r = ctx.cdoc.rules[position]
                rid = r.rule.id
                if r.rule.then.kind != "major_hazard" or ctx.run.rules.get(rid) is False:
                    continue
                rule_docs.setdefault(rid, doc.id)
                for v in tried:
                    if v not in by_value and trials.outcome(probe, rid, fid, v) is True:
                        by_value[v] = rid
        if not values or any(v not in by_value for v in values):
            continue
        findings: dict[str, Finding] = {}
        for v, rid in by_value.items():
            doc = docs[rule_docs[rid]]
            rule = next(r for r in doc.rules if r.id == rid)
            if rid in findings:
                continue
            clause = doc.clause(rule.clause)
            reasons = [Reason(fact=leaf.fact, label=sector.facts[leaf.fact].label, value=plain_value(facts[leaf.fact]),
                              condition=condition_text(leaf, sector), source="given")
                       for leaf in logic.leaves(rule.condition) if leaf.fact in facts]
            reasons.append(Reason(fact=fid, label=fact.label, value=format_value(fact, v),
                                  condition=f"若 {fact.label} 为 {format_value(fact, v)}", source="either_way"))
            findings[rid] = Finding(rule_id=rid, kind="major_hazard", document=doc_ref(doc), clause=rule.clause,
                                    text=clause.text if clause else "", situation=rule.situation, reasoning=reasons,
                                    unverified=rule.unverified or (clause.unverified if clause else None))
        cases = "；".join(f"为{format_value(fact, v)}时依规则 {rid}" for v, rid in by_value.items())
        return list(findings.values()), f"“{fact.label}”无论取何值均构成重大事故隐患（{cases}），不必再问。"
    return None


def _pointed(ctx: _Context, facts: dict[str, Any]) -> dict[str, int]:
    """The major-hazard rules still open (not settled false) that test a given fact other than the
    document's scope, directly or through the facts a derived fact is concluded from, with how many
    given facts each tests: where a finding of context only points to."""
    out = {}
    cdoc = ctx.cdoc
    for position in sorted({p for fid in facts for p in cdoc.touched_by.get(fid, ())}):
        r = cdoc.rules[position]
        if r.rule.then.kind != "major_hazard" or ctx.run.rules.get(r.rule.id) is False:
            continue
        out[r.rule.id] = len(cdoc.touching[r.rule.id] & facts.keys())
    return out


_probes: dict[tuple[str, str], qrank.Probe] = {}


def _probe(kb: KnowledgeBase, doc: Document) -> qrank.Probe:
    key = (kb.version, doc.id)
    if key not in _probes:
        _probes[key] = qrank.Probe(doc)
    return _probes[key]


def _plain(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts as the judgement shows them (a comparison outcome as its words)."""
    return {k: plain_value(v) for k, v in facts.items()}


def _once(items: list[str]) -> list[str]:
    """Each warning once, in the order first given."""
    return list(dict.fromkeys(items))


def _tests(doc: Document) -> frozenset[str]:
    """Every fact a document's rules or scope test (computed once per document)."""
    return doc.tested_facts


def unused_fact_warnings(sector: Sector, facts: dict[str, Any], applied: list[Document], as_of: dt.date,
                         kb: KnowledgeBase) -> list[str]:
    """One warning for every given fact that no applied document tests: which fact, why it was not
    used (its document is not in force on `as_of`, or does not apply to the object, or no clause
    tests it) and, where the vocabulary links it, the matching fact of the edition in force."""
    out = []
    for fid in facts:
        if any(fid in _tests(doc) for doc in applied):
            continue
        fact = sector.facts[fid]
        elsewhere = [d for d in sector.documents if d.status == "encoded" and fid in _tests(d)]
        if not elsewhere:
            why = "没有任何已编码的判定条款检验该事实"
        else:
            not_in_force = [d for d in elsewhere if not d.in_force(as_of)]
            out_of_scope = [d for d in elsewhere if d.in_force(as_of)]
            reasons = []
            if not_in_force:
                reasons.append("该事实属于 " + "、".join(f"{d.number}（{_period(d)}）" for d in not_in_force)
                               + f"，{as_of} 不施行")
            if out_of_scope:
                reasons.append("、".join(d.number for d in out_of_scope) + " 不适用于所给对象"
                               + "".join(f"（{d.scope_note}）" for d in out_of_scope if d.scope_note))
            why = "；".join(reasons)
        match = _counterpart(sector, fact, applied)
        tail = f"；现行对应事实为“{match.label}”，请按其填写" if match is not None else ""
        out.append(f"所给事实“{fact.label}”未被采用：{why}{tail}。")
    return out


def _period(doc: Document) -> str:
    return f"{doc.effective} 至 {doc.expires}" if doc.expires else f"{doc.effective} 起"


def _counterpart(sector: Sector, fact: Any, applied: list[Document]) -> Any:
    """The fact of an applied edition the vocabulary links to `fact` (same_as / replaced_by), if any."""
    used: set[str] = set()
    for doc in applied:
        used |= _tests(doc)
    for attr in ("same_as", "carries_to", "replaced_by"):
        links = getattr(fact, attr, None)
        for link in ([links] if isinstance(links, str) else list(links or [])):
            if link in used and link in sector.facts:
                return sector.facts[link]
    for other in sector.facts.values():  # linked from the other side
        for attr in ("same_as", "carries_to", "replaced_by"):
            links = getattr(other, attr, None)
            if fact.id in ([links] if isinstance(links, str) else list(links or [])) and other.id in used:
                return other
    return None
