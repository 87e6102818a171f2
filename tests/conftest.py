"""Shared fixtures. The step modules in tests/steps/ are registered as plugins by the root conftest.py
(engine.spec.steps.step_modules), so feature files find them from tests/ and from features/."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "criteria"


@pytest.fixture(scope="session")
def shared_criteria() -> Path:
    """../shared/criteria beside the checkout: present in development and CI, not in a user's clone."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared/criteria 不存在（{SHARED}）：条文逐字比对只在开发与 CI 环境中运行")
    return SHARED
