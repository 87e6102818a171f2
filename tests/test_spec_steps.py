"""The step table of features/README.md is complete and generated from the step definitions.

Every step under tests/steps/ (any module, including ones other work adds) must say in Chinese what
it does and give an example its own pattern understands; the README's table must be the generated one
(`python3 -m engine.spec.stepdocs --write` regenerates it)."""

from __future__ import annotations

import pytest

from engine.spec import stepdocs, steps

STEPS = steps.load()


def test_every_step_module_is_loaded():
    modules = {s.module for s in STEPS}
    files = {f"tests.steps.{p.stem}" for p in steps.STEPS_DIR.glob("*.py") if p.stem != "__init__"}
    assert set(steps.step_modules()) == files
    assert modules <= files and len(STEPS) >= 60


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.name)
def test_step_is_documented_with_an_example_it_understands(step):
    assert step.doc, f"步骤 {step.name}（{step.pattern}）缺少中文说明：在其 docstring 首行写明含义"
    assert step.examples, f"步骤 {step.name}（{step.pattern}）缺少例子：在其 docstring 中加一行“例：而且 …”"
    for example in step.examples:
        kind, text = steps.split_keyword(example)
        assert kind in (None, step.kind), f"例子“{example}”的关键词与步骤类型 {step.kind} 不符"
        assert step.matches(text), f"例子“{example}”不能被步骤 {step.name} 的写法 {step.pattern} 理解"


def test_readme_lists_every_step_as_generated():
    text = stepdocs.README.read_text(encoding="utf-8")
    current = stepdocs.current_block(text)
    assert current is not None, "features/README.md 缺少步骤表；运行 python3 -m engine.spec.stepdocs --write"
    assert current == stepdocs.block(), "features/README.md 的步骤表已过时；运行 python3 -m engine.spec.stepdocs --write"
    for step in STEPS:
        assert step.examples[0].replace("|", "\\|") in current
