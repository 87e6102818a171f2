"""Assemble facts from the words, numbers and cues the components found: spans, value, confidence.

For each finding and each sentence in it, a pattern matches when its words occur in order with
small gaps. The negations in its scope (cues before the first word, between its words, or right
after its last word; never across a sentence end) are counted: when their parity differs from the
phrase's own, a yes/no value is flipped (double negatives cancel); an enum or number is dropped.
Confidence falls with gaps, hedges (疑似/可能), approximate numbers and corrected conditions
(已整改): below CONFIRM a fact is only *proposed* (asked as "是否属实：…"), never judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.text import lexicon
from engine.text import numbers as num

CLAUSE_CUES = frozenset(lexicon.CLAUSE_NEGATION)
CONFIRM = 0.7  # a fact below this confidence is proposed, not asserted
MAX_GAP = 8  # characters allowed between two words of one pattern
LOOKBACK = 6  # characters before the first word where a negation still applies
_SCOPE_END = re.compile(lexicon.NEGATION_SCOPE_END)
LOOKAHEAD = 6  # characters after the last word where a post-negation ("失效") still applies
HARD = "。；;！!？?\n"
SOFT = "，,、：:"
NUMBER_WINDOW = 24
CONNECT = "，, 已均都也被但是并且而现目前仍"
FILLER = "已均都也被但是并且而仍尚的了之其该所有"


@dataclass
class Extracted:
    fact: str
    value: Any  # typed as the judge expects it as a string/number ("是"/"否", enum value, float) or None
    start: int
    end: int
    text: str
    words: list[str]
    phrase: str
    source: str
    confidence: float
    finding: int  # index of the finding in the record
    notes: list[str] = field(default_factory=list)
    number: dict | None = None
    corrected: bool = False
    candidates: tuple = ()  # the values the words may name, when several ("宿舍")

    @property
    def confirmed(self) -> bool:
        return self.confidence >= CONFIRM and self.value is not None


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, s = [], start
    for i in range(start, end):
        if text[i] in HARD:
            if i > s:
                out.append((s, i))
            s = i + 1
    if end > s:
        out.append((s, end))
    return out


def _chain(words, hits, lo, hi):
    """Earliest in-order occurrence of `words` within [lo, hi); gaps <= MAX_GAP. -> list of spans."""
    def walk(i, after):
        for s, e in hits.get(words[i], ()):
            if s < after or e > hi or s < lo:
                continue
            if i > 0 and s - after > MAX_GAP:
                break
            if i + 1 == len(words):
                return [(s, e)]
            rest = walk(i + 1, e)
            if rest:
                return [(s, e)] + rest
        return None
    return walk(0, lo)


def _count_negations(cues, text, spans, lo, hi, trailing=False, others=(), name=False, lead=()):
    """Negation cues in the scope of a match spanning `spans` within sentence [lo, hi): a pre-cue
    (未/没有/无/不…) before the first word (back to a comma, at most LOOKBACK characters) or between
    the words; a post-cue (失效/损坏/停用…) between the words or right after the last one (at most
    LOOKAHEAD characters, with only connecting words between: "报警器已损坏", "…，但已拆除"); a post-cue
    before the first word where the phrase itself writes it there (`lead`: "不符合GA 703")."""
    first, last = spans[0][0], spans[-1][1]
    b = first
    while b > lo and first - b < LOOKBACK and text[b - 1] not in SOFT:
        b -= 1
    count, used = 0, []
    for kind, word, s, e in cues:
        if kind == "clause" and lo <= s and ((e <= first and not any(c in SOFT for c in text[e:first]))
                                             or (b <= s < last and not any(ps <= s < pe for ps, pe in spans))):
            count += 1
            used.append(word)
            continue
        if kind not in ("pre", "post") or s < lo or s >= hi:
            continue
        if any(ps <= s and e <= pe for ps, pe in spans) or any(ps <= s and e <= pe and pe - ps > e - s
                                                               for ps, pe in others):
            continue  # part of a matched word, or of another vocabulary word ("非煤矿山")
        if kind == "post" and name:
            continue  # a name (an enum value: 石灰石矿) is not negated by what follows it ("…关闭")
        if any(s < ps < e for ps, _pe in spans):
            ok = True  # the cue runs into a matched word ("不符合" + 符合…)
        elif kind == "pre" or (word in lead and e <= first):
            ok = (b <= s and s < last) or (trailing and last <= s <= last + 1)
            if ok and e <= first and _SCOPE_END.search(text[e:first]):
                ok = False  # "未经验收即投入使用": the negation ended before the words
        else:
            between = text[last:s]
            ok = (first < s and s < last) or (s >= last and s - last <= LOOKAHEAD and between.strip(CONNECT) == "")
            if ok and s >= last and any(c in SOFT for c in between):
                # after a comma a cue says something of the subject only when it ends its clause
                # ("…报警器，已拆除"), not when it governs what follows ("…，不符合GA 703")
                rest = text[e:hi]
                cut = min([rest.find(c) for c in SOFT if c in rest] or [len(rest)])
                ok = rest[:cut].strip(FILLER + "。") == ""
        if ok:
            count += 1
            used.append(word)
    return count, used


def _same_class(word: str, cues) -> bool:
    return word in cues or any(word in c and any(q in c for q in cues) for c in lexicon.CUE_CLASSES)


def _flip(value: str) -> str | None:
    return {"true": "false", "false": "true"}.get(value)


def _typed(fact, value: str):
    if fact.type == "bool":
        return "是" if value == "true" else "否"
    return value


def assemble(doc, patterns, sector, terms) -> list[Extracted]:
    """The facts of a Doc processed by the earlier components (see module docstring); `terms` are the
    sector's words found in it (engine.text.components.sector_terms)."""
    if not terms:
        return []  # none of the sector's words: nothing to read (most sectors, when every sector is read)
    text = doc.user_data.get("text") or doc.text
    cues = doc.user_data.get("cues", [])
    found: list[Extracted] = []
    terms = sorted(terms, key=lambda t: t[1])
    for fi, (fs, fe) in enumerate(doc.user_data.get("findings", [])):
        corrected_at = [s for k, _w, s, _e in cues if k == "corrected" and fs <= s < fe]
        for lo, hi in _sentences(text, fs, fe):
            hits: dict[str, list[tuple[int, int]]] = {}
            glued = set()
            for word, s, e, part in terms:
                if lo <= s and e <= hi:
                    hits.setdefault(word, []).append((s, e))
                    if part:
                        glued.add((s, e))
            if not hits:
                continue
            present = list(hits)
            all_spans = [sp for spans_ in hits.values() for sp in spans_]
            hedged = [w for k, w, s, _e in cues if k == "hedge" and lo <= s < hi]
            best: dict[str, Extracted] = {}
            for word in present:
                for p in patterns.by_first.get(word, ()):
                    spans = _chain(p.words, hits, lo, hi)
                    if not spans:
                        continue
                    fact = sector.facts[p.fact]
                    negs, used = _count_negations(cues, text, spans, lo, hi, p.trailing, all_spans,
                                                  fact.type == "enum", p.lead)
                    value = p.value
                    notes = []
                    if len(p.words) == 1 and p.cues and any(not _same_class(w, p.cues) for w in used
                                                            if w not in CLAUSE_CUES):
                        # the phrase's predicate is its negation ("防护屏障缺失"): another negation
                        # ("防护屏障不符合要求") says something else
                        continue
                    if (negs - p.negations) % 2:
                        value = _flip(value) if fact.type == "bool" else None
                        if value is None:
                            continue
                    gap = sum(1 for i in range(len(spans) - 1) for c in range(spans[i][1], spans[i + 1][0])
                              if text[c] not in FILLER and not any(cs <= c < ce for _k, _w, cs, ce in cues))
                    # words between the phrase's words that are neither negations nor fillers: another
                    # thing may be meant ("矿井总回风巷风量不足" is not 矿井风量不足)
                    conf = 0.95 if gap == 0 else 0.85 if gap <= 2 else 0.6
                    if any(sp in glued for sp in spans):
                        conf -= 0.05
                    if p.source == "label" and fact.type != "enum":
                        conf -= 0.05
                    if p.reordered:
                        conf -= 0.1
                    if negs != p.negations:
                        conf -= 0.05
                    if negs < p.negations and len(p.words) < 2:
                        # the phrase's predicate was its negation ("报警器失效"); its absence alone does
                        # not say the positive ("报警器旁路运行"): only proposed
                        conf = min(conf, 0.6)
                        notes.append("仅凭未出现否定词推断")
                    chars = sum(e - s for s, e in spans)
                    if chars <= 2 and p.source == "label" and fact.type != "enum":
                        # two characters of a long label are not the label; an enum value's whole
                        # name ("中压") is a name, and weak: engine.text.context keeps it only beside
                        # a fact it is judged with
                        conf = min(conf, 0.6)
                        notes.append("匹配词过短")
                    if p.candidates:  # one phrase, several values: a guess which, never asserted
                        conf = min(conf, 0.6)
                        notes.append(f"“{p.phrase}”可指多个取值：{'、'.join(_typed(fact, v) for v in p.candidates)}")
                    start, end = spans[0][0], spans[-1][1]
                    typed = _typed(fact, value)
                    number = None
                    if fact.type == "number":
                        typed, number, conf, notes = _number(fact, text, start, end, lo, hi, doc, conf, notes)
                    if hedged and not fact.scope:  # "煤矿可能存在…": the mine is still a coal mine
                        conf = min(conf, 0.5)
                        notes.append(f"记录用语不确定（{'、'.join(hedged)}）")
                    corrected = any(c > start for c in corrected_at) and not fact.scope
                    if corrected:
                        conf = min(conf, 0.5)
                        notes.append("记录称已整改，需核实现场现状")
                    if used:
                        notes.append(f"否定词：{'、'.join(used)}")
                    ext = Extracted(fact=p.fact, value=typed, start=start, end=end, text=text[start:end],
                                    words=[text[s:e] for s, e in spans], phrase=p.phrase, source=p.source,
                                    confidence=round(conf, 2), finding=fi, notes=notes, number=number,
                                    corrected=corrected, candidates=tuple(_typed(fact, v) for v in p.candidates))
                    old = best.get(p.fact)
                    # the surer, the longer, then the earlier (a modifier comes first: 容易自燃 before 自燃煤层)
                    if old is None or ((ext.confidence, ext.end - ext.start, -ext.start)
                                       > (old.confidence, old.end - old.start, -old.start)):
                        best[p.fact] = ext
            found.extend(_drop_nested(list(best.values())))
    return found


