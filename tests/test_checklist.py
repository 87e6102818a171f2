"""Checklists generated from the rule base: the right situations for a kind of unit, once each; a filled
checklist judged as the inspection it records; bad spreadsheets refused with the row named."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from engine import checklist as cl
from engine import checklist_io, cli, knowledge
from engine.direct import evaluate_document
from engine.errors import HazardError

KB = knowledge.default()
DAYS = [dt.date(2025, 6, 1), dt.date(2026, 6, 30), dt.date(2026, 8, 1)]


def _contexts(sector) -> list[dict]:
    """No context, then each value of each context fact of the sector alone."""
    out: list[dict] = [{}]
    for fact in sector.facts.values():
        if fact.scope and fact.type == "enum":
            out.extend({fact.id: v} for v in fact.values)
        elif fact.scope and fact.type == "bool":
            out.extend({fact.id: v} for v in (True, False))
    return out


@pytest.mark.parametrize("sector_id", sorted(KB.sectors))
def test_every_applicable_situation_appears_exactly_once(sector_id):
    sector = KB.sectors[sector_id]
    checked = 0
    for day in DAYS:
        docs = [d for d in knowledge.documents_in_force(sector, day) if d.status == "encoded"]
        if not docs:
            continue
        for context in _contexts(sector):
            listed = [i.rule_id for i in cl.build(sector_id, day, context, kb=KB).items]
            assert len(listed) == len(set(listed)), f"{sector_id} {day} {context}: a situation listed twice"
            expected = []
            for doc in docs:
                outcomes, _ = evaluate_document(doc, context)
                expected += [r.id for r in doc.rules if r.then.kind == "major_hazard" and outcomes[r.id] is not False]
            assert sorted(listed) == sorted(expected), f"{sector_id} {day} {context}"
            checked += 1
    assert checked > 0


def test_context_leaves_out_situations_of_other_kinds_of_unit():
    everything = cl.build("mines", dt.date(2026, 8, 1), {}, kb=KB)
    coal = cl.build("mines", dt.date(2026, 8, 1), {"矿山类别": "煤矿"}, kb=KB)
    assert coal.excluded > 0 and len(coal.items) < len(everything.items)
    assert {s.document for s in coal.sections} == {"COAL-2026"}
    assert all(q.fact != "mine_kind" for i in coal.items for q in i.questions), "a settled context fact is asked again"


def test_items_follow_the_document_clause_order_and_quote_the_clause():
    checklist = cl.build("chemicals", dt.date(2026, 8, 1), kb=KB)
    doc = KB.documents["CHEM-2017"]
    order = [c.no for c in doc.clauses]
    clauses = [i.clause for i in checklist.items]
    assert clauses == sorted(clauses, key=order.index)
    for item in checklist.items:
        assert item.clause_text == doc.clause(item.clause).text
        assert item.questions, item.rule_id
    assert [i.no for i in checklist.items] == list(range(1, len(checklist.items) + 1))


def test_counted_elements_are_shown_as_counting():
    checklist = cl.build("fire", dt.date(2025, 6, 1), kb=KB)
    counted = [i for i in checklist.items if i.clause == "5.3.3"]
    assert counted and all(i.counting and "含本数" in i.counting for i in counted)
    # elements are asked through the rules that derive them, with the element named
    assert any(q.via and q.via.startswith("7.3.3") for i in counted for q in i.questions)


def _compliant(q) -> object:
    """An answer that does not count towards the situation."""
    fact = KB.sectors["chemicals"].facts.get(q.fact) or next(
        s.facts[q.fact] for s in KB.sectors.values() if q.fact in s.facts)
    if q.op == "is":
        return (not q.value) if fact.type == "bool" else next(v for v in fact.values if v != q.value)
    if q.op == "in":
        return next(v for v in fact.values if v not in q.value)
    if q.op == "not_in":
        return q.value[0]
    return {"ge": q.value - 1, "gt": q.value, "le": q.value + 1, "lt": q.value}[q.op]


def _fill(checklist, answers: dict[str, object]) -> bytes:
    wb = load_workbook(io.BytesIO(checklist_io.to_xlsx(checklist)))
    ws = wb[checklist_io.SHEET]
    for row in ws.iter_rows(min_row=checklist_io.FIRST_ROW):
        if row[0].value in answers and not row[checklist_io.ANSWER_COL - 1].value:
            value = answers[row[0].value]
            row[checklist_io.ANSWER_COL - 1].value = ("是" if value else "否") if isinstance(value, bool) else value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_filled_with_a_major_situation_is_judged_major_with_its_clause():
    checklist = cl.build("chemicals", dt.date(2026, 8, 1), kb=KB)
    data = _fill(checklist, {"unit_kind": "危险化学品生产单位", "filling_container": "汽车罐车或铁路罐车（槽车）",
                             "filling_medium": "液氨", "universal_filling_system": False})
    _, result = checklist_io.judge_xlsx(data, kb=KB)
    assert result.verdict == "major"
    assert [(h.document.id, h.clause) for h in result.judgement.hazards] == [("CHEM-2017", "七")]
    states = {o.rule_id: o.state for o in result.items}
    assert states["CHEM-2017-07"] == "构成"
    # the rest was left blank: open items, never "not found"
    assert sum(s == "待补充" for s in states.values()) == len(states) - 1


@pytest.mark.parametrize("sector_id,day", [("chemicals", dt.date(2026, 8, 1)), ("fireworks", dt.date(2026, 8, 1))])
def test_filled_all_compliant_is_not_major_and_partly_filled_is_insufficient(sector_id, day):
    checklist = cl.build(sector_id, day, kb=KB)
    # the unit the checklist is filled for: a chemicals unit the 121号 applies to (its scope)
    answers = {"unit_kind": "危险化学品生产单位"} if sector_id == "chemicals" else {}
    for item in checklist.items:
        for q in item.questions:
            if not q.asked_in:
                answers.setdefault(q.fact, _compliant(q))
    _, full = checklist_io.judge_xlsx(_fill(checklist, answers), kb=KB)
    assert full.verdict == "not_major", [o for o in full.items if o.state != "不构成"]
    assert not full.blank_questions
    first = next(k for k in answers if k != "unit_kind")
    partial = {k: v for k, v in answers.items() if k != first}
    _, part = checklist_io.judge_xlsx(_fill(checklist, partial), kb=KB)
    assert part.verdict == "insufficient"
    label = next(s.facts[first].label for s in KB.sectors.values() if first in s.facts)
    assert label in part.blank_questions
    assert all(label in o.blank for o in part.items if o.state == "待补充")


def _edit(data: bytes, sheet: str, cell: str, value) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    wb[sheet][cell].value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_edited_item_id_is_refused_with_its_row():
    checklist = cl.build("chemicals", dt.date(2026, 8, 1), kb=KB)
    data = _fill(checklist, {"filling_medium": "液氨"})
    row = checklist_io.FIRST_ROW + 1  # the first question row
    with pytest.raises(HazardError) as err:
        checklist_io.judge_xlsx(_edit(data, checklist_io.SHEET, f"A{row}", "universal_filling_system"), kb=KB)
    assert err.value.code == "checklist_mismatch" and f"第 {row} 行" in err.value.message


def test_answer_in_the_remarks_column_is_refused():
    checklist = cl.build("chemicals", dt.date(2026, 8, 1), kb=KB)
    data = checklist_io.to_xlsx(checklist)
    row = checklist_io.FIRST_ROW + 1
    with pytest.raises(HazardError) as err:
        checklist_io.judge_xlsx(_edit(data, checklist_io.SHEET, f"J{row}", "否"), kb=KB)
    assert err.value.code == "answer_in_wrong_column" and f"第 {row} 行" in err.value.message


def test_checklist_of_another_edition_is_refused():
    checklist = cl.build("mines", dt.date(2026, 6, 30), {"矿山类别": "煤矿"}, kb=KB)
    assert [s.document for s in checklist.sections] == ["COAL-2020"]
    data = checklist_io.to_xlsx(checklist)
    wb = load_workbook(io.BytesIO(data))
    meta = json.loads(wb[checklist_io.META]["B2"].value)
    meta["documents"] = ["COAL-2026"]
    data = _edit(data, checklist_io.META, "B2", json.dumps(meta, ensure_ascii=False))
    with pytest.raises(HazardError) as err:
        checklist_io.judge_xlsx(data, kb=KB)
    assert err.value.code == "checklist_mismatch" and "COAL-2020" in err.value.message


def test_unreadable_answer_names_the_row():
    checklist = cl.build("chemicals", dt.date(2026, 8, 1), kb=KB)
    data = _fill(checklist, {"universal_filling_system": "也许"})
    with pytest.raises(HazardError) as err:
        checklist_io.judge_xlsx(data, kb=KB)
    assert err.value.code == "bad_value" and err.value.field.startswith("row ")


def test_not_a_workbook_and_not_a_context_fact():
    with pytest.raises(HazardError) as err:
        checklist_io.judge_xlsx(b"not a spreadsheet", kb=KB)
    assert err.value.code == "bad_checklist"
    with pytest.raises(HazardError) as err:
        cl.build("chemicals", dt.date(2026, 8, 1), {"充装使用万向管道充装系统": "否"}, kb=KB)
    assert err.value.code == "not_a_context_fact"


def test_cli_round_trip_and_printable_document(tmp_path, capsys):
    out = tmp_path / "coal.xlsx"
    assert cli.main(["checklist", "--sector", "mines", "--context", "矿山类别=煤矿", "--as-of", "2026-08-01",
                     "-o", str(out)]) == 0
    checklist = cl.build("mines", dt.date(2026, 8, 1), {"矿山类别": "煤矿"}, kb=KB)
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(_fill(checklist, {"mine_gas_class": "低瓦斯矿井"}))
    result = tmp_path / "result.xlsx"
    capsys.readouterr()
    assert cli.main(["judge", "--checklist", str(filled), "-o", str(result), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "insufficient" and data["blank_questions"]
    states = [r[8] for r in load_workbook(result)[checklist_io.SHEET].iter_rows(min_row=5, values_only=True)
              if r[0] is None and r[1]]
    assert set(states) <= {"构成", "不构成", "待补充"} and "待补充" in states
    docx = tmp_path / "coal.docx"
    assert cli.main(["checklist", "--sector", "mines", "--context", "矿山类别=煤矿", "-o", str(docx)]) == 0
    from docx import Document

    text = "\n".join(c.text for t in Document(str(docx)).tables for r in t.rows for c in r.cells)
    assert "第五条" in text or "第四条" in text
    assert cli.main(["checklist", "--sector", "mines", "-o", str(tmp_path / "x.pdf")]) == 2


def test_record_of_a_judgement_is_printable_and_names_the_clause(tmp_path, capsys):
    out = tmp_path / "记录.docx"
    assert cli.main(["judge", "--sector", "chemicals", "--fact", "被检查单位类别=危险化学品生产单位", "--fact", "充装对象=汽车罐车或铁路罐车（槽车）", "--fact", "充装介质=液氨", "--fact", "充装使用万向管道充装系统=否",
                     "--as-of", "2026-08-01", "--record", str(out), "--unit", "某化工有限公司",
                     "--inspectors", "张三、李四"]) == 0
    from docx import Document

    document = Document(str(out))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    clause = KB.documents["CHEM-2017"].clause("七").text
    for expected in ("现场检查记录", "某化工有限公司", "张三、李四", "2026-08-01", "重大事故隐患", clause, "牵头部门"):
        assert expected in text, expected
    assert cli.main(["judge", "--sector", "chemicals", "--fact", "充装介质=液氨", "--record",
                     str(tmp_path / "no" / "x.docx")]) == 2
