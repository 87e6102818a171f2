"""Compile a sector's vocabulary into text patterns and a jieba user dictionary.

Every pattern comes from the knowledge base: a fact's `phrases` (value -> phrases), its `aliases`
(when the vocabulary carries them) and its label (a yes/no label states the "yes" value; a number
label names the quantity). A phrase is split at negation cues ("紧急停车系统未投用" -> words
紧急停车系统 + 投用, one negation): the words are matched in the text in order, the negations
around them are counted, and the value follows the parity (see engine.text.assemble).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import logging

import jieba

from engine.facts import enum_candidates
from engine.knowledge import KnowledgeBase, Sector
from engine.model import Fact
from engine.text import lexicon

STOPWORDS = {"的", "了", "和", "及", "与", "或", "等", "对", "在", "将", "并", "是否", "是", "有", "已", "为", "按", "其",
             "由", "被", "把", "（", "）", "(", ")", "、", "“", "”", " ", "，", "。"}
NUMBER_STRIP = sorted(set(lexicon.OVER_WORDS) | set(lexicon.COMPARE) | {"浓度", "数值", "多少"}, key=len, reverse=True)


@dataclass(frozen=True)
class Pattern:
    """One way a fact is written: the words in order, and how many negations the phrase itself has."""

    fact: str
    value: str  # "true" / "false" / an enum value / "数值" (a number to read from the text)
    phrase: str  # the phrase (or label / alias) as written in the vocabulary
    words: tuple[str, ...]
    negations: int
    source: str  # phrase | alias | label
    trailing: bool = False  # the phrase ends with its negation ("特种作业人员无证"): a cue right after counts
    reordered: bool = False  # the two words in the other order ("紧急切断功能已实现")
    cues: tuple[str, ...] = ()  # the negation words of the phrase ("缺失" of 防护屏障缺失)
    candidates: tuple[str, ...] = ()  # the phrase names several values of the fact ("宿舍"): only proposed
    lead: tuple[str, ...] = ()  # negation words the phrase writes before its words ("不符合" of 不符合GA 703)


@dataclass
class SectorPatterns:
    sector: str
    patterns: list[Pattern]
    by_first: dict[str, list[Pattern]] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)


_CUES = sorted(set(lexicon.PRE_NEGATION) | set(lexicon.POST_NEGATION), key=len, reverse=True)
_CUE_RE = re.compile("|".join(re.escape(c) for c in sorted(lexicon.NOT_NEGATION, key=len, reverse=True))
                     + "|" + "|".join(re.escape(c) for c in _CUES))


_LAST_CUES: dict[str, tuple[str, ...]] = {}


def split_phrase(phrase: str, number: bool = False) -> tuple[list[str], int]:
    """'紧急停车系统未投用' -> (['紧急停车系统'], 1): the pieces between negation cues, and the cue count."""
    pieces, negations, trailing = split_phrase_full(phrase, number)
    return pieces, negations


def split_phrase_full(phrase: str, number: bool = False) -> tuple[list[str], int, bool]:
    """Pieces, negation count, and whether the phrase ends with a negation followed by at most one
    character ("特种作业人员无证")."""
    pieces, negations, last = [], 0, 0
    for m in _CUE_RE.finditer(phrase):
        if m.group(0) in lexicon.NOT_NEGATION:
            continue
        pieces.append(phrase[last:m.start()])
        negations += 1
        last = m.end()
    pieces.append(phrase[last:])
    if number:
        stripped = []
        for p in pieces:
            for w in NUMBER_STRIP:
                p = p.replace(w, "|")
            stripped.extend(p.split("|"))
        pieces = stripped if any(len(p.strip("，、 ")) >= 2 for p in stripped) else [phrase]
    kept = [p.strip("，、 ") for p in pieces]
    _LAST_CUES[phrase] = tuple(m.group(0) for m in _CUE_RE.finditer(phrase) if m.group(0) not in lexicon.NOT_NEGATION)
    trailing = negations > 0 and len(kept[-1]) < 2
    kept = [p for i, p in enumerate(kept) if len(p) >= 2 or (i > 0 and len(p) == 1)]
    return kept, negations, trailing


def _aliases(fact: Fact) -> dict[str, list[str]]:
    """Aliases per value if the vocabulary carries them (field added by the fact-input work).

    The aliases of a yes/no fact's values ("符合", "不符合国家标准" for 是/否) are answers to its
    question, not names of the thing: written in a record they say nothing of *which* fact, so the
    text reader does not read them ("外部安全防护距离不符合国家标准要求" is not about 防爆电气)."""
    raw = getattr(fact, "aliases", None) or {}
    if isinstance(raw, list):  # aliases of the fact itself: name the quantity / the "yes" state
        return {("数值" if fact.type == "number" else "true"): list(raw)}
    if fact.type == "bool":
        return {}
    return {str(k): list(v) for k, v in dict(raw).items()} if isinstance(raw, dict) else {}


def phrase_entries(sector: Sector) -> list[tuple[Fact, str, str, str]]:
    """(fact, value, phrase, source) for every phrase, alias and label of the sector."""
    out = []
    for fact in sector.facts.values():
        for value, phrases in fact.phrases.items():
            out += [(fact, str(value), p, "phrase") for p in phrases]
        for value, phrases in _aliases(fact).items():
            out += [(fact, value, p, "alias") for p in phrases]
        if fact.type == "bool":
            out.append((fact, "true", fact.label, "label"))
        elif fact.type == "number":
            out.append((fact, "数值", fact.label, "label"))
        elif fact.type == "enum":
            out += [(fact, v, v, "label") for v in fact.values or [] if len(v) >= 2]
    return out


def user_dictionary(kb: KnowledgeBase) -> str:
    """The jieba user dictionary (one `word freq` a line): every phrase piece of every sector, so
    domain terms (万向管道充装系统, 紧急切断阀, 回风巷) stay whole, plus the negation cues."""
    words: set[str] = set()
    for sector in kb.sectors.values():
        for fact, _value, phrase, source in phrase_entries(sector):
            if source == "label" and fact.type != "enum":
                continue  # labels are long descriptions; their jieba words are matched instead
            if fact.type == "enum":
                words.add(phrase) if 2 <= len(phrase) <= 16 else None
                continue
            words.update(p for p in split_phrase(phrase, fact.type == "number")[0] if 2 <= len(p) <= 16)
            if fact.type == "number" and source != "label" and 2 <= len(phrase) <= 16:
                words.add(phrase)
    words.update(c for c in _CUES if len(c) >= 2)
    # what a negation negates is a word too ("未投用" -> 投用, "未投入使用" -> 投入使用)
    words.update(c[1:] for c in lexicon.POST_NEGATION if c[0] in "未不" and len(c) >= 3)
    return "".join(f"{w} {100000 + 1000 * len(w)}\n" for w in sorted(words))


class Tokenizer(jieba.Tokenizer):
    """jieba's tokenizer, its dictionary-path search made cheaper: the log-probability of a word is
    worked out once (not for every candidate of every sentence) and the dictionary is read through a
    local name. Same segmentation as jieba's: the same sums in the same order, ties to the longer word."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._logp: dict[str, float] = {}

    def forget(self, word: str | None = None) -> None:
        """Drop remembered log-probabilities (after FREQ or total changed)."""
        if word is None:
            self._logp.clear()
        else:
            self._logp.pop(word, None)

    def add_word(self, word, freq=None, tag=None):
        super().add_word(word, freq, tag)
        self._logp.clear()  # total changed: every remembered value is off

    def get_DAG(self, sentence):
        self.check_initialized()
        freq = self.FREQ
        dag = {}
        n = len(sentence)
        for k in range(n):
            ends = []
            i = k
            frag = sentence[k]
            while i < n and frag in freq:
                if freq[frag]:
                    ends.append(i)
                i += 1
                frag = sentence[k:i + 1]
            dag[k] = ends or [k]
        return dag

    def calc(self, sentence, DAG, route):
        n = len(sentence)
        route[n] = (0, 0)
        memo = self._logp
        freq = self.FREQ
        logtotal = math.log(self.total)
        for idx in range(n - 1, -1, -1):
            best = None
            for x in DAG[idx]:
                word = sentence[idx:x + 1]
                lp = memo.get(word)
                if lp is None:
                    lp = memo[word] = math.log(freq.get(word) or 1) - logtotal
                cand = (lp + route[x + 1][0], x)
                if best is None or cand > best:
                    best = cand
            route[idx] = best


