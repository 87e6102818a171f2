"""`hazard vocabulary`: the facts of a sector as an inspector looks for them.

Filtered to the editions in force on a date (or one edition), searchable by keywords over
labels, ids, values, aliases, phrases and questions, and grouped by the clause whose situations
test them. Enum values are quoted one by one (“商店、商场、集贸市场”), so a value containing “、”
is never read as several values.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from engine import knowledge, logic
from engine.errors import HazardError
from engine.knowledge import KnowledgeBase, Sector
from engine.model import Document, Fact
from engine.normalize import key


@dataclass
class Group:
    """The facts one clause of one document tests (or a document's scope / facts no rule tests)."""

    title: str
    document: str | None = None
    clause: str | None = None
    text: str | None = None
    facts: list[str] = field(default_factory=list)


def searchable(fact: Fact) -> list[str]:
    """Every text of a fact a keyword may match: label, id, values, aliases, phrases, question, note."""
    out = [fact.label, fact.id, fact.question, fact.note or "", fact.unit or ""]
    out += fact.values or []
    for words in list(fact.aliases.values()) + list(fact.phrases.values()):
        out += [str(w) for w in words]
    return out


def matches(fact: Fact, keywords: list[str]) -> bool:
    """True when every keyword occurs in some text of the fact (compared by normalize.key)."""
    texts = [key(t) for t in searchable(fact)]
    return all(any(key(k) in t for t in texts) for k in keywords)


def _rule_facts(node: logic.Node) -> list[str]:
    seen: list[str] = []
    for leaf in logic.leaves(node):
        if leaf.fact not in seen:
            seen.append(leaf.fact)
    return seen


def select_documents(sector: Sector, as_of: dt.date | None, edition: str | None) -> list[Document]:
    """The documents to show: one edition by id or number, those in force on `as_of`, or all."""
    docs = sector.documents
    if edition:
        chosen = [d for d in docs if key(edition) in (key(d.id), key(d.number))]
        if not chosen:  # a unique part of a number, e.g. 令第21号
            chosen = [d for d in docs if key(edition) in key(d.number)]
            chosen = chosen if len(chosen) == 1 else []
        if not chosen:
            known = "、".join(f"{d.id}（{d.number}）" for d in docs)
            raise HazardError("unknown_document", f"{sector.label}没有版本“{edition}”；可选：{known}", "edition")
        return chosen
    if as_of is not None:
        chosen = knowledge.documents_in_force(sector, as_of)
        if not chosen:
            raise HazardError("no_edition_in_force", f"{as_of} 没有施行中的{sector.label}判定标准", "as_of")
        by_id = {d.id: d for d in docs}
        for doc in list(chosen):  # an edition in force but not encoded: its encoded predecessor (judge's reference)
            old = doc
            while doc.status != "encoded" and old.replaces and old.replaces in by_id:
                old = by_id[old.replaces]
                if old.status == "encoded":
                    if old not in chosen:
                        chosen.append(old)
                    break
        return chosen
    return list(docs)


def groups(sector: Sector, docs: list[Document], keywords: list[str]) -> list[Group]:
    """Context facts first, then one group per clause in document order; facts no shown
    document tests are listed last (only when no edition filter hides them: see `view`)."""
    wanted = {fid for fid, f in sector.facts.items() if not keywords or matches(f, keywords)}
    out: list[Group] = []
    context = [fid for fid, f in sector.facts.items() if f.scope and fid in wanted]
    for doc in docs:
        if doc.scope is not None:
            context += [f for f in _rule_facts(doc.scope_condition) if f in wanted and f not in context]
    if context:
        out.append(Group(title="适用范围与基本情况（情境事实）", facts=context))
    shown = set(context)
    for doc in docs:
        by_clause: dict[str, list[str]] = {}
        for rule in doc.rules:
            nodes = [rule.condition] + ([rule.defeater] if rule.unless is not None else [])
            facts = by_clause.setdefault(rule.clause, [])
            for node in nodes:
                facts += [f for f in _rule_facts(node) if f in wanted and f not in facts and f not in context]
            if rule.then.kind == "derive" and rule.then.fact in wanted and rule.then.fact not in facts:
                facts.append(rule.then.fact)
        for clause in doc.clauses:
            facts = by_clause.get(clause.no) or []
            if facts:
                out.append(Group(title=f"{doc.number} {clause.no}", document=doc.id, clause=clause.no,
                                 text=clause.text, facts=facts))
                shown.update(facts)
    return out


def unused(sector: Sector, docs: list[Document], keywords: list[str]) -> list[str]:
    """Facts matching the keywords that no rule of any document of the sector tests."""
    used = set()
    for doc in sector.documents:
        for rule in doc.rules:
            for node in [rule.condition] + ([rule.defeater] if rule.unless is not None else []):
                used |= {leaf.fact for leaf in logic.leaves(node)}
            if rule.then.kind == "derive":
                used.add(rule.then.fact)
        if doc.scope is not None:
            used |= {leaf.fact for leaf in logic.leaves(doc.scope_condition)}
    return [fid for fid, f in sector.facts.items() if fid not in used and (not keywords or matches(f, keywords))]


def describe_type(fact: Fact) -> str:
    """The kind of answer a fact takes, with enum values quoted one by one."""
    if fact.type == "bool":
        return "是/否"
    if fact.type == "number":
        unit = f"，单位 {fact.unit}" if fact.unit else ""
        need = f"（{fact.unit_required_up_to:g} 以内须写单位）" if fact.unit_required_up_to is not None else ""
        return f"数值{unit}{need}"
    return "取值之一：" + "；".join(f"“{v}”" for v in fact.values or [])


def fact_lines(fact: Fact, sector: Sector) -> list[str]:
    tags = "（可推出）" if fact.derived else ""
    tags += "（情境）" if fact.scope else ""
    lines = [f"  {fact.label}{tags}  [{fact.id}]"]
    if fact.type == "enum" and len(fact.values or []) > 5:  # one value a line: “、” inside a value stays inside
        lines.append("      取值之一：")
        lines += [f"        · {v}" for v in fact.values or []]
    else:
        lines.append(f"      {describe_type(fact)}")
    lines.append(f"      问：{fact.question}")
    aliases = [f"{a}→“{v}”" if fact.type == "enum" else f"{a}→{'是' if v == 'true' else '否'}"
               for v, words in fact.aliases.items() for a in words]
    if aliases:
        lines.append("      也可写：" + "，".join(aliases))
    label = {fid: f"“{f.label}”" for fid, f in sector.facts.items()}
    same = [label[f.id] for f in sector.facts.values() if f.same_as == fact.id] + (
        [label.get(fact.same_as, fact.same_as)] if fact.same_as else [])
    if same:
        lines.append(f"      其他版本的同一事项：{'、'.join(same)}（按施行版本自动换用）")
    if fact.carries_to:
        lines.append(f"      其他版本的同一事项：{label.get(fact.carries_to, fact.carries_to)}（本事实的取值按施行版本换用到该事实，反向不换用）")
    one_way = [label[f.id] for f in sector.facts.values() if f.carries_to == fact.id]
    if one_way:
        lines.append(f"      其他版本的对应事实：{'、'.join(one_way)}（其取值可换用到本事实；本事实不换用到它）")
    if fact.replaced_by:
        lines.append(f"      新版本对应事实：{'、'.join(label.get(x, x) for x in fact.replaced_by)}（判定标准不同，不自动换用）")
    older = [label[f.id] for f in sector.facts.values() if fact.id in f.replaced_by]
    if older:
        lines.append(f"      旧版本对应事实：{'、'.join(older)}（判定标准不同，不自动换用）")
    return lines


def view(kb: KnowledgeBase, sector_id: str, keywords: list[str], as_of: dt.date | None = None,
         edition: str | None = None, all_editions: bool = False) -> dict[str, Any]:
    """The vocabulary as data: documents shown, groups of fact ids, the facts, and what was left out.

    Without `edition` or `all_editions`, the editions in force on `as_of` (default today).
    Errors: unknown_sector, unknown_document, no_edition_in_force (HazardError)."""
    sector = kb.sectors.get(sector_id)
    if sector is None:
        raise HazardError("unknown_sector", f"未知行业“{sector_id}”；可选：{'、'.join(kb.sectors)}", "sector")
    if not all_editions and not edition:
        as_of = as_of or dt.date.today()
    docs = select_documents(sector, None if all_editions else as_of, edition)
    found = groups(sector, docs, keywords)
    listed = {fid for g in found for fid in g.facts}
    rest = [f for f in unused(sector, docs, keywords) if f not in listed]
    if rest:
        found.append(Group(title="未被任何规则使用的事实", facts=rest))
    hidden = [fid for fid, f in sector.facts.items()
              if fid not in listed and fid not in rest and (not keywords or matches(f, keywords))]
    return {
        "sector": sector.id, "label": sector.label, "as_of": as_of if not (all_editions or edition) else None,
        "documents": [{"id": d.id, "number": d.number, "title": d.title, "effective": d.effective,
                       "expires": d.expires, "status": d.status} for d in docs],
        "keywords": keywords,
        "groups": [g.__dict__ for g in found],
        "facts": {fid: sector.facts[fid].model_dump(exclude_none=True, exclude_defaults=True)
                  for g in found for fid in g.facts},
        "hidden_other_editions": hidden,
    }


def render(kb: KnowledgeBase, data: dict[str, Any]) -> str:
    sector = kb.sectors[data["sector"]]
    docs = "；".join(f"{d['number']}（{d['id']}）" for d in data["documents"])
    when = f"{data['as_of']} 施行的版本" if data["as_of"] else "所选版本"
    lines = [f"== {sector.label} 事实词汇表 ==", f"{when}：{docs}"]
    if data["keywords"]:
        lines.append(f"关键词：{' '.join(data['keywords'])}")
    count = len({fid for g in data["groups"] for fid in g["facts"]})
    if not count:
        lines.append("没有符合条件的事实。")
    for g in data["groups"]:
        lines.append("")
        lines.append(f"【{g['title']}】" + (f" {g['text']}" if g["text"] else ""))
        for fid in g["facts"]:
            lines.extend(fact_lines(sector.facts[fid], sector))
    if data["hidden_other_editions"]:
        lines.append("")
        lines.append(f"另有 {len(data['hidden_other_editions'])} 个事实只用于其他版本（加 --all-editions 或 --edition 查看）。")
    lines.append(f"共 {count} 个事实。")
    return "\n".join(lines)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise HazardError("bad_date", f"日期须为 YYYY-MM-DD 格式（收到：{text!r}）", "as_of") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("sector")
    p.add_argument("keywords", nargs="*", metavar="关键词", help="按中文名、取值、别名、短语、问题检索（可多个，须同时出现）")
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="只列该日施行的版本所用的事实（默认今天）")
    p.add_argument("--edition", metavar="版本", help="只列一个版本（id 或文号，如 COAL-2020 或 应急管理部令第4号）")
    p.add_argument("--all-editions", action="store_true", help="列出所有版本（含已废止、未施行）的事实")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    kb = knowledge.default()
    data = view(kb, args.sector, list(args.keywords or []), args.as_of, args.edition, args.all_editions)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(render(kb, data))
    return 0
