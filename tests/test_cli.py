"""The `hazard` command as an inspector uses it: verdicts with citations, JSON, criteria,
explanations, and clear errors with exit codes instead of stack traces."""

from __future__ import annotations

import json

import pytest

from engine import cli


def run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_readme_example_is_a_major_hazard_with_exact_citation(capsys):
    code, out, _ = run(capsys, "judge", "--sector", "chemicals", "--fact", "被检查单位类别=危险化学品生产单位",
                       "--fact", "充装对象=汽车罐车或铁路罐车（槽车）", "--fact", "充装介质=液氨",
                       "--fact", "充装使用万向管道充装系统=否", "--as-of", "2026-11-28", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["verdict"] == "major"
    hazard = data["hazards"][0]
    assert hazard["document"]["number"] == "安监总管三〔2017〕121号"
    assert hazard["clause"] == "七"
    assert hazard["text"] == "液化烃、液氨、液氯等易燃易爆、有毒有害液化气体的充装未使用万向管道充装系统。"
    assert {r["label"] for r in hazard["reasoning"]} >= {"充装对象", "充装介质", "充装使用万向管道充装系统"}
    assert data["as_of"] == "2026-11-28"
    assert any("AQ 3067—2026" in w and "尚未编码" in w for w in data["warnings"])


def test_text_output_is_chinese_and_names_clause_and_rule(capsys):
    code, out, _ = run(capsys, "judge", "--sector", "chemicals", "--fact", "unit_kind=危险化学品生产单位",
                       "--fact", "filling_container=汽车罐车或铁路罐车（槽车）", "--fact", "充装介质=液氨",
                       "--fact", "universal_filling_system=false", "--as-of", "2026-06-01")
    assert code == 0
    assert "判定结论：重大事故隐患" in out and "条款 七" in out and "CHEM-2017-07" in out


def test_case_file_and_as_of_from_the_file(tmp_path, capsys):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"sector": "chemicals", "as_of": "2026-06-01",
                                "facts": {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨"}}, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "judge", "--facts", str(case), "--json")
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "insufficient" and data["as_of"] == "2026-06-01"
    assert data["questions"][0]["label"] == "充装使用万向管道充装系统"
    assert data["questions"][0]["question"].endswith("？")


@pytest.mark.parametrize("argv, code, expected", [
    (["judge", "--sector", "chemicals", "--fact", "甲烷浓度=1.0"], "unknown_fact", "甲烷浓度"),
    (["judge", "--sector", "nuclear", "--fact", "x=1"], "unknown_sector", "nuclear"),
    (["judge", "--sector", "chemicals", "--fact", "充装介质"], "bad_fact_syntax", "事实=取值"),
    (["judge", "--sector", "chemicals", "--fact", "充装使用万向管道充装系统=也许"], "bad_value", "是/否"),
    (["judge", "--sector", "chemicals", "--fact", "充装介质=液氨", "--as-of", "2017-01-01"], "no_edition_in_force", "2017-01-01"),
    (["judge", "--sector", "chemicals", "--facts", "/nonexistent/case.json"], "bad_file", "case.json"),
    (["explain", "NO-SUCH-RULE"], "unknown_rule", "NO-SUCH-RULE"),
])
def test_bad_input_gets_a_code_and_a_chinese_message(capsys, argv, code, expected):
    rc, out, err = run(capsys, *argv)
    assert rc == 2, err
    assert f"[{code}]" in err and expected in err
    assert "Traceback" not in err and not out


def test_malformed_case_file(tmp_path, capsys):
    case = tmp_path / "case.json"
    case.write_text("{facts: ", encoding="utf-8")
    rc, _, err = run(capsys, "judge", "--sector", "chemicals", "--facts", str(case))
    assert rc == 2 and "[malformed_json]" in err


def test_bad_date_argument(capsys):
    rc, _, err = run(capsys, "judge", "--sector", "chemicals", "--as-of", "2026-02-30")
    assert rc == 2 and "[bad_date]" in err and "2026-02-30" in err


def test_criteria_lists_documents_clauses_and_rules(capsys):
    code, out, _ = run(capsys, "criteria", "--sector", "chemicals", "--json")
    docs = {d["id"]: d for d in json.loads(out)}
    assert code == 0 and docs["CHEM-AQ3067-2026"]["status"] == "not_encoded"
    clause7 = next(c for c in docs["CHEM-2017"]["clauses"] if c["no"] == "七")
    assert clause7["rules"] == ["CHEM-2017-07"]
    code, out, _ = run(capsys, "criteria", "--sector", "chemicals")
    assert "已知但未编码" in out and "[已编码] 七" in out


def test_explain_prints_the_rule_in_chinese(capsys):
    code, out, _ = run(capsys, "explain", "CHEM-2017-05b")
    assert code == 0
    assert "罐区重大危险源级别 属于 一级、二级" in out and "判定为重大事故隐患" in out


def test_check_passes_on_the_embedded_knowledge(capsys):
    code, out, _ = run(capsys, "check")
    assert code == 0 and "知识库检查通过" in out and "CHEM-2017" in out


@pytest.mark.parametrize("argv", [
    ["judge", "--sector", "chemicals", "--fact", "充装介质=液氨", "--fact", "a=b", "--as-of", "2026-06-01", "--json"],
    ["judge", "--facts", "case.json", "--complete", "--all-questions", "--found-by", "消防救援", "--record", "r.docx"],
    ["judge", "--checklist", "x.xlsx", "-o", "y.xlsx", "--unit", "某厂", "--inspectors", "张三"],
    ["judge", "--text", "-", "--sheet", "s.csv"],
    ["judge"],
])
def test_the_judge_only_parser_reads_judge_as_the_full_parser_does(argv):
    assert vars(cli.build_parser("judge").parse_args(argv)) == vars(cli.build_parser().parse_args(argv))


def _outcome(parse, argv, capsys):
    try:
        result = ("parsed", vars(parse(argv)))
    except SystemExit as exc:
        result = ("exit", exc.code)
    except Exception as exc:  # e.g. HazardError from the --as-of reader
        result = (type(exc).__name__, str(exc))
    out = capsys.readouterr()
    return result, out.out, out.err


@pytest.mark.parametrize("argv", [["judge", "--help"], ["judge", "--as-of", "2026-13-01"], ["judge", "--bogus"],
                                  ["judge", "extra"], ["judge", "--sector"], ["judge", "--sector", "gas", "-x", "1"],
                                  ["judge", "--sector", "gas"]])
def test_main_reads_judge_as_the_full_parser_does_with_the_same_help_and_errors(argv, capsys):
    assert _outcome(cli.parse_args, argv, capsys) == _outcome(cli.build_parser().parse_args, argv, capsys)


def test_main_builds_the_judge_only_parser_for_judge_alone(monkeypatch, capsys):
    built = []
    real = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda command=None: built.append(command) or real(command))
    cli.main(["judge", "--sector", "chemicals", "--fact", "充装介质=液氨", "--as-of", "2026-06-01"])
    cli.main(["criteria", "--sector", "chemicals"])
    with pytest.raises(SystemExit):  # the full parser reports what judge leaves over
        cli.main(["judge", "--sector", "chemicals", "stray"])
    assert built == ["judge", None, "judge", None]


def test_pydantic_takes_only_get_plugins_from_its_plugin_loader():
    """engine.cli stands in for pydantic.plugin._loader with a module offering only get_plugins()."""
    import re
    from pathlib import Path

    import pydantic

    imports = set()
    for path in Path(pydantic.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for names in re.findall(r"from (?:\.|\.\.plugin\.|pydantic\.plugin\.)_loader import ([^\n]+)", text):
            imports |= {n.strip() for n in names.split(",")}
        assert not re.search(r"import pydantic\.plugin\._loader|_loader\.\w", text.replace("_loader.py", "")), path
    assert imports == {"get_plugins"}


def test_the_stand_in_plugin_loader_answers_as_pydantics_with_every_plugin_disabled(monkeypatch):
    import importlib.util
    import sys

    import pydantic.plugin

    spec = importlib.util.find_spec("pydantic.plugin._loader")
    real = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(real)
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")
    assert tuple(real.get_plugins()) == cli._no_plugins() == ()
    monkeypatch.delitem(sys.modules, "pydantic.plugin._loader", raising=False)
    cli._pydantic_without_plugins()
    assert sys.modules["pydantic.plugin._loader"].get_plugins is cli._no_plugins
    monkeypatch.delitem(sys.modules, "pydantic.plugin._loader")
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "logfire")  # a user's own setting: the real loader
    cli._pydantic_without_plugins()
    assert "pydantic.plugin._loader" not in sys.modules


def test_hazard_judge_does_not_import_the_plugin_loaders_dependencies(tmp_path):
    import os
    import subprocess
    import sys

    script = ("import sys; from engine import cli; "
              "code = cli.main(['judge', '--sector', 'chemicals', '--fact', '充装介质=液氨', '--as-of', '2026-06-01']); "
              "print(code, 'importlib.metadata' in sys.modules, sys.modules['pydantic.plugin._loader'].get_plugins.__module__)")
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "0 False engine.cli"
