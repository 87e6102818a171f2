"""`hazard quiz`: an interactive quiz in the terminal (rich), a quiz as JSON with its key, or a printable
paper with a separate answer sheet (python-docx). Answers may be kept per learner for practice."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from engine.errors import HazardError


def _letters(text: str) -> list[str]:
    return sorted(set(re.findall(r"[A-Ha-h]", text.upper())))


def paper(quiz) -> tuple[bytes, bytes]:
    """(question paper, answer sheet) as .docx bytes, A4, 宋体 for the East Asian script."""
    from engine.paper import new_document, to_bytes

    def new(title: str):
        doc = new_document()
        doc.add_heading(title, level=1)
        doc.add_paragraph(f"检查日期：{quiz.as_of}    试卷编号：{quiz.id}    规则库版本：{quiz.rulebase_version}")
        return doc

    questions = new("重大事故隐患判定练习")
    questions.add_paragraph("姓名/学员编号：__________    得分：______")
    answers = new("重大事故隐患判定练习 · 答案与解析")
    for n, q in enumerate(quiz.questions, 1):
        questions.add_paragraph(f"{n}.（{q.kind_zh}）{q.stem}")
        for line in q.finding:
            questions.add_paragraph(f"    · {line}")
        for o in q.options:
            questions.add_paragraph(f"    {o.key}. {o.text}")
        answers.add_paragraph(f"{n}. 答案：{'、'.join(q.answer)}（依据 {q.document} 条款 {q.clause}）")
        for o in q.options:
            answers.add_paragraph(f"    {o.key}. {o.explanation}")
    return to_bytes(questions), to_bytes(answers)


def interactive(quiz, stdin=None, stdout=None) -> dict:
    """Ask each question, show the engine's explanation after each answer, and the score at the end."""
    from rich.console import Console

    console = Console(file=stdout or sys.stdout, highlight=False, soft_wrap=True)
    stdin = stdin or sys.stdin
    answers: dict[str, list[str]] = {}
    console.print(f"[bold]重大事故隐患判定练习[/bold]（{len(quiz.questions)} 题，检查日期 {quiz.as_of}）；输入选项字母，多选题可输入多个，空行退出。")
    for n, q in enumerate(quiz.questions, 1):
        console.print(f"\n[bold]{n}.（{q.kind_zh}）[/bold]{q.stem}")
        for line in q.finding:
            console.print(f"   · {line}")
        for o in q.options:
            console.print(f"   {o.key}. {o.text}")
        while True:
            console.print("你的答案：", end="")
            line = stdin.readline()
            if not line or not line.strip():
                console.print("\n已退出。")
                return _finish(console, quiz, answers)
            chosen = _letters(line)
            if chosen and all(c in {o.key for o in q.options} for c in chosen):
                break
            console.print(f"请输入 {'、'.join(o.key for o in q.options)} 中的字母。")
        answers[q.id] = chosen
        ok = chosen == sorted(q.answer)
        console.print(("[green]✓ 正确[/green]" if ok else f"[red]✗ 错误[/red]，正确答案：{'、'.join(q.answer)}"))
        for o in q.options:
            if o.correct or o.key in chosen:
                console.print(f"   {o.key}：{o.explanation}")
    return _finish(console, quiz, answers)


def _finish(console, quiz, answers) -> dict:
    from engine import quiz as qz

    answered = type(quiz)(**{**quiz.model_dump(), "questions": [q for q in quiz.questions if q.id in answers]})
    scored = qz.score(answered, answers)
    console.print(f"\n得分：{scored.score}/{scored.total}（共 {len(quiz.questions)} 题）")
    return {"quiz": quiz, "scored": scored}


def cmd_quiz(args: argparse.Namespace) -> int:
    from engine import learners
    from engine import quiz as qz

    if args.progress:
        if not args.learner:
            raise HazardError("missing_learner", "查看练习记录须用 --learner 指定学员编号", "learner")
        print(json.dumps(learners.progress(args.learner), ensure_ascii=False, indent=2))
        return 0
    rules = None
    if args.weak:
        if not args.learner:
            raise HazardError("missing_learner", "练习薄弱条款须用 --learner 指定学员编号", "learner")
        rules = learners.weak_rules(args.learner)
        if not rules:
            raise HazardError("no_weak_rules", "该学员还没有答错的题目，先做一套练习吧", "learner")
    if args.learner:
        learners.check_learner(args.learner)
    quiz = qz.generate(args.sector, args.count, args.seed, args.as_of, args.kind, rules=rules)
    if args.paper:
        out = Path(args.paper)
        if out.suffix.lower() != ".docx" or not out.parent.exists():
            raise HazardError("bad_output", "试卷须写成 .docx 文件，且所在目录存在", "paper")
        questions, key = paper(quiz)
        out.write_bytes(questions)
        key_path = out.with_name(out.stem + "-答案.docx")
        key_path.write_bytes(key)
        print(f"已生成试卷：{out}；答案与解析：{key_path}", file=sys.stderr)
        return 0
    if args.json:
        print(quiz.model_dump_json(indent=2))
        return 0
    done = interactive(quiz)
    if args.learner and done["scored"].total:
        learners.record(args.learner, done["scored"].results, quiz.id)
    return 0


def add_parser(sub, date_type) -> None:
    from engine.quiz_kinds import KIND_ZH, MAX_COUNT  # not engine.quiz: building the parser stays light

    def count(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise HazardError("bad_count", f"题目数量须为 1～{MAX_COUNT} 的整数（收到：{text!r}）", "count") from None
        return value

    p = sub.add_parser("quiz", help="练习题：由规则库生成、由引擎判卷")
    p.add_argument("--sector", help="行业（默认全部）")
    p.add_argument("--count", type=count, default=10, help=f"题目数量（1～{MAX_COUNT}，默认 10）")
    p.add_argument("--seed", type=int, help="随机种子（相同种子得到相同试卷）")
    p.add_argument("--as-of", type=date_type, metavar="YYYY-MM-DD", help="检查日期（默认今天）")
    p.add_argument("--kind", action="append", metavar="题型",
                   help="题型，可重复：" + "、".join(f"{k}（{v}）" for k, v in KIND_ZH.items()))
    p.add_argument("--json", action="store_true", help="输出试卷及答案（JSON）")
    p.add_argument("--paper", metavar="试卷.docx", help="生成打印试卷，答案与解析另存为 试卷-答案.docx")
    p.add_argument("--learner", help="学员编号（保存答题记录；不要用姓名）")
    p.add_argument("--weak", action="store_true", help="练习该学员答错最多的条款")
    p.add_argument("--progress", action="store_true", help="查看该学员的正确率（按行业、条款、题型）")
    p.set_defaults(func=cmd_quiz)
