"""A printable 现场检查记录 (A4, python-docx) made from a judgement: the document an inspector files.

Everything in it comes from the judgement (verdict, clauses with their exact text, reasoning, the
route's lead department and territorial follow-up) and from what the inspector typed once (unit,
inspectors, the finding as written); nothing is typed twice and nothing is added that the
judgement does not say. The rectification demand is left for the inspector to write: the record
does not invent legal wording.
"""

from __future__ import annotations

from typing import Any

from engine.model import Judgement


def _route_lines(route: dict[str, Any] | None) -> list[str]:
    if not route:
        return []
    lead = route.get("lead") or {}
    lines = [f"牵头部门：{lead.get('name', '')}" + (f"（{route.get('matter')}，{route.get('stage')}）" if route.get("matter") else "")]
    partners = "、".join(p.get("name", "") for p in route.get("partners") or [] if isinstance(p, dict))
    if partners:
        lines.append(f"配合部门：{partners}")
    territorial = route.get("territorial") or {}
    if territorial.get("name"):
        lines.append(f"属地监管：{territorial['name']}")
    elif territorial.get("note"):
        lines.append(f"属地监管：{territorial['note']}")
    return lines


def to_docx(judgement: Judgement, *, unit: str | None = None, inspectors: str | None = None,
            finding: str | None = None, place: str | None = None) -> bytes:
    """The 现场检查记录 of one judgement as .docx bytes (A4 portrait, 宋体 for the East Asian script).

    `unit` (被检查单位), `inspectors` (检查人员), `finding` (检查发现, as written) and `place` (检查地点)
    are printed as given; blank lines are left for what was not given, to be written by hand.
    """
    from engine.paper import new_document, to_bytes

    doc = new_document()
    doc.add_heading("现场检查记录", level=1)
    blank = "____________________"
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    facts_text = "；".join(f"{k}：{v}" for k, v in _fact_lines(judgement))
    for key, value in (("被检查单位", unit or blank), ("检查地点", place or blank), ("检查日期", str(judgement.as_of)),
                       ("检查人员", inspectors or blank), ("检查发现", finding or facts_text or blank),
                       ("判定结论", judgement.verdict_zh)):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = key, value
    if judgement.hazards:
        doc.add_heading("判定依据", level=2)
        for i, h in enumerate(judgement.hazards, 1):
            doc.add_paragraph(f"{i}. {h.document.number}《{h.document.title}》第 {h.clause} 条（款）：{h.text}")
            for r in h.reasoning:
                doc.add_paragraph(f"    依据事实：{r.condition}")
            if h.unverified:
                doc.add_paragraph(f"    注意：该条文或解读未经充分核实（{h.unverified}）")
    elif judgement.not_met:
        doc.add_heading("未构成的情形（就所报事实）", level=2)
        for n in judgement.not_met:
            doc.add_paragraph(f"条款 {n.clause}：{'；'.join(n.failed)}")
    if judgement.questions:
        doc.add_heading("尚需核实的事实", level=2)
        for q in judgement.questions:
            doc.add_paragraph(f"□ {q.question}")
    lines = _route_lines(judgement.route)
    if lines:
        doc.add_heading("移交与监管", level=2)
        for line in lines:
            doc.add_paragraph(line)
    for w in judgement.warnings:
        doc.add_paragraph(f"提示：{w}")
    doc.add_heading("整改要求", level=2)
    doc.add_paragraph("\n\n\n")
    doc.add_paragraph(f"检查人员（签字）：{blank}    被检查单位负责人（签字）：{blank}")
    doc.add_paragraph(f"规则库版本：{judgement.rulebase_version}")
    return to_bytes(doc)


def _fact_lines(judgement: Judgement) -> list[tuple[str, str]]:
    """The given facts as (label, value) from the hazards' and not-met reasoning where labels are known."""
    out: dict[str, str] = {}
    for h in judgement.hazards:
        for r in h.reasoning:
            if r.source == "given":
                out[r.label] = "是" if r.value is True else "否" if r.value is False else str(r.value)
    return list(out.items())
