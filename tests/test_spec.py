"""`hazard spec` and the specification plugin: broken files fail alone with Chinese messages naming file
and line, failures are shown without pytest internals, scenarios are selected by sector/document/clause,
`pytest -k` selects by sector/document, skeletons for a rule run green."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import HazardError
from engine.spec import lint, scan, skeleton, steps

ROOT = Path(__file__).resolve().parent.parent

GOOD = """# language: zh-CN
功能: 试验
  背景:
    假如 行业为 "chemicals"
    而且 检查日期为 "2026-06-01"

  场景: 通过的
    假如 现场事实如下：
      | 事实 | 取值 |
      | 被检查单位类别 | 危险化学品生产单位 |
      | 充装对象 | 汽车罐车或铁路罐车（槽车） |
      | 充装介质 | 液氨 |
      | 充装使用万向管道充装系统 | 否 |
    当 进行判定
    那么 结论为 "重大事故隐患"
    而且 引用 "安监总管三〔2017〕121号" 条款 "七"

  场景: 失败的
    假如 现场事实如下：
      | 事实 | 取值 |
      | 被检查单位类别 | 危险化学品生产单位 |
      | 充装对象 | 汽车罐车或铁路罐车（槽车） |
      | 充装介质 | 液氨 |
      | 充装使用万向管道充装系统 | 是 |
    当 进行判定
    那么 结论为 "重大事故隐患"

  场景大纲: 写错的
    假如 现场事实如下：
      | 事实 | 取值 |
      | <事实> | <取值> |
    当 进行判定
    那么 结论是 "重大事故隐患"

    例子:
      | 事实 | 取值 |
      | 充装界质 | 液氨 |
      | 充装介质 | 液氮 |
