"""The `hazard` command: judge a case, list the criteria, explain a rule, check the knowledge base.

Other surfaces add subcommands through EXTENSIONS (module path -> its `register(subparsers)`),
so the CLI core does not import them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from engine import catalog, knowledge, render
from engine.errors import EngineError, HazardError, KnowledgeError

EXTENSIONS = ["engine.routing", "api.server"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise HazardError("bad_date", f"日期须为 YYYY-MM-DD 格式（收到：{text!r}）", "as_of") from None


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def read_case(path: str) -> dict[str, Any]:
    """A case file: {"sector", "as_of", "facts": {...}} or just a mapping of facts."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise HazardError("bad_file", f"无法读取案例文件 {path}：{exc.strerror}", "facts") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HazardError("malformed_json", f"案例文件 {path} 不是合法 JSON（第 {exc.lineno} 行：{exc.msg}）", "facts") from None
    if not isinstance(data, dict):
        raise HazardError("bad_facts", f"案例文件 {path} 须为 JSON 对象", "facts")
    if "facts" in data or "text" in data:  # a case (with facts and/or the record's text)
        return data
    return {"facts": data}


def cmd_judge(args: argparse.Namespace) -> int:
    from engine.judge import judge

    case: dict[str, Any] = read_case(args.facts) if args.facts else {"facts": {}}
    if args.text is not None or case.get("text") is not None:
        from engine.text.cli import judge_text_command  # the text reader loads spaCy: only when asked
        return judge_text_command(args, case)
    facts = dict(case.get("facts") or {})
    for item in args.fact or []:
        if "=" not in item:
            raise HazardError("bad_fact_syntax", f"--fact 须写成 事实=取值（收到：{item!r}）", "fact")
        name, value = item.split("=", 1)
        facts[name.strip()] = value.strip()
    sector = args.sector or case.get("sector")
    if not sector:
        raise HazardError("missing_sector", "请用 --sector 指定行业（如 chemicals）", "sector")
    as_of = args.as_of or (case.get("as_of") and _date(str(case["as_of"]))) or None
    context = {"found_by": args.found_by or case.get("found_by")}
    context.update({k: case[k] for k in ("in_park", "venue") if k in case})
    result = judge(sector, facts, as_of, complete=args.complete or bool(case.get("complete")), context=context)
    if args.json:
        print(result.model_dump_json(indent=2, exclude_none=True))
    else:
        print(render.judgement(result))
    return 0


def cmd_criteria(args: argparse.Namespace) -> int:
    kb = knowledge.default()
    if args.sector and args.sector not in kb.sectors:
        raise HazardError("unknown_sector", f"未知行业“{args.sector}”；可选：{'、'.join(kb.sectors)}", "sector")
    if args.json:
        docs = [catalog.document_detail(d) for s in kb.sectors.values() if not args.sector or s.id == args.sector
                for d in s.documents]
        print(_dump(docs))
    else:
        print(render.documents(kb, args.sector))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    kb = knowledge.default()
    found = kb.rules.get(args.rule_id)
    if found is None:
        raise HazardError("unknown_rule", f"没有规则 {args.rule_id}；可用 hazard criteria 查看全部规则", "rule_id")
    doc, rule = found
    print(_dump(catalog.rule_detail(doc, rule)) if args.json else render.rule(kb, doc, rule))
    return 0


def cmd_vocabulary(args: argparse.Namespace) -> int:
    kb = knowledge.default()
    if args.sector not in kb.sectors:
        raise HazardError("unknown_sector", f"未知行业“{args.sector}”；可选：{'、'.join(kb.sectors)}", "sector")
    print(_dump(catalog.vocabulary(kb, args.sector)) if args.json else render.vocabulary(kb, args.sector))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Load, validate and compile every knowledge file; print what is there."""
    from engine.judge import prepare

    kb = knowledge.load(args.path) if args.path else knowledge.default()
    prepare(kb)
    for hook in CHECKS:
        hook(kb)
    for sector in kb.sectors.values():
        for d in sector.documents:
            encoded = sum(c.status == "encoded" for c in d.clauses)
            print(f"{sector.id:10} {d.id:22} {d.status:12} 条款 {len(d.clauses):3}（已编码 {encoded}） 规则 {len(d.rules)}")
    print(f"知识库检查通过：{kb.root}，版本 {kb.version}")
    return 0


# Extra whole-knowledge checks other modules register (e.g. every rule has a route).
CHECKS: list = []


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hazard", description="重大事故隐患判定（hazard-judge）")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("judge", help="判定一个检查发现")
    p.add_argument("--sector", help="行业：chemicals / mines / fire / gas …")
    p.add_argument("--fact", action="append", metavar="事实=取值", help="一条事实（中文名或 id），可重复")
    p.add_argument("--facts", metavar="case.json", help="案例文件（JSON）")
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="检查日期（默认今天），据此选用施行中的版本")
    p.add_argument("--text", metavar="检查记录", help="检查记录原文（中文）；“-”表示从标准输入逐行读取，每行一条")
    p.add_argument("--found-by", help="发现问题的部门（用于移交）")
    p.add_argument("--complete", action="store_true", help="检查已全部完成：未报告的情形视为未发现")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_judge)

    p = sub.add_parser("criteria", help="列出已知判定标准及其条款、规则")
    p.add_argument("--sector")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_criteria)

    p = sub.add_parser("explain", help="用中文说明一条规则")
    p.add_argument("rule_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("vocabulary", help="列出一个行业的事实词汇表")
    p.add_argument("sector")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_vocabulary)

    p = sub.add_parser("check", help="校验知识库（加载、交叉检查、编译）")
    p.add_argument("--path", help="知识库目录（默认内置 knowledge/）")
    p.set_defaults(func=cmd_check)

    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except HazardError as exc:
        field = f"（字段：{exc.field}）" if exc.field else ""
        print(f"错误 [{exc.code}]：{exc.message}{field}", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print(f"错误 [knowledge_invalid]：{exc}", file=sys.stderr)
        return 3
    except EngineError as exc:
        print(f"错误 [engine_error]：{exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `hazard criteria | head`: the reader left, nothing to report
        sys.stdout = open(os.devnull, "w")
        return 0
    except Exception as exc:  # never a bare stack trace for a user
        if os.environ.get("HAZARD_DEBUG"):
            raise
        print(f"错误 [internal_error]：内部错误（{type(exc).__name__}: {exc}）；设置 HAZARD_DEBUG=1 可查看详情", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
