"""`hazard vocabulary` (issue 11 item 11): edition/date filter, keyword search over labels,
aliases and phrases, groups by clause, enum values that keep their “、”."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from engine import knowledge
from engine.cli import main
from engine.vocabulary_view import matches, view

KB = knowledge.default()
MINES = KB.sectors["mines"]


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["vocabulary", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def all_ids(data) -> set[str]:
    return {fid for g in data["groups"] for fid in g["facts"]}


def test_as_of_filters_to_the_edition_in_force():
    before = view(KB, "mines", [], dt.date(2026, 3, 1))
    after = view(KB, "mines", [], dt.date(2026, 8, 1))
    assert "COAL-2020" in [d["id"] for d in before["documents"]] and "COAL-2026" not in [d["id"] for d in before["documents"]]
    assert "c20_single_circuit" in all_ids(before) and "single_circuit_supply" not in all_ids(before)
    assert "single_circuit_supply" in all_ids(after) and "c20_single_circuit" not in all_ids(after)
    assert "single_circuit_supply" in before["hidden_other_editions"]


def test_edition_by_id_or_number():
    by_id = view(KB, "mines", [], edition="COAL-2020")
    by_number = view(KB, "mines", [], edition="应急管理部令第4号")
    by_part = view(KB, "mines", [], edition="令第4号")
    assert by_id["groups"] == by_number["groups"] == by_part["groups"]
    assert [d["id"] for d in by_id["documents"]] == ["COAL-2020"]


def test_keyword_over_phrases(capsys):
    code, out, _ = run(capsys, "mines", "越界", "--as-of", "2026-08-01")
    assert code == 0
    assert "超出采矿许可证坐标控制范围采煤或剥离" in out
    assert "第九条（二）" in out  # grouped under its clause
    assert "甲烷" not in out


def test_keyword_over_aliases(capsys):
    code, out, _ = run(capsys, "fire", "KTV", "--edition", "GB35181-2017")
    assert code == 0 and "场所使用性质" in out and "KTV→“公共娱乐场所”" in out


def test_several_keywords_must_all_match():
    fact = MINES.facts["safety_monitoring_data_tampered"]
    assert matches(fact, ["监控", "篡改"]) and not matches(fact, ["监控", "露天边坡"])


def test_full_width_keyword(capsys):
    code, out, _ = run(capsys, "chemicals", "ＬＰＧ")
    assert code == 0 and "充装介质" in out


def test_groups_by_clause_and_context_first():
    data = view(KB, "mines", [], dt.date(2026, 8, 1))
    assert data["groups"][0]["title"].startswith("适用范围")
    assert "mine_kind" in data["groups"][0]["facts"]
    clause_groups = [g for g in data["groups"] if g["clause"]]
    assert clause_groups and all(g["text"] for g in clause_groups)
    assert all("mine_kind" not in g["facts"] for g in clause_groups)


def test_enum_values_containing_enumeration_comma_are_one_value_each(capsys):
    code, out, _ = run(capsys, "fire", "场所使用性质", "--edition", "GB35181-2017")
    assert "        · 商店、商场、集贸市场\n" in out
    code, out, _ = run(capsys, "chemicals", "充装介质")
    assert "“其他易燃易爆或有毒有害液化气体”；“非液化气体或无充装”" in out


def test_edition_links_are_shown(capsys):
    code, out, _ = run(capsys, "mines", "单回路", "--all-editions")
    assert out.count("按施行版本自动换用") == 2


def test_a_not_encoded_edition_in_force_shows_its_encoded_predecessor():
    data = view(KB, "fire", [], dt.date(2026, 1, 1))
    ids = [d["id"] for d in data["documents"]]
    assert "GB35181-2025" in ids and "GB35181-2017" in ids and all_ids(data)


def test_json(capsys):
    code, out, _ = run(capsys, "gas", "燃气经营企业", "--json")
    data = json.loads(out)
    assert code == 0 and "unit_kind" in data["facts"]


def test_nothing_found_says_so(capsys):
    code, out, _ = run(capsys, "gas", "不存在的词语甲乙丙")
    assert code == 0 and "没有符合条件的事实" in out


@pytest.mark.parametrize("argv,code", [
    (["nope"], "unknown_sector"),
    (["mines", "--edition", "COAL-1999"], "unknown_document"),
    (["mines", "--edition", "令第"], "unknown_document"),  # ambiguous part of a number
    (["mines", "--as-of", "2010-01-01"], "no_edition_in_force"),
    (["mines", "--as-of", "2026-13-01"], "bad_date"),
])
def test_errors(capsys, argv, code):
    rc, _, err = run(capsys, *argv)
    assert rc == 2 and f"[{code}]" in err
