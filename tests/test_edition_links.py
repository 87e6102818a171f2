"""One concept across editions (issue 11 item 5, vocabulary part): facts of 令第4号 (COAL-2020) and
令第21号 (COAL-2026) linked in the vocabulary are translated (same_as) or named (replaced_by)."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks import findings_accuracy as fa
from engine import knowledge
from engine.facts import check_links, edition_links, facts_used, parse_facts, translate_editions
from engine.judge import judge
from engine.knowledge import Sector
from engine.model import Document, Fact

KB = knowledge.default()
MINES = KB.sectors["mines"]
DOCS = {d.id: d for d in MINES.documents}
BEFORE, AFTER = dt.date(2026, 3, 1), dt.date(2026, 8, 1)  # 令第4号 in force / 令第21号 in force

SAME = [  # (COAL-2020 label, COAL-2026 label)
    ("单回路供电", "生产矿井单回路供电"),
    ("超出采矿许可证载明的坐标控制范围进行开采", "超出采矿许可证坐标控制范围采煤或剥离"),
    ("超出采矿许可证载明的标高进行开采", "超出采矿许可证标高采煤或剥离"),
]


def test_links_in_the_knowledge_base_are_sound():
    for sector in KB.sectors.values():
        assert check_links(sector) == []


@pytest.mark.parametrize("old,new", SAME)
def test_same_as_links_each_edition_to_the_other(old, new):
    f_old, f_new = MINES.fact_by_name(old), MINES.fact_by_name(new)
    assert f_old.same_as == f_new.id
    assert f_old.id in facts_used(DOCS["COAL-2020"]) and f_old.id not in facts_used(DOCS["COAL-2026"])
    assert f_new.id in facts_used(DOCS["COAL-2026"]) and f_new.id not in facts_used(DOCS["COAL-2020"])
    value = 25.0 if f_old.type == "number" else True
    # a 令第21号 label on a day 令第4号 is in force, and the reverse
    facts, notes = translate_editions(MINES, {f_new.id: value}, [DOCS["COAL-2020"]])
    assert facts[f_old.id] == value and len(notes) == 1 and f"“{old}”" in notes[0] and "令第4号" in notes[0]
    facts, notes = translate_editions(MINES, {f_old.id: value}, [DOCS["COAL-2026"]])
    assert facts[f_new.id] == value and f"“{new}”" in notes[0] and "令第21号" in notes[0]


def test_a_2026_label_before_july_2026_is_judged_under_the_2020_edition():
    """The issue's reproduction: 生产矿井单回路供电 given on a date 令第4号 is in force."""
    result = judge("mines", {"矿山类别": "煤矿", "生产矿井单回路供电": "是"}, BEFORE)
    assert result.verdict == "major"
    assert [h.rule_id for h in result.hazards] == ["COAL-2020-14-01"]
    assert any("生产矿井单回路供电" in w and "单回路供电" in w for w in result.warnings)


def test_a_one_way_link_carries_the_narrower_figure_back_but_not_forward():
    """carries_to: 令第21号's 单班作业人数 leaves out 交接班期间 and 省级批准增加的人员, so its figure can only be
    lower than 令第4号's; carried back (2026 label before July 2026) it can never make a false major hazard,
    carried forward it could, so a 令第4号 figure after July 2026 is named, not translated."""
    before = judge("mines", {"矿山类别": "煤矿", "单班作业人数超出限员规定的百分比": "25%"}, BEFORE)
    assert before.facts.get("c20_shift_overstaff_pct") == 25.0 and before.verdict == "major"
    after = judge("mines", {"矿山类别": "煤矿", "采掘作业地点单班作业人数超过国家有关限员规定的百分比": "25%"}, AFTER)
    assert "shift_overstaff_pct" not in after.facts and after.verdict != "major"
    assert any("单班作业人数超出限员规定的百分比" in w and "未自动换用" in w for w in after.warnings), after.warnings


