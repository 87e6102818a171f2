"""台账 spreadsheets: import the ledgers departments keep (one finding per row, judged as it is
registered) and export the register in the same shape.

Columns are matched by their Chinese header (COLUMNS; `mapping` renames a sheet's own headers to
these). Each row is its own transaction: an interrupted import keeps every row committed before it and
no half row, and running it again skips rows already in (the row key: the sheet's 行键 column, or a hash
of the row's content). A row that cannot be registered is reported with its number and reason; nothing
is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from typing import Any, Callable

from engine.errors import HazardError

COLUMNS = {"单位名称": "name", "统一社会信用代码": "credit_code", "镇街园区": "area", "地址": "address",
           "来源渠道": "channel", "发现日期": "found_on", "行业": "sector", "事实": "facts", "检查记录": "text",
           "发现人": "reporter", "发现部门": "found_by", "行键": "row_key"}
REQUIRED = ("单位名称", "来源渠道", "发现日期", "行业")
EXPORT = ["编号", "单位名称", "统一社会信用代码", "镇街园区", "行业", "发现日期", "依据条款", "牵头部门", "状态",
          "整改期限", "督办", "督办升级", "销号日期"]


def _facts(text: Any) -> dict[str, str]:
    from engine.sheet import _facts as parse

    return parse(text)


def read_rows(data: bytes, mapping: dict[str, str] | None = None) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:
        raise HazardError("bad_sheet", f"无法读取台账：不是有效的 .xlsx 文件（{type(exc).__name__}）", "sheet") from None
    rows = ws.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    header = [(mapping or {}).get(h, h) for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise HazardError("bad_sheet", f"台账缺少列：{'、'.join(missing)}（可用列映射把本表列名对应过来）", "sheet")
    out = []
    for n, row in enumerate(rows, 2):
        cells = {h: v for h, v in zip(header, row) if h in COLUMNS}
        if all(v in (None, "") for v in cells.values()):
            continue
        out.append((n, cells))
    return out


def import_ledger(register, actor, data: bytes, mapping: dict[str, str] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Register every row; returns {"added", "existing", "major", "errors": [{"row", "code", "message", "values"}]}."""
    rows = read_rows(data, mapping)
    report: dict[str, Any] = {"added": 0, "existing": 0, "major": 0, "errors": []}
    for i, (n, cells) in enumerate(rows, 1):
        values = {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in cells.items()}
        key = values.get("行键") or hashlib.sha256(json.dumps(
            {k: str(v) for k, v in sorted(values.items())}, ensure_ascii=False).encode()).hexdigest()[:32]
        try:
            found_on = values.get("发现日期")
            if isinstance(found_on, str) and "T" in found_on:
                found_on = found_on.split("T")[0]
            result = register.add_finding(actor, {
                "unit": {"name": values.get("单位名称"), "credit_code": values.get("统一社会信用代码"),
                         "area": values.get("镇街园区"), "address": values.get("地址")},
                "channel": values.get("来源渠道"), "found_on": found_on, "sector": values.get("行业"),
                "facts": _facts(values.get("事实")), "text": values.get("检查记录"),
                "reporter": values.get("发现人"), "found_by": values.get("发现部门"), "row_key": str(key)})
            if result.get("existing"):
                report["existing"] += 1
            else:
                report["added"] += 1
                report["major"] += result["verdict"] == "major"
        except HazardError as exc:
            report["errors"].append({"row": n, "code": exc.code, "message": exc.message,
                                     "values": {k: str(v) for k, v in values.items()}})
        if progress:
            progress(i, len(rows))
    return report


def export_ledger(register, actor, **filters) -> bytes:
    """The hazards the actor may read as an .xlsx ledger (EXPORT columns)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "重大事故隐患台账"
    ws.append(EXPORT)
    offset = 0
    while True:
        page = register.list_hazards(actor, limit=1000, offset=offset, **filters)
        for h in page:
            ws.append([h["id"], h["unit"]["name"], h["unit"]["credit_code"], h["area"], h["sector"], h["found_on"],
                       "；".join(f"{c['number']} {c['clause']}" for c in h["clauses"]), h["lead"], h["status"],
                       h["deadline"], json.dumps(h["supervision"], ensure_ascii=False) if h["supervision"] else "",
                       "、".join(h["escalations"]), h["closed_on"]])
        if len(page) < 1000:
            break
        offset += 1000
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