"""


def _write(root: Path, name: str, text: str) -> Path:
    path = root / "chemicals" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _spec(*args: str) -> subprocess.CompletedProcess:
    """`hazard spec …` in this process (its pytest run is nested in ours), output captured."""
    import contextlib
    import io

    from engine.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["spec", *args])
    return subprocess.CompletedProcess(["hazard", "spec", *args], code, out.getvalue(), err.getvalue())


def test_missing_language_line_is_named_with_file_and_line(tmp_path):
    path = _write(tmp_path, "x.feature", "\n功能: 没有语言行\n  场景: x\n    假如 行业为 \"chemicals\"\n")
    feature, problem = scan.parse(path)
    assert feature is None
    assert problem.line == 2 and "# language: zh-CN" in problem.message
    assert "x.feature 第 2 行" in str(problem)


def test_gherkin_error_is_explained_in_chinese(tmp_path):
    path = _write(tmp_path, "y.feature", "# language: zh-CN\n功能: x\n  场景: y\n    假如 行业为 \"chemicals\"\n    随便写的一行\n")
    feature, problem = scan.parse(path)
    assert feature is None and problem.line == 5
    assert "无法识别这一行" in problem.message and "随便写的一行" in problem.message


def test_unknown_step_label_and_value_are_reported_where_they_are_written(tmp_path):
    path = _write(tmp_path, "z.feature", GOOD)
    items, problem = scan.scan(path)
    assert problem is None and len(items) == 4
    passing, failing, wrong_label, wrong_value = items
    assert lint.problems(passing) == [] and lint.problems(failing) == []
    found = lint.problems(wrong_label)
    assert [p.line for p in found] == [33, 37]
    assert "没有步骤能理解“那么 结论是" in found[0].message and '结论为 "重大事故隐患"' in found[0].message
    assert "“充装界质”不是" in found[1].message and "“充装介质”" in found[1].message
    found = lint.problems(wrong_value)
    assert found[-1].line == 38 and "取值须为以下之一" in found[-1].message and "液氮" in found[-1].message


def test_expected_errors_are_not_checked_for_labels(tmp_path):
    text = ("# language: zh-CN\n功能: x\n  场景: 未知事实报错\n    假如 行业为 \"chemicals\"\n"
            "    而且 事实 \"没有这个事实\" 为 \"是\"\n    当 尝试判定\n    那么 报错代码为 \"unknown_fact\"\n")
    items, _ = scan.scan(_write(tmp_path, "e.feature", text))
    assert lint.problems(items[0]) == []


def test_spec_runs_files_alone_and_reports_failures_in_chinese(tmp_path):
    _write(tmp_path, "good.feature", GOOD)
    _write(tmp_path, "nolang.feature", "功能: 没有语言行\n")
    run = _spec("--features", str(tmp_path))
    out = run.stdout
    assert run.returncode == 1, run.stderr
    assert "✓ 通过的（第 7 行）" in out
    assert "✗ 失败的（第 18 行）" in out and "✗ 文件无法读取" in out
    assert "失败的步骤（第 26 行）：那么 结论为 \"重大事故隐患\"" in out
    assert "实际：结论为 不构成重大事故隐患" in out
    assert "未构成 CHEM-2017-07（七）：要求 充装使用万向管道充装系统 = 否，实际为 是" in out
    assert "首行须为“# language: zh-CN”" in out
    assert "共 5 个场景：通过 1，失败 4" in out
    for internal in ("Traceback", "fixturefunc", "def ", "site-packages", "assert '"):
        assert internal not in out, internal


def test_spec_selects_by_clause_and_name(tmp_path):
    _write(tmp_path, "good.feature", GOOD)
    run = _spec("--features", str(tmp_path), "--clause", "七")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "共 1 个场景：通过 1，失败 0" in run.stdout


def test_spec_bad_options_are_chinese_errors():
    run = _spec("--document", "NO-SUCH-DOC")
    assert run.returncode == 2 and "没有文件“NO-SUCH-DOC”" in run.stderr and "Traceback" not in run.stderr
    run = _spec("--new", "NO-SUCH-RULE")
    assert run.returncode == 2 and "没有规则 NO-SUCH-RULE" in run.stderr


def test_pytest_k_selects_by_sector_folder_and_document():
    from engine.spec.plugin import keywords

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/test_features.py", "-k", "chemicals"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    selected = sum(line.startswith("tests/test_features.py::") for line in run.stdout.splitlines())
    items, _ = scan.scan_all()
    chemicals = [i for i in items if "chemicals" in (i.sector, i.file.parent.name)]
    assert selected == len(chemicals) > 50, run.stdout[-1000:]
    coal = [i for i in items if "COAL-2026" in keywords(i)]
    assert len(coal) > 100 and all(i.sector == "mines" for i in coal)
    assert {"mines", "coal2026_boundaries", "COAL-2026-05-05"} <= keywords(
        next(i for i in items if i.file.stem == "coal2026_boundaries" and "COAL-2026-05-05" in i.rules))


def test_a_feature_file_runs_directly_with_pytest():
    path = "features/chemicals/chem2017_major.feature"
    items, _ = scan.scan(ROOT / path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", path], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:]
    assert f"{len(items)} passed" in run.stdout


def test_skeleton_has_a_major_case_a_near_miss_per_condition_and_the_exception(tmp_path):
    from engine import knowledge
    from engine.spec import solve

    doc, rule = knowledge.default().rules["GAS-2023-06-2"]
    generated = skeleton.cases(doc, rule, knowledge.default().sectors["gas"])
    kinds = [c.kind for c in generated]
    assert kinds.count("major") == 1 and kinds.count("exception") == 1
    assert kinds.count("near_miss") == len(list(solve.positions(rule.condition)))
    assert all(c.facts is not None and c.checked for c in generated)
    text = skeleton.render("COAL-2026-05-05")
    assert text.startswith("# language: zh-CN") and "| 积聚附近20m内已停工撤人断电并处理 | 是 |" in text
    assert text.count("差一点") == 3
    path = _write(tmp_path, "sk.feature", text)
    items, problem = scan.scan(path)
    assert problem is None and all(lint.problems(i) == [] for i in items)


def test_skeletons_run_green(tmp_path):
    for rule_id in ("COAL-2026-05-05", "CHEM-2017-07", "GAS-2023-06-2", "FIRE-2017-5.3.3a"):
        _write(tmp_path, f"{rule_id}.feature", skeleton.render(rule_id))
    run = _spec("--features", str(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:]
    assert "失败 0" in run.stdout


def test_unknown_rule_for_skeleton():
    with pytest.raises(HazardError) as info:
        skeleton.render("NO-SUCH")
    assert info.value.code == "unknown_rule"


def test_nearest_steps_are_real_examples():
    near = steps.nearest("then", '结论是 "重大事故隐患"')
    assert near[0] == '那么 结论为 "重大事故隐患"'
