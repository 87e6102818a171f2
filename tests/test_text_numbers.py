"""The text reader's numbers (engine.text.numbers): the Chinese numeral reader, numbers with their units
(every unit spelling of knowledge/words.yaml, in words as in digits), approximations and the words
that look like numbers but are not; and, over the labelled sentences, that a number written in words
gives exactly the facts and verdict of the same number in digits."""

from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from engine import words as input_words  # noqa: E402
from engine.text import lexicon  # noqa: E402
from engine.text.numbers import convert, find_numbers, numeral, to_float  # noqa: E402


# ---- the numeral reader ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("零", "0"), ("〇", "0"), ("一", "1"), ("两", "2"), ("十", "10"), ("一十", "10"), ("十五", "15"),
    ("二十", "20"), ("二十五", "25"), ("九十九", "99"), ("一百", "100"), ("两百", "200"), ("一百零八", "108"),
    ("一百一十", "110"), ("一百二十", "120"), ("一百二", "120"), ("二百五", "250"), ("三千", "3000"),
    ("两千", "2000"), ("两千零五", "2005"), ("一千零一十", "1010"), ("三千五", "3500"), ("一万", "10000"),
    ("两万", "20000"), ("十万", "100000"), ("一万二", "12000"), ("一万二千", "12000"), ("一万零五百", "10500"),
    ("一万二千五百", "12500"), ("三千万", "30000000"), ("一亿二千万", "120000000"), ("一亿零五百万", "105000000"),
    ("二〇二六", "2026"), ("二零零八", "2008"), ("一零零", "100"),
    ("一点五", "1.5"), ("零点八", "0.8"), ("〇点五", "0.5"), ("十一点二五", "11.25"), ("三十五点零", "35.0"),
    ("一百点五", "100.5"), ("两点五", "2.5"), ("零点零三", "0.03"),
    ("1.5", "1.5"), ("１．５", "1.5"), ("25", "25"), ("1.5万", "15000"), ("3万", "30000"), ("2亿", "200000000"),
    ("一点五万", "15000"), ("零点五亿", "50000000"),
])
def test_numerals_read_exactly(text, value):
    assert numeral(text) == Decimal(value)
    assert to_float(text) == float(value)  # the float of the digits: words and digits compare alike


@pytest.mark.parametrize("text", [
    "", "百", "千", "万", "亿", "万万", "点五", "一点", "一点两",  # nothing, or half a number
    "三五", "七八", "一两", "十七八", "三四十", "五六百",  # two digits side by side: a range, not a number
    "二十五千", "一百十", "两十", "一百两", "一百零", "零五", "一千一千", "一万五十", "一万零五千",  # malformed
    "3万5", "1万2千", "一万万", "十余", "几十", "一二",
])
def test_what_is_not_one_number_is_refused(text):
    assert numeral(text) is None


def test_a_long_run_is_not_a_measurement():
    assert numeral("一" * 31) is None


# ---- numbers with units ---------------------------------------------------------------------------

def _spellings() -> list[str]:
    words = input_words.load()
    out = {u for u in lexicon.UNITS if u not in words.prefix_units}
    for unit, table in words.units.items():
        out.add(unit)
        out.update(table)
    return sorted(out)


PAIRS = [("二十五", "25"), ("一点五", "1.5"), ("一百二十", "120"), ("两", "2"), ("零点八", "0.8"),
         ("一万二千", "12000"), ("一点五万", "1.5万"), ("十", "10")]


@pytest.mark.parametrize("unit", _spellings())
def test_every_unit_reads_a_chinese_numeral_as_the_digits(unit):
    """Every unit spelling (千帕, 千伏, 千瓦时, 万千瓦 begin with a numeral character) after a numeral in
    words gives the quantity the digits give, in every unit of the vocabularies."""
    words = input_words.load()
    for cn, digits in PAIRS:
        if (cn, unit) == ("十", "分"):
            continue  # 十分 is the adverb "very" (十分严重): not read; 10分 is
        got, want = find_numbers(f"测得为{cn}{unit}，"), find_numbers(f"测得为{digits}{unit}，")
        assert len(got) == len(want) == 1, (unit, cn, got, want)
        assert (got[0].op, got[0].approximate) == (want[0].op, want[0].approximate)
        for wanted in words.units:
            a, b = got[0].to_unit(wanted), want[0].to_unit(wanted)
            if b is not None:  # (两千米 is 2000 米 or 2 千米: mm takes the one, km the other; 2千米 only km)
                assert a == b, (unit, cn, wanted, a, b)


