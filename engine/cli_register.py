"""`hazard register …`: the major-hazard register from the command line (the operator's face, on the
machine that holds the database; the HTTP API asks for access keys instead). The acting person and
role are given with --as/--role (default: 本机管理员, admin)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.errors import HazardError


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise HazardError("bad_fact_syntax", f"{what} 须写成 名称=取值（收到：{item!r}）", what)
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _actor(args):
    from engine.register.service import Actor

    return Actor(args.as_name, args.role, args.department, args.area)


def cmd_register(args: argparse.Namespace) -> int:
    from engine.register.service import Register

    reg = Register(args.database)
    actor = _actor(args)
    what = args.what
    if what == "key":
        key = reg.create_key(args.name, args.key_role, args.key_department, args.key_area)
        print(f"访问密钥（只显示这一次，请妥善保存）：{key}")
    elif what == "add":
        result = reg.add_finding(actor, {
            "unit": {"name": args.unit, "credit_code": args.credit_code, "area": args.area_of_unit},
            "channel": args.channel, "found_on": args.found_on, "sector": args.sector,
            "facts": _pairs(args.fact, "fact"), "text": args.text, "reporter": args.reporter,
            "found_by": args.found_by, "attachments": args.attachment or []})
        print(_dump(result) if args.json else
              f"已登记检查发现 {result['finding_id']}：{result['verdict_zh']}"
              + (f"；重大事故隐患编号 {result['hazard']}" if result["hazard"] else ""))
    elif what == "list":
        rows = reg.list_hazards(actor, status=args.status, sector=args.sector, area=args.area_filter, lead=args.lead,
                                overdue_on=args.overdue, limit=args.limit)
        if args.json:
            print(_dump(rows))
        for h in [] if args.json else rows:
            clauses = "；".join(f"{c['number']} {c['clause']}" for c in h["clauses"])
            print(f"{h['id']:>6}  {h['status']:<5} {h['unit']['name']}  {clauses}  牵头：{h['lead']}"
                  + (f"  期限 {h['deadline']}" if h["deadline"] else ""))
    elif what == "show":
        print(_dump(reg.show(actor, args.id)))
    elif what == "do":
        data = _pairs(args.data, "data")
        if args.reason:
            data["reason"] = args.reason
        h = reg.transition(actor, args.id, args.action, data, args.version)
        print(f"隐患 {h['id']}：{h['status']}（版本 {h['version']}）")
    elif what == "stats":
        stats = reg.stats(actor, args.today)
        if args.chart:
            from engine.register.chart import bar_chart

            out = Path(args.chart)
            if out.suffix.lower() not in (".svg", ".png") or not out.parent.exists():
                raise HazardError("bad_output", "图表须写成 .svg 或 .png 文件，且所在目录存在", "chart")
            out.write_bytes(bar_chart(stats, args.by, out.suffix[1:].lower()))
            print(f"已生成图表：{out}", file=sys.stderr)
        print(_dump(stats))
    elif what == "escalate":
        print(_dump(reg.escalate(args.today)))
    elif what == "rejudge":
        print(_dump(reg.rejudge(actor, args.since, args.until)))
    elif what == "import":
        from rich.progress import Progress

        from engine.register import ledger

        path = Path(args.file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise HazardError("bad_file", f"无法读取台账 {path}：{exc.strerror}", "file") from None
        with Progress(transient=True) as bar:
            task = bar.add_task("导入中", total=None)
            report = ledger.import_ledger(reg, actor, data, _pairs(args.map, "map"),
                                          progress=lambda n, total: bar.update(task, completed=n, total=total))
        print(f"新增 {report['added']} 条（其中重大事故隐患 {report['major']} 条），已存在 {report['existing']} 条，"
              f"有误 {len(report['errors'])} 条")
        for e in report["errors"]:
            print(f"  第 {e['row']} 行 [{e['code']}]：{e['message']}")
    elif what == "export":
        from engine.register import ledger

        out = Path(args.file)
        if out.suffix.lower() != ".xlsx" or not out.parent.exists():
            raise HazardError("bad_output", "台账须导出为 .xlsx 文件，且所在目录存在", "file")
        out.write_bytes(ledger.export_ledger(reg, actor))
        print(f"已导出：{out}")
    return 0


def add_parser(sub, date_type) -> None:
    p = sub.add_parser("register", help="重大事故隐患台账：登记、移交、整改、销号、督办、统计")
    p.add_argument("--database", help="数据库地址（默认环境变量 HAZARD_DATABASE_URL，否则用户数据目录下的 SQLite）")
    p.add_argument("--as", dest="as_name", default="本机管理员", help="操作人")
    p.add_argument("--role", default="admin", help="角色：inspector / department / town / admin")
    p.add_argument("--department", help="监管部门角色所属部门")
    p.add_argument("--area", help="镇（街道）/园区角色所辖区域")
    p.set_defaults(func=cmd_register)
    w = p.add_subparsers(dest="what", required=True)

    k = w.add_parser("key", help="生成 HTTP 接口的访问密钥")
    k.add_argument("--name", required=True)
    k.add_argument("--key-role", required=True, help="inspector / department / town / admin")
    k.add_argument("--key-department")
    k.add_argument("--key-area")

    a = w.add_parser("add", help="登记一个检查发现（自动判定；重大事故隐患进入台账）")
    a.add_argument("--unit", required=True, help="单位名称")
    a.add_argument("--credit-code", help="统一社会信用代码")
    a.add_argument("--unit-area", dest="area_of_unit", help="单位所在镇（街道）或园区")
    a.add_argument("--channel", required=True, help="企业自查上报 / 督导检查发现 / 群众举报查实")
    a.add_argument("--found-on", required=True, type=date_type, help="发现日期")
    a.add_argument("--sector", required=True)
    a.add_argument("--fact", action="append", metavar="事实=取值")
    a.add_argument("--text", help="检查记录")
    a.add_argument("--reporter", help="发现人")
    a.add_argument("--found-by", help="发现部门")
    a.add_argument("--attachment", action="append", help="附件（照片等）的存放位置，可重复")
    a.add_argument("--json", action="store_true")

    ls = w.add_parser("list", help="列出重大事故隐患")
    ls.add_argument("--status")
    ls.add_argument("--sector")
    ls.add_argument("--in-area", dest="area_filter")
    ls.add_argument("--lead")
    ls.add_argument("--overdue", type=date_type, metavar="YYYY-MM-DD", help="只列该日已逾期未销号的")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true")

    s = w.add_parser("show", help="一条隐患的全部信息与处理记录")
    s.add_argument("id", type=int)

    d = w.add_parser("do", help="对隐患进行操作：移交、整改、申请销号、销号、退回、挂牌督办、通知主要负责人")
    d.add_argument("id", type=int)
    d.add_argument("action")
    d.add_argument("--data", action="append", metavar="字段=取值",
                   help="操作所需的内容，如 measures=… funds=… responsible=… deadline=YYYY-MM-DD")
    d.add_argument("--reason")
    d.add_argument("--version", type=int, help="看到的版本号（防止覆盖他人的修改）")

    st = w.add_parser("stats", help="统计（按区域、行业、部门、条款、月份）")
    st.add_argument("--today", type=date_type)
    st.add_argument("--chart", metavar="图.svg|图.png")
    st.add_argument("--by", default="area", choices=["area", "sector", "lead", "clause", "month"])

    e = w.add_parser("escalate", help="每日督办检查：逾期隐患按函告、通报、约谈、曝光升级")
    e.add_argument("--today", type=date_type)

    r = w.add_parser("rejudge", help="规则库变化后重新判定，报告差异（不改写已有判定记录）")
    r.add_argument("--since", type=date_type)
    r.add_argument("--until", type=date_type)

    i = w.add_parser("import", help="导入台账表格（逐行判定；有误的行列出原因）")
    i.add_argument("file")
    i.add_argument("--map", action="append", metavar="本表列名=标准列名")

    x = w.add_parser("export", help="导出台账表格")
    x.add_argument("file")
