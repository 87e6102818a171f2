"""`hazard spec`: run the Chinese scenarios of a sector, a document, a file or a clause, print ✓/✗ per
scenario in Chinese and, for a failure, only the scenario, the step, expected vs got and the judgement.

Under the hood it is pytest with the same plugin and step definitions CI uses (engine.spec.plugin);
pytest's own output is switched off and replaced by the lines below. Exit code 0 when every selected
scenario passes, 1 when one fails, 2 for bad options (Chinese error), as every `hazard` command.

    hazard spec --sector mines --document COAL-2026 --clause 第五条
    hazard spec --file features/chemicals/chem2017_major.feature
    hazard spec --new COAL-2026-05-05          # a scenario skeleton for one rule (engine.spec.skeleton)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path
from typing import Any

from engine.errors import HazardError


class _Selector:
    """pytest plugin: keeps the selected scenarios and records each one's outcome."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.results: list[dict[str, Any]] = []
        self.selected = 0

    def wanted(self, item) -> bool:
        from engine.spec import scan
        from engine.spec.plugin import SPEC

        a = self.args
        case = item.stash.get(SPEC, None)
        if case is None:  # a file that could not be read: shown whenever its folder or file is asked for
            return not (a.document or a.clause or a.name) and (not a.sector or Path(item.path).parent.name == a.sector)
        if a.sector and (case.sector or case.file.parent.name) != a.sector:
            return False
        if a.document and a.document not in scan.documents(case):
            return False
        if a.clause and not any(c.startswith(a.clause) for c in scan.clauses(case)):
            return False
        return not a.name or a.name in case.title

    def pytest_collection_modifyitems(self, session, config, items) -> None:
        keep = [i for i in items if self.wanted(i)]
        drop = [i for i in items if not self.wanted(i)]
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep
        self.selected = len(keep)

    def pytest_runtest_makereport(self, item, call):
        return None

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.results.append({"nodeid": report.nodeid, "passed": report.passed, "report": report})

    def pytest_itemcollected(self, item) -> None:
        pass


def _files(args: argparse.Namespace, root: Path) -> list[Path]:
    if args.file:
        files = []
        for name in args.file:
            path = Path(name)
            path = path if path.exists() else root / name
            if not path.exists():
                raise HazardError("unknown_file", f"找不到特性文件 {name}", "file")
            files.append(path.resolve())
        return files
    return [root.resolve()]


def _check_options(args: argparse.Namespace) -> None:
    from engine import knowledge

    kb = knowledge.default()
    if args.sector and args.sector not in kb.sectors and args.sector != "routing":
        raise HazardError("unknown_sector", f"未知行业“{args.sector}”；可选：{'、'.join(kb.sectors)}", "sector")
    if args.document and args.document not in kb.documents:
        raise HazardError("unknown_document", f"没有文件“{args.document}”；可选：{'、'.join(kb.documents)}", "document")


def run(args: argparse.Namespace, out=None) -> int:
    """Run the selected scenarios; print one line per scenario and the failures; return the exit code."""
    try:
        import pytest
        import pytest_bdd  # noqa: F401
    except ImportError:
        raise HazardError("missing_test_tools", "运行场景需要测试依赖：python3 -m pip install -e '.[test]'", None) from None
    from engine.spec import scan
    from engine.spec import steps as stepdefs
    from engine.spec.plugin import SPEC  # noqa: F401 - the plugin must import cleanly

    _check_options(args)
    root = Path(args.features) if args.features else scan.FEATURES
    selector = _Selector(args)
    plugins = ["engine.spec.plugin", *stepdefs.step_modules()]
    argv = [str(p) for p in _files(args, root)]
    argv += ["-q", "--color=no", "-p", "no:cacheprovider", "-o", "addopts=", "-o", "testpaths=",
             "--rootdir", str(scan.ROOT), "-c", str(scan.ROOT / "pyproject.toml"), "-W", "ignore"]
    for p in plugins:
        argv += ["-p", p]
    captured = io.StringIO()  # pytest's own report is replaced by ours (kept for a run that breaks)
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        code = pytest.main(argv, plugins=[selector])
    if code in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        tail = "\n".join(captured.getvalue().strip().splitlines()[-5:])
        raise HazardError("spec_run_failed", f"场景未能运行（pytest 退出码 {int(code)}）：\n{tail}", None)
    if not selector.selected:
        raise HazardError("no_scenarios", "没有符合条件的场景；可用 --sector / --document / --clause / --file 调整", None)
    return report(selector.results, out or sys.stdout)


def report(results: list[dict[str, Any]], out) -> int:
    """Print ✓/✗ per scenario, grouped by file, then the failures in full; return the exit code."""
    failed = 0
    current = None
    failures = []
    for r in results:
        rep = r["report"]
        path, _, rest = rep.nodeid.partition("::")
        if path != current:
            current = path
            print(path, file=out)
        title = getattr(rep, "spec_title", None) or rest
        mark = "✓" if r["passed"] else "✗"
        print(f"  {mark} {title}", file=out)
        if not r["passed"]:
            failed += 1
            failures.append(getattr(rep, "spec_failure", None) or _plain(rep))
    for text in failures:
        print("\n" + "─" * 40 + "\n" + text, file=out)
    passed = len(results) - failed
    print(f"\n共 {len(results)} 个场景：通过 {passed}，失败 {failed}", file=out)
    return 1 if failed else 0


def _plain(report) -> str:
    """A failure the plugin could not condense (e.g. a scenario with problems, or a bug in a step)."""
    text = getattr(report, "longreprtext", "") or str(report.longrepr)
    if text.startswith("Failed: "):
        text = text[len("Failed: "):]
    return text.strip()


def cmd_spec(args: argparse.Namespace) -> int:
    if args.new:
        from engine.spec import skeleton

        print(skeleton.render(args.new))
        return 0
    return run(args)


def register(sub) -> None:
    """Add the `spec` sub-command to the `hazard` parser."""
    p = sub.add_parser("spec", help="运行中文判定场景（features/），或为一条规则生成场景骨架")
    p.add_argument("--sector", help="只运行该行业的场景（如 mines）")
    p.add_argument("--document", help="只运行涉及该文件的场景（如 COAL-2026）")
    p.add_argument("--clause", help="只运行涉及该条款的场景（前缀匹配，如 第五条）")
    p.add_argument("--file", action="append", help="只运行该特性文件（可重复）")
    p.add_argument("--name", help="只运行标题包含该文字的场景")
    p.add_argument("--features", help=argparse.SUPPRESS)  # another features folder (tests)
    p.add_argument("--new", metavar="RULE_ID", help="打印该规则的场景骨架（构成、各条件的差一点、除外情形）")
    p.set_defaults(func=cmd_spec)
