"""Read feature files into rendered scenarios: one per scenario, or per example row of a 场景大纲.

A file that cannot be read becomes a `FeatureProblem` (file, line, Chinese explanation) instead of an
exception, so one broken file never stops the others. A scenario's case (sector, date, facts) is
obtained by running its 假如 steps with the real step definitions on a fresh case, so the scanner
never re-implements what a step means.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.spec import steps as stepdefs

ROOT = stepdefs.ROOT
FEATURES = ROOT / "features"
LANGUAGE_LINE = "# language: zh-CN"

_GHERKIN_ZH = {
    "FeatureError": "文件结构有误（每个文件只能有一个“功能:”，步骤须写在“场景:”或“背景:”之下）",
    "BackgroundError": "“背景:”只能有一个",
    "ScenarioError": "“场景:”的位置或写法有误（文件开头须有“功能:”）",
    "StepError": "步骤关键词或缩进有误（假如 / 当 / 那么 / 而且 / 但是）",
    "RuleError": "“规则:”的位置或写法有误",
    "TokenError": "无法识别这一行（关键词须为 功能/背景/场景/场景大纲/例子/假如/当/那么/而且/但是，表格行以 | 开头）",
}


@dataclass
class FeatureProblem:
    """Something an expert must fix in a feature file, located by file and line."""

    file: Path
    line: int
    message: str  # Chinese

    def __str__(self) -> str:
        return f"{relative(self.file)} 第 {self.line} 行：{self.message}"


@dataclass
class ScenarioCase:
    """One runnable scenario (an example row of an outline is its own case)."""

    file: Path
    line: int  # the scenario's line (for an example row: the row's line)
    title: str
    template: Any  # pytest_bdd ScenarioTemplate
    example: dict[str, str]
    scenario: Any  # the rendered pytest_bdd Scenario
    case: dict[str, Any] = field(default_factory=dict)  # what the 假如 steps built
    problems: list[FeatureProblem] = field(default_factory=list)

    @property
    def sector(self) -> str | None:
        return self.case.get("sector")

    @property
    def as_of(self) -> dt.date:
        return self.case.get("as_of") or dt.date.today()

    @property
    def expects_error(self) -> bool:
        return any(s.name.startswith("尝试") for s in self.scenario.steps if s.type == "when")

    @property
    def judges(self) -> bool:
        return any(s.name == "进行判定" for s in self.scenario.steps if s.type == "when")

    def quoted(self, pattern: str) -> list[tuple[str, ...]]:
        """Arguments of the steps whose text matches a regular expression (e.g. cited rules)."""
        out = []
        for s in self.scenario.steps:
            m = re.fullmatch(pattern, s.name)
            if m:
                out.append(m.groups())
        return out

    @property
    def rules(self) -> set[str]:
        """Rules the scenario names in any step (cited, not cited, not met, derived by)."""
        return {m for s in self.scenario.steps for m in re.findall(r'规则 "([^"]+)"', s.name)}

    @property
    def clauses(self) -> set[str]:
        return {m for s in self.scenario.steps for m in re.findall(r'条款 "([^"]+)"', s.name)}

    @property
    def numbers(self) -> set[str]:
        """Document numbers the scenario cites (引用 "安监总管三〔2017〕121号" 条款 …)."""
        return {m for s in self.scenario.steps for m in re.findall(r'引用 "([^"]+)" 条款', s.name)}


def relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def feature_files(root: Path = FEATURES) -> list[Path]:
    return sorted(Path(root).rglob("*.feature"))


def parse(path: Path) -> tuple[Any | None, FeatureProblem | None]:
    """The pytest_bdd Feature of a file, or the problem that stops it being read (in Chinese)."""
    from pytest_bdd import exceptions
    from pytest_bdd.feature import get_feature

    path = Path(path).resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, FeatureProblem(path, 1, "文件不是 UTF-8 编码")
    first = next((n for n, line in enumerate(text.splitlines(), 1) if line.strip()), 1)
    if text.lstrip().splitlines()[:1] != [LANGUAGE_LINE]:
        return None, FeatureProblem(path, first, f"首行须为“{LANGUAGE_LINE}”（中文关键词 功能/场景/假如/当/那么 才能被识别）")
    try:
        return get_feature(str(path.parent), path.name), None
    except exceptions.GherkinParseError as exc:
        reason = _GHERKIN_ZH.get(type(exc).__name__, "Gherkin 语法错误")
        return None, FeatureProblem(path, exc.line or 1, f"{reason}；该行内容：{(exc.line_content or '').strip()}")
    except Exception as exc:  # noqa: BLE001 - any unreadable file is reported, never raised
        return None, FeatureProblem(path, 1, f"无法读取该文件（{type(exc).__name__}）")


def _row_lines(path: Path, examples: Any) -> list[int]:
    """Line numbers of an Examples table's data rows (the header is the first table line)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    rows = [n for n in range((examples.line_number or 1), len(lines) + 1)
            if lines[n - 1].strip().startswith("|")]
    # the table ends at the first non-table, non-comment line after it starts
    out, started = [], False
    for n in range((examples.line_number or 1) + 1, len(lines) + 1):
        s = lines[n - 1].strip()
        if s.startswith("|"):
            started = True
            out.append(n)
        elif started and s and not s.startswith("#"):
            break
    return out[1:] if out else rows


