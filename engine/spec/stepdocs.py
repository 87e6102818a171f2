"""The step table of features/README.md, generated from the step definitions' docstrings.

    python3 -m engine.spec.stepdocs          # print the table
    python3 -m engine.spec.stepdocs --write  # rewrite the table in features/README.md

tests/test_spec_steps.py fails when a step has no documentation or example, when an example is not
understood by its own step, or when the README's table is not the generated one.
"""

from __future__ import annotations

import sys

from engine.spec import steps as stepdefs

README = stepdefs.ROOT / "features" / "README.md"
BEGIN = "<!-- 步骤表开始：由 python3 -m engine.spec.stepdocs --write 从 tests/steps/ 生成，请勿手改 -->"
END = "<!-- 步骤表结束 -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table() -> str:
    """Markdown: one section per kind of step, one row per step (example, meaning, module)."""
    parts = []
    for kind in ("given", "when", "then"):
        found = [s for s in stepdefs.load() if s.kind == kind]
        parts.append(f"#### {stepdefs.KIND_ZH[kind]}\n")
        parts.append("| 写法（例） | 含义 | 定义于 |\n| --- | --- | --- |")
        for s in found:
            examples = " 或 ".join(f"`{_cell(e)}`" for e in s.examples) or "（缺少例子）"
            parts.append(f"| {examples} | {_cell(s.doc) or '（缺少说明）'} | {s.module.rsplit('.', 1)[-1]} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def block() -> str:
    return f"{BEGIN}\n\n{table()}\n{END}"


def current_block(text: str) -> str | None:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < 0:
        return None
    return text[start:end + len(END)]


def write() -> None:
    text = README.read_text(encoding="utf-8")
    old = current_block(text)
    text = text.replace(old, block()) if old else text.rstrip() + "\n\n" + block() + "\n"
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        write()
    else:
        print(table())
