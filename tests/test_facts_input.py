"""Values as inspectors write them (issue 11 item 7) and exact numbers (issue 10 item 4).

Every alias, input word and unit spelling added to the data has a case here that fails
without it; every refusal is checked for its code and a Chinese message.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import knowledge
from engine.cli import main
from engine.compiler import CompiledDocument, to_network
from engine.direct import evaluate_document
from engine.errors import HazardError
from engine.facts import coerce, enum_candidates, format_value, parse_facts
from engine.judge import judge
from engine.model import Document, Fact

KB = knowledge.default()
COAL_DAY = dt.date(2026, 8, 1)


def value(sector: str, label: str, raw):
    s = KB.sectors[sector]
    fact = s.fact_by_name(label)
    assert fact is not None, label
    return coerce(fact, raw, label)


def refused(sector: str, label: str, raw) -> HazardError:
    with pytest.raises(HazardError) as info:
        value(sector, label, raw)
    err = info.value
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.message), err.message  # a Chinese message
    assert err.field == label
    return err


# ---- enum aliases (data: `aliases:` in the vocabularies) --------------------------------------

ALIASES = [
    ("mines", "矿山类别", "非煤矿山", "金属非金属矿山"),
    ("mines", "矿山类别", "非煤矿", "金属非金属矿山"),
    ("mines", "煤矿开采方式", "井工", "井工煤矿"),
    ("mines", "煤矿开采方式", "井工矿", "井工煤矿"),
    ("mines", "煤矿开采方式", "井工开采", "井工煤矿"),
    ("mines", "煤矿开采方式", "井下开采", "井工煤矿"),
    ("mines", "煤矿开采方式", "露天", "露天煤矿"),
    ("mines", "煤矿开采方式", "露天矿", "露天煤矿"),
    ("mines", "煤矿开采方式", "露天开采", "露天煤矿"),
    ("mines", "矿井瓦斯等级", "突出矿井", "煤（岩）与瓦斯（二氧化碳）突出矿井"),
    ("mines", "矿井瓦斯等级", "煤与瓦斯突出矿井", "煤（岩）与瓦斯（二氧化碳）突出矿井"),
    ("mines", "矿井瓦斯等级", "突出", "煤（岩）与瓦斯（二氧化碳）突出矿井"),
    ("mines", "矿井瓦斯等级", "高瓦斯", "高瓦斯矿井"),
    ("mines", "矿井瓦斯等级", "低瓦斯", "低瓦斯矿井"),
    ("chemicals", "罐区重大危险源级别", "1级", "一级"),
    ("chemicals", "罐区重大危险源级别", "Ⅰ级", "一级"),
    ("chemicals", "罐区重大危险源级别", "I级", "一级"),
    ("chemicals", "罐区重大危险源级别", "一级重大危险源", "一级"),
    ("chemicals", "罐区重大危险源级别", "2级", "二级"),
    ("chemicals", "罐区重大危险源级别", "II级", "二级"),
    ("chemicals", "罐区重大危险源级别", "二级重大危险源", "二级"),
    ("chemicals", "罐区重大危险源级别", "3级", "三级"),
    ("chemicals", "罐区重大危险源级别", "III级", "三级"),
    ("chemicals", "罐区重大危险源级别", "三级重大危险源", "三级"),
    ("chemicals", "罐区重大危险源级别", "4级", "四级"),
    ("chemicals", "罐区重大危险源级别", "IV级", "四级"),
    ("chemicals", "罐区重大危险源级别", "四级重大危险源", "四级"),
    ("chemicals", "罐区重大危险源级别", "不构成", "不构成重大危险源"),
    ("chemicals", "罐区重大危险源级别", "非重大危险源", "不构成重大危险源"),
    ("chemicals", "充装介质", "液化石油气", "液化烃"),
    ("chemicals", "充装介质", "LPG", "液化烃"),
    ("chemicals", "充装介质", "ＬＰＧ", "液化烃"),
    ("chemicals", "充装介质", "丙烷", "液化烃"),
    ("chemicals", "充装介质", "丁烷", "液化烃"),
    ("chemicals", "充装介质", "液化丙烷", "液化烃"),
    ("chemicals", "充装介质", "液化丁烷", "液化烃"),
    ("gas", "被检查单位类别", "燃气经营企业", "燃气经营者"),
    ("gas", "被检查单位类别", "燃气经营单位", "燃气经营者"),
    ("gas", "被检查单位类别", "燃气企业", "燃气经营者"),
    ("gas", "被检查单位类别", "燃气公司", "燃气经营者"),
    ("gas", "被检查单位类别", "餐饮", "餐饮等行业的生产经营单位"),
    ("gas", "被检查单位类别", "餐饮企业", "餐饮等行业的生产经营单位"),
    ("gas", "被检查单位类别", "餐饮单位", "餐饮等行业的生产经营单位"),
    ("gas", "被检查单位类别", "餐馆", "餐饮等行业的生产经营单位"),
    ("gas", "被检查单位类别", "饭店", "餐饮等行业的生产经营单位"),
    ("gas", "被检查单位类别", "居民", "居民用户"),
    ("gas", "被检查单位类别", "居民家庭", "居民用户"),
    ("fire", "场所使用性质", "KTV", "公共娱乐场所"),
    ("fire", "场所使用性质", "ktv", "公共娱乐场所"),
    ("fire", "场所使用性质", "歌舞娱乐场所", "公共娱乐场所"),
    ("fire", "场所使用性质", "歌舞娱乐放映游艺场所", "公共娱乐场所"),
    ("fire", "场所使用性质", "歌舞厅", "公共娱乐场所"),
    ("fire", "场所使用性质", "卡拉OK", "公共娱乐场所"),
    ("fire", "场所使用性质", "夜总会", "公共娱乐场所"),
    ("fire", "场所使用性质", "网吧", "公共娱乐场所"),
    ("fire", "场所使用性质", "电影院", "公共娱乐场所"),
    ("fire", "场所使用性质", "影剧院", "公共娱乐场所"),
    ("fire", "场所使用性质", "游艺厅", "公共娱乐场所"),
    ("fire", "场所使用性质", "超市", "商店、商场、集贸市场"),
    ("fire", "场所使用性质", "农贸市场", "商店、商场、集贸市场"),
    ("fire", "场所使用性质", "购物中心", "商店、商场、集贸市场"),
    ("fire", "场所使用性质", "商场", "商店、商场、集贸市场"),  # a part of the value (no alias needed)
    ("fire", "场所使用性质", "酒店", "旅馆、宾馆、饭店"),
    ("fire", "场所使用性质", "招待所", "旅馆、宾馆、饭店"),
    ("fire", "场所使用性质", "医院", "医院门诊楼、病房楼"),
    ("fire", "场所使用性质", "门诊楼", "医院门诊楼、病房楼"),
    ("fire", "场所使用性质", "病房楼", "医院门诊楼、病房楼"),
    ("fire", "场所使用性质", "住院部", "医院门诊楼、病房楼"),
    ("fire", "场所使用性质", "学校", "学校教学楼、图书馆、食堂、集体宿舍"),
    ("fire", "场所使用性质", "教学楼", "学校教学楼、图书馆、食堂、集体宿舍"),
    ("fire", "场所使用性质", "学生宿舍", "学校教学楼、图书馆、食堂、集体宿舍"),
    ("fire", "场所使用性质", "托育机构", "托儿所、幼儿园"),
    ("fire", "场所使用性质", "敬老院", "养老院、福利院等老年人活动场所"),
    ("fire", "场所使用性质", "养老机构", "养老院、福利院等老年人活动场所"),
    ("fire", "场所使用性质", "老年公寓", "养老院、福利院等老年人活动场所"),
    ("fire", "场所使用性质", "老年人活动中心", "养老院、福利院等老年人活动场所"),
    ("fire", "场所使用性质", "公共图书馆", "公共图书馆阅览室、公共展览馆和博物馆展示厅"),
    ("fire", "场所使用性质", "博物馆", "公共图书馆阅览室、公共展览馆和博物馆展示厅"),
    ("fire", "场所使用性质", "展览馆", "公共图书馆阅览室、公共展览馆和博物馆展示厅"),
    # ASCII brackets / full-width letters in a value
    ("mines", "矿井瓦斯等级", "煤(岩)与瓦斯(二氧化碳)突出矿井", "煤（岩）与瓦斯（二氧化碳）突出矿井"),
    ("mines", "矿井建设生产状态", "新建矿井(建设期间)", "新建矿井（建设期间）"),
    ("mines", "矿井建设生产状态", " 新建矿井 （建设期间） ", "新建矿井（建设期间）"),
]


@pytest.mark.parametrize("sector,label,raw,want", ALIASES)
def test_alias_reads_as_its_value(sector, label, raw, want):
    assert value(sector, label, raw) == want


@pytest.mark.parametrize("raw,candidates", [
    ("宿舍", {"学校教学楼、图书馆、食堂、集体宿舍", "劳动密集型企业的生产加工车间、员工集体宿舍"}),
    ("集体宿舍", {"学校教学楼、图书馆、食堂、集体宿舍", "劳动密集型企业的生产加工车间、员工集体宿舍"}),
    ("图书馆", {"学校教学楼、图书馆、食堂、集体宿舍", "公共图书馆阅览室、公共展览馆和博物馆展示厅"}),
])
def test_an_alias_of_two_values_is_asked_back_with_the_candidates(raw, candidates):
    err = refused("fire", "场所使用性质", raw)
    assert err.code == "ambiguous_value"
    for c in candidates:
        assert f"“{c}”" in err.message
    assert set(enum_candidates(KB.sectors["fire"].fact_by_name("场所使用性质"), raw)) == candidates


def test_ambiguity_is_data_not_code():
    """The same mechanism on a made-up fact: 饭店 listed under two values is never silently picked."""
    fact = Fact(id="venue", label="场所", type="enum", values=["餐饮场所", "旅馆"], question="?",
                aliases={"餐饮场所": ["饭店"], "旅馆": ["饭店", "宾馆"]})
    assert coerce(fact, "宾馆", "f") == "旅馆"
    with pytest.raises(HazardError) as info:
        coerce(fact, "饭店", "f")
    assert info.value.code == "ambiguous_value" and "“餐饮场所”" in info.value.message and "“旅馆”" in info.value.message


def test_every_alias_in_the_knowledge_base_reads_as_its_value_or_is_ambiguous():
    for sector in KB.sectors.values():
        for fact in sector.facts.values():
            for val, aliases in fact.aliases.items():
                for alias in aliases:
                    found = enum_candidates(fact, alias) if fact.type == "enum" else None
                    if fact.type == "enum":
                        assert val in found, (fact.id, alias, found)
                        assert alias not in (fact.values or []) or alias == val, (fact.id, alias)


def test_alias_keys_must_be_values():
    with pytest.raises(ValueError, match="aliases"):
        Fact(id="x", label="x", type="enum", values=["甲"], question="?", aliases={"乙": ["b"]})


def test_unknown_enum_value_lists_values_unambiguously():
    err = refused("fire", "场所使用性质", "火星基地")
    assert err.code == "bad_value"
    assert "“商店、商场、集贸市场”" in err.message  # a value with “、” quoted as one value


def test_liquefied_petroleum_gas_filling_is_judged_as_liquefied_hydrocarbon():
    # 121号 applies to 化工和危险化学品生产经营单位, and item 七 to filling tankers: the inspector states both
    result = judge("chemicals", {"被检查单位类别": "危险化学品经营单位", "充装对象": "汽车罐车或铁路罐车（槽车）",
                                 "充装介质": "液化石油气", "充装使用万向管道充装系统": "×"})
    assert result.verdict == "major"
    assert result.hazards[0].rule_id == "CHEM-2017-07"


# ---- yes/no words (knowledge/words.yaml) -------------------------------------------------------

@pytest.mark.parametrize("raw,want", [
    ("√", True), ("✓", True), ("✔", True), ("☑", True), ("是", True), ("Y", True), ("ｙｅｓ", True),
    ("×", False), ("✗", False), ("✘", False), ("☒", False), ("否", False), ("无", False), ("N", False),
    ("未", False), ("已", True),
])
def test_yes_no_words(raw, want):
    assert value("chemicals", "充装使用万向管道充装系统", raw) is want


@pytest.mark.parametrize("raw,want", [("符合", True), ("不符合", False)])
def test_compliance_words_on_a_label_that_states_compliance(raw, want):
    assert value("chemicals", "外部安全防护距离符合国家标准要求", raw) is want


def test_compliance_words_are_refused_where_they_could_invert_the_meaning():
    mines = KB.sectors["mines"]
    label = next(f.label for f in mines.facts.values() if f.type == "bool" and "篡改" in f.label and "符合" not in f.label)
    err = refused("mines", label, "不符合")
    assert err.code == "ambiguous_value" and "是/否" in err.message


def test_not_is_refused_on_a_label_that_already_says_not():
    sector, fact = next((s, f) for s in KB.sectors.values() for f in s.facts.values()
                        if f.type == "bool" and "未" in f.label)
    with pytest.raises(HazardError) as info:
        coerce(fact, "未", fact.label)
    assert info.value.code == "ambiguous_value"


@pytest.mark.parametrize("raw", ["未知", "不详", "？", "?", ""])
def test_unknown_words_mean_not_given(raw):
    assert value("chemicals", "充装使用万向管道充装系统", raw) is None


# ---- labels as typed -----------------------------------------------------------------------------

def test_label_with_ascii_brackets_and_full_width_letters():
    mines = KB.sectors["mines"]
    fact = next(f for f in mines.facts.values() if "（" in f.label)
    typed = fact.label.replace("（", "(").replace("）", ")")
    assert mines.fact_by_name(typed) is fact
    assert mines.fact_by_name(" " + typed.replace("(", " (") + " ") is fact
    assert KB.sectors["mines"].fact_by_name("钻屑瓦斯解吸指标Ｋ１").id == KB.sectors["mines"].fact_by_name("钻屑瓦斯解吸指标K1").id


def test_full_width_equals_sign_on_the_command_line(capsys):
    code = main(["judge", "--sector", "chemicals", "--fact", "被检查单位类别＝危险化学品经营单位",
                 "--fact", "充装对象＝汽车罐车或铁路罐车（槽车）", "--fact", "充装介质＝液化石油气", "--fact",
                 "充装使用万向管道充装系统＝×", "--json"])
    assert code == 0
    assert '"verdict": "major"' in capsys.readouterr().out


# ---- numbers, units, Chinese numerals ------------------------------------------------------------

DURATION = "甲烷浓度达到3.0%以上的持续时长"  # min
METHANE = "回风巷风流中甲烷浓度"  # %
BATTERY = "井下充电锂电池电量"  # kW·h
QUARTER = "季度原煤产量与核定生产能力之比"  # %, a bare ratio is ambiguous up to 1
ANNUAL = "全年原煤产量与核定生产能力之比"  # %, a bare ratio is ambiguous up to 10 (threshold 110 %)


@pytest.mark.parametrize("label,raw,want", [
    (DURATION, "15分钟", 15), (DURATION, "15 分钟", 15), (DURATION, "15min", 15), (DURATION, "15分", 15),
    (DURATION, "十五分钟", 15), (DURATION, "1小时", 60), (DURATION, "1.5h", 90), (DURATION, "30秒", 0.5),
    (DURATION, "１５", 15),
    (BATTERY, "3kWh", 3), (BATTERY, "3 kW·h", 3), (BATTERY, "3千瓦时", 3), (BATTERY, "三千瓦时", 3),
    (BATTERY, "3度", 3), (BATTERY, "2500Wh", 2.5), (BATTERY, "2.5KWH", 2.5),
    (METHANE, "1.2", 1.2), (METHANE, "1.2%", 1.2), (METHANE, "１．２％", 1.2), (METHANE, "百分之一点二", 1.2),
    (METHANE, "百分之1.2", 1.2), (METHANE, "一点二", 1.2), (METHANE, "千分之五", 0.5), (METHANE, "5‰", 0.5),
    (ANNUAL, "115%", 115), (ANNUAL, "115", 115), (ANNUAL, "百分之一百一十五", 115), (ANNUAL, "0", 0),
    (ANNUAL, "1.15%", 1.15), (QUARTER, "10", 10), (QUARTER, "0.3%", 0.3),
    ("矿井同时生产的水平个数", "2个", 2), ("矿井同时生产的水平个数", "两个", 2),
    (DURATION, "一百二十分钟", 120), (DURATION, "两小时", 120), (BATTERY, "两千五百瓦时", 2.5),
])
def test_number_as_written(label, raw, want):
    assert value("mines", label, raw) == want


@pytest.mark.parametrize("label,raw,code", [
    (DURATION, "1_000", "bad_value"),
    (DURATION, "1,000", "bad_value"),
    (DURATION, "1.2.3", "bad_value"),
    (DURATION, "inf", "bad_value"),
    (DURATION, "nan", "bad_value"),
    (DURATION, "0x10", "bad_value"),
    (DURATION, "15公斤", "bad_value"),  # a unit that is not a time
    (DURATION, "10秒", "too_precise"),  # 1/6 min: no exact decimal
    (DURATION, "1e999999999", "out_of_range"),
    (DURATION, "100.00000000000000001", "too_precise"),
    (METHANE, "百分之1.2%", "bad_value"),
    (ANNUAL, "1.15", "unit_required"),
    (ANNUAL, "5", "unit_required"),
    (QUARTER, "0.3", "unit_required"),
    ("采煤工作面瓦斯抽采率", "0.012", "unit_required"),
    ("采煤工作面瓦斯抽采率", "1", "unit_required"),
    (METHANE, True, "bad_value"),
    (METHANE, float("nan"), "bad_value"),
    (METHANE, 10 ** 400, "out_of_range"),
    (METHANE, "-1", "out_of_range"),
    # a numeral that would have to be guessed is refused, as in free text (engine.text.numbers.numeral)
    (DURATION, "三五分钟", "bad_value"), (DURATION, "十七八分钟", "bad_value"), (DURATION, "两十分钟", "bad_value"),
])
def test_number_refused(label, raw, code):
    err = refused("mines", label, raw)
    assert err.code == code, err.message


def test_unit_required_message_names_both_readings():
    err = refused("mines", ANNUAL, "1.15")
    assert "115%" in err.message and "1.15%" in err.message


def test_unit_required_is_data():
    fact = Fact(id="r", label="比", type="number", unit="%", question="?", unit_required_up_to=1)
    assert coerce(fact, "2", "f") == 2
    with pytest.raises(HazardError):
        coerce(fact, "0.5", "f")
    plain = Fact(id="r", label="比", type="number", unit="%", question="?")
    assert coerce(plain, "0.5", "f") == 0.5


def test_huge_integer_does_not_crash_the_message():
    with pytest.raises(HazardError) as info:
        value("mines", METHANE, 10 ** 5000)
    assert info.value.code == "out_of_range"


def test_decimal_input_keeps_its_digits():
    assert value("mines", METHANE, Decimal("0.1")) == 0.1
    err = refused("mines", METHANE, Decimal("1.00000000000000000001"))
    assert err.code == "too_precise"


# ---- exact comparisons: nothing is rounded into the other side of a threshold ---------------------

@pytest.mark.parametrize("raw,verdict", [
    ("110.0000005", "major"), ("110.000001", "major"), ("110", "not_major"), ("109.9999999", "not_major"),
])
def test_strict_threshold_is_never_flipped(raw, verdict):
    result = judge("mines", {"矿山类别": "煤矿", "全年原煤产量与核定生产能力之比": raw}, COAL_DAY)
    assert result.verdict == verdict
    assert result.facts["annual_output_ratio"] == float(raw)


def test_values_are_shown_as_given():
    fact = KB.sectors["mines"].fact_by_name("全年原煤产量与核定生产能力之比")
    assert format_value(fact, 99.9999999) == "99.9999999%"
    assert format_value(fact, 110.0) == "110%"
    assert format_value(fact, 1e-7) == "0.0000001%"


def _threshold_doc(values: list[float]) -> Document:
    rules = []
    for i, t in enumerate(values):
        for op in ("ge", "gt", "le", "lt", "is"):
            rules.append({"id": f"R{i}{op}", "clause": "1", "when": {"fact": "x", op: t}, "then": "major_hazard"})
    return Document.model_validate({
        "id": "T", "sector": "t", "title": "阈值", "number": "T-1", "issuer": "测试", "effective": "2020-01-01",
        "source": "tests", "clauses": [{"no": "1", "text": "阈值条款"}], "rules": rules})


THRESHOLDS = [0, 1, 1.5, 100, 110, 0.000001, -2.5, 1000000]
THRESHOLD_DOC = _threshold_doc(THRESHOLDS)
THRESHOLD_COMPILED = CompiledDocument(THRESHOLD_DOC)


@pytest.mark.parametrize("x", [99.9999999, 100.0000001, 110.0000005, 109.9999995, 0.0000005, 0.0000015,
                               1.4999999999, -2.5000001, 999999.9999999, 1e-300, -1e-300, 1e300])
def test_network_agrees_with_exact_comparison_next_to_thresholds(x):
    run = THRESHOLD_COMPILED.run({"x": x})
    want, _ = evaluate_document(THRESHOLD_DOC, {"x": x})
    assert run.rules == want
    for t in THRESHOLDS:
        assert want[f"R{THRESHOLDS.index(t)}lt"] is (x < t)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(THRESHOLDS), st.integers(-5, 5), st.floats(-1e-6, 1e-6, allow_nan=False))
def test_network_agrees_with_direct_for_any_float_near_a_threshold(t, millionths, jitter):
    x = t + millionths * 1e-6 + jitter
    run = THRESHOLD_COMPILED.run({"x": x})
    want, _ = evaluate_document(THRESHOLD_DOC, {"x": x})
    assert run.rules == want, (x, {k: (run.rules[k], v) for k, v in want.items() if run.rules[k] != v})


def test_network_grid_orders_values_like_the_exact_values():
    xs = [-1.0000005, -1.0, -0.9999995, 0.0, 0.0000004, 0.000001, 0.0000016, 99.9999999, 100.0, 100.0000001]
    assert [to_network(x) for x in xs] == sorted(to_network(x) for x in xs)
    assert len({to_network(x) for x in xs}) == len(xs)


def test_a_threshold_finer_than_a_millionth_is_refused_at_compile_time():
    with pytest.raises(ValueError, match="百万分之一"):
        CompiledDocument(_threshold_doc([1.0000001]))


def test_parse_facts_conflict_across_spellings():
    with pytest.raises(HazardError) as info:
        parse_facts(KB.sectors["mines"], {"煤矿开采方式": "井工", "coal_mine_method": "露天"})
    assert info.value.code == "conflicting_facts"
    assert parse_facts(KB.sectors["mines"], {"煤矿开采方式": "井工", "coal_mine_method": "井工煤矿"}) == {
        "coal_mine_method": "井工煤矿"}


def test_unit_required_stays_below_every_threshold_of_its_fact():
    """A bare number near a threshold is a normal reading (e.g. 月产量 10 %): never refused there."""
    from engine import logic
    checked = 0
    for sector in KB.sectors.values():
        for fact in sector.facts.values():
            if fact.unit_required_up_to is None:
                continue
            values = [leaf.value for d in sector.documents for r in d.rules
                      for node in [r.condition] + ([r.defeater] if r.unless is not None else [])
                      for leaf in logic.leaves(node) if leaf.fact == fact.id]
            assert values, fact.id
            assert fact.unit_required_up_to < min(values) / 2, (fact.id, fact.unit_required_up_to, min(values))
            checked += 1
    assert checked >= 15


def test_a_broken_words_file_stops_loading_and_words_change_the_version(tmp_path):
    import shutil

    from engine.errors import KnowledgeError
    root = tmp_path / "kb"
    shutil.copytree(knowledge.DEFAULT_ROOT, root, ignore=shutil.ignore_patterns("__pycache__", "routing"))
    version = knowledge.load(root).version
    words = root / "words.yaml"
    words.write_text(words.read_text(encoding="utf-8").replace("yes: [是,", "yes: [是, 是的,"), encoding="utf-8")
    assert knowledge.load(root).version != version
    words.write_text("yes: [是]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="words.yaml"):
        knowledge.load(root)


def test_a_dc_voltage_written_with_plus_minus_is_its_magnitude():
    from engine.comparisons import read_facts
    """±800kV (直流两极) is 800 kV for the voltage classes (knowledge/words.yaml signed_magnitude_units);
    ± is refused on other units (±5% is a tolerance, not a value)."""
    power = KB.sectors["power"]
    voltage = next(f for f in power.facts.values() if f.unit == "kV")
    assert read_facts(power, {voltage.label: "±800kV"})[voltage.id] == 800.0
    mines = KB.sectors["mines"]
    percent = next(f for f in mines.facts.values() if f.unit == "%")
    with pytest.raises(HazardError):
        read_facts(mines, {percent.label: "±5%"})
