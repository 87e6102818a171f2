"""Numbers with units in Chinese text: 1.2%, 百分之一点二, 千分之十二, 20米, 二十五千帕, 1.5万吨, 72小时,
3kW·h, 0.74MPa, 一级/1级, 约60%, 十余米.

Chinese numerals are read by `numeral()` below, a small strict reader of the standard forms
(零〇一二两三四五六七八九, 十百千, 万亿, 点 decimals, 1.5万) that refuses what it would have to guess:
two digits side by side (三五米, 七八个, 十七八: an approximate range, not one number), misplaced places
(二十五千, 两十), 一点 (a little) and the like. Each number found keeps its character span, its unit as
written, the comparison word before it (超过/大于/低于… → op) and whether it is approximate
(约/左右, 余/多/来/几 as in 十余米, 二十多人: the number is then only proposed, never asserted).

A numeral run may end in a character that begins its unit (二十五|千帕, 三|千瓦时, 十|万千瓦): every cut
of the run before a unit word (knowledge/words.yaml `units`, lexicon.UNITS) is tried; when two cuts
both read (三千|帕 and 三|千帕) they must be the same quantity, else nothing is read. Values are exact:
a number written in words gives the same float as the same number in digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from engine.text import lexicon

_DIGITS = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_CN_CHARS = "零〇一二两三四五六七八九十百千万亿"
_RUN = rf"(?:{_DIGITS}[万亿]{{0,2}}|[{_CN_CHARS}]+(?:点[零〇一二三四五六七八九]+[万亿]{{0,2}})?)"
_COMPARE_RE = "|".join(re.escape(w) for w in sorted(lexicon.COMPARE, key=len, reverse=True))
_ARABIC = frozenset("0123456789０１２３４５６７８９")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")

# ---- the numeral reader ---------------------------------------------------------------------------
_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PLACE = {"十": 10, "百": 100, "千": 1000}
_MAX_LEN = 30  # longer runs are not measurements


def _section(text: str) -> int | None:
    """A numeral below 10 000 (一千零五, 三百二十, 十五, 三千五 = 3500, 二〇二六), or None."""
    if not text:
        return None
    if len(text) >= 3 and all(c in _DIGIT and c != "两" for c in text):
        return int("".join(str(_DIGIT[c]) for c in text))  # 二〇二六: digit by digit
    value, pending, last, after_zero, skipped = 0, None, 10 ** 4, False, False
    for i, c in enumerate(text):
        if c in ("零", "〇"):
            if i == 0 or after_zero or pending is not None or last == 10 ** 4:
                return None  # 零五, 一零零, 二〇 (two digits side by side)
            after_zero = skipped = True
        elif c in _DIGIT:
            if pending is not None:
                return None  # two digits side by side: 三五, 十七八 (a range)
            pending, after_zero = _DIGIT[c], False
        elif c in _PLACE:
            place = _PLACE[c]
            if after_zero or place >= last:
                return None  # 一百零十, 二十五千
            if pending is None:
                if c != "十" or i != 0:
                    return None  # 百 alone, 一百十
                pending = 1
            if c == "十" and text[i - 1:i] == "两":
                return None  # 两十 is not written
            value += pending * place
            pending, last, skipped = None, place, False
        else:
            return None
    if after_zero:
        return None  # 一百零
    if pending is not None:
        if text[-1] == "两" and len(text) > 1:
            return None  # 一百两
        value += pending * last // 10 if 10 < last < 10 ** 4 and not skipped else pending  # 三千五 = 3500
    return value


def _integer(text: str) -> int | None:
    """A whole numeral with 万/亿 (一万二千, 三千万, 一亿零五百万, 一万五 = 15000), or None."""
    for big, size in (("亿", 10 ** 8), ("万", 10 ** 4)):
        if big not in text:
            continue
        head, _, rest = text.partition(big)
        if big in rest or not head:
            return None
        high = _integer(head) if big == "亿" else _section(head)
        if high is None:
            return None
        if not rest:
            return high * size
        if rest[0] in ("零", "〇"):
            low = _integer(rest[1:]) if len(rest) > 1 else None
            if low is None or low >= size // 10:
                return None  # 一万零五千: the 零 says a place is skipped
        elif len(rest) == 1 and rest in _DIGIT and rest != "两":
            low = _DIGIT[rest] * size // 10  # 一万五 = 15000
        else:
            low = _integer(rest)
            if low is None or not size // 10 <= low < size:
                return None  # 一万五十: written 一万零五十
        return high * size + low
    return _section(text)


_SCALE = {"": 1, "万": 10 ** 4, "亿": 10 ** 8, "万亿": 10 ** 12}


@lru_cache(maxsize=4096)
def numeral(text: str) -> Decimal | None:
    """The exact value of a number as written: digits ('1.5', '１．５'), a Chinese numeral ('一百二十',
    '零点八', '两', '三千五'), or either followed by 万/亿 ('1.5万', '一点五万'); None when it is not
    one number or would have to be guessed ('三五', '十七八', '二十五千', '一点', '两十', '万')."""
    text = text.translate(_FULLWIDTH)
    if not text or len(text) > _MAX_LEN:
        return None
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(万亿|万|亿)?", text)
    if m:
        return Decimal(m.group(1)) * _SCALE[m.group(2) or ""]
    if text in ("零", "〇"):
        return Decimal(0)
    head, dot, tail = text.partition("点")
    if not dot:
        whole = _integer(text)
        return None if whole is None else Decimal(whole)
    m = re.fullmatch(r"([零〇一二三四五六七八九]+)(万亿|万|亿)?", tail)
    if not m or not head or (m.group(2) and any(c in head for c in "万亿")):
        return None  # 一点, 点五, 一万点五万
    whole = 0 if head in ("零", "〇") else _integer(head)
    if whole is None:
        return None
    fraction = Decimal("0." + "".join(str(_DIGIT[c]) for c in m.group(1)))
    return (whole + fraction) * _SCALE[m.group(2) or ""]


def to_float(text: str) -> float | None:
    """'1.2', '１．２', '一点二', '七十二', '两', '1.5万' -> float; None if not one number."""
    value = numeral(text)
    return None if value is None else float(value)


# ---- numbers in a text ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Number:
    value: float
    unit: str | None  # canonical (lexicon.UNITS values, else as written), None when no unit was written
    start: int
    end: int
    text: str
    op: str = "="  # how the written number relates to the real one: = > >= < <=
    approximate: bool = False
    written: str | None = None  # the unit as written (分: points or minutes, decided by the fact's unit)
    # other readings of the same words, of the same quantity ((3000, 米) and (3, 千米) for 三千米): a
    # fact whose unit takes one and not the other is given the one it takes
    also: tuple[tuple[float, str | None, str | None], ...] = ()

    def to_unit(self, wanted: str | None) -> float | None:
        """The number in the fact's unit `wanted` (see `convert`), by the first reading that converts."""
        for value, unit, written in ((self.value, self.unit, self.written), *self.also):
            got = convert(value, unit, wanted, written)
            if got is not None:
                return got
        return None


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern, dict[str, str], frozenset[str]]:
    """(number run with what may precede it, unit word, prefix units, the numeral characters a unit
    word may begin with: 千 of 千帕, 万 of 万千瓦, 百 of 百分比). Unit spellings: the reader's own
    (lexicon.UNITS) and every spelling of the shared input words (knowledge/words.yaml `units`: 千伏,
    兆瓦, 微升/升 …), longest first, letters in any case (MW, mw); the same words structured input
    accepts. Prefix units (百分之, 千分之) from words.yaml `prefix_units`."""
    from engine import words as input_words

    words = input_words.load()
    prefixes = dict(words.prefix_units) or {"百分之": "%"}
    spellings = {u for u in lexicon.UNITS if u not in prefixes}
    for unit, table in words.units.items():
        spellings.add(unit)
        spellings.update(table)
    unit_re = "|".join(re.escape(u) for u in sorted(spellings, key=len, reverse=True))
    prefix_re = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    start = re.compile(rf"(?P<cmp>{_COMPARE_RE})?\s*(?P<approx>约|大约|大概|近|接近)?\s*"
                       rf"(?P<prefix>{prefix_re})?(?P<run>{_RUN})")
    firsts = frozenset(c for u in spellings for c in (u[0], u[0].lower(), u[0].upper()) if c in _CN_CHARS)
    return start, re.compile(rf"\s*(?:{unit_re})", re.IGNORECASE), prefixes, firsts


