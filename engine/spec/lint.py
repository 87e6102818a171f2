"""Problems an expert can fix in a scenario, found before it runs, in Chinese with file and line:
a step no definition understands (with the nearest phrases), a fact label the sector's vocabulary
does not have (with the nearest labels, as `hazard judge` suggests them), a value the fact does not allow.

Scenarios that expect an error (`当 尝试判定`) are not checked for facts: a wrong label is their point.
"""

from __future__ import annotations

from typing import Any

from engine.errors import HazardError
from engine.spec import steps as stepdefs
from engine.spec.scan import FeatureProblem, ScenarioCase


def problems(item: ScenarioCase) -> list[FeatureProblem]:
    """Everything wrong with one rendered scenario (empty when it can run)."""
    found = list(item.problems)
    for step in item.scenario.steps:
        if not stepdefs.find(step.type, step.name):
            near = "；".join(f"“{s}”" for s in stepdefs.nearest(step.type, step.name))
            found.append(FeatureProblem(item.file, _line(item, step.line_number, step.name),
                                        f"没有步骤能理解“{step.keyword.strip()} {step.name}”；相近的写法：{near}"
                                        "（全部步骤见 features/README.md）"))
    if not item.expects_error:
        found.extend(_fact_problems(item))
    return found


def _line(item: ScenarioCase, step_line: int, text: str) -> int:
    """The step's own line, or the example row's line when the text came from the row."""
    return item.line if item.example and any(v and v in text for v in item.example.values()) else step_line


def _fact_lines(item: ScenarioCase) -> dict[str, int]:
    """Where each fact name is written: its table row, its step, or the example row it came from."""
    where: dict[str, int] = {}
    for step in item.scenario.steps:
        if step.datatable is not None:
            for row in step.datatable.rows:
                if row.cells:
                    name = row.cells[0].value
                    where.setdefault(name, _line(item, row.location.line, name))
        for value in step.name.split('"'):
            for part in value.split("；"):
                name = part.partition("=")[0].strip()
                if name:
                    where.setdefault(name, _line(item, step.line_number, step.name))
    return where


def _fact_problems(item: ScenarioCase) -> list[FeatureProblem]:
    from engine import knowledge
    from engine.facts import coerce, similar_labels

    sector_id = item.sector
    if not sector_id or not item.case.get("facts"):
        return []
    kb = knowledge.default()
    sector = kb.sectors.get(sector_id)
    if sector is None:
        return [FeatureProblem(item.file, item.line, f"未知行业“{sector_id}”；可选：{'、'.join(kb.sectors)}")]
    lines = _fact_lines(item)
    out = []
    for name, value in item.case["facts"].items():
        line = lines.get(name, item.line)
        fact = sector.fact_by_name(str(name).strip())
        if fact is None:
            hint = "、".join(f"“{x}”" for x in similar_labels(sector, str(name)))
            hint = f"；是否指：{hint}" if hint else ""
            out.append(FeatureProblem(item.file, line, f"“{name}”不是{sector.label}行业词汇表中的事实{hint}"
                                                       f"（全部事实：hazard vocabulary {sector.id}）"))
            continue
        try:
            coerce(fact, value, name)
        except HazardError as exc:
            out.append(FeatureProblem(item.file, line, exc.message))
    return out


def check_all(items: list[ScenarioCase]) -> dict[int, list[FeatureProblem]]:
    return {id(i): problems(i) for i in items}


def describe(found: list[FeatureProblem]) -> str:
    return "\n".join(str(p) for p in found)


__all__ = ["problems", "describe", "check_all", "Any"]
