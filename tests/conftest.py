"""Shared fixtures; every module in tests/steps/ is a pytest plugin, so step definitions for
all sectors are found by every feature file."""

from __future__ import annotations

from pathlib import Path

import pytest

_STEPS = Path(__file__).parent / "steps"
pytest_plugins = sorted(f"tests.steps.{p.stem}" for p in _STEPS.glob("*.py") if p.stem != "__init__")

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "criteria"


@pytest.fixture(scope="session")
def shared_criteria() -> Path:
    """../shared/criteria beside the checkout: present in development and CI, not in a user's clone."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared/criteria 不存在（{SHARED}）：条文逐字比对只在开发与 CI 环境中运行")
    return SHARED
