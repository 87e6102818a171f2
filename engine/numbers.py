"""Read a number as an inspector writes it, exactly, in the unit of its fact.

Accepted: `1.2`, `1.2%`, `１．２％` (full-width), `15分钟`, `3kWh`, `百分之一点二`, `十五分钟`,
`0.012` where the fact takes a bare number. Unit spellings and their exact factors are data
(knowledge/words.yaml `units`, `prefix_units`); Chinese numerals are read by engine.text.numbers.numeral
(the same reading as free text: exact, and a form that would have to be guessed, such as 三五 or 十七八, is refused).

Exactness: the value is computed as a fraction from the written decimal and the unit factor and
must survive the trip to a float unchanged (the engine compares floats; see
engine.compiler.to_network for the network side). Otherwise the input is refused
(`too_precise`), so no rounding can ever flip a comparison such as 99.9999999 < 100.
`1_000`, `inf`, `nan`, `0x10` and the like are not numbers here.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from engine.errors import HazardError
from engine.model import Fact
from engine.normalize import key, text as normal_text
from engine.words import Words

_ARABIC = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(.*)$")
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿点负"
_CN = re.compile(rf"^([{_CN_DIGITS}]+)(.*)$")


def _shown(raw: Any) -> str:
    """The input, short, for an error message (a huge int cannot even be printed in full)."""
    if isinstance(raw, int) and not isinstance(raw, bool) and raw.bit_length() > 200:
        return f"{raw.bit_length()} 位二进制的整数"
    text = raw if isinstance(raw, str) else repr(raw)
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def _unit_hint(fact: Fact, words: Words) -> str:
    if not fact.unit:
        return ""
    return "（单位：" + fact.unit + "；可写作：" + "、".join(words.unit_spellings(fact.unit)) + "）"


def _bad(fact: Fact, raw: Any, field: str, words: Words, why: str = "须为数值") -> HazardError:
    return HazardError("bad_value", f"“{fact.label}”{why}{_unit_hint(fact, words)}（收到：{_shown(raw)}）", field)


def _exact_float(value: Fraction, fact: Fact, raw: Any, field: str) -> float:
    """The float equal to `value`, or an error: never a rounded stand-in."""
    try:
        as_float = float(value)
    except OverflowError:
        as_float = math.inf
    if math.isinf(as_float):
        raise HazardError("out_of_range", f"“{fact.label}”数值过大（收到：{_shown(raw)}）", field)
    if Fraction(Decimal(repr(as_float))) != value:
        raise HazardError(
            "too_precise",
            f"“{fact.label}”的取值超出可精确比较的精度（有效数字过多，或换算单位后不是有限小数）；"
            f"请按实测精度填写，或改用“{fact.unit or ''}”为单位（收到：{_shown(raw)}）", field)
    return as_float


def _fraction(number: Decimal, fact: Fact, raw: Any, field: str) -> Fraction:
    """The exact value of a finite decimal of sane magnitude (a guard before Fraction() builds
    huge integers from inputs such as 1e999999999)."""
    if not number.is_finite():
        raise HazardError("bad_value", f"“{fact.label}”须为有限数值（收到：{_shown(raw)}）", field)
    if number and not -330 < number.adjusted() < 310:
        raise HazardError("out_of_range", f"“{fact.label}”数值超出可表示的范围（收到：{_shown(raw)}）", field)
    if len(number.as_tuple().digits) > 40:
        raise HazardError("too_precise", f"“{fact.label}”的有效数字过多，请按实测精度填写（收到：{_shown(raw)}）", field)
    return Fraction(number)


def _split(fact: Fact, text: str, words: Words, raw: Any, field: str) -> tuple[Fraction, str] | None:
    """(number, unit as written) or None when `text` is not a number followed by a unit word."""
    match = _ARABIC.match(text)
    if match:
        try:
            number = Decimal(match.group(1))
        except InvalidOperation:
            return None
        return _fraction(number, fact, raw, field), match.group(2).strip()
    match = _CN.match(text)
    if not match:
        return None
    from engine.text.numbers import numeral as read_numeral  # the reader free text uses too: one reading

    numeral, rest = match.group(1), match.group(2)
    if len(numeral) > 30 or len(numeral.partition("点")[2]) > 12:
        raise HazardError("too_precise", f"“{fact.label}”的有效数字过多，请按实测精度填写（收到：{_shown(raw)}）", field)
    # unit words may begin with a numeral character (千瓦时, 千米): try the longest numeral whose
    # remainder is a known unit word, then the whole run as a bare numeral
    for cut in range(len(numeral), 0, -1):
        head, unit = numeral[:cut], numeral[cut:] + rest
        if unit.strip() and (not fact.unit or words.unit_factor(fact.unit, unit.strip()) is None):
            continue
        value = read_numeral(head)  # exact; None for a form that would have to be guessed (三五, 两十)
        if value is None:
            continue
        return _fraction(value, fact, raw, field), unit.strip()
    return None


def parse_number(fact: Fact, raw: Any, field: str, words: Words) -> float:
    """One number for a number fact, in the fact's unit, exact (see the module doc).

    Errors (HazardError): bad_value (not a number, unknown unit, bare number where the fact
    requires the unit), too_precise (cannot be compared exactly), out_of_range (min/max, huge).
    """
    if isinstance(raw, bool):
        raise _bad(fact, raw, field, words)
    if isinstance(raw, float):
        if math.isnan(raw) or math.isinf(raw):
            raise _bad(fact, raw, field, words, "须为有限数值")
        number, unit_written = Fraction(Decimal(repr(raw))), ""
    elif isinstance(raw, int):
        if raw.bit_length() > 1100:  # far beyond any float: no need to build the fraction
            raise HazardError("out_of_range", f"“{fact.label}”数值超出可表示的范围（收到：{_shown(raw)}）", field)
        number, unit_written = Fraction(raw), ""
    elif isinstance(raw, Decimal):  # e.g. JSON read with parse_float=Decimal: the digits as written
        number, unit_written = _fraction(raw, fact, raw, field), ""
    elif isinstance(raw, str):
        text = normal_text(raw).replace(" ", "")
        if text.startswith("±") and fact.unit in words.signed_magnitude_units:
            text = text[1:]  # ±800kV: both poles at 800 kV
        prefix_unit = None
        for prefix, unit in words.prefix_units.items():
            if text.startswith(prefix):
                text, prefix_unit = text[len(prefix):], unit
                break
        parts = _split(fact, text, words, raw, field)
        if parts is None:
            raise _bad(fact, raw, field, words)
        number, unit_written = parts
        if unit_written and (unit_written[0].isdigit() or unit_written[0] in "_.,，+-eE"):
            raise _bad(fact, raw, field, words)  # e.g. 1_000, 1,000, 1.2.3: not a number as written
        if prefix_unit is not None:
            if unit_written:
                raise _bad(fact, raw, field, words, "的单位写了两次")
            unit_written = prefix_unit
    else:
        raise _bad(fact, raw, field, words)
    if unit_written:
        factor = words.unit_factor(fact.unit, unit_written) if fact.unit else None
        if factor is None:
            raise _bad(fact, raw, field, words, f"的单位“{unit_written}”无法识别")
        number *= factor
    elif fact.unit_required_up_to is not None and 0 < abs(number) <= Fraction(Decimal(repr(fact.unit_required_up_to))):
        shown = format_number(float(number))
        raise HazardError(
            "unit_required",
            f"“{fact.label}”请写明单位：不带单位的 {shown} 可能是比值（即 {format_number(float(number * 100))}%），"
            f"也可能是 {shown}{fact.unit}，不能确定；请写作如 {shown}{fact.unit}（收到：{_shown(raw)}）", field)
    value = _exact_float(number, fact, raw, field)
    if (fact.min is not None and value < fact.min) or (fact.max is not None and value > fact.max):
        bounds = f"{fact.min if fact.min is not None else '-∞'} ～ {fact.max if fact.max is not None else '+∞'}"
        raise HazardError("out_of_range", f"“{fact.label}”超出合理范围 {bounds}{fact.unit or ''}（收到：{_shown(raw)}）", field)
    return value


def format_number(value: float | int, unit: str | None = None) -> str:
    """A number as written back to users: shortest exact form, no exponent, no trailing .0."""
    if isinstance(value, float):
        text = format(Decimal(repr(value)).normalize(), "f") if math.isfinite(value) else repr(value)
    else:
        text = str(value)
    return text + (unit or "")
