"""Numbers with units in Chinese text: 1.2%, 百分之一点二, 20米, 72小时, 3kW·h, 0.74MPa, 一级/1级, 约60%.

Chinese numerals are converted by `cn2an` (never by hand); each number keeps its character span,
the comparison word before it (超过/大于/低于… → op) and whether it is approximate (约/左右…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


from engine.text import lexicon

_DIGITS = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_CN = r"[零〇一二两三四五六七八九十百千万]+(?:点[零〇一二三四五六七八九]+)?"
_COMPARE_RE = "|".join(re.escape(w) for w in sorted(lexicon.COMPARE, key=len, reverse=True))
_APPROX_RE = "|".join(re.escape(w) for w in sorted(lexicon.APPROX, key=len, reverse=True))


@lru_cache(maxsize=1)
def number_re() -> re.Pattern:
    """The number pattern. Unit spellings: the reader's own (lexicon.UNITS) and every spelling of the
    shared input words (knowledge/words.yaml `units`: 千伏, 兆瓦, 微升/升 …), longest first, letters in
    any case (MW, mw); the same words structured input accepts."""
    from engine import words as input_words

    spellings = {u for u in lexicon.UNITS if u != "百分之"}
    for unit, table in input_words.load().units.items():
        spellings.add(unit)
        spellings.update(table)
    unit_re = "|".join(re.escape(u) for u in sorted(spellings, key=len, reverse=True))
    return re.compile(
        rf"(?P<cmp>{_COMPARE_RE})?\s*(?P<approx>约|大约|大概|近|接近)?\s*"
        rf"(?:(?P<pct>百分之)(?P<pnum>{_DIGITS}|{_CN})|(?P<num>{_DIGITS}|{_CN})\s*(?P<unit>{unit_re})?)"
        rf"(?P<tail>\s*(?:左右|上下|多|余))?(?P<after>以上|以下)?", re.IGNORECASE)
_APPROX_BEFORE = re.compile("约|大约|大概|接近|将近")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


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


def _cn2an():
    """cn2an, imported when a text first has a number to convert (its import builds its patterns: ~1 s)."""
    import cn2an
    return cn2an


@lru_cache(maxsize=4096)
def to_float(text: str) -> float | None:
    """'1.2', '１．２', '一点二', '七十二', '两' -> float; None if not a number."""
    text = text.translate(_FULLWIDTH)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return float(_cn2an().cn2an(text, "smart"))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def find_numbers(text: str) -> list[Number]:
    """Every number in `text` that carries a unit (or 百分之), or a digit string; with spans."""
    out: list[Number] = []
    for m in number_re().finditer(text):
        raw = m.group("pnum") or m.group("num")
        written = "%" if m.group("pct") else m.group("unit")
        unit = "%" if m.group("pct") else (lexicon.UNITS.get(written, written) if written else None)
        is_cn = not re.match(r"[0-9０-９]", raw)
        if is_cn and unit is None:
            continue  # a bare Chinese numeral ("一是", "统一") is not a measurement
        if is_cn and len(raw) == 1 and raw in "万千百":
            continue
        value = to_float(raw)
        if value is None:
            continue
        op = lexicon.COMPARE.get(m.group("cmp") or "", "=")
        if m.group("after"):
            op = lexicon.COMPARE[m.group("after")]
        approx = bool(m.group("approx") or (m.group("tail") or "").strip()
                      or _APPROX_BEFORE.search(text[max(0, m.start() - 3):m.start()]))
        start = m.start("cmp") if m.group("cmp") else (m.start("approx") if m.group("approx") else m.start("pct") if m.group("pct") else m.start("num"))
        out.append(Number(value=value, unit=unit, start=start, end=m.end(), text=text[start:m.end()],
                          op=op, approximate=approx, written=written))
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


def level_words(text: str) -> str:
    """'1级' -> '一级' (same length, so character offsets stay valid) for matching enum values."""
    return re.sub(r"(?<![0-9.])([1-9])(?=级)", lambda m: _cn2an().an2cn(m.group(1)), text)