@lru_cache(maxsize=4)
def segmenter(kb_version: str, dictionary: str) -> jieba.Tokenizer:
    """A jieba tokenizer of our own (not jieba's global one) with the vocabulary's user dictionary."""
    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict…" lines are not for inspectors
    tok = Tokenizer()
    tok.initialize()
    tok.load_userdict(io.StringIO(dictionary))
    return tok


def meanings(sector: Sector) -> dict[tuple[str, str], tuple[str, ...]]:
    """(fact, phrase) -> the values the phrase (or alias) is written for, when there are several: an
    alias listed under two values ("宿舍": 学校…集体宿舍 and 劳动密集型企业…员工集体宿舍), or a part of
    one value's name that is another's alias, as the structured input reads them (enum_candidates)."""
    seen: dict[tuple[str, str], set[str]] = {}
    for fact, value, phrase, _source in phrase_entries(sector):
        seen.setdefault((fact.id, phrase), set()).add(value)
    out = {}
    for (fid, phrase), values in seen.items():
        fact = sector.facts[fid]
        if fact.type == "enum" and phrase not in (fact.values or []):
            values = values | set(enum_candidates(fact, phrase))
        if len(values) > 1:
            order = [str(v) for v in (fact.values or [])] + ["true", "false"]
            out[(fid, phrase)] = tuple(sorted(values, key=lambda v: order.index(v) if v in order else len(order)))
    return out


