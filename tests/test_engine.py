"""Engine behaviour around durable_rules: errors inside consequents surface, unknown facts are a
normal outcome, a run leaves nothing behind in durable_rules' sessions, rules fire per conclusion."""

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
    def broken(self, root_id, truth):
        def action(scratch):
            raise RuntimeError("consequent failed")
        return action

    monkeypatch.setattr(_Ruleset, "_conclude", broken)
    cdoc = CompiledDocument(DOC)  # a private copy, built with the broken actions
    case = {"unit_kind": "危险化学品生产单位", "filling_container": "汽车罐车或铁路罐车（槽车）", "filling_medium": "液氨",
            "universal_filling_system": False}
    with pytest.raises(EngineError, match="consequent failed"):
        cdoc.run(case)
    monkeypatch.undo()
    for chunk in cdoc.chunks:  # the failed run left nothing behind: the next run of the same rulesets works
        if chunk._built:
            assert get_host().get_facts(chunk.name, chunk.SESSION) == []
    assert compiled(KB, DOC).run(case).rules["CHEM-2017-07"] is True


def test_a_fact_no_rule_tests_is_a_normal_outcome():
    cdoc = compiled(KB, DOC)
    result = cdoc.run({"no_such_fact_in_any_rule": True})
    assert set(result.rules.values()) == {None}
    assert result.derived == {}
    assert {result.truth(node) for r in cdoc.rules for node in (r.root, r.when, r.scope, r.unless)} == {None}


def test_a_run_leaves_no_fact_in_the_sessions():
    cdoc = compiled(KB, DOC)
    cases = [{"unit_kind": "危险化学品生产单位", "filling_container": "汽车罐车或铁路罐车（槽车）", "filling_medium": "液氨",
              "universal_filling_system": False},
             {"uses_eliminated_tech": True},  # a message no durable rule takes (the scope is not given)
             {"unit_kind": "危险化学品生产单位", "uses_eliminated_tech": False}]
    results = [cdoc.run(case) for case in cases]
    assert results[0].rules["CHEM-2017-07"] is True
    assert results[1].rules["CHEM-2017-11"] is None and results[2].rules["CHEM-2017-11"] is False
    host = get_host()
    built = [chunk for chunk in cdoc.chunks if chunk._built]
    assert built
    for chunk in built:
        assert host.get_facts(chunk.name, chunk.SESSION) == []


def test_rules_fire_only_on_conclusions(monkeypatch):
    """A rule that is false or open fires nothing in durable_rules; a concluded one fires once per
    alternative of its condition that holds."""
    fired: list[str] = []
    original = _Ruleset._conclude

    def spy(self, root_id, truth):
        action = original(self, root_id, truth)

        def recorded(scratch):
            fired.append((root_id, truth))
            action(scratch)
        return recorded

    monkeypatch.setattr(_Ruleset, "_conclude", spy)
    cdoc = CompiledDocument(DOC)
    case = {"unit_kind": "危险化学品生产单位", "uses_eliminated_tech": False, "formally_designed": False,
            "safety_design_diagnosis": True, "special_workers_certified": True}
    result = cdoc.run(case)
    assert fired == []  # five facts, every rule they reach false: nothing fires
    assert {result.rules[r] for r in ("CHEM-2017-11", "CHEM-2017-02")} == {False}
    case["uses_eliminated_tech"] = True
    result = cdoc.run(case)
    assert result.rules["CHEM-2017-11"] is True and len(fired) == 1


def test_rulesets_stay_small():
    """Each durable ruleset holds at most CHUNK rules (a judgement runs only the rulesets its facts reach)."""
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
    assert (dict(again.rules), again.derived) == (dict(result.rules), result.derived)
    rule = cdoc.rules[cdoc.rule_ids["CHEM-2017-02"]]
    assert result.truth(rule.when) is True  # the leaf it tests settled (is: false, given false)
    assert result.rules["CHEM-2017-02"] is None  # its scope (unit kind) not given: open


def test_prepare_defines_every_ruleset():
    from engine.judge import prepare

    prepare(KB)
    assert all(chunk._built for doc in KB.documents.values() if doc.status == "encoded"
               for chunk in compiled(KB, doc).chunks)