def test_the_connection_roadways_of_the_two_editions_are_not_the_same_test():
    """令第4号第八条（六）: 进、回风井之间和主要进、回风巷之间; 令第21号第八条（九）: 总进、总回风巷之间和
    采（盘）区进、回风巷之间. A short circuit reported under one edition's wording is not carried over."""
    old = MINES.fact_by_name("联络巷中的风墙、风门不符合规程造成风流短路")
    new = MINES.fact_by_name("联络巷风墙风门不符合规程造成风流短路")
    assert old.same_as is None and old.replaced_by == [new.id]
    result = judge("mines", {"矿山类别": "煤矿", new.label: "是"}, BEFORE)
    assert result.verdict == "insufficient" and old.id not in result.facts


def test_replaced_by_is_named_never_translated():
    """安全监控系统数据被篡改隐瞒 (令第21号) is not the 令第4号 test (修改、删除及屏蔽 of two systems)."""
    new = MINES.fact_by_name("安全监控系统数据被篡改隐瞒")
    old = MINES.fact_by_name("对安全监控、人员位置监测系统数据进行修改、删除及屏蔽")
    assert new.id in old.replaced_by
    facts, notes = translate_editions(MINES, {new.id: True}, [DOCS["COAL-2020"]])
    assert facts == {new.id: True}
    assert len(notes) == 1 and "未自动换用" in notes[0] and f"“{old.label}”" in notes[0] and old.question in notes[0]
    facts, notes = translate_editions(MINES, {old.id: True}, [DOCS["COAL-2026"]])
    assert facts == {old.id: True}
    assert any(f"“{new.label}”" in n for n in notes) and any("人员位置监测系统数据被篡改隐瞒" in n for n in notes)


def test_a_fact_the_edition_in_force_uses_is_left_alone():
    f_new = MINES.fact_by_name("生产矿井单回路供电")
    facts, notes = translate_editions(MINES, {f_new.id: True}, [DOCS["COAL-2026"]])
    assert facts == {f_new.id: True} and notes == []


def test_both_labels_given_with_different_values_keeps_the_edition_in_force_and_says_so():
    f_old, f_new = MINES.fact_by_name("单回路供电"), MINES.fact_by_name("生产矿井单回路供电")
    facts, notes = translate_editions(MINES, {f_old.id: False, f_new.id: True}, [DOCS["COAL-2020"]])
    assert facts[f_old.id] is False and "不一致" in notes[0]


def test_check_links_finds_broken_links():
    facts = {
        "a": Fact(id="a", label="甲", type="bool", question="?", same_as="b"),
        "b": Fact(id="b", label="乙", type="number", unit="m", question="?"),
        "c": Fact(id="c", label="丙", type="bool", question="?", replaced_by="zz"),
    }
    problems = check_links(Sector("t", "测试", facts, []))
    assert len(problems) == 2 and any("zz" in p for p in problems) and any("same_as b" in p for p in problems)


def test_links_are_symmetric():
    links = edition_links(MINES)
    old = MINES.fact_by_name("单回路供电").id
    new = MINES.fact_by_name("生产矿井单回路供电").id
    assert (new, "same_as") in links[old] and (old, "same_as") in links[new]