@pytest.mark.parametrize("text, value, unit", [
    ("燃气管道压力二十五千帕", 25, "kPa"), ("压力两千帕", 2000, "Pa"), ("二十五千米", 25, "千米"),
    ("一千千伏", 1000, "千伏"), ("三千瓦时", 3000, "瓦时"), ("十万千瓦", 100000, "千瓦"), ("1.5万吨", 15000, "t"),
    ("1.5万kWh", 15000, "kW·h"), ("一万二千帕", 12000, "Pa"), ("三千米", 3000, "m"),
    ("百分之一点五", 1.5, "%"), ("百分之三十", 30, "%"), ("千分之十二", 12, "‰"), ("千分之3", 3, "‰"),
    ("两台", 2, "台"), ("两处", 2, "处"), ("三名", 3, "名"), ("一百零八米", 108, "m"), ("十分钟", 10, "min"),
])
def test_a_number_and_its_unit(text, value, unit):
    found = find_numbers(text)
    assert [(n.value, n.unit, n.approximate) for n in found] == [(value, unit, False)], found


def test_two_readings_of_one_quantity_serve_either_unit():
    [n] = find_numbers("两千米")  # 两千 米 or 两 千米: the same length
    assert (n.to_unit("m"), n.to_unit("km"), n.to_unit("mm")) == (2000.0, 2.0, 2000000.0)


def test_two_readings_of_different_quantities_are_not_guessed():
    # 三千|分 (3000 points) or 三|千分比 (3 ‰)? the reading that takes the whole word
    assert [(n.value, n.unit) for n in find_numbers("三千分比")] == [(3.0, "千分比")]
    # 一万二|千帕 would need the short form 一万二 (= 一万二千) before a place: read 一万二千 帕
    assert [(n.value, n.unit) for n in find_numbers("一万二千帕")] == [(12000.0, "Pa")]


@pytest.mark.parametrize("text, value, unit", [
    ("十余米", 10, "m"), ("10余米", 10, "m"), ("10多米", 10, "m"), ("二十多人", 20, "人"), ("十来米", 10, "m"),
    ("十几米", 10, "m"), ("约十五米", 15, "m"), ("十五米左右", 15, "m"), ("大约百分之六十", 60, "%"),
])
def test_approximations_stay_approximate(text, value, unit):
    assert [(n.value, n.unit, n.approximate) for n in find_numbers(text)] == [(value, unit, True)]


@pytest.mark.parametrize("text, op", [
    ("超过百分之一点五", ">"), ("百分之三十以上", ">="), ("不足二十米", "<"), ("达到一点五%", "="), ("低于十米", "<"),
])
def test_a_comparison_word_is_kept(text, op):
    assert [n.op for n in find_numbers(text)] == [op]


@pytest.mark.parametrize("text", [
    "三五米", "七八个", "十七八米", "几十米", "数百米", "好几十米",  # ranges and vague amounts: no number
    "十分严重", "万分危险", "一方面", "另一方面", "三分之一", "第三方", "第3条", "第二层",  # words, not measurements
    "一是", "统一", "千方百计", "万一", "5.1.3条",
])
def test_words_that_are_not_measurements(text):
    assert find_numbers(text) == [], find_numbers(text)


def test_spans_are_those_of_the_text():
    text = "回风巷瓦斯浓度超过百分之一点五，压力二十五千帕"
    for n in find_numbers(text):
        assert text[n.start:n.end] == n.text
    assert [n.text for n in find_numbers(text)] == ["超过百分之一点五", "二十五千帕"]


# ---- in words as in digits, over the labelled sentences ---------------------------------------------

_NUM = re.compile(r"(?<![0-9A-Za-z.．Δ\-])(?<![A-Za-z] )([0-9]+(?:\.[0-9]+)?)(?=%|[^0-9.号级\-A-Za-z]|$)")


def _in_words(text: str) -> str:
    """The sentence with its digit numbers written in Chinese (cn2an's writing, an independent oracle):
    1.2% -> 百分之一点二, 15米 -> 十五米; digits in names (2号机组, GB 50016, 1级) stay."""
    import cn2an

    out = _NUM.sub(lambda m: cn2an.an2cn(m.group(1), "low"), text)
    return re.sub(r"([零一二两三四五六七八九十百千万点]+)%", r"百分之\1", out)


def _sentences():
    import text_accuracy
    for path in sorted(text_accuracy.DATA.glob("*.yaml")):
        data = text_accuracy.load(path)
        for case in data["cases"]:
            words = _in_words(case["text"])
            if words != case["text"]:
                yield pytest.param(data, case, words, id=f"{path.stem}:{case['text'][:24]}")


@pytest.mark.parametrize("data, case, words", list(_sentences()))
def test_a_number_in_words_gives_the_facts_of_the_digits(data, case, words):
    import text_accuracy
    as_of = dt.date.fromisoformat(str(data["as_of"])) if data.get("as_of") else None
    digits = text_accuracy.run_case(case, data["sector"], as_of, data.get("context"))
    in_words = text_accuracy.run_case({**case, "text": words}, data["sector"], as_of, data.get("context"))
    assert (in_words["got"], in_words["verdict"]) == (digits["got"], digits["verdict"]), words
