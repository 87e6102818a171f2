"""Plain-Chinese terminal text for judgements, documents and rules (the CLI's human output)."""

from __future__ import annotations

from engine import logic
from engine.knowledge import KnowledgeBase
from engine.model import FRAGMENT_STARTS, Document, Judgement, Reason, Rule


def _reason_lines(reasons: list[Reason], indent: str) -> list[str]:
    lines = []
    for r in reasons:
        src = {"given": "现场事实", "either_way": "分情形：无论取何值均构成"}.get(r.source, f"由规则 {r.source} 推出")
        lines.append(f"{indent}- {r.condition}（{src}）")
        lines.extend(_reason_lines(r.derived_from, indent + "    "))
    return lines


def _route_lines(route: dict) -> list[str]:
    """The route as an inspector reads it: lead department, partners, the territorial follow-up."""
    lines = []
    lead = route.get("lead", {})
    lines.append(f"牵头部门：{lead.get('name', lead) if isinstance(lead, dict) else lead}")
    partners = [p.get("name") for p in route.get("partners") or [] if isinstance(p, dict) and p.get("name")]
    if partners:
        lines.append(f"  配合部门：{'、'.join(partners)}")
    territorial = route.get("territorial")
    if isinstance(territorial, dict):
        name = territorial.get("name")
        note = territorial.get("note") or territorial.get("does")
        if name or note:
            lines.append(f"  属地跟进：{'；'.join(x for x in (name, note) if x)}")
    if route.get("summary"):
        lines.append(f"  {route['summary']}")
    return lines


def judgement(j: Judgement) -> str:
    verdict = j.verdict_zh
    if j.on_reported_facts:
        verdict = f"就所报事实，{verdict}"
    lines = [f"判定结论：{verdict}", f"判定日期：{j.as_of}"]
    for d in j.documents:
        lines.append(f"  依据：{d.number}《{d.title}》（{d.effective} 起施行）")
    for title, items in ((j.verdict_zh if j.verdict == "major" else "重大事故隐患", j.hazards),
                         ("违法行为（非重大事故隐患）", j.violations)):
        if items:
            lines.append(f"{title}：")
        for i, h in enumerate(items, 1):
            lines.append(f"  [{i}] {h.document.number} 条款 {h.clause}（规则 {h.rule_id}）")
            lines.append(f"      条文：{h.text}")
            if h.situation and h.situation != h.text.rstrip("。；;") and not h.situation.startswith(FRAGMENT_STARTS):
                lines.append(f"      情形：{h.situation}")  # a fragment ("或者……") is read in the clause above
            lines.append("      推理：")
            lines.extend(_reason_lines(h.reasoning, "        "))
            for e in h.exceptions_pending:
                lines.append(f"      除外情形待核实：{e.question}（{e.label}；条款 {e.clause}：{e.text}）")
            if h.unverified:
                lines.append(f"      注意：条文或解读未经充分核实（{h.unverified}）")
    if j.not_met:
        lines.append("就所报事实未构成的情形：" if j.on_reported_facts else "未构成的情形：")
        for n in j.not_met:
            label = f"{n.situation}——" if n.situation else ""
            lines.append(f"  - 条款 {n.clause}（规则 {n.rule_id}）：{label}{'；'.join(n.failed)}")
    if j.questions:
        lines.append("需在现场补充的事实（最关键的在前）：")
        for i, q in enumerate(j.questions, 1):
            hint = "是/否" if q.type == "bool" else ("、".join(f"“{v}”" for v in q.values or []) if q.type == "enum" else f"数值{('，单位 ' + q.unit) if q.unit else ''}")
            why = {"major": "（一项回答即可判定为重大事故隐患）", "settle": "（一项回答即可排除相应情形）"}.get(q.decides, "")
            lines.append(f"  {i}. {q.question}（{q.label}：{hint}）{why}")
        if j.questions_omitted:
            lines.append(f"  另有 {j.questions_omitted} 个问题未列出（命令行加 --all-questions，接口加 ?questions=all 查看全部）")
    if j.route:
        lines.extend(_route_lines(j.route))
    for w in j.warnings:
        lines.append(f"提示：{w}")
    if j.reference is not None:
        lines.append("—— 以下仅供参考，不构成判定 ——")
        lines.extend("  " + line for line in judgement(j.reference).splitlines())
    lines.append(f"规则库版本：{j.rulebase_version}")
    return "\n".join(lines)


