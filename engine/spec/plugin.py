"""pytest plugin for the Chinese specifications (registered by the root conftest.py).

- `bind(namespace, paths)` turns feature files into test functions (used by tests/test_features.py);
  a file that cannot be read becomes one failing test naming file and line, the others still run;
- `pytest features/<sector>/x.feature` (or a folder) collects feature files directly;
- every scenario test gets keywords for `-k`: its sector (folder), file name, documents (e.g. COAL-2026)
  and rules, so `pytest -k chemicals`, `-k COAL-2026`, `-k coal2026_boundaries` select by them;
- a scenario with problems an expert can fix (unknown step, fact label, value) fails alone, before running,
  with a Chinese explanation naming file and line (engine.spec.lint);
- a failing step is reported in a few Chinese lines (scenario, step, expected vs got, the judgement)
  instead of pytest's traceback; `--tb=long` (or any explicit --tb) keeps pytest's own report.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from engine.spec import lint, scan

SPEC = pytest.StashKey[scan.ScenarioCase]()
FAILURE = pytest.StashKey[dict]()


# ---- binding feature files to tests ------------------------------------------------------------

def _broken_file_test(problem: scan.FeatureProblem):
    def test_feature_file() -> None:
        pytest.fail(f"特性文件无法读取：{problem}", pytrace=False)
    test_feature_file.__doc__ = str(problem)
    return test_feature_file


def bind(namespace: dict[str, Any], paths: list[Path]) -> None:
    """Add one test per scenario of each file (per example row when parametrised) to `namespace`."""
    from pytest_bdd.scenario import get_python_name_generator, scenario

    for path in paths:
        path = Path(path).resolve()
        feature, problem = scan.parse(path)
        if feature is None:
            namespace[f"test_特性文件无法读取_{path.parent.name}_{path.stem}"] = _broken_file_test(problem)
            continue
        for name in feature.scenarios:
            test = scenario(path.name, name, features_base_dir=str(path.parent))(lambda: None)
            for test_name in get_python_name_generator(name):
                if test_name not in namespace:
                    namespace[test_name] = test
                    break


class FeatureFile(pytest.Module):
    """A .feature file collected directly (`pytest features/mines/coal2026_boundaries.feature`)."""

    def _getobj(self):
        module = types.ModuleType(self.path.stem)
        module.__file__ = str(self.path)
        bind(module.__dict__, [self.path])
        return module


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".feature":
        return FeatureFile.from_parent(parent, path=file_path)
    return None


# ---- what each scenario test is about -------------------------------------------------------------

def _case_of(item: pytest.Item) -> scan.ScenarioCase | None:
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    template = scenario_wrapper_template_registry.get(getattr(item, "function", None))
    if template is None:
        return None
    example = getattr(item, "callspec", None)
    example = example.params.get("_pytest_bdd_example", {}) if example else {}
    found, _ = scan.scan(Path(template.feature.filename))
    for case in found:
        if case.template.line_number == template.line_number and case.example == example:
            return case
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items) -> None:
    for item in items:
        case = _case_of(item)
        if case is None:
            continue
        item.stash[SPEC] = case
        item.extra_keyword_matches.update(keywords(case))


def keywords(case: scan.ScenarioCase) -> set[str]:
    """What `pytest -k` matches a scenario by: folder (sector), file, sector, documents and rules."""
    found = {case.file.parent.name, case.file.stem, case.file.name}
    found |= {case.sector} if case.sector else set()
    try:
        found |= scan.documents(case) | case.rules
    except Exception:  # noqa: BLE001 - a broken knowledge base is reported by its own tests
        pass
    return found


def pytest_bdd_before_scenario(request, feature, scenario) -> None:
    case = request.node.stash.get(SPEC, None)
    if case is None:
        return
    found = lint.problems(case)
    if found:
        pytest.fail(f"场景“{case.title}”有需要修改的写法：\n" + lint.describe(found), pytrace=False)


# ---- concise failures ---------------------------------------------------------------------------

def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception) -> None:
    result = step_func_args.get("result")
    if result is None and "result" in request.fixturenames:
        try:
            result = request.getfixturevalue("result")
        except Exception:  # noqa: BLE001 - no judgement yet (e.g. the judging step failed)
            result = None
    request.node.stash[FAILURE] = {"step": step, "exception": exception, "result": result}


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception) -> None:
    request.node.stash[FAILURE] = {"step": step, "exception": None, "result": None}


def judgement_summary(result: Any) -> list[str]:
    """The judgement's reasoning in a few Chinese lines."""
    lines = [f"判定结论：{result.verdict_zh}"]
    for h in result.hazards:
        why = "；".join(f"{r.label}={_value(r.value)}" for r in h.reasoning)
        lines.append(f"  重大事故隐患 {h.rule_id}（{h.document.number} {h.clause}）：{why}")
    for n in result.not_met[:8]:
        why = n.defeated_by or "；".join(n.failed)
        lines.append(f"  未构成 {n.rule_id}（{n.clause}）：{why}")
    if len(result.not_met) > 8:
        lines.append(f"  ……另有 {len(result.not_met) - 8} 条规则未构成")
    if result.questions:
        lines.append("  待补充：" + "、".join(q.label for q in result.questions[:6])
                     + ("……" if len(result.questions) > 6 else ""))
    for w in result.warnings[:3]:
        lines.append(f"  提示：{w}")
    return lines


def _value(value: Any) -> str:
    return ("是" if value else "否") if isinstance(value, bool) else str(value)


def failure_text(case: scan.ScenarioCase | None, failure: dict, fallback: str) -> str:
    """Scenario, step, expected vs got, and the judgement, in Chinese."""
    from engine.errors import HazardError

    step, exc, result = failure["step"], failure["exception"], failure["result"]
    where = f"{scan.relative(case.file)} 第 {case.line} 行" if case else ""
    lines = [f"场景：{case.title if case else ''}（{where}）" if case else "场景失败",
             f"失败的步骤（第 {step.line_number} 行）：{step.keyword.strip()} {step.name}"]
    if exc is None:
        lines.append("没有步骤能理解这一句（全部步骤见 features/README.md）")
    elif isinstance(exc, HazardError):
        lines.append(f"判定报错 [{exc.code}]：{exc.message}")
    else:
        message = str(exc).strip() or fallback
        own = []  # the step's own message, without pytest's "assert …" explanation
        for line in message.splitlines():
            if line.startswith("assert ") or line.startswith("where "):
                break
            own.append(line)
        lines.append(f"预期：{step.name}")
        lines.append(f"实际：{own[0] if own else message.splitlines()[0]}")
        lines.extend(own[1:4])
    if result is not None and hasattr(result, "verdict_zh"):
        lines.extend(judgement_summary(result))
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    case = item.stash.get(SPEC, None)
    if case is not None:
        row = "、".join(v for v in case.example.values() if v)
        row = f"［{row[:40]}{'…' if len(row) > 40 else ''}］" if row else ""
        report.spec_title = f"{case.title}{row}（第 {case.line} 行）"
    elif item.name.startswith("test_特性文件无法读取"):
        report.spec_title = "文件无法读取"
    failure = item.stash.get(FAILURE, None)
    if report.when != "call" or not report.failed or failure is None:
        return
    exc = failure["exception"]
    if exc is not None and not isinstance(exc, (AssertionError, pytest.fail.Exception)) \
            and type(exc).__name__ != "HazardError":
        return  # a bug in a step definition: keep the traceback for the programmer
    text = failure_text(case, failure, str(report.longrepr))
    report.spec_failure = text
    if getattr(item.config.option, "tbstyle", "auto") == "auto":
        report.longrepr = text
