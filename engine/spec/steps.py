"""The Chinese step phrases the specifications understand, read from the step definitions in tests/steps/.

Every module under tests/steps/ is loaded (the same set tests/conftest.py registers as pytest plugins).
Each step function documents itself for experts: the first line of its docstring says in Chinese
what the step does, and a line starting with `例：` gives a complete example sentence, e.g.

    @given(parsers.re(r'行业为 "(?P<sector>[^"]+)"'))
    def given_sector(case, sector):
        \"\"\"行业（chemicals / mines / fire / gas …）。
        例：假如 行业为 "chemicals"
        \"\"\"
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent.parent
STEPS_DIR = ROOT / "tests" / "steps"
KEYWORDS = {"假如": "given", "假设": "given", "假定": "given", "当": "when", "那么": "then",
            "而且": None, "并且": None, "同时": None, "但是": None}
KIND_ZH = {"given": "前提（假如）", "when": "动作（当）", "then": "预期（那么）"}


@dataclass(frozen=True)
class StepDef:
    """One step definition: its kind (given/when/then), parser and documentation."""

    kind: str
    parser: Any  # a pytest_bdd StepParser
    func: Callable[..., Any]
    module: str
    target_fixture: str | None

    @property
    def pattern(self) -> str:
        return self.parser.name

    @property
    def name(self) -> str:
        return f"{self.module}.{self.func.__name__}"

    @property
    def doc(self) -> str:
        """The Chinese explanation: the docstring without its example lines."""
        lines = inspect.getdoc(self.func) or ""
        return " ".join(line.strip() for line in lines.splitlines() if line.strip() and not line.strip().startswith("例："))

    @property
    def examples(self) -> list[str]:
        """Complete example sentences (with their keyword), from the docstring's `例：` lines."""
        lines = inspect.getdoc(self.func) or ""
        return [line.strip()[2:].strip() for line in lines.splitlines() if line.strip().startswith("例：")]

    def matches(self, text: str) -> bool:
        return bool(self.parser.is_matching(text))

    def arguments(self, text: str) -> dict[str, Any]:
        return dict(self.parser.parse_arguments(text) or {})


def step_modules() -> list[str]:
    """Import names of every step module under tests/steps/ (sorted, stable)."""
    return sorted(f"tests.steps.{p.stem}" for p in STEPS_DIR.glob("*.py") if p.stem != "__init__")


@lru_cache(maxsize=1)
def load() -> tuple[StepDef, ...]:
    """Import the step modules and return their step definitions in source order."""
    from pytest_bdd.steps import step_function_context_registry

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    names = step_modules()
    for name in names:
        importlib.import_module(name)
    found = []
    for context in list(step_function_context_registry.values()):
        module = getattr(context.step_func, "__module__", "")
        if module in names:
            found.append(StepDef(context.type or "given", context.parser, context.step_func, module,
                                 context.target_fixture))
    found.sort(key=lambda s: (names.index(s.module), s.func.__code__.co_firstlineno))
    return tuple(found)


def split_keyword(sentence: str) -> tuple[str | None, str]:
    """'而且 事实 "x" 为 "y"' -> (None, 'x…'): the keyword's kind (None for 而且/但是) and the step text."""
    head, _, rest = sentence.strip().partition(" ")
    if head in KEYWORDS:
        return KEYWORDS[head], rest.strip()
    return None, sentence.strip()


def find(kind: str, text: str) -> list[StepDef]:
    """The step definitions of this kind that understand this text."""
    return [s for s in load() if s.kind == kind and s.matches(text)]


def nearest(kind: str, text: str, limit: int = 3) -> list[str]:
    """Example sentences of the steps closest to an unknown step text (for the error message)."""
    import difflib

    candidates: dict[str, str] = {}
    for s in load():
        for example in s.examples or [s.pattern]:
            candidates[split_keyword(example)[1]] = example
    scored = sorted(candidates, key=lambda c: -difflib.SequenceMatcher(None, _skeleton(text), _skeleton(c)).ratio())
    return [candidates[c] for c in scored[:limit]]


def _skeleton(text: str) -> str:
    """A step text without its quoted arguments, for comparing phrases."""
    return re.sub(r'"[^"]*"', '""', text)
