"""Findings written as Chinese text: extraction with spans, negation, numbers, several findings per
record, never a major verdict from a guess, and the CLI/API faces with bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from engine import cli  # noqa: E402
from engine.errors import HazardError  # noqa: E402
from engine.text import numbers  # noqa: E402
from engine.text.judging import judge_text  # noqa: E402
from engine.text.reader import read  # noqa: E402

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2.*")
DAY = dt.date(2026, 6, 1)

# what an inspector states beside the text (the unit inspected, chosen on the page): 121号 applies to
# 化工和危险化学品生产经营单位 only, so without it a chemicals finding is not judged major
PRODUCER = {"被检查单位类别": "危险化学品生产单位"}


# ---- the labelled set: the targets of issue 17 ----------------------------------------------

@pytest.fixture(scope="module")
def accuracy():
    import text_accuracy
    return text_accuracy.evaluate()


def test_labelled_set_has_400_sentences_over_every_sector(accuracy):
    import text_accuracy
    sectors = {text_accuracy.load(p)["sector"] for p in text_accuracy.DATA.glob("*.yaml")}
    assert sectors == {"chemicals", "fireworks", "mines", "fire", "gas", "industry_trade", "construction", "power",
                       "special_equipment", "road_transport"}
    assert {"coal2020", "coal2026", "noncoal"} <= set(accuracy)
    assert all(accuracy[s]["n"] >= 10 for s in ("industry_trade", "construction", "power", "special_equipment",
                                               "road_transport"))
    assert sum(s["n"] for s in accuracy.values()) >= 400


def test_fact_precision_recall_and_verdict_accuracy_meet_the_targets(accuracy):
    import text_accuracy
    total = text_accuracy.totals(accuracy)
    worst = {k: (round(s["precision"], 3), round(s["recall"], 3), round(s["verdict_accuracy"], 3))
             for k, s in accuracy.items()}
    assert total["precision"] >= 0.95, worst
    assert total["recall"] >= 0.90, worst
    assert total["verdict_accuracy"] >= 0.90, worst
    for name, s in accuracy.items():  # no sector may hide behind the others
        assert s["precision"] >= 0.90 and s["recall"] >= 0.85 and s["verdict_accuracy"] >= 0.85, (name, s["errors"])


def test_no_sentence_is_judged_major_on_a_fact_it_does_not_state(accuracy):
    bad = [e for s in accuracy.values() for e in s["errors"] if e["verdict"] == "major" and e["extra"]]
    assert sum(s["major_unstated"] for s in accuracy.values()) == 0, bad


# ---- reading --------------------------------------------------------------------------------

def facts_of(text, sector, day=DAY):
    result = judge_text(text, sector, None, day)
    return {e.fact: e.value for e in result.extracted if e.confirmed}, result


def test_span_words_phrase_and_confidence_are_given():
    text = "现场抽查，该装置岗位未见操作规程，也未制定工艺控制指标。"
    result = judge_text(text, "chemicals", None, DAY)
    by_fact = {e.fact: e for e in result.extracted}
    e = by_fact["process_control_indicators"]
    assert text[e.start:e.end] == e.text and "工艺控制指标" in e.text
    assert e.words and all(w in text for w in e.words)
    assert e.phrase in ("未制定工艺控制指标", "没有工艺控制指标", "制定了工艺控制指标")
    assert e.value == "否" and e.confirmed and 0.7 <= e.confidence <= 1


@pytest.mark.parametrize("text, fact, value", [
    ("加氢工艺装置的紧急停车系统未投用。", "esd_in_use", "否"),
    ("氧化工艺装置的紧急停车系统已投用，运行正常。", "esd_in_use", "是"),
    ("现场未发现特种作业人员无证上岗。", "special_workers_certified", "是"),  # double negative
    ("特种作业人员无证上岗。", "special_workers_certified", "否"),
    ("仓库无混放混存现象。", "incompatible_mixed", "否"),
])
def test_negation_scope(text, fact, value):
    facts, _ = facts_of(text, "chemicals")
    assert facts.get(fact) == value, facts


def test_a_negation_of_another_kind_does_not_read_as_missing():
    facts, _ = facts_of("防护屏障不符合要求，高度不够。", "fireworks")
    assert facts.get("barrier_noncompliant") == "是" and "barrier_missing" not in facts


@pytest.mark.parametrize("text, sector, fact, value", [
    ("液氨槽车装车时未使用万向管道充装系统。", "chemicals", "filling_container", "汽车罐车或铁路罐车（槽车）"),  # 槽车充装: special equipment's word
    ("3号工房防护屏障高度不符合要求。", "fireworks", "barrier_noncompliant", "是"),  # 不符合要求: special equipment's value
])
def test_a_word_of_another_sector_does_not_hide_a_sectors_own_reading(text, sector, fact, value):
    facts, _ = facts_of(text, sector)
    assert facts.get(fact) == value, facts


def test_a_word_naming_several_values_is_only_asked_with_the_candidates():
    result = judge_text("员工宿舍内私拉乱接电线。", "fire", None, dt.date(2025, 6, 1))
    assert not [e for e in result.extracted if e.confirmed and e.fact == "premises_use"]
    asked = [p for p in result.proposed if p.fact == "premises_use"]
    assert asked and "学校教学楼、图书馆、食堂、集体宿舍" in asked[0].question
    assert "劳动密集型企业的生产加工车间、员工集体宿舍" in asked[0].question


def test_an_answer_word_of_a_yes_no_fact_does_not_name_it():
    # 不符合国家标准 answers 防爆电气's question in the structured input; in a record it names nothing
    facts, _ = facts_of("罐区储罐的外部安全防护距离不符合国家标准。", "chemicals")
    assert facts == {"external_distance_compliant": "否"}


def test_a_negation_written_before_the_words_as_in_the_phrase_counts():
    facts, _ = facts_of("厂房内设员工宿舍，不符合GA 703要求。", "fire", dt.date(2025, 6, 1))
    assert facts.get("ga703_compliant") == "否"


@pytest.mark.parametrize("text, value", [
    ("煤矿回风巷甲烷浓度达1.2%，未停止工作。", 1.2),
    ("煤矿回风巷甲烷浓度达百分之一点二，未停止工作。", 1.2),
    ("煤矿回风巷甲烷浓度达１．２％，未停止工作。", 1.2),
])
def test_numbers_in_every_form(text, value):
    facts, result = facts_of(text, "mines", dt.date(2026, 8, 1))
    assert facts["return_methane"] == pytest.approx(value)
    assert result.verdict == "major"


def test_units_are_converted_and_chinese_numerals_read():
    facts, _ = facts_of("煤矿工作面瓦斯超限，浓度3.2%，瓦斯超限持续0.5小时，系瓦斯治理不到位。", "mines", dt.date(2026, 8, 1))
    assert facts["methane_3pct_duration"] == pytest.approx(30)
    facts, _ = facts_of("铁矿排土场边坡高度二百一十米，未建立边坡稳定监测系统。", "mines", dt.date(2026, 8, 1))
    assert facts["nc_op_dump_slope_height"] == pytest.approx(210)
    found = numbers.find_numbers("电量3kW·h，压力0.74MPa，约60%，一级，1级")
    assert [(n.value, n.unit, n.approximate) for n in found][:3] == [(3.0, "kW·h", False), (0.74, "MPa", False),
                                                                   (60.0, "%", True)]
    assert numbers.level_words("罐区构成1级重大危险源") == "罐区构成一级重大危险源"


@pytest.mark.parametrize("text", ["煤矿年产量超核定能力，约为120%。", "煤矿回风巷甲烷浓度超过1.0%。"])
def test_an_approximate_number_or_a_range_is_proposed_never_asserted(text):
    result = judge_text(text, "mines", None, dt.date(2026, 8, 1))
    assert result.verdict != "major"
    assert any(p.question.startswith("是否属实：") for p in result.proposed), result.proposed


@pytest.mark.parametrize("text, sector", [
    ("疑似存在禁配物质混放。", "chemicals"),
    ("紧急停车系统未投用，现已整改。", "chemicals"),
    ("工房作业人员超员，已当场整改。", "fireworks"),
])
def test_a_hedge_or_a_corrected_condition_is_only_a_question(text, sector):
    result = judge_text(text, sector, None, DAY)
    assert result.verdict != "major" and not result.findings
    assert result.proposed and all(p.question.startswith("是否属实：") and not p.confirmed for p in result.proposed)


def test_several_findings_each_judged_and_the_record_takes_the_most_severe():
    result = judge_text("一是企业已建立全员安全生产责任制；二是未制定操作规程。", "chemicals", PRODUCER, DAY)
    assert [f.verdict for f in result.findings] == ["not_major", "major"]
    assert result.verdict == "major"
    assert [f.text for f in result.findings] == ["一是企业已建立全员安全生产责任制", "二是未制定操作规程"]


def test_structured_facts_win_over_the_text_and_the_answer_says_so():
    text = "液氨槽车充装未使用万向管道充装系统"
    assert judge_text(text, "chemicals", PRODUCER, DAY).verdict == "major"
    result = judge_text(text, "chemicals", {**PRODUCER, "充装使用万向管道充装系统": "是"}, DAY)
    assert result.verdict == "not_major"
    assert any("以结构化事实为准" in w for w in result.warnings)


def test_sector_is_proposed_from_the_text_when_not_given():
    result = judge_text("某危险化学品生产企业液氨槽车充装未使用万向管道充装系统", None, None, DAY)
    assert result.sector == "chemicals" and result.verdict == "major"
    assert "未指定行业" in result.sector_note and result.sectors_proposed[0].sector == "chemicals"


def test_unread_text_gets_suggestions_only():
    result = judge_text("一是液氨槽车充装未使用万向管道充装系统；二是罐区防火堤排水阀常开。", "chemicals", PRODUCER, DAY)
    assert result.verdict == "major"
    unread = [u for u in result.unread if "防火堤" in u.text]
    assert unread and all({"rule_id", "clause", "score"} <= set(s) for s in unread[0].suggestions)


def test_the_jieba_user_dictionary_keeps_domain_terms_whole():
    words = [w for w, _ in read("液氨充装未使用万向管道充装系统，紧急切断阀失效，回风巷瓦斯超限", ["chemicals"]).words]
    assert "万向管道充装系统" in words or "使用万向管道充装系统" in words
    assert "紧急切断阀" in words or "紧急切断" in words


# ---- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, code", [("", "empty_text"), ("   \n ", "empty_text"), ("字" * 100_000, "text_too_long"),
                                        (None, "bad_text")])
def test_bad_text_is_a_clear_error(text, code):
    with pytest.raises(HazardError) as err:
        judge_text(text, "chemicals", None, DAY)
    assert err.value.code == code and err.value.field == "text"


@pytest.mark.parametrize("text", ["The valve was closed.", "😀😀😀", "控制\x00字符\x07检查", "١٢٣ مرحبا"])
def test_other_languages_emoji_and_control_characters_answer_honestly(text):
    result = judge_text(text, None, None, DAY)
    assert result.verdict != "major"
    if not result.findings:
        assert any("未" in w for w in result.warnings)


def run(capsys, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_text_json(capsys):
    code, out, _ = run(capsys, "judge", "--text", "某危险化学品生产企业液氨槽车充装未使用万向管道充装系统", "--as-of",
                       "2026-06-01", "--json")
    data = json.loads(out)
    assert code == 0 and data["verdict"] == "major" and data["sector"] == "chemicals"
    assert data["extracted"] and data["findings"][0]["judgement"]["hazards"][0]["clause"] == "七"


def test_cli_text_from_stdin_one_finding_per_line(capsys, monkeypatch):
    code, out, _ = run(capsys, "judge", "--sector", "chemicals", "--fact", "被检查单位类别=危险化学品生产单位", "--text", "-",
                       "--as-of", "2026-06-01", "--json",
                       stdin="液氨槽车充装未使用万向管道充装系统\n\n企业已建立全员安全生产责任制\n", monkeypatch=monkeypatch)
    data = json.loads(out)
    assert code == 0 and [d["verdict"] for d in data] == ["major", "not_major"]


def test_cli_text_human_output_is_chinese(capsys):
    code, out, _ = run(capsys, "judge", "--sector", "chemicals", "--text", "疑似存在禁配物质混放。", "--as-of", "2026-06-01")
    assert code == 0 and "待确认" in out and "是否属实" in out


def test_cli_case_file_may_carry_text(capsys, tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"sector": "chemicals", "as_of": "2026-06-01", "facts": PRODUCER, "text": "企业没有安全生产责任制。"},
                               ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "judge", "--facts", str(case), "--json")
    assert code == 0 and json.loads(out)["verdict"] == "major"


@pytest.mark.parametrize("argv", [["--text", ""], ["--text", "字" * 100_000]])
def test_cli_bad_text_exits_2(capsys, argv):
    code, _, err = run(capsys, "judge", "--sector", "chemicals", *argv)
    assert code == 2 and err.startswith("错误 [")


@pytest.fixture(scope="module")
def client():
    from api.server import Settings, create_app
    with TestClient(create_app(Settings())) as c:
        yield c


def test_api_text_alone_and_with_facts(client):
    r = client.post("/v1/judgements", json={"text": "某危险化学品生产企业液氨槽车充装未使用万向管道充装系统", "as_of": "2026-06-01"})
    assert r.status_code == 200 and r.json()["verdict"] == "major" and r.json()["sector"] == "chemicals"
    r = client.post("/v1/judgements", json={"sector": "chemicals", "as_of": "2026-06-01", "text": "液氨槽车充装未使用万向管道充装系统",
                                            "facts": {**PRODUCER, "充装使用万向管道充装系统": "是"}})
    assert r.status_code == 200 and r.json()["verdict"] == "not_major"


@pytest.mark.parametrize("body, status, code", [
    ({"text": ""}, 422, "empty_text"),
    ({"text": "字" * 100_000}, 422, "text_too_long"),
    ({"text": 5}, 422, None),
    ({"text": "abc", "sectors": ["fire"]}, 422, "conflicting_fields"),
])
def test_api_bad_text_is_a_4xx_never_a_500(client, body, status, code):
    r = client.post("/v1/judgements", json=body)
    assert r.status_code == status, r.text
    if code:
        assert r.json()["error"]["code"] == code


def test_api_batch_accepts_text(client):
    r = client.post("/v1/judgements/batch", json={"cases": [{"text": "特种作业人员无证上岗", "sector": "chemicals",
                                                             "facts": {"被检查单位类别": "危险化学品经营单位"},
                                                             "as_of": "2026-06-01"}, {"text": ""}]})
    assert r.status_code == 200
    results = r.json()["results"]
    assert results[0]["ok"] and results[0]["judgement"]["verdict"] == "major"
    assert not results[1]["ok"] and results[1]["error"]["code"] == "empty_text"


# ---- start-up: compiled patterns kept on disk --------------------------------------------------

def _fresh_reader(kb):
    from engine.text import reader as text_reader
    return text_reader._reader.__wrapped__(kb.version)  # a new pipeline, as a new process builds it


def test_compiled_patterns_are_kept_on_disk_and_read_back_without_compiling(tmp_path, monkeypatch):
    from engine import knowledge
    from engine.text import cache
    from engine.text import reader as text_reader
    monkeypatch.setenv("HAZARD_CACHE_DIR", str(tmp_path))
    kb = knowledge.default()
    text_reader.reader(kb)  # registers the knowledge base for the pipeline factory
    first = _fresh_reader(kb)
    built = first.sector("fireworks")
    assert [p.name for p in tmp_path.glob("text-*-fireworks.pickle")]
    assert not list(tmp_path.glob("text-*-chemicals.pickle"))  # only the sector read is compiled

    def no_compiling(*_a, **_k):
        raise AssertionError("compiled again although the disk cache has the sector")
    monkeypatch.setattr(text_reader, "compile_sector", no_compiling)
    second = _fresh_reader(kb)
    assert second.sector("fireworks").patterns == built.patterns
    doc = second.doc("防护屏障不符合要求，高度不够。", ["fireworks"])
    assert {(x.fact, x.value) for x in doc.user_data["facts"]["fireworks"] if x.confirmed} == {("barrier_noncompliant", "是")}
    assert cache.key(kb.version, "词 1\n") != cache.key(kb.version + "x", "词 1\n") != cache.key(kb.version, "词 2\n")


def test_an_unreadable_cache_file_is_compiled_again(tmp_path, monkeypatch):
    from engine import knowledge
    from engine.text import reader as text_reader
    monkeypatch.setenv("HAZARD_CACHE_DIR", str(tmp_path))
    kb = knowledge.default()
    text_reader.reader(kb)
    key = _fresh_reader(kb).key
    (tmp_path / f"text-{key}-fireworks.pickle").write_bytes(b"not a pickle")
    r = _fresh_reader(kb)
    assert r.sector("fireworks").patterns
    assert (tmp_path / f"text-{key}-fireworks.pickle").read_bytes() != b"not a pickle"  # rewritten


def test_the_faster_path_search_segments_exactly_as_jieba_does():
    import jieba

    from engine import knowledge
    from engine.text import patterns
    from text_accuracy import DATA, load
    kb = knowledge.default()
    dictionary = patterns.user_dictionary(kb)
    ours = patterns.segmenter(kb.version, dictionary)
    theirs = jieba.Tokenizer()
    theirs.initialize()
    theirs.load_userdict(io.StringIO(dictionary))
    texts = [c["text"] for p in sorted(DATA.glob("*.yaml")) for c in load(p)["cases"]]
    texts += [f.label for s in kb.sectors.values() for f in s.facts.values()]
    assert len(texts) > 1000
    assert isinstance(ours, patterns.Tokenizer)
    differ = [t for t in texts if list(ours.cut(t, HMM=False)) != list(theirs.cut(t, HMM=False))]
    assert not differ, differ[:5]


def test_a_negation_ends_at_ji_jiu_bian():
    """"未经验收即投入使用": 未 negates 经验收, not 投入使用; 立即 is not a scope end ("未立即撤出")."""
    r = judge_text("危大工程未经验收即投入使用。", sector="construction", as_of=dt.date(2026, 8, 1))
    read = {e.label: e.value for e in r.extracted if e.confirmed}
    assert read.get("危大工程已投入使用") == "是" and read.get("危大工程已验收合格") == "否", read
    r = judge_text("采区回风巷甲烷浓度1.2%，未立即停止工作、撤出人员。", sector="mines", as_of=dt.date(2026, 8, 1))
    assert any(e.label == "回风巷超限时已停工撤人并处理" and e.value == "否" for e in r.extracted), r.extracted
