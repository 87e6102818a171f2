"""Engine behaviour around durable_rules: errors inside consequents surface, unknown facts are a
normal outcome, sessions leave nothing behind."""

from __future__ import annotations

import pytest
from durable.lang import get_host

from engine import knowledge
from engine.compiler import CompiledDocument, _Ruleset
from engine.errors import EngineError
from engine.judge import compiled

KB = knowledge.default()
DOC = KB.documents["CHEM-2017"]


def test_an_exception_inside_a_consequent_is_raised_not_swallowed(monkeypatch):
    cdoc = CompiledDocument(DOC)  # a private copy, so the patched method affects nothing else

    def broken(self, c):
        raise RuntimeError("consequent failed")

    monkeypatch.setattr(_Ruleset, "_scratch", broken)
    with pytest.raises(EngineError, match="consequent failed"):
        cdoc.run({"filling_medium": "液氨", "universal_filling_system": False})


def test_a_fact_no_rule_tests_is_a_normal_outcome():
    cdoc = compiled(KB, DOC)
    result = cdoc.run({"no_such_fact_in_any_rule": True})
    assert set(result.rules.values()) == {None}
    assert result.truth == {} and result.derived == {}


def test_sessions_are_deleted_after_each_judgement():
    cdoc = compiled(KB, DOC)
    before = {chunk.name: set(chunk._sessions) for chunk in cdoc.chunks}
    result = cdoc.run({"unit_kind": "危险化学品生产单位", "filling_container": "汽车罐车或铁路罐车（槽车）", "filling_medium": "液氨", "universal_filling_system": False})
    assert result.rules["CHEM-2017-07"] is True
    assert {chunk.name: set(chunk._sessions) for chunk in cdoc.chunks} == before == {c.name: set() for c in cdoc.chunks}
    host = get_host()
    for chunk in cdoc.chunks:
        with pytest.raises(Exception):  # durable: "Could not get facts" (SID not found) for any used session
            host.get_facts(chunk.name, "s0")


def test_rulesets_stay_small():
    """Each durable ruleset holds at most CHUNK rules (large sessions crash durable_rules 2.0.28)."""
    for doc in KB.documents.values():
        if doc.status == "encoded":
            assert all(len(chunk.rules) <= CompiledDocument.CHUNK for chunk in compiled(KB, doc).chunks)


def test_a_judgement_from_python_carries_its_route():
    """The pipeline routes every judgement itself: callers need not import engine.routing."""
    import datetime as dt

    from engine.pipeline import judge

    result = judge("chemicals", {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"}, dt.date(2026, 6, 1))
    assert result.route is not None and result.route["lead"]["name"] == "应急管理局"


def test_a_document_defines_in_durable_rules_only_the_rulesets_a_judgement_runs():
    import durable.lang

    from engine.compiler import _host

    case = {"special_workers_certified": False}
    cdoc = CompiledDocument(DOC)
    assert not any(chunk._built for chunk in cdoc.chunks)
    result = cdoc.run(case)
    built = [chunk for chunk in cdoc.chunks if chunk._built]
    assert 1 <= len(built) < len(cdoc.chunks)
    assert all(chunk.name in get_host()._ruleset_directory for chunk in built)
    assert not any(chunk.name in get_host()._ruleset_directory for chunk in cdoc.chunks if not chunk._built)
    full = CompiledDocument(DOC)
    full.build_all()
    _host()
    assert all(chunk._built for chunk in full.chunks) and durable.lang._rulesets == {}
    again = full.run(case)
    assert (dict(again.rules), again.truth, again.derived) == (dict(result.rules), result.truth, result.derived)
    assert list(result.truth.values()) == [True]  # the leaf it tests settled (is: false, given false)


def test_prepare_defines_every_ruleset():
    from engine.judge import prepare

    prepare(KB)
    assert all(chunk._built for doc in KB.documents.values() if doc.status == "encoded"
               for chunk in compiled(KB, doc).chunks)
