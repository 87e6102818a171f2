"""`hazard route` and the routing part of `hazard check`. Imports the routing engine (networkx)
only when the sub-command runs, so other sub-commands start without it."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.knowledge import KnowledgeBase

def _text_chain(c: dict[str, Any]) -> str:
    lines = [f"{c['matter']}（{c['matter_id']}）— {c['district']}"]
    for b in c["basis"]:
        lines.append(f"  依据：{b['text']}")
    for i, st in enumerate(c["stages"], 1):
        lead = st["lead"]
        lines.append(f"[{i}] {st['stage']}")
        lines.append(f"    牵头：{lead['name']}（{lead['role']}）— {lead['does']}")
        for b in lead["basis"]:
            lines.append(f"          依据：{b['text']}")
        for p in st["partners"]:
            lines.append(f"    配合：{p['name']} — {p['does']}")
            for b in p["basis"]:
                lines.append(f"          依据：{b['text']}")
    for adj in c["adjustments"]:
        cond = "；".join(f"{k}={v}" for k, v in adj["when"].items())
        who = []
        if adj["lead"]:
            who.append(f"改由{adj['lead']['name']}牵头")
        if adj["partners"]:
            who.append(f"{'、'.join(p['name'] for p in adj['partners'])}参与")
        lines.append(f"  情形（{cond}）：{'，'.join(who)}{('。' + adj['note']) if adj['note'] else ''}")
    return "\n".join(lines)


def cmd_route(args: argparse.Namespace) -> int:
    from engine.routing.export import export_graph
    from engine.routing.lookup import chain, matters, validate

    validate(profile=args.district)  # a broken routing graph or an unrouted rule stops here, with the file named
    if args.graph:
        print(f"已写出路由图：{export_graph(args.graph, args.district)}")
        return 0
    if not args.matter:
        items = matters(args.district)
        if args.json:
            print(json.dumps(items, ensure_ascii=False, indent=2))
        else:
            for m in items:
                steps = " → ".join(f"{name}（{lead['name']}牵头）" for name, lead in m["leads"].items())
                print(f"{m['name']}（{m['id']}）：{steps}")
        return 0
    c = chain(args.matter, args.stage, args.district)
    print(json.dumps(c, ensure_ascii=False, indent=2) if args.json else _text_chain(c))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `hazard route` (imports nothing of the routing engine until it runs)."""
    p = subparsers.add_parser("route", help="“一件事”路由：事项各环节的牵头与配合部门")
    p.add_argument("matter", nargs="?", help="事项（如 燃气、保温材料、电气焊作业、危险化学品、消防）；不写则列出全部")
    p.add_argument("--stage", help="只看一个环节（如 使用）")
    p.add_argument("--district", help="区县：名称（如 乌达区）或 id（如 wuda）；默认读环境变量 HAZARD_DISTRICT，"
                                      "再默认乌达区。运维自备的区县配置放在环境变量 HAZARD_PROFILE_DIR 指定的目录")
    p.add_argument("--graph", metavar="FILE", help="写出路由图：.svg / .dot / .graphml")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_route)


def check(kb: "KnowledgeBase") -> None:
    """The routing part of `hazard check`: the graph is sound and every rule has a route."""
    from engine.routing.lookup import router, validate

    counts = validate(kb)
    r = router()
    print(f"路由检查通过：{len(r.data.matters)} 个事项，{counts['sectors']} 个行业、{counts['rules']} 条规则均有路由（{r.profile.district}）")
