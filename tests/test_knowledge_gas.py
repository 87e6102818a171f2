"""Gas knowledge (GAS-2023, WORK-SAFETY-LAW-2021, ITRADE-2023-GAS-REFS) against
../shared/criteria/gas.yaml and industry_trade.yaml: every clause text is quoted exactly, every
article and numbered item is listed, every item has rules, single-source texts are marked
unverified, the legal duty concludes violations only, and the CLI reports both kinds."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from engine import cli, knowledge, logic

ITEMS = [f"第四条{n}" for n in ("（一）", "（二）", "（三）", "（四）", "（五）")] \
    + [f"第五条{n}" for n in ("（一）", "（二）", "（三）", "（四）", "（五）")] \
    + [f"第六条{n}" for n in ("（一）", "（二）", "（三）")] \
    + [f"第七条{n}" for n in ("（一）", "（二）", "（三）")] \
    + [f"第九条{n}" for n in ("（一）", "（二）", "（三）", "（四）")]


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


@pytest.fixture(scope="module")
def shared(shared_criteria):
    data = yaml.safe_load((shared_criteria / "gas.yaml").read_text(encoding="utf-8"))
    return {d["id"]: d for d in data["documents"]}


@pytest.fixture(scope="module")
def itrade(shared_criteria):
    data = yaml.safe_load((shared_criteria / "industry_trade.yaml").read_text(encoding="utf-8"))
    return next(d for d in data["documents"] if d["id"] == "ITRADE-2023")


def _doc(kb, doc_id):
    doc = kb.documents.get(doc_id)
    assert doc is not None, f"知识库中没有 {doc_id}"
    return doc


def _shared_texts(src) -> dict[str, tuple[str, list[str]]]:
    """第四条 → (lead, sources); 第四条（一） → (item text, sources). Law paragraphs are items too."""
    out = {}
    for art in src["articles"]:
        if art.get("lead"):
            out[art["no"]] = (art["lead"], art.get("verified_by") or art.get("lead_verified_by") or [])
        for item in art.get("items") or []:
            no = item["no"] if item["no"].startswith(art["no"]) else art["no"] + item["no"]
            out[no] = (item["text"], item.get("verified_by") or [])
    return out


# ---- GAS-2023 ----

def test_gas2023_metadata(kb, shared):
    doc, src = _doc(kb, "GAS-2023"), shared["GAS-2023"]
    assert (doc.number, doc.issuer, doc.title) == (src["number"], src["issuer"], src["title"])
    assert doc.published == dt.date.fromisoformat(src["published"])
    assert doc.effective == dt.date.fromisoformat(src["effective"]) == dt.date(2023, 9, 21)
    assert doc.expires is None and doc.status == "encoded"
    assert doc.source == "../shared/criteria/gas.yaml#GAS-2023"


def test_gas2023_every_text_exact_and_complete(kb, shared):
    doc = _doc(kb, "GAS-2023")
    texts = _shared_texts(shared["GAS-2023"])
    assert [c.no for c in doc.clauses if c.no in texts] == list(texts), "条款须与共享资料一一对应、顺序一致"
    assert {c.no for c in doc.clauses} == set(texts), "多出或缺少条款"
    for clause in doc.clauses:
        assert clause.text == texts[clause.no][0], f"{clause.no} 条文与共享资料不一致"


def test_gas2023_statuses(kb):
    doc = _doc(kb, "GAS-2023")
    status = {c.no: c.status for c in doc.clauses}
    for no in ("第一条", "第二条", "第三条", "第十一条", "第四条", "第五条", "第六条", "第七条", "第九条"):
        assert status[no] == "not_a_criterion", no
    for no in ITEMS + ["第八条", "第十条"]:
        assert status[no] == "encoded", no
    assert len(ITEMS) == 20


def test_gas2023_every_item_has_major_hazard_rules(kb):
    doc = _doc(kb, "GAS-2023")
    by_clause: dict[str, list] = {}
    for rule in doc.rules:
        by_clause.setdefault(rule.clause, []).append(rule)
    for no in ITEMS + ["第八条", "第十条"]:
        kinds = {r.then.kind for r in by_clause.get(no, [])}
        assert "major_hazard" in kinds, f"{no} 没有重大隐患规则"
    assert all(r.then.kind in ("major_hazard", "derive") for r in doc.rules), "建城规不应有违法行为规则"


def test_gas2023_single_source_texts_are_marked_unverified(kb, shared):
    doc = _doc(kb, "GAS-2023")
    texts = _shared_texts(shared["GAS-2023"])
    single = {no for no, (_, sources) in texts.items() if len(sources) == 1}
    assert {"第五条（四）", "第五条（五）", "第六条（二）", "第七条（三）", "第八条", "第十条", "第十一条"} <= single
    for clause in doc.clauses:
        if clause.no in single:
            assert clause.unverified, f"{clause.no} 只有单一来源，须标 unverified"
    # 第五条（三） rests on A beyond the point where D breaks off; 第七条（二） beyond G's opening words
    assert doc.clause("第五条（三）").unverified and doc.clause("第七条（二）").unverified


def test_gas2023_scope_is_the_gas_operator(kb):
    doc = _doc(kb, "GAS-2023")
    assert doc.scope == {"fact": "unit_kind", "is": "燃气经营者"}
    # 第九条 is addressed to the operator: every rule needs the operator's failure to notify the user
    for rule in doc.rules:
        if rule.clause.startswith("第九条"):
            facts = {(l.fact, l.op, l.value) for l in logic.leaves(rule.condition)}
            assert ("user_notified_in_writing", "is", False) in facts, rule.id


def test_gas2023_thresholds(kb):
    doc = _doc(kb, "GAS-2023")
    rules = {r.id: r for r in doc.rules}
    density = [l for l in logic.leaves(rules["GAS-2023-09-1"].condition) if l.fact == "user_gas_relative_density"]
    assert [(l.op, l.value) for l in density] == [("ge", 0.75)], "大于等于0.75 含 0.75"
    classes = [l for l in logic.leaves(rules["GAS-2023-06-1"].condition) if l.fact == "pipeline_pressure_class"]
    assert len(classes) == 1 and set(classes[0].value) == {"中压", "次高压", "高压"}, "中压及以上含中压，不含低压"


def test_catch_all_is_asserted_never_defaulted(kb):
    sector = kb.sectors["gas"]
    for fid in ("other_serious_violation", "real_danger_of_mass_casualties"):
        fact = sector.facts[fid]
        assert fact.type == "bool" and not fact.derived and fact.question.endswith("不作默认）")


# ---- 安全生产法 第三十六条第四款 ----

def test_law_metadata_and_texts(kb, shared):
    doc, src = _doc(kb, "WORK-SAFETY-LAW-2021"), shared["WORK-SAFETY-LAW-2021-GAS-USE"]
    assert src["number"].startswith(doc.number + "（")
    assert doc.issuer == src["issuer"]
    assert doc.effective == dt.date.fromisoformat(src["effective"]) == dt.date(2021, 9, 1)
    texts = _shared_texts(src)
    for clause in doc.clauses:
        if clause.text is not None:
            assert clause.text == texts[clause.no][0], f"{clause.no} 条文与共享资料不一致"
            if len(texts[clause.no][1]) == 1:
                assert clause.unverified, f"{clause.no} 只有单一来源，须标 unverified"
    assert {no for no in texts} <= {c.no for c in doc.clauses}
    assert doc.clause("第三十六条第四款").status == "encoded"
    for no in ("第三十六条第一款", "第三十六条第二款", "第三十六条第三款", "第九十九条", "第九十九条（八）"):
        assert doc.clause(no).status == "not_a_criterion", no


def test_law_rules_are_violations_citing_the_penalty(kb):
    doc = _doc(kb, "WORK-SAFETY-LAW-2021")
    assert doc.rules and all(r.then.kind == "violation" for r in doc.rules)
    assert all(r.clause == "第三十六条第四款" for r in doc.rules)
    not_installed = next(r for r in doc.rules if r.id == "WSL-2021-36-4a")
    assert "第九十九条（八）" in not_installed.note
    assert doc.scope == {"fact": "unit_kind", "is": "餐饮等行业的生产经营单位"}


# ---- 工贸 cross-references ----

def test_itrade_refs_registered_not_encoded(kb, shared, itrade):
    doc = _doc(kb, "ITRADE-2023-GAS-REFS")
    assert doc.status == "not_encoded" and not doc.rules and doc.status_note
    assert (doc.number, doc.issuer) == (itrade["number"], itrade["issuer"])
    assert doc.effective == dt.date.fromisoformat(itrade["effective"])
    assert doc.published == dt.date.fromisoformat(itrade["published"])
    refs = {r["article"] + r.get("item", ""): r["text"] for r in shared["GAS-USE-CROSSREF"]["refs"]}
    assert {c.no for c in doc.clauses} == set(refs)
    itrade_texts = _shared_texts(itrade)
    for clause in doc.clauses:
        assert clause.text == refs[clause.no] == itrade_texts[clause.no][0], clause.no
        assert clause.status != "encoded"


# ---- the CLI reports both kinds of finding ----

def _cli_json(capsys, *facts):
    args = ["judge", "--sector", "gas", "--as-of", "2026-06-01", "--json"]
    for f in facts:
        args += ["--fact", f]
    assert cli.main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_json_restaurant_violation_not_hazard(capsys):
    out = _cli_json(capsys, "被检查单位类别=餐饮等行业的生产经营单位", "使用燃气=是", "安装可燃气体报警装置=否")
    assert out["verdict"] == "not_major" and out["hazards"] == []
    assert [(v["rule_id"], v["clause"], v["kind"]) for v in out["violations"]] == [
        ("WSL-2021-36-4a", "第三十六条第四款", "violation")]


def test_cli_json_operator_hazard(capsys):
    out = _cli_json(capsys, "被检查单位类别=燃气经营者", "擅自为非自有气瓶充装燃气=是")
    assert out["verdict"] == "major" and out["violations"] == []
    assert [(h["document"]["number"], h["clause"]) for h in out["hazards"]] == [("建城规〔2023〕4号", "第七条（一）")]


def test_cli_text_shows_violation_section(capsys):
    assert cli.main(["judge", "--sector", "gas", "--as-of", "2026-06-01", "--fact", "被检查单位类别=餐饮等行业的生产经营单位",
                     "--fact", "使用燃气=是", "--fact", "安装可燃气体报警装置=否"]) == 0
    text = capsys.readouterr().out
    assert "判定结论：不构成重大事故隐患" in text
    assert "违法行为（非重大事故隐患）：" in text and "第三十六条第四款" in text


def test_cli_criteria_lists_refs_as_known_not_encoded(capsys):
    assert cli.main(["criteria", "--sector", "gas"]) == 0
    text = capsys.readouterr().out
    assert "工贸企业重大事故隐患判定标准" in text and "已知但未编码" in text
    assert "第五条（十二）" in text and "建城规〔2023〕4号" in text
