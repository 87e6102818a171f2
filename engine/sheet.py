"""Judge a spreadsheet of findings (one per row) and return the same sheet with the verdict added.

Input: .xlsx (first sheet) or .csv (UTF-8, with or without BOM) whose first row names the columns.
Recognised columns (others are kept as they are): 行业 (sector id or Chinese name), 检查日期, 事实
("名称=取值" separated by ；/; or new lines), 检查记录 (text, judged when the text reader is available),
单位. Added columns: 结论, 依据条款, 需补充的问题, 牵头部门, 错误. A row that cannot be judged keeps
everything it had and gets its reason in 错误; nothing a user submitted is dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.errors import HazardError

ADDED = ["结论", "依据条款", "需补充的问题", "牵头部门", "错误"]
MAX_ROWS = 5000


def _rows(data: bytes, name: str) -> list[list[Any]]:
    if name.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise HazardError("bad_sheet", "CSV 文件须为 UTF-8 编码", "sheet") from None
        return [row for row in csv.reader(io.StringIO(text))]
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise HazardError("bad_sheet", f"无法读取表格：不是有效的 .xlsx 或 .csv 文件（{type(exc).__name__}）", "sheet") from None
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def _sector(kb, text: str) -> str:
    text = (text or "").strip()
    for s in kb.sectors.values():
        if text in (s.id, s.label) or (text and text in s.label):
            return s.id
    raise HazardError("unknown_sector", f"未知行业“{text}”；可选：{'、'.join(f'{s.id}（{s.label}）' for s in kb.sectors.values())}",
                      "行业")


def _facts(text: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in re.split(r"[；;\n]+", str(text or "")):
        part = part.strip()
        if not part:
            continue
        if "=" not in part and "＝" not in part:
            raise HazardError("bad_fact_syntax", f"事实须写成 名称=取值（收到：{part!r}）", "事实")
        k, v = part.replace("＝", "=").split("=", 1)
        out[k.strip()] = v.strip()
    return out


def judge_rows(data: bytes, name: str, judge_one: Callable[[dict[str, Any]], Any] | None = None,
               progress: Callable[[int, int], None] | None = None, kb=None) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) with the added columns filled. `judge_one(case) -> Judgement` defaults to engine.judge."""
    from engine import knowledge
    from engine.pipeline import judge

    kb = kb or knowledge.default()
    rows = _rows(data, name)
    if not rows or not any(rows[0]):
        raise HazardError("bad_sheet", "表格为空，第一行须为列名（行业、检查日期、事实、检查记录……）", "sheet")
    if len(rows) - 1 > MAX_ROWS:
        raise HazardError("sheet_too_large", f"表格超过 {MAX_ROWS} 行，请分批判定", "sheet")
    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    if "行业" not in header or not ({"事实", "检查记录"} & set(header)):
        raise HazardError("bad_sheet", "表格第一行须有“行业”列，以及“事实”或“检查记录”列", "sheet")
    col = {h: i for i, h in enumerate(header)}
    out_header = header + [h for h in ADDED if h not in col]
    judge_one = judge_one or (lambda case: judge(case["sector"], case["facts"], case.get("as_of"), kb=kb))
    body = rows[1:]
    out_rows = []
    for n, row in enumerate(body, 1):
        row = list(row) + [None] * (len(header) - len(row))
        cells = dict(zip(header, row))
        added = dict.fromkeys(ADDED, "")
        if not any(v not in (None, "") for v in row):
            out_rows.append(row + [added[h] for h in ADDED if h not in col])
            continue
        try:
            day = cells.get("检查日期")
            if isinstance(day, dt.datetime):
                day = day.date()
            elif day not in (None, ""):
                try:
                    day = dt.date.fromisoformat(str(day).strip())
                except ValueError:
                    raise HazardError("bad_date", f"检查日期须为 YYYY-MM-DD（收到：{day!r}）", "检查日期") from None
            case = {"sector": _sector(kb, str(cells.get("行业") or "")), "facts": _facts(cells.get("事实")),
                    "as_of": day or None}
            if str(cells.get("检查记录") or "").strip():
                case["text"] = str(cells["检查记录"]).strip()
            result = judge_one(case)
            added["结论"] = result.verdict_zh
            added["依据条款"] = "；".join(f"{h.document.number} {h.clause}" for h in result.hazards)
            added["需补充的问题"] = "；".join(q.question for q in result.questions)
            lead = ((result.route or {}).get("lead") or {}).get("name") if result.route else None
            added["牵头部门"] = lead or ""
        except HazardError as exc:
            added["错误"] = f"[{exc.code}] {exc.message}"
        merged = list(row)
        for h in ADDED:
            if h in col:
                merged[col[h]] = added[h]
        out_rows.append(merged + [added[h] for h in ADDED if h not in col])
        if progress:
            progress(n, len(body))
    return out_header, out_rows


def to_xlsx(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "判定结果"
    ws.append(header)
    for row in rows:
        ws.append([v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def judge_file(path: str | Path, out: str | Path | None = None, progress=None) -> tuple[Path, dict[str, int]]:
    """Judge a findings file; write `<name>-判定结果.xlsx` (or `out`); return the path and counts by verdict."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HazardError("bad_file", f"无法读取表格 {path}：{exc.strerror}", "sheet") from None
    header, rows = judge_rows(data, path.name, progress=progress)
    target = Path(out) if out else path.with_name(path.stem + "-判定结果.xlsx")
    if target.suffix.lower() != ".xlsx" or not target.parent.exists():
        raise HazardError("bad_output", "输出文件须以 .xlsx 结尾且所在目录存在", "output")
    target.write_bytes(to_xlsx(header, rows))
    counts: dict[str, int] = {}
    i_verdict, i_error = header.index("结论"), header.index("错误")
    for row in rows:
        key = row[i_verdict] or ("错误" if row[i_error] else "空行")
        counts[key] = counts.get(key, 0) + 1
    return target, counts