def number_re() -> re.Pattern:
    """Where a number may begin (see `_patterns`)."""
    return _patterns()[0]


_ABBREVIATED = re.compile(r"[百千万亿][一二三四五六七八九]$")  # 三千五 = 3500, 一万二 = 12000
_MID_APPROX = re.compile(r"余|多|来|几")  # 十余米, 二十多人, 十来米, 十几米: more than the number says
_DOTTED = re.compile(r"[.．][0-9０-９]")
_TAIL = re.compile(r"\s*(?:左右|上下|多|余)")
_AFTER = re.compile(r"以上|以下")
_APPROX_BEFORE = re.compile("约|大约|大概|接近|将近")
# …约为规定值的70%: the approximation is said of the number a few words before it, in its clause
_APPROX_IN_CLAUSE = re.compile("(?:约为|约占|约是|约合|约有|大约|大概|估计)[^，,。；;：:\n]*$")
# A unit character that is the first of another word after a numeral: 一方面, 三方面, 一分为二,
# 三分之一 (a fraction: not read), 十分严重 / 万分 (an adverb).
_NOT_UNIT = {"方": re.compile(r"方(?:面|式|法|案|向|位|针|便)"),
             "分": re.compile(r"分(?:之|别|析|类|管|为|布|散|局|公司|配|解|开|批|享|担)")}


