"""Shared fixtures. The step modules in tests/steps/ are registered as plugins by the root conftest.py
(engine.spec.steps.step_modules), so feature files find them from tests/ and from features/."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_data_dir(tmp_path_factory):
    """The register and quiz progress write to a database, the text reader keeps its compiled patterns
    in a cache directory: in tests, throw-away ones, never the user's."""
    import os

    base = tmp_path_factory.mktemp("data")
    old = {k: os.environ.get(k) for k in ("HAZARD_DATABASE_URL", "XDG_DATA_HOME", "HAZARD_CACHE_DIR")}
    os.environ["HAZARD_DATABASE_URL"] = f"sqlite:///{base / 'hazard.db'}"
    os.environ["XDG_DATA_HOME"] = str(base)
    os.environ["HAZARD_CACHE_DIR"] = str(base / "cache")
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "criteria"


@pytest.fixture(scope="session")
def shared_criteria() -> Path:
    """../shared/criteria beside the checkout: present in development and CI, not in a user's clone."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared/criteria 不存在（{SHARED}）：条文逐字比对只在开发与 CI 环境中运行")
    return SHARED