def compile_sector(sector: Sector, cut, split=None) -> SectorPatterns:
    """All patterns of a sector; `cut(text) -> words` is the same segmenter the text is read with."""
    out = SectorPatterns(sector=sector.id, patterns=[])
    seen = set()
    several = meanings(sector)
    for fact, value, phrase, source in phrase_entries(sector):
        if fact.type == "enum":  # an enum value is a name, negation words and all ("不易自燃", "非煤矿山")
            pieces, negations, trailing = [phrase], 0, False
        else:
            pieces, negations, trailing = split_phrase_full(phrase, fact.type == "number")
        if not pieces or len(pieces[0]) < 2:
            continue
        if source == "label" and fact.type != "enum":
            variants = [tuple(w for p in pieces for w in cut(p) if w not in STOPWORDS and len(w.strip()) > 0)]
        else:
            # the phrase's pieces as written, and each piece split into its own terms, so that words
            # written between them ("紧急停车系统已投用") do not hide the phrase
            variants = [tuple(pieces), tuple(w for p in pieces for w in (split(p) if split else [p]))]
            if fact.type == "number" and 2 <= len(phrase) <= 16:
                variants.append((phrase,))  # the quantity as written ("瓦斯超限持续"), comparison and all
        if source != "label" and len(pieces) == 2 and min(map(len, pieces)) >= 2:
            variants.append((pieces[1], pieces[0]))
            reversed_at = len(variants) - 1
        else:
            reversed_at = -1
        for i, words in enumerate(variants):
            cues = _LAST_CUES.get(phrase, ()) if fact.type != "enum" else ()
            reordered = i == reversed_at
            if not words or len(words[0]) < 2 or (fact.id, value, words, negations, cues) in seen:
                continue
            seen.add((fact.id, value, words, negations, cues))
            pattern = Pattern(fact=fact.id, value=value, phrase=phrase, words=words, negations=negations,
                              source=source, trailing=trailing, reordered=reordered,
                              cues=cues, candidates=several.get((fact.id, phrase), ()),
                              lead=tuple(c for c in cues if phrase.startswith(c)) if not reordered else ())
            out.patterns.append(pattern)
            out.by_first.setdefault(words[0], []).append(pattern)
            out.words.update(words)
    return out


def splitter(tok: jieba.Tokenizer):
    """piece -> its best segmentation other than itself (the piece is a user-dictionary word)."""
    def split(piece: str) -> list[str]:
        freq = tok.FREQ.get(piece)
        if len(piece) < 4:
            return [piece]
        if not freq:  # not a dictionary word (too long): its words
            return [w for w in tok.cut(piece, HMM=False) if w.strip() and w not in STOPWORDS] or [piece]
        tok.FREQ[piece] = 0
        forget = getattr(tok, "forget", lambda _w: None)
        forget(piece)
        try:
            words = [w for w in tok.cut(piece, HMM=False) if w.strip() and w not in STOPWORDS]
        finally:
            tok.FREQ[piece] = freq
            forget(piece)
        return words or [piece]
    return split