def _unit_at(text: str, pos: int) -> str | None:
    m = _patterns()[1].match(text, pos)
    if not m:
        return None
    unit = m.group(0).strip()
    guard = _NOT_UNIT.get(unit)
    if guard and guard.match(text, pos + len(m.group(0)) - len(unit)):
        return None
    return unit


def _quantity(value: Decimal, written: str) -> dict[str, Fraction]:
    """The value expressed in every vocabulary unit its spelling converts to exactly."""
    from engine import words as input_words

    words = input_words.load()
    out = {}
    for unit in words.units:
        factor = words.unit_factor(unit, written)
        if factor is not None:
            out[unit] = Fraction(value) * factor
    return out


def _same(a: tuple[Decimal, str], b: tuple[Decimal, str]) -> bool:
    """Whether two readings of one written number (三千|帕, 三|千帕) are the same quantity."""
    qa, qb = _quantity(*a), _quantity(*b)
    common = set(qa) & set(qb)
    return bool(common) and all(qa[u] == qb[u] for u in common)


def _reading(text: str, m: re.Match, prefix_unit: str | None):
    """(value, unit written, end, approximate in the middle, other readings of the same quantity) of the
    number begun by match `m`, or None."""
    run, rs = m.group("run"), m.start("run")
    cn = run[0] not in _ARABIC
    firsts = _patterns()[3]
    readings = []
    for k in range(len(run), 0, -1):
        head, leftover = run[:k], run[k:]
        if leftover and leftover[0] not in firsts:
            continue  # no unit word begins there: no cut
        if leftover and _ABBREVIATED.search(head):
            continue  # 一万二|千帕: 一万二 stands for 一万二千 only when nothing follows
        value = numeral(head)
        if value is None:
            continue
        pos, mid = rs + k, False
        if prefix_unit is not None:
            if leftover:
                continue
            readings.append((value, prefix_unit, pos, False))
            break
        unit = _unit_at(text, pos)
        if unit is None and not leftover:
            mm = _MID_APPROX.match(text, pos)
            if mm and _unit_at(text, mm.end()):
                mid, unit = True, _unit_at(text, mm.end())
                pos = mm.end()
        if unit is None:
            if leftover:
                continue
            readings.append((value, None, pos, False))
            continue
        if len(unit) < len(leftover) or not text.startswith(leftover, pos):
            continue
        if cn and unit == "分" and head in ("十", "万"):
            continue  # 十分严重, 万分: an adverb
        end = _patterns()[1].match(text, pos).end()
        readings.append((value, unit, end, mid))
    with_unit = [r for r in readings if r[1] is not None]
    if with_unit:
        # the readings that take the most of the text (1.5万kWh is 1.5万 kWh, not 1.5 万kW + h); of
        # those, the longest numeral (三千米 as 三千 米, as 3000米 is read), if all are one quantity
        furthest = max(r[2] for r in with_unit)
        with_unit = [r for r in with_unit if r[2] == furthest]
        if any(not _same((r[0], r[1]), (with_unit[0][0], with_unit[0][1])) for r in with_unit[1:]):
            return None  # two readings of different quantities: not guessed
        return (*with_unit[0], tuple((r[0], r[1]) for r in with_unit[1:]))
    full = [r for r in readings if r[2] == rs + len(run)]
    return (*full[0], ()) if full else None


