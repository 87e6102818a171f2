"""Plain-Chinese terminal text for a judgement of a written record (the CLI's human output)."""

from __future__ import annotations

from engine import render
from engine.text.judging import TextJudgement


def text_judgement(t: TextJudgement) -> str:
    lines = [f"记录结论：{t.verdict_zh}", f"行业：{t.sector_note}"]
    for f in t.findings:
        lines.append("")
        lines.append(f"发现 {f.index + 1}：“{f.text}” → {f.verdict_zh}")
        lines.append("  读取的事实：" + ("；".join(f"{k}={'是' if v is True else '否' if v is False else v}"
                                              for k, v in f.facts.items()) or "无"))
        lines.extend("  " + line for line in render.judgement(f.judgement).splitlines())
    if t.proposed:
        lines.append("")
        lines.append("待确认（未用于判定）：")
        lines.extend(f"  - {p.question}（置信度 {p.confidence:.2f}{'；' + '；'.join(p.notes) if p.notes else ''}）"
                     for p in t.proposed)
    if t.unread:
        lines.append("")
        lines.append("未识别的文字：")
        for u in t.unread:
            tip = "；".join(f"{s['document']} 条款 {s['clause']}（{s['situation'][:30]}）" for s in u.suggestions)
            lines.append(f"  - “{u.text}”" + (f"  可能相关（仅供参考）：{tip}" if tip else ""))
    for w in t.warnings:
        lines.append(f"提示：{w}")
    return "\n".join(lines)
