"""The `hazard` command: judge a case, list the criteria, explain a rule, check the knowledge base.

Sub-commands implemented elsewhere (`hazard route`, `hazard serve`) are added by an explicit call
to their module's `register(subparsers)` in build_parser (no import-time registration); `hazard
check` calls the routing check explicitly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from engine import strictjson
from engine.errors import EngineError, HazardError, KnowledgeError

# The knowledge base, its models and the renderers (pydantic) are imported by the sub-commands that
# use them, after main() has configured pydantic (see _pydantic_without_plugins).

# Exit codes (documented in README): 0 done, 1 internal error (a bug; HAZARD_DEBUG=1 shows the trace),
# 2 a user mistake (bad option, file, value), 3 a broken knowledge base, 4 the rule engine failed,
# 130 interrupted (Ctrl+C).
EXIT_OK, EXIT_INTERNAL, EXIT_USER, EXIT_KNOWLEDGE, EXIT_ENGINE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(text: str) -> dt.date:
    if not isinstance(text, str):
        raise HazardError("bad_date", f"日期须为 YYYY-MM-DD 格式的文字（收到：{text!r}）", "as_of")
    try:
        if not _ISO_DAY.fullmatch(text.strip()):
            raise ValueError(text)
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise HazardError("bad_date", f"日期须为 YYYY-MM-DD 格式且须存在（收到：{text!r}）", "as_of") from None


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


CASE_KEYS = {"sector", "as_of", "facts", "text", "found_by", "complete", "venue", "in_park", "town", "district"}


def read_case(path: str) -> dict[str, Any]:
    """A case file: {"sector", "as_of", "facts": {...}, …} or just a mapping of facts. Parsed strictly
    (engine.strictjson: UTF-8, no duplicate keys, bounded nesting); every field of the right type."""
    try:
        raw = Path(path).read_bytes()
    except IsADirectoryError:
        raise HazardError("bad_file", f"无法读取案例文件 {path}：这是目录", "facts") from None
    except OSError as exc:
        raise HazardError("bad_file", f"无法读取案例文件 {path}：{exc.strerror or exc}", "facts") from None
    data = strictjson.loads(raw, what=f"案例文件 {path} ")
    if not isinstance(data, dict):
        raise HazardError("bad_facts", f"案例文件 {path} 须为 JSON 对象", "facts")
    case = data if ("facts" in data or "text" in data) else {"facts": data}  # text: the record as written
    found = strictjson.bad_value(case)
    if found:
        raise HazardError(found[0], f"案例文件 {path}：{found[1]}", found[2])
    case.setdefault("facts", {})
    if not isinstance(case["facts"], dict):
        raise HazardError("bad_facts", f"案例文件 {path} 的 facts 须为对象（事实名 → 取值）", "facts")
    for name, value in case["facts"].items():
        if isinstance(value, (dict, list)):
            raise HazardError("wrong_type", f"案例文件 {path}：事实“{name}”的取值须为 是/否、数值或文字", f"facts.{name}")
    if "facts" in data or "text" in data:
        unknown = sorted(set(data) - CASE_KEYS)
        if unknown:
            raise HazardError("unknown_field", f"案例文件 {path} 有不认识的字段 {unknown}（可用：{sorted(CASE_KEYS)}）",
                              unknown[0])
        for key in ("sector", "found_by", "venue", "town", "district", "as_of"):
            if case.get(key) is not None and not isinstance(case[key], str):
                raise HazardError("wrong_type", f"案例文件 {path}：{key} 须为文字（收到：{case[key]!r}）", key)
        for key in ("complete", "in_park"):
            if case.get(key) is not None and not isinstance(case[key], bool):
                raise HazardError("wrong_type", f"案例文件 {path}：{key} 须为 true 或 false（不加引号；收到：{case[key]!r}）",
                                  key)
    return case


def cmd_judge(args: argparse.Namespace) -> int:
    from engine.pipeline import judge

    if args.checklist or args.sheet:
        from engine import cli_checklist

        return cli_checklist.judge_checklist(args) if args.checklist else cli_checklist.judge_sheet(args)
    case: dict[str, Any] = read_case(args.facts) if args.facts else {"facts": {}}
    if args.text is not None or case.get("text") is not None:
        from engine.text.cli import judge_text_command  # the text reader loads spaCy: only when asked
        return judge_text_command(args, case)
    facts = dict(case.get("facts") or {})
    from engine.facts import split_assignment
    for item in args.fact or []:
        name, value = split_assignment(item)  # 事实=取值, also with a full-width ＝
        facts[name] = value
    found = strictjson.bad_value(facts, "facts")
    if found:
        raise HazardError(found[0], found[1], found[2])
    sector = args.sector or case.get("sector")
    if not sector:
        raise HazardError("missing_sector", "请用 --sector 指定行业（如 chemicals）", "sector")
    as_of = args.as_of or (case.get("as_of") and _date(case["as_of"])) or None
    context = {"found_by": args.found_by or case.get("found_by")}
    context.update({k: case[k] for k in ("in_park", "venue", "town", "district") if case.get(k) is not None})
    complete = args.complete or case.get("complete") is True
    result = judge(sector, facts, as_of, complete=complete, context=context, all_questions=args.all_questions)
    if args.record:
        from engine import cli_checklist

        cli_checklist.write_record(args, result)
    if args.json:
        print(result.model_dump_json(indent=2, exclude_none=True))
    else:
        from engine import render

        print(render.judgement(result))
    return 0


def cmd_criteria(args: argparse.Namespace) -> int:
    from engine import catalog, knowledge, render

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
    from engine import catalog, knowledge, render

    kb = knowledge.default()
    found = kb.rules.get(args.rule_id)
    if found is None:
        raise HazardError("unknown_rule", f"没有规则 {args.rule_id}；可用 hazard criteria 查看全部规则", "rule_id")
    doc, rule = found
    print(_dump(catalog.rule_detail(doc, rule)) if args.json else render.rule(kb, doc, rule))
    return 0


def cmd_vocabulary(args: argparse.Namespace) -> int:
    from engine import catalog, knowledge, render

    kb = knowledge.default()
    if args.sector not in kb.sectors:
        raise HazardError("unknown_sector", f"未知行业“{args.sector}”；可选：{'、'.join(kb.sectors)}", "sector")
    print(_dump(catalog.vocabulary(kb, args.sector)) if args.json else render.vocabulary(kb, args.sector))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Load, validate and compile every knowledge file; print what is there."""
    from engine import knowledge
    from engine.judge import prepare

    from engine.compiler import register_all
    from engine.routing.cli import check as check_routes

    from engine import diskcache

    with diskcache.bypass():  # the files themselves are checked, never a cached result
        kb = knowledge.load(args.path) if args.path else knowledge.default()
        if not kb.sectors:
            raise KnowledgeError(str(kb.root), "目录中没有任何行业（须有 <行业>/vocabulary.yaml）；请检查 --path")
        prepare(kb)
        register_all()  # exactly as the server: every ruleset registered with durable_rules' C engine
        if args.path is None or Path(args.path).resolve() == knowledge.DEFAULT_ROOT.resolve():
            check_routes(kb)  # the routing data belongs to the shipped knowledge base
    for sector in kb.sectors.values():
        for d in sector.documents:
            encoded = sum(c.status == "encoded" for c in d.clauses)
            print(f"{sector.id:10} {d.id:22} {d.status:12} 条款 {len(d.clauses):3}（已编码 {encoded}） 规则 {len(d.rules)}")
    print(f"知识库检查通过：{kb.root}，版本 {kb.version}")
    return 0


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The `hazard` parser with every sub-command; with command="judge", the same parser with
    only `hazard judge` (what main() builds when that is the command given: its options, help and
    errors are the same, and the other sub-commands' modules are not imported)."""
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
    p.add_argument("--all-questions", action="store_true", help="列出全部待补充的问题（默认只列最关键的几个）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--checklist", metavar="filled.xlsx", help="判定一份已填写的检查表（hazard checklist 生成）")
    p.add_argument("-o", "--output", metavar="result.xlsx", help="与 --checklist 连用：写出带逐项结论的检查表")
    p.add_argument("--sheet", metavar="findings.xlsx|.csv", help="批量判定表格中的检查发现（每行一条），写出带结论的表格")
    p.add_argument("--record", metavar="记录.docx", help="同时写出可打印的现场检查记录（.docx）")
    p.add_argument("--unit", help="被检查单位（写入现场检查记录）")
    p.add_argument("--inspectors", help="检查人员（写入现场检查记录）")
    p.set_defaults(func=cmd_judge)
    if command == "judge":
        return parser

    from engine import cli_checklist

    cli_checklist.add_parser(sub, _date)
    from engine import cli_quiz

    cli_quiz.add_parser(sub, _date)
    from engine import cli_ask

    cli_ask.add_parser(sub, _date)
    from engine import cli_register

    cli_register.add_parser(sub, _date)

    p = sub.add_parser("criteria", help="列出已知判定标准及其条款、规则")
    p.add_argument("--sector")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_criteria)

    p = sub.add_parser("explain", help="用中文说明一条规则")
    p.add_argument("rule_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_explain)

    from engine import vocabulary_view
    p = sub.add_parser("vocabulary", help="列出一个行业的事实词汇表（按版本、条款分组，可按关键词检索）")
    vocabulary_view.add_arguments(p)
    p.set_defaults(func=vocabulary_view.run)

    p = sub.add_parser("check", help="校验知识库（加载、交叉检查、编译）")
    p.add_argument("--path", help="知识库目录（默认内置 knowledge/）")
    p.set_defaults(func=cmd_check)

    # sub-commands implemented in their own modules, added by explicit calls (no registry); these
    # modules import their heavy dependencies (networkx, FastAPI) only when their sub-command runs
    from api import cli as api_cli
    from engine.routing import cli as routing_cli
    from engine.spec import command as spec_cli

    routing_cli.register(sub)  # hazard route
    api_cli.register(sub)  # hazard serve
    spec_cli.register(sub)  # hazard spec
    return parser


def _no_plugins() -> tuple:
    return ()


def _pydantic_without_plugins() -> None:
    """The `hazard` command uses no pydantic plugins, and looking for them scans the entry points of
    every installed distribution when the first model is built (50–80 ms of each start). An
    explicit PYDANTIC_DISABLE_PLUGINS in the environment is kept.

    With every plugin disabled ("__all__"), pydantic's plugin loader (pydantic.plugin._loader)
    answers no plugins without looking, but importing it still imports importlib.metadata and the
    email package (15–30 ms). Before pydantic first imports it, a module whose get_plugins()
    answers the same () stands in for it (get_plugins is the only name pydantic takes from it;
    tests/test_cli.py checks that against the installed pydantic)."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    name = "pydantic.plugin._loader"
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__" and name not in sys.modules:
        import types

        stand_in = types.ModuleType(name, "pydantic plugins disabled (__all__): no plugin is looked for")
        stand_in.get_plugins = _no_plugins  # type: ignore[attr-defined]
        sys.modules[name] = stand_in


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line read by the full parser. For `hazard judge …` the judge-only parser reads
    it (same options, help and errors, no other sub-command's module imported); what it leaves
    unrecognised goes to the full parser, which reports it with its own usage line."""
    given = sys.argv[1:] if argv is None else list(argv)
    if given[:1] == ["judge"]:
        args, extra = build_parser("judge").parse_known_args(given)
        if not extra:
            return args
    return build_parser().parse_args(given)


def main(argv: list[str] | None = None) -> int:
    _pydantic_without_plugins()
    try:
        args = parse_args(argv)
        return args.func(args)
    except HazardError as exc:
        field = f"（字段：{exc.field}）" if exc.field else ""
        print(_printable(f"错误 [{exc.code}]：{exc.message}{field}"), file=sys.stderr)
        return EXIT_USER
    except KnowledgeError as exc:
        print(_printable(f"错误 [knowledge_invalid]：{exc}"), file=sys.stderr)
        return EXIT_KNOWLEDGE
    except EngineError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "未知原因"
        print(_printable(f"错误 [engine_error]：规则引擎执行出错（{first[:200]}）；请将命令与案例反馈给维护人员"),
              file=sys.stderr)
        return EXIT_ENGINE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `hazard criteria | head`: the reader left, nothing to report
        sys.stdout = open(os.devnull, "w")
        return 0
    except Exception as exc:  # never a bare stack trace for a user
        if os.environ.get("HAZARD_DEBUG"):
            raise
        print(_printable(f"错误 [internal_error]：内部错误（{type(exc).__name__}）；设置 HAZARD_DEBUG=1 可查看详情"),
              file=sys.stderr)
        return EXIT_INTERNAL


def _printable(text: str) -> str:
    """A message that can be written whatever the terminal's encoding (lone surrogates escaped)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