def _BARE_OK(text: str, m: re.Match, end: int) -> bool:  # noqa: N802
    """Whether a Chinese numeral without a unit is a number all the same: a quantity without a unit (相对
    密度为零点七五的…) written with a decimal point, or after a comparison word and ending the phrase (倍数为三。);
    not 一是, 统一, 万一, 为一体."""
    if "点" in m.group("run"):
        return True
    return bool(m.group("cmp")) and (end == len(text) or text[end] in "，,。；;、的 \n")


def find_numbers(text: str) -> list[Number]:
    """Every number in `text` that carries a unit (or 百分之/千分之), or a digit string; with spans."""
    start_re, _unit_re, prefixes, _firsts = _patterns()
    out: list[Number] = []
    pos = 0
    while True:
        m = start_re.search(text, pos)
        if not m:
            break
        pos = m.end()
        rs = m.start("prefix") if m.group("prefix") else m.start("run")
        before = text[rs - 1:rs]
        run = m.group("run")
        if before == "第":
            continue  # an ordinal (第三方, 第3条), not a quantity
        if before in ("几", "数") and run[0] in "十百千万亿":
            continue  # 几十米, 数百米: no number is stated
        if text[max(0, rs - 2):rs] == "分之" or before in (".", "．"):
            continue  # the second half of 三分之一; digits after a point (5.1.3)
        prefix_unit = prefixes.get(m.group("prefix")) if m.group("prefix") else None
        got = _reading(text, m, prefix_unit)
        if got is None:
            continue
        value, written, end, mid, others = got
        if prefix_unit is None and _DOTTED.match(text, end):
            continue  # a section number (5.1.3), not a quantity
        cn = run[0] not in _ARABIC
        if cn and written is None and not _BARE_OK(text, m, end):
            continue  # a bare Chinese numeral ("一是", "统一") is not a measurement
        tail = _TAIL.match(text, end)
        if tail:
            end = tail.end()
        after = _AFTER.match(text, end)
        if after:
            end = after.end()
        pos = max(pos, end)
        unit = written if prefix_unit else (lexicon.UNITS.get(written, written) if written else None)
        op = lexicon.COMPARE.get(m.group("cmp") or "", "=")
        if after:
            op = lexicon.COMPARE[after.group(0)]
        begin = m.start("cmp") if m.group("cmp") else (m.start("approx") if m.group("approx") else rs)
        approx = bool(m.group("approx") or mid or tail
                      or _APPROX_BEFORE.search(text, max(0, m.start() - 3), m.start())
                      or _APPROX_IN_CLAUSE.search(text, max(0, begin - 10), begin))
        also = tuple((float(v), lexicon.UNITS.get(w, w), w) for v, w in others)
        out.append(Number(value=float(value), unit=unit, start=begin, end=end, text=text[begin:end],
                          op=op, approximate=approx, written=written, also=also))
    return out


def convert(value: float, unit: str | None, wanted: str | None, written: str | None = None) -> float | None:
    """`value` in `unit` (written as `written`) expressed in the vocabulary's unit `wanted`; None if not
    convertible. The shared input words' exact factors (knowledge/words.yaml) are tried first, then
    the reader's own conversions (lexicon.CONVERT)."""
    if wanted:
        from engine import words as input_words

        words = input_words.load()
        for spelling in dict.fromkeys(x for x in (written, unit) if x):
            factor = words.unit_factor(wanted, spelling)
            if factor is not None:
                return value * float(factor)
    wanted = lexicon.UNIT_ALIASES.get(wanted or "", wanted)
    unit = lexicon.UNIT_ALIASES.get(unit or "", unit)
    if wanted is None or unit is None or unit == wanted:
        return value
    factor = lexicon.CONVERT.get((unit, wanted))
    return None if factor is None else value * factor


_LEVEL = dict(zip("123456789", "一二三四五六七八九"))


def level_words(text: str) -> str:
    """'1级' -> '一级' (same length, so character offsets stay valid) for matching enum values."""
    return re.sub(r"(?<![0-9.])([1-9])(?=级)", lambda m: _LEVEL[m.group(1)], text)