def _drop_nested(items: list[Extracted]) -> list[Extracted]:
    """A label-only match inside a phrase match of another fact is the same words read twice: keep
    the phrase match (nested phrase matches are settled with the rules in engine.text.context)."""
    keep = []
    for x in items:
        inside = any(y is not x and y.source != "label" and x.source == "label" and y.start <= x.start
                     and x.end <= y.end for y in items)
        if not inside:
            keep.append(x)
    return keep


def _number(fact, text, start, end, lo, hi, doc, conf, notes):  # noqa: PLR0913
    """The number a number-fact match refers to: the nearest after it (else before) in the sentence."""
    nums = [n for n in doc.user_data.get("numbers", []) if lo <= n.start and n.end <= hi]
    after = [n for n in nums if n.start >= end - 2 and n.start - end <= NUMBER_WINDOW]
    before = [n for n in nums if n.end <= start and start - n.end <= NUMBER_WINDOW]
    chosen = None
    for n in after + list(reversed(before)):
        value = n.to_unit(fact.unit)
        if value is not None and (n.unit is not None or fact.unit in (None, "个", "倍")):
            chosen = (n, value)
            break
    if chosen is None:
        notes = notes + ["未写明数值"]
        return None, None, min(conf, 0.5), notes
    n, value = chosen
    info = {"text": n.text, "value": value, "unit": fact.unit, "op": n.op, "approximate": n.approximate,
            "start": n.start, "end": n.end}
    if n.approximate:
        conf = min(conf, 0.6)
        notes = notes + [f"数值为约数（{n.text}）"]
    if n.op != "=":
        conf = min(conf, 0.6)
        notes = notes + [f"数值为范围（{n.text}）"]
    if n.unit is None and fact.unit is not None:  # (a quantity without a unit, 相对密度, has none to write)
        conf = min(conf, 0.65)
        notes = notes + ["数值未写单位"]
    return round(value, 6), info, conf, notes