def condition(node: logic.Node, kb_sector, indent: str = "  ") -> list[str]:
    from engine.judge import condition_text

    if isinstance(node, logic.Leaf):
        return [f"{indent}{condition_text(node, kb_sector)}"]
    head = {"all": "同时满足：", "any": "满足其一：", "not": "不满足：",
            "at_least": f"至少满足 {node.threshold} 项（含本数）："}[node.kind]
    lines = [indent + head]
    for child in node.children:
        lines.extend(condition(child, kb_sector, indent + "  "))
    return lines


def rule(kb: KnowledgeBase, doc: Document, r: Rule) -> str:
    sector = kb.sectors[doc.sector]
    clause = doc.clause(r.clause)
    kinds = {"major_hazard": "判定为重大事故隐患", "violation": "违法行为（非重大事故隐患）"}
    then = kinds.get(r.then.kind) or f"推出：{sector.facts[r.then.fact].label} = 是"
    lines = [f"规则 {r.id}", f"文件：{doc.number}《{doc.title}》", f"条款：{r.clause}",
             f"条文：{clause.text if clause else ''}"]
    if r.situation:
        lines.append(f"情形：{r.situation}")
    lines.append("条件：")
    lines.extend(condition(r.condition, sector))
    if r.unless is not None:
        lines.append("除外（成立时不作该结论）：")
        lines.extend(condition(r.defeater, sector))
    if doc.scope is not None:
        lines.append("适用范围：")
        lines.extend(condition(doc.scope_condition, sector))
    lines.append(f"结论：{then}")
    if r.note:
        lines.append(f"说明：{r.note}")
    if r.unverified:
        lines.append(f"未经充分核实：{r.unverified}")
    return "\n".join(lines)


def documents(kb: KnowledgeBase, sector_id: str | None) -> str:
    lines = []
    for sector in kb.sectors.values():
        if sector_id and sector.id != sector_id:
            continue
        lines.append(f"== {sector.label}（{sector.id}）==")
        for d in sector.documents:
            until = f"至 {d.expires}" if d.expires else "至今"
            status = "已编码" if d.status == "encoded" else "已知但未编码"
            lines.append(f"{d.number}《{d.title}》 {d.issuer}；{d.effective} 起{until}；{status}")
            if d.status_note:
                lines.append(f"  说明：{d.status_note}")
            rules_by_clause: dict[str, list[str]] = {}
            for r in d.rules:
                rules_by_clause.setdefault(r.clause, []).append(r.id)
            for c in d.clauses:
                label = {"encoded": "已编码", "not_encodable": "不可编码", "missing": "条文缺失",
                         "not_a_criterion": "非判定条款"}[c.status]
                if c.status == "encoded" and c.unverified:
                    label = "已编码（未经充分核实）"
                text = c.text or "（条文未取得）"
                lines.append(f"  [{label}] {c.no} {text}")
                if c.status == "encoded":
                    lines.append(f"      规则：{'、'.join(rules_by_clause.get(c.no, []))}")
                elif c.reason:
                    lines.append(f"      原因：{c.reason}")
            if d.structure:
                lines.append("  结构：" + "；".join(d.structure))
    return "\n".join(lines)


def vocabulary(kb: KnowledgeBase, sector_id: str) -> str:
    sector = kb.sectors[sector_id]
    lines = [f"== {sector.label} 事实词汇表 =="]
    for f in sector.facts.values():
        kind = {"bool": "是/否", "enum": "、".join(f.values or []), "number": f"数值 {f.unit or ''}".strip()}[f.type]
        tag = "（可推出）" if f.derived else ""
        lines.append(f"{f.id} | {f.label}{tag} | {kind} | {f.question}")
    return "\n".join(lines)