def cases(feature: Any) -> list[ScenarioCase]:
    """Every runnable scenario of a parsed feature, rendered, with its case built from the 假如 steps."""
    out = []
    path = Path(feature.filename)
    for template in feature.scenarios.values():
        rows: list[tuple[int, dict[str, str]]] = []
        for examples in template.examples:
            lines = _row_lines(path, examples)
            for i, context in enumerate(examples.as_contexts()):
                rows.append((lines[i] if i < len(lines) else template.line_number, context))
        for line, context in rows or [(template.line_number, {})]:
            rendered = template.render(context)
            item = ScenarioCase(path, line, rendered.name, template, context, rendered)
            build_case(item)
            out.append(item)
    return out


def new_case() -> dict[str, Any]:
    """The same empty case the `case` fixture of tests/steps/judgement.py gives every scenario."""
    return {"sector": None, "as_of": None, "facts": {}, "context": {}, "complete": False}


def build_case(item: ScenarioCase) -> None:
    """Run the scenario's 假如 steps (those that only need the case) on a fresh case."""
    import inspect

    case = new_case()
    for step in item.scenario.steps:
        if step.type != "given":
            break
        found = stepdefs.find("given", step.name)
        if not found:
            continue
        sd = found[0]
        params = inspect.signature(sd.func).parameters
        kwargs: dict[str, Any] = {k: v for k, v in sd.arguments(step.name).items() if k in params}
        if "datatable" in params:
            if step.datatable is None:
                continue
            kwargs["datatable"] = step.datatable.raw()
        if "case" in params:
            kwargs["case"] = case
        if set(params) - set(kwargs):
            continue  # the step needs a fixture only a running test has
        try:
            sd.func(**kwargs)
        except Exception as exc:  # noqa: BLE001 - reported as the scenario's problem
            item.problems.append(FeatureProblem(item.file, step.line_number, f"步骤“{step.name}”无法执行：{exc}"))
    item.case = case


@lru_cache(maxsize=None)
def _cached(path: str, mtime: float) -> tuple[list[ScenarioCase], FeatureProblem | None]:
    feature, problem = parse(Path(path))
    return ([], problem) if feature is None else (cases(feature), None)


def scan(path: Path) -> tuple[list[ScenarioCase], FeatureProblem | None]:
    """The scenarios of one file, or the problem that stops it being read (cached per file version)."""
    path = Path(path).resolve()
    return _cached(str(path), path.stat().st_mtime)


def scan_all(root: Path = FEATURES) -> tuple[list[ScenarioCase], list[FeatureProblem]]:
    items, problems = [], []
    for path in feature_files(root):
        found, problem = scan(path)
        items.extend(found)
        if problem:
            problems.append(problem)
    return items, problems


def documents(item: ScenarioCase) -> set[str]:
    """The documents a scenario is about: those of the rules and document numbers it names, else the
    documents of its sector in force on its inspection date."""
    from engine import knowledge

    kb = knowledge.default()
    rules = kb.rules
    found = {rules[r][0].id for r in item.rules if r in rules}
    sector = kb.sectors.get(item.sector or "")
    if sector is not None:
        found |= {d.id for d in sector.documents if d.number in item.numbers}
        if not found:
            found = {d.id for d in knowledge.documents_in_force(sector, item.as_of)}
    return found


def clauses(item: ScenarioCase) -> set[str]:
    """The clauses a scenario names, directly or through the rules it names."""
    from engine import knowledge

    rules = knowledge.default().rules
    return item.clauses | {rules[r][1].clause for r in item.rules if r in rules}
