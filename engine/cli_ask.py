"""`hazard ask`: a guided question loop in the terminal. Judge what is known, ask the most decisive
open question, re-judge after each answer, and end with the verdict card and the `hazard judge`
command line that reproduces it. Answers: 是/否, a listed value (or its number), a number with its
unit, or 不清楚 to skip that question; an empty line ends the loop."""

from __future__ import annotations

import argparse
import shlex
import sys

from engine.errors import HazardError

SKIP = {"不清楚", "不知道", "跳过", "?", "？", "skip"}


def _command(sector: str, facts: dict[str, str], as_of) -> str:
    parts = ["hazard", "judge", "--sector", sector]
    if as_of:
        parts += ["--as-of", str(as_of)]
    for k, v in facts.items():
        parts += ["--fact", f"{k}={v}"]
    return " ".join(shlex.quote(p) for p in parts)


def ask(sector: str, facts: dict[str, str], as_of=None, stdin=None, stdout=None) -> dict[str, str]:
    """Run the loop; returns the facts given (labels → answers as typed)."""
    from rich.console import Console

    from engine import render
    from engine.pipeline import judge

    out = Console(file=stdout or sys.stdout, highlight=False, soft_wrap=True)
    stdin = stdin or sys.stdin
    skipped: set[str] = set()
    while True:
        result = judge(sector, facts, as_of)
        open_questions = [q for q in result.questions if q.label not in skipped]
        out.print(f"[bold]当前结论：{result.verdict_zh}[/bold]")
        if result.verdict != "insufficient" or not open_questions:
            break
        q = open_questions[0]
        hint = "是/否" if q.type == "bool" else (
            "；".join(f"{i}. {v}" for i, v in enumerate(q.values or [], 1)) if q.type == "enum" else
            f"数值{('（' + q.unit + '）') if q.unit else ''}")
        out.print(f"\n{q.question}\n  [{hint}；不清楚可跳过，空行结束]  ", end="")
        line = stdin.readline()
        if not line or not line.strip():
            out.print("\n已结束提问。")
            break
        answer = line.strip()
        if answer in SKIP:
            skipped.add(q.label)
            continue
        if q.type == "enum" and answer.isdigit() and 1 <= int(answer) <= len(q.values or []):
            answer = (q.values or [])[int(answer) - 1]
        try:
            judge(sector, {**facts, q.label: answer}, as_of)
        except HazardError as exc:
            out.print(f"[red]{exc.message}[/red]，请重新回答。")
            continue
        facts[q.label] = answer
    out.print()
    out.print(render.judgement(result))
    out.print(f"\n复现命令：{_command(sector, facts, as_of)}")
    return facts


def cmd_ask(args: argparse.Namespace) -> int:
    from engine.pipeline import judge

    facts: dict[str, str] = {}
    for item in args.fact or []:
        if "=" not in item:
            raise HazardError("bad_fact_syntax", f"--fact 须写成 事实=取值（收到：{item!r}）", "fact")
        name, value = item.split("=", 1)
        facts[name.strip()] = value.strip()
    judge(args.sector, facts, args.as_of)  # bad sector, facts or date: a clear error before any question
    ask(args.sector, facts, args.as_of)
    return 0


def add_parser(sub, date_type) -> None:
    p = sub.add_parser("ask", help="逐个回答决定性问题，直到得出结论")
    p.add_argument("--sector", required=True, help="行业：chemicals / mines / fire / gas …")
    p.add_argument("--fact", action="append", metavar="事实=取值", help="已知事实，可重复")
    p.add_argument("--as-of", type=date_type, metavar="YYYY-MM-DD", help="检查日期（默认今天）")
    p.set_defaults(func=cmd_ask)
