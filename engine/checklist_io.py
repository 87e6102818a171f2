"""Checklists as files an inspector prints and fills: a spreadsheet (openpyxl) and an A4 document
(python-docx), and reading a filled spreadsheet back.

The spreadsheet has one sheet 检查表 (an item's heading row, then one row per question, answered in
the column 检查结果) and a sheet 说明 that carries what the checklist was generated for (sector,
date, context, documents, rule-base version) so that a filled sheet is judged on exactly that.
Column A of every question row holds the fact id and column B the rule id: a row whose ids were
edited, or a checklist whose documents are not the ones in force on its date, is refused with the
row named.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from engine.checklist import Checklist, ChecklistResult
from engine.errors import HazardError

SHEET = "检查表"
META = "说明"
HEADER = ["事实编号", "规则编号", "序号", "条款", "检查内容", "检查问题", "答案形式", "构成隐患的答案", "检查结果", "备注"]
ANSWER_COL = HEADER.index("检查结果") + 1
FIRST_ROW = 5  # rows 1-3: title and context; row 4: header


def to_xlsx(checklist: Checklist, result: ChecklistResult | None = None) -> bytes:
    """The checklist as an .xlsx file (bytes); with `result`, the answers' verdict per item is filled in."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([f"{checklist.sector_label}重大事故隐患检查表"])
    ws.append([f"检查日期：{checklist.as_of}", "", "", "", "单位或场所类别：" + (
        "；".join(f"{k}={v}" for k, v in checklist.context_labels.items()) or "未限定")])
    ws.append([f"依据：{'；'.join(s.number for s in checklist.sections)}", "", "", "", f"规则库版本：{checklist.rulebase_version}"])
    ws.append(HEADER)
    bold = Font(bold=True)
    for cell in ws[4]:
        cell.font = bold
    ws["A1"].font = Font(bold=True, size=14)
    states = {o.no: o for o in (result.items if result else [])}
    answers = result.judgement.facts if result else {}
    heading_fill = PatternFill("solid", fgColor="DDEBF7")
    for item in checklist.items:
        verdict = ""
        if item.no in states:
            verdict = states[item.no].state
        ws.append(["", item.rule_id, item.no, f"{item.number} {item.clause}", item.situation,
                   item.counting or "", "", "", verdict, item.clause_text])
        for cell in ws[ws.max_row]:
            cell.fill = heading_fill
        for q in item.questions:
            repeat = f"同第 {q.asked_in} 项，已填写" if q.asked_in else ""
            value = answers.get(q.fact, "") if not q.asked_in else ""
            if isinstance(value, bool):
                value = "是" if value else "否"
            ws.append([q.fact, item.rule_id, "", "", q.via or "", q.question, q.form, q.major_answer,
                       repeat or value, ""])
    for col, width in zip("ABCDEFGHIJ", (14, 18, 6, 22, 40, 46, 22, 20, 12, 40)):
        ws.column_dimensions[col].width = width
    ws.column_dimensions["A"].hidden = True
    ws.column_dimensions["B"].hidden = True
    for row in ws.iter_rows(min_row=FIRST_ROW):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.protection = Protection(locked=cell.column != ANSWER_COL)
    ws.freeze_panes = f"A{FIRST_ROW}"
    meta = wb.create_sheet(META)
    meta.append(["本表由 hazard-judge 生成；请只在“检查结果”列填写答案（是/否、取值或数值），不清楚的留空。"])
    meta.append(["checklist", json.dumps({
        "sector": checklist.sector, "as_of": checklist.as_of.isoformat(), "context": checklist.context,
        "documents": [s.document for s in checklist.sections], "rulebase_version": checklist.rulebase_version,
    }, ensure_ascii=False)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_xlsx(data: bytes | str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a filled checklist: (metadata, answers by fact id). Raises HazardError naming the row."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise HazardError("bad_checklist", f"无法读取检查表文件：不是有效的 .xlsx 文件（{type(exc).__name__}）",
                          "checklist") from None
    if SHEET not in wb.sheetnames or META not in wb.sheetnames:
        raise HazardError("bad_checklist", f"检查表文件缺少“{SHEET}”或“{META}”工作表，请使用 hazard checklist 生成的表格",
                          "checklist")
    meta = None
    for row in wb[META].iter_rows(values_only=True):
        if row and row[0] == "checklist":
            try:
                meta = json.loads(row[1])
            except (TypeError, ValueError):
                meta = None
    if not isinstance(meta, dict) or not {"sector", "as_of", "documents"} <= set(meta):
        raise HazardError("bad_checklist", f"“{META}”工作表中的检查表信息缺失或被修改", "checklist")
    ws = wb[SHEET]
    header = [c.value for c in ws[FIRST_ROW - 1]]
    if header[: len(HEADER)] != HEADER:
        raise HazardError("bad_checklist", f"第 {FIRST_ROW - 1} 行表头被修改（应为：{'、'.join(HEADER)}）", "checklist")
    answers: dict[str, Any] = {}
    where: dict[str, int] = {}
    rows: list[tuple[int, str | None, str | None]] = []
    for r, row in enumerate(ws.iter_rows(min_row=FIRST_ROW, values_only=True), FIRST_ROW):
        row = list(row) + [None] * (len(HEADER) - len(row))
        fact, rule, answer, remark = row[0], row[1], row[ANSWER_COL - 1], row[HEADER.index("备注")]
        rows.append((r, fact, rule))
        if not fact:
            continue
        if isinstance(answer, str) and answer.startswith("同第 "):
            continue
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            if remark not in (None, "") and str(remark).strip() in {"是", "否", "√", "×"}:
                raise HazardError("answer_in_wrong_column",
                                  f"第 {r} 行：答案“{remark}”填在了“备注”列，请填在“检查结果”列", f"row {r}")
            continue
        if isinstance(answer, dt.datetime):
            raise HazardError("bad_value", f"第 {r} 行：答案被表格软件识别为日期（{answer:%Y-%m-%d}）", f"row {r}")
        if fact in answers and answers[fact] != answer:
            raise HazardError("conflicting_facts", f"第 {r} 行与第 {where[fact]} 行对同一问题给出了不同答案", f"row {r}")
        answers[str(fact)], where[str(fact)] = answer, r
    meta["rows"] = rows
    meta["answer_rows"] = where
    return meta, answers


def to_docx(checklist: Checklist) -> bytes:
    """A printable A4 checklist (python-docx), Chinese fonts named for the East Asian script."""
    from engine.paper import new_document, to_bytes

    doc = new_document(landscape=True, margin_cm=1.8, font_pt=10.5)
    doc.add_heading(f"{checklist.sector_label}重大事故隐患检查表", level=1)
    doc.add_paragraph(f"检查日期：{checklist.as_of}    单位或场所类别："
                      + ("；".join(f"{k}={v}" for k, v in checklist.context_labels.items()) or "未限定"))
    doc.add_paragraph("被检查单位：____________________    检查人员：____________________    规则库版本："
                      + checklist.rulebase_version)
    for sec in checklist.sections:
        doc.add_heading(f"{sec.number}《{sec.title}》", level=2)
        table = doc.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("序号", "条款及情形", "检查问题", "构成隐患的答案", "检查结果")):
            cell.text = text
        for item in sec.items:
            row = table.add_row().cells
            row[0].text = str(item.no)
            row[1].text = f"{item.clause}：{item.situation}" + (f"\n{item.counting}" if item.counting else "")
            row[2].text = "\n".join(
                (f"{q.question}" + (f"（{q.via}）" if q.via else "") + (f"〔同第 {q.asked_in} 项〕" if q.asked_in else ""))
                for q in item.questions)
            row[3].text = "\n".join(q.major_answer for q in item.questions)
            row[4].text = ""
    return to_bytes(doc)


def judge_xlsx(data: bytes | str | Path, *, kb=None, context: dict[str, Any] | None = None
               ) -> tuple[Checklist, ChecklistResult]:
    """Judge a filled checklist spreadsheet. The checklist is generated again from what the sheet says
    it was made for (sector, date, context) with today's rule base, and every question row must still
    name the same fact and rule: an edited id, a sheet of another edition or of a changed rule base is
    refused with the row named (HazardError code `checklist_mismatch`)."""
    from engine import checklist as cl
    from engine import knowledge

    kb = kb or knowledge.default()
    meta, answers = read_xlsx(data)
    if meta["sector"] not in kb.sectors:
        raise HazardError("bad_checklist", f"检查表的行业“{meta['sector']}”不存在", "checklist")
    try:
        as_of = dt.date.fromisoformat(str(meta["as_of"]))
    except ValueError:
        raise HazardError("bad_checklist", "检查表的检查日期被修改，无法读取", "checklist") from None
    fresh = cl.build(meta["sector"], as_of, meta.get("context") or {}, kb=kb)
    docs = [s.document for s in fresh.sections]
    if list(meta["documents"]) != docs:
        raise HazardError("checklist_mismatch",
                          f"检查表依据的文件（{'、'.join(meta['documents'])}）与 {as_of} 施行的文件（{'、'.join(docs)}）"
                          "不一致，请重新生成检查表", "checklist")
    expected: list[tuple[str | None, str]] = []
    for item in fresh.items:
        expected.append((None, item.rule_id))
        expected.extend((q.fact, item.rule_id) for q in item.questions)
    rows = meta["rows"]
    for (r, fact, rule), (want_fact, want_rule) in zip(rows, expected):
        if (fact or None) != want_fact or rule != want_rule:
            raise HazardError("checklist_mismatch",
                              f"第 {r} 行的编号被修改（应为 {want_fact or '（项目标题行）'} / {want_rule}，"
                              f"实为 {fact or '空'} / {rule or '空'}），请勿改动隐藏列或增删行", f"row {r}")
    if len(rows) != len(expected):
        r = rows[min(len(rows), len(expected)) - 1][0] if rows else FIRST_ROW
        raise HazardError("checklist_mismatch", f"检查表的行数与生成时不同（第 {r} 行附近），请勿增删行", f"row {r}")
    try:
        result = cl.judge_filled(fresh, answers, kb=kb, context=context)
    except HazardError as exc:
        fact = exc.field.split(".", 1)[-1] if exc.field else ""
        fid = next((f for f in answers if f == fact or kb.sectors[fresh.sector].facts[f].label == fact), None)
        if fid is not None and fid in meta["answer_rows"]:
            row = meta["answer_rows"][fid]
            raise HazardError(exc.code, f"第 {row} 行：{exc.message}", f"row {row}") from None
        raise
    return fresh, result
