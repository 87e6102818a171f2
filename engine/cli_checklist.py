"""`hazard checklist` and `hazard judge --checklist`: the checklist faces of the CLI.

Kept apart from engine.cli so that the spreadsheet and document libraries are imported only when a
checklist is asked for.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.errors import HazardError


def _context(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item and "＝" not in item:
            raise HazardError("bad_fact_syntax", f"--context 须写成 类别=取值（收到：{item!r}）", "context")
        name, value = item.replace("＝", "=").split("=", 1)
        out[name.strip()] = value.strip()
    return out


def render_text(checklist) -> str:
    """The checklist as terminal text: documents, items in clause order, questions and major answers."""
    lines = [f"{checklist.sector_label}重大事故隐患检查表（检查日期 {checklist.as_of}）"]
    ctx = "；".join(f"{k}={v}" for k, v in checklist.context_labels.items())
    lines.append(f"单位或场所类别：{ctx or '未限定（可用 --context 类别=取值 缩小范围）'}")
    if checklist.excluded:
        lines.append(f"因类别不适用而未列入的情形：{checklist.excluded} 项")
    for sec in checklist.sections:
        lines.append(f"\n{sec.number}《{sec.title}》（{sec.effective} 起施行）")
        for item in sec.items:
            lines.append(f"{item.no}. 条款 {item.clause}：{item.situation}")
            if item.counting:
                lines.append(f"    （{item.counting}）")
            for q in item.questions:
                if q.asked_in:
                    lines.append(f"    · {q.label}：同第 {q.asked_in} 项")
                    continue
                via = f"〔{q.via}〕" if q.via else ""
                lines.append(f"    · {q.question}{via}  [{q.form}]  构成隐患的答案：{q.major_answer}")
    lines.append(f"\n共 {len(checklist.items)} 项；规则库版本 {checklist.rulebase_version}")
    return "\n".join(lines)


def render_result(checklist, result) -> str:
    from engine import render

    lines = [f"检查表判定：{result.verdict_zh}（共 {len(result.items)} 项："
             f"构成 {sum(o.state == '构成' for o in result.items)}，"
             f"不构成 {sum(o.state == '不构成' for o in result.items)}，"
             f"待补充 {sum(o.state == '待补充' for o in result.items)}）"]
    for o in result.items:
        if o.state != "不构成":
            tail = f"；未填写：{'、'.join(o.blank)}" if o.blank else ""
            lines.append(f"  第 {o.no} 项 条款 {o.clause}（{o.rule_id}）：{o.state}{tail}")
    if result.blank_questions:
        lines.append("尚未填写、影响结论的问题：" + "、".join(result.blank_questions))
    lines.append("—— 判定详情 ——")
    lines.append(render.judgement(result.judgement))
    return "\n".join(lines)


def cmd_checklist(args: argparse.Namespace) -> int:
    """Print or write the checklist for one kind of unit or place."""
    from engine import checklist as cl

    checklist = cl.build(args.sector, args.as_of, _context(args.context), document=args.document)
    if args.output:
        out = Path(args.output)
        if out.suffix.lower() not in (".xlsx", ".docx"):
            raise HazardError("bad_output", "输出文件须以 .xlsx（表格）或 .docx（打印文档）结尾", "output")
        if not out.parent.exists():
            raise HazardError("bad_output", f"输出目录不存在：{out.parent}", "output")
        from engine import checklist_io

        data = checklist_io.to_xlsx(checklist) if out.suffix.lower() == ".xlsx" else checklist_io.to_docx(checklist)
        out.write_bytes(data)
        print(f"已生成检查表：{out}（{len(checklist.items)} 项）", file=sys.stderr)
    elif args.json:
        print(checklist.model_dump_json(indent=2))
    else:
        print(render_text(checklist))
    return 0


def judge_checklist(args: argparse.Namespace) -> int:
    """`hazard judge --checklist filled.xlsx [-o result.xlsx] [--json]`."""
    from engine import checklist_io

    path = Path(args.checklist)
    if not path.is_file():
        raise HazardError("bad_file", f"找不到检查表文件：{path}", "checklist")
    checklist, result = checklist_io.judge_xlsx(path, context={"found_by": args.found_by})
    if args.output:
        out = Path(args.output)
        if out.suffix.lower() != ".xlsx" or not out.parent.exists():
            raise HazardError("bad_output", "输出文件须以 .xlsx 结尾且所在目录存在", "output")
        out.write_bytes(checklist_io.to_xlsx(checklist, result))
    if args.json:
        print(json.dumps(json.loads(result.model_dump_json()), ensure_ascii=False, indent=2))
    else:
        print(render_result(checklist, result))
    return 0


def judge_sheet(args: argparse.Namespace) -> int:
    """`hazard judge --sheet findings.xlsx [-o out.xlsx]`: every row judged, with a progress bar."""
    from rich.progress import Progress

    from engine import sheet

    with Progress(transient=True, console=None) as bar:
        task = bar.add_task("判定中", total=None)
        target, counts = sheet.judge_file(args.sheet, args.output,
                                          progress=lambda n, total: bar.update(task, completed=n, total=total))
    print(f"已写出：{target}")
    print("；".join(f"{k} {v} 行" for k, v in counts.items()))
    return 0


def write_record(args: argparse.Namespace, result) -> None:
    """`hazard judge … --record 记录.docx`: the printable 现场检查记录 of this judgement."""
    from engine import record

    out = Path(args.record)
    if out.suffix.lower() != ".docx" or not out.parent.exists():
        raise HazardError("bad_output", "现场检查记录须写成 .docx 文件，且所在目录存在", "record")
    out.write_bytes(record.to_docx(result, unit=args.unit, inspectors=args.inspectors))
    print(f"已生成现场检查记录：{out}", file=sys.stderr)


def add_parser(sub, date_type) -> None:
    p = sub.add_parser("checklist", help="生成一类单位或场所的检查表（检查指导手册）")
    p.add_argument("--sector", required=True, help="行业：chemicals / mines / fire / gas …")
    p.add_argument("--document", help="只列某一文件（如 COAL-2026）")
    p.add_argument("--context", action="append", metavar="类别=取值",
                   help="单位或场所类别（词汇表中标为类别的事实，如 矿山类别=煤矿），可重复")
    p.add_argument("--as-of", type=date_type, metavar="YYYY-MM-DD", help="检查日期（默认今天）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("-o", "--output", metavar="FILE.xlsx|FILE.docx", help="写成表格（.xlsx）或打印文档（.docx）")
    p.set_defaults(func=cmd_checklist)
