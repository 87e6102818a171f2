"""The spaCy pipeline components of the text reader, one job each.

Each component writes its result into `doc.user_data` (no global Doc extensions):
- hazard_findings : "findings"  — char spans of the findings of a record (一是…；二是…, 1. 2., ①②, 分号)
- hazard_numbers  : "numbers"   — numbers with units, comparison and approximation (engine.text.numbers)
- hazard_terms    : "terms"     — vocabulary words (of every sector) found by a PhraseMatcher: (word, start, end);
                  "tokens"    — the longer tokens, whose heads/tails `sector_terms` reads per sector
- hazard_cues     : "cues"      — negation cues, hedges, corrections and contrast words with their spans
- hazard_facts    : "facts"     — facts assembled from the above (engine.text.assemble)
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from engine.text import lexicon, numbers

_FINDING_RE = re.compile(lexicon.FINDING_MARKERS, re.M)


def finding_spans(text: str) -> list[tuple[int, int]]:
    """Split a record into findings: at 一是/二是, numbered items, circled numbers; else at ；/; and
    line breaks. One finding when there is no marker."""
    marks = [m.start() + len(m.group(0)) - len(m.group(0).lstrip()) for m in _FINDING_RE.finditer(text)]
    cuts = sorted({0, *[m for m in marks if m > 0]})
    spans = []
    if len(marks) < 2:  # no enumeration: semicolons and line breaks separate findings
        cuts = [0] + [m.end() for m in re.finditer(r"[；;\n]+", text)]
    for i, start in enumerate(cuts):
        end = cuts[i + 1] if i + 1 < len(cuts) else len(text)
        s, e = start, end
        while s < e and text[s] in " \t\n；;。，,":
            s += 1
        while e > s and text[e - 1] in " \t\n；;。，,":
            e -= 1
        if e > s and re.search(r"[\w]", text[s:e]):
            spans.append((s, e))
    return spans


class Findings:
    def __call__(self, doc: Doc) -> Doc:
        doc.user_data["findings"] = finding_spans(doc.user_data.get("text") or doc.text)
        return doc


class Numbers:
    def __call__(self, doc: Doc) -> Doc:
        doc.user_data["numbers"] = numbers.find_numbers(doc.user_data.get("text") or doc.text)
        return doc


class Terms:
    """PhraseMatcher over the vocabulary words of every sector (tokenised by the same jieba as the text).

    The segmenter's dictionary is shared by all sectors, so a token may be a word of another sector
    only ("槽车充装" of special equipment, "不符合要求" a value of an inspection conclusion). Which words
    a sector reads is decided per sector by `sector_terms`: another sector's word never hides one's own."""

    def __init__(self, nlp: Language):
        self.vocab = nlp.vocab
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.strings = nlp.vocab.strings
        self.added: set[str] = set()

    def add(self, tokens: dict[str, tuple[str, ...]]) -> None:
        """Words to find, each with its tokens as the text's segmenter cuts it (a sector's words are
        added when the sector is first read)."""
        for word, toks in tokens.items():
            if word not in self.added and toks:
                self.added.add(word)
                self.matcher.add(word, [Doc(self.vocab, words=list(toks))])

    def __call__(self, doc: Doc) -> Doc:
        whole = []
        for match_id, start, end in self.matcher(doc):
            s = doc[start].idx
            e = doc[end - 1].idx + len(doc[end - 1].text)
            whole.append((self.strings[match_id], s, e))
        doc.user_data["terms"] = whole
        doc.user_data["tokens"] = [x for x in (self._inside(t.idx, t.text) for t in doc if len(t.text) >= 3) if x]
        return doc

    def _inside(self, idx: int, t: str):
        """The words of any sector inside a longer token, found once for all sectors: for each piece
        (the token, and its parts between negation cues of two characters or more — "不符合要求" ->
        要求; one character, as in 无证 or 非煤, is too often part of a word), the piece itself when it
        is a part, and its tails and heads longest first. None when there are none."""
        words = self.added
        pieces = [(0, len(t), False)]
        cut = [(m.start(), m.end()) for m in _CUE_RE.finditer(t)
               if len(m.group(0)) >= 2 and _CUE_KIND[m.group(0)] in ("pre", "post", "clause")]
        if cut:
            bounds = [0] + [x for c in cut for x in c] + [len(t)]
            pieces += [(bounds[i], bounds[i + 1], True) for i in range(0, len(bounds), 2)
                       if bounds[i + 1] - bounds[i] >= 2]
        out = []
        for ps, pe, part in pieces:
            piece = t[ps:pe]
            whole = (ps, pe) if part and piece in words else None
            tails = [(pe - k, pe) for k in range(len(piece) - 1, 1, -1) if piece[-k:] in words]
            heads = [(ps, ps + k) for k in range(len(piece) - 1, 1, -1) if piece[:k] in words]
            if whole or tails or heads:
                out.append((whole, tails, heads))
        return (idx, t, out) if out else None


def sector_terms(doc: Doc, words: set[str]) -> list[tuple[str, int, int, bool]]:
    """(word, start, end, glued) of the sector's `words` in the text: the words the matcher found, and
    a sector word the segmenter glued to a neighbour — the head or tail of a longer token that is not
    itself a word of this sector ("储罐区" holds 罐区; "槽车充装", another sector's word, holds 槽车),
    or a part of it between negation cues (see Terms._inside)."""
    terms = [(w, s, e, False) for w, s, e in doc.user_data.get("terms", ()) if w in words]
    for idx, t, pieces in doc.user_data.get("tokens", ()):
        if t in words:
            continue
        seen = set()
        for whole, tails, heads in pieces:
            if whole and t[whole[0]:whole[1]] in words:
                seen.add(whole)
                continue
            for a, b in tails:
                if t[a:b] in words:
                    seen.add((a, b))
                    break
            for a, b in heads:
                if t[a:b] in words:
                    seen.add((a, b))
                    break
        terms += [(t[a:b], idx + a, idx + b, True) for a, b in sorted(seen)]
    return terms


_CUE_KINDS = [("not", lexicon.NOT_NEGATION), ("clause", lexicon.CLAUSE_NEGATION), ("post", lexicon.POST_NEGATION), ("pre", lexicon.PRE_NEGATION),
              ("hedge", lexicon.HEDGES), ("corrected", lexicon.CORRECTED), ("contrast", lexicon.CONTRAST)]
_CUE_WORDS = sorted({(w, k) for k, ws in _CUE_KINDS for w in ws}, key=lambda x: -len(x[0]))
_CUE_RE = re.compile("|".join(re.escape(w) for w, _ in _CUE_WORDS))
_CUE_KIND: dict[str, str] = {}
for _w, _k in reversed(_CUE_WORDS):
    _CUE_KIND.setdefault(_w, _k)
for _k, _ws in reversed(_CUE_KINDS):  # the first list a word is in decides its kind
    for _w in _ws:
        _CUE_KIND[_w] = _k


def find_cues(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, word, start, end) of every negation cue, hedge, correction and contrast word."""
    return [(_CUE_KIND[m.group(0)], m.group(0), m.start(), m.end()) for m in _CUE_RE.finditer(text)]


class Cues:
    def __call__(self, doc: Doc) -> Doc:
        doc.user_data["cues"] = find_cues(doc.user_data.get("text") or doc.text)
        return doc


@Language.factory("hazard_findings")
def _make_findings(nlp: Language, name: str) -> Findings:
    return Findings()


@Language.factory("hazard_numbers")
def _make_numbers(nlp: Language, name: str) -> Numbers:
    return Numbers()


@Language.factory("hazard_cues")
def _make_cues(nlp: Language, name: str) -> Cues:
    return Cues()


@Language.factory("hazard_terms")
def _make_terms(nlp: Language, name: str) -> Terms:
    return Terms(nlp)