def test_a_broken_link_stops_loading(tmp_path):
    import shutil

    from engine.errors import KnowledgeError
    root = tmp_path / "kb"
    shutil.copytree(knowledge.DEFAULT_ROOT, root, ignore=shutil.ignore_patterns("__pycache__", "routing"))
    part = root / "mines" / "vocabulary-coal2020.yaml"
    text = part.read_text(encoding="utf-8")
    part.write_text(text.replace("same_as: single_circuit_supply", "same_as: no_such_fact", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="no_such_fact"):
        knowledge.load(root)


def test_a_label_that_states_the_production_stage_is_not_asked_it_again():
    """`implies`: 生产矿井单回路供电=是 states 矿井建设生产状态=生产矿井 (both editions test the stage)."""
    for day in (BEFORE, AFTER):
        result = judge("mines", {"矿山类别": "煤矿", "生产矿井单回路供电": "是"}, day)
        assert result.verdict == "major", (day, result.questions)
        assert result.facts["mine_stage"] == "生产矿井"
        assert any("即表明" in w and "生产矿井" in w for w in result.warnings)
    # said false, it states nothing about the stage
    result = judge("mines", {"矿山类别": "煤矿", "生产矿井单回路供电": "否"}, AFTER)
    assert "mine_stage" not in result.facts


def test_an_implied_fact_given_otherwise_is_judged_as_given_with_a_warning():
    """What the inspector stated about the mine outweighs what a label suggests: a construction mine
    whose single circuit was reported under the 令第21号 label is not judged under 16-01."""
    result = judge("mines", {"矿山类别": "煤矿", "生产矿井单回路供电": "是", "矿井建设生产状态": "新建矿井（建设期间）"}, AFTER)
    assert result.facts["mine_stage"] == "新建矿井（建设期间）"
    assert "COAL-2026-16-01" not in [h.rule_id for h in result.hazards]
    assert any("不一致" in w and "按所给" in w for w in result.warnings), result.warnings


def test_implies_must_name_a_fact_and_one_of_its_values():
    mines = KB.sectors["mines"]
    import dataclasses
    fact = mines.facts["single_circuit_supply"]
    for implies in ({"mine_stage": "露天"}, {"no_such_fact": True}):
        broken = dataclasses.replace(mines, facts={**mines.facts, fact.id: fact.model_copy(update={"implies": implies})})
        assert any("implies" in p for p in check_links(broken)), implies
    assert check_links(mines) == []


def _replaced_pairs():
    return [(f.id, new) for f in MINES.facts.values() for new in f.replaced_by]


@pytest.mark.parametrize("old,new", _replaced_pairs())
def test_every_replaced_by_link_is_named_both_ways_and_never_translated(old, new):
    """Each `replaced_by` pair of the vocabulary: the newer fact given while 令第4号 is in force names the
    令第4号 fact to establish (and the reverse), and neither value is carried over."""
    f_old, f_new = MINES.facts[old], MINES.facts[new]
    assert old in facts_used(DOCS["COAL-2020"]) and new in facts_used(DOCS["COAL-2026"])
    value = 1.0 if f_new.type == "number" else (f_new.values[0] if f_new.type == "enum" else True)
    facts, notes = translate_editions(MINES, {new: value}, [DOCS["COAL-2020"]])
    if new not in facts_used(DOCS["COAL-2020"]):  # a fact both editions test is simply used
        assert facts == {new: value} and any(f"“{f_old.label}”" in n and "未自动换用" in n for n in notes)
    value = 1.0 if f_old.type == "number" else (f_old.values[0] if f_old.type == "enum" else True)
    facts, notes = translate_editions(MINES, {old: value}, [DOCS["COAL-2026"]])
    assert facts == {old: value} and any(f"“{f_new.label}”" in n and "未自动换用" in n for n in notes)


CROSS_CASES = [c for c in fa.load_cases()
               if c["id"].endswith(("-2026-label-2020", "-2020-label-2026")) and c["expect"]["verdict"] == "insufficient"]


@pytest.mark.parametrize("case", CROSS_CASES, ids=[c["id"] for c in CROSS_CASES])
def test_a_replaced_fact_points_the_questions_at_the_clause_it_replaces(case):
    """Without the link the finding touches no clause in force and every clause is left open; with it,
    only the clause(s) of the counterpart in force are open, and the warning names that fact."""
    result = judge(case["sector"], case["facts"], dt.date.fromisoformat(case["as_of"]))
    assert result.verdict == "insufficient"
    clauses = {r.clause for d in MINES.documents for r in d.rules or [] if r.id in result.open_rules}
    assert clauses == set(case["expect"]["clauses"]), (case["id"], clauses)
    assert any("未自动换用" in w for w in result.warnings)
