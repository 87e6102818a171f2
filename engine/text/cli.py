"""`hazard judge --text …`: judge findings written as Chinese text (one record, or one per line of
stdin with `--text -`). Exit 0 when judged, 2 for bad input (empty, too long …)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.errors import HazardError
from engine.text.judging import judge_text
from engine.text.render import text_judgement


def _facts(args: argparse.Namespace, case: dict[str, Any]) -> dict[str, Any]:
    facts = dict(case.get("facts") or {})
    for item in args.fact or []:
        if "=" not in item:
            raise HazardError("bad_fact_syntax", f"--fact 须写成 事实=取值（收到：{item!r}）", "fact")
        name, value = item.split("=", 1)
        facts[name.strip()] = value.strip()
    return facts


def judge_text_command(args: argparse.Namespace, case: dict[str, Any]) -> int:
    """Judge `--text` (or the case file's `text`); print each record's judgement."""
    if args.text == "-":
        records = [line for line in sys.stdin.read().splitlines() if line.strip()]
        if not records:
            raise HazardError("empty_text", "标准输入中没有检查记录（每行一条）", "text")
    else:
        records = [args.text if args.text is not None else case.get("text")]
    sector = args.sector or case.get("sector")
    as_of = args.as_of or case.get("as_of")
    if isinstance(as_of, str):
        from engine.cli import _date
        as_of = _date(as_of)
    context = {"found_by": args.found_by or case.get("found_by")}
    context.update({k: case[k] for k in ("in_park", "venue") if k in case})
    facts = _facts(args, case)
    complete = args.complete or bool(case.get("complete"))
    results = [judge_text(r, sector, facts, as_of, complete=complete, context=context) for r in records]
    if args.json:
        if len(results) == 1:
            print(results[0].model_dump_json(indent=2, exclude_none=True))
        else:
            print("[" + ",\n".join(r.model_dump_json(indent=2, exclude_none=True) for r in results) + "]")
    else:
        print("\n\n".join(text_judgement(r) for r in results))
    return 0
