"""How `hazard serve` starts its workers: forked after the app is built once (the rule base compiled in
the parent), spawned when asked or when another app is served (benchmarks/trivial_app.py)."""

from __future__ import annotations

import pytest

from api import workers


def test_workers_are_forked_after_building_the_app_by_default(monkeypatch):
    monkeypatch.delenv(workers.START_ENV, raising=False)
    assert workers.start_method({"log_level": "warning"}) == "fork"


@pytest.mark.parametrize("setting", ["spawn", " Spawn "])
def test_spawn_when_asked(monkeypatch, setting):
    monkeypatch.setenv(workers.START_ENV, setting)
    assert workers.start_method({}) == "spawn"


def test_another_app_is_spawned(monkeypatch):
    monkeypatch.delenv(workers.START_ENV, raising=False)
    assert workers.start_method({"app": "benchmarks.trivial_app:create_app"}) == "spawn"


def test_a_running_thread_refuses_the_fork(monkeypatch):
    """A fork copies only the calling thread: the parent refuses to fork beside another thread. (The
    thread count is set here: other tests of the same process may leave threads of their own.)"""
    import api.server

    monkeypatch.setattr(api.server, "create_app", lambda: object())
    monkeypatch.setattr(workers.threading, "active_count", lambda: 2)
    with pytest.raises(RuntimeError, match="线程"):
        workers._built_app()
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    assert workers._built_app() is not None  # alone: built
