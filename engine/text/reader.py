"""Read an inspection record: a spaCy pipeline (`spacy.blank("zh")`, jieba segmenter with a user
dictionary generated from the vocabulary) whose components split the findings, parse numbers,
find vocabulary words, negation cues, and assemble facts for each requested sector.

    read(text, ["chemicals"]) -> Reading(findings=[(start, end), ...], facts={"chemicals": [Extracted]}, doc)

No model is loaded or downloaded: the pipeline is blank, its patterns come from knowledge/*.

Start-up: a sector's patterns (and the segmentation of its words for the PhraseMatcher) are compiled
only when a text is first read for that sector, and kept on disk (engine.text.cache) keyed by the
knowledge version and this code, so a later process loads them instead of compiling again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import spacy
from spacy import util as spacy_util
from spacy.language import Language
from spacy.tokens import Doc

from engine import knowledge
from engine.knowledge import KnowledgeBase
from engine.text import cache
from engine.text import components  # registers the component factories with spaCy; sector_terms
from engine.text.assemble import Extracted, assemble
from engine.text.numbers import level_words
from engine.text.patterns import SectorPatterns, compile_sector, segmenter, splitter, user_dictionary


class _Cut:
    """Our own jieba tokenizer, no HMM guessing of new words (what suggestions cut clauses with)."""

    def __init__(self, tok):
        self.tok = tok

    def cut(self, text: str, cut_all: bool = False):
        return self.tok.cut(text, cut_all=cut_all, HMM=False)


class _Tokenizer:
    """The pipeline's tokenizer: text -> Doc segmented by our jieba tokenizer (as spaCy's Chinese
    tokenizer does with segmenter "jieba", without it initialising jieba's global tokenizer too)."""

    def __init__(self, vocab, tok):
        self.vocab = vocab
        self.jieba_seg = _Cut(tok)

    def __call__(self, text: str) -> Doc:
        words = [w for w in self.jieba_seg.cut(text) if w]
        words, spaces = spacy_util.get_words_and_spaces(words, text)
        return Doc(self.vocab, words=words, spaces=spaces)


class FactsComponent:
    """hazard_facts: assemble the facts of every sector named in doc.user_data['sectors']."""

    def __init__(self, patterns: dict[str, SectorPatterns], kb: KnowledgeBase):
        self.patterns = patterns
        self.kb = kb

    def __call__(self, doc):
        wanted = doc.user_data.get("sectors") or list(self.patterns)
        doc.user_data["facts"] = {s: assemble(doc, self.patterns[s], self.kb.sectors[s],
                                              components.sector_terms(doc, self.patterns[s].words))
                                  for s in wanted}
        return doc


_BUILT: dict[str, tuple[dict, KnowledgeBase]] = {}


@Language.factory("hazard_facts", default_config={"kb_version": ""})
def _make_facts(nlp: Language, name: str, kb_version: str) -> FactsComponent:
    patterns, kb = _BUILT[kb_version]
    return FactsComponent(patterns, kb)


@dataclass
class Reader:
    nlp: Language
    kb: KnowledgeBase
    tok: Any = None  # the jieba tokenizer with the vocabulary's user dictionary
    key: str = ""  # the disk cache key (knowledge version, dictionary, code)
    patterns: dict[str, SectorPatterns] = field(default_factory=dict)  # compiled so far, by sector
    pipes: list = field(default_factory=list)  # the components, called in order (no per-doc lookups)

    def sector(self, sid: str) -> SectorPatterns:
        """The sector's patterns: compiled once per process (from the disk cache when it has them);
        their words are added to the PhraseMatcher then."""
        got = self.patterns.get(sid)
        if got is not None:
            return got
        stored = cache.load(self.key, sid)
        if stored is None:
            cut = lambda t: [w for w in self.tok.cut(t, HMM=False) if w.strip()]  # noqa: E731
            got = compile_sector(self.kb.sectors[sid], cut, splitter(self.tok))
            tokens = {w: tuple(t.text for t in self.nlp.make_doc(w)) for w in sorted(got.words)}
            cache.store(self.key, sid, {"patterns": got, "tokens": tokens})
        else:
            got, tokens = stored["patterns"], stored["tokens"]
        self.nlp.get_pipe("hazard_terms").add(tokens)
        self.patterns[sid] = got
        return got

    def doc(self, text: str, sectors: list[str]):
        for sid in sectors:
            self.sector(sid)
        text = level_words(text)  # 1级 -> 一级, same length: offsets stay those of the input
        doc = self.nlp.make_doc(text)
        doc.user_data["sectors"] = sectors
        doc.user_data["text"] = text  # Doc.text is rebuilt on every access
        for proc in self.pipes:
            doc = proc(doc)
        return doc


@lru_cache(maxsize=2)
def _reader(kb_version: str) -> Reader:
    kb = _KB[kb_version]
    dictionary = user_dictionary(kb)
    tok = segmenter(kb.version, dictionary)
    nlp = spacy.blank("zh")  # character segmenter: replaced by ours below, no second jieba set up
    nlp.tokenizer = _Tokenizer(nlp.vocab, tok)
    patterns: dict[str, SectorPatterns] = {}
    _BUILT[kb.version] = (patterns, kb)
    nlp.add_pipe("hazard_findings")
    nlp.add_pipe("hazard_numbers")
    nlp.add_pipe("hazard_cues")
    nlp.add_pipe("hazard_terms")
    nlp.add_pipe("hazard_facts", config={"kb_version": kb.version})
    return Reader(nlp=nlp, kb=kb, tok=tok, key=cache.key(kb.version, dictionary), patterns=patterns,
                  pipes=[proc for _name, proc in nlp.pipeline])


_KB: dict[str, KnowledgeBase] = {}


def reader(kb: KnowledgeBase | None = None) -> Reader:
    """The reader for a knowledge base (built once per rule-base version; sectors compiled when first read)."""
    kb = kb or knowledge.default()
    _KB[kb.version] = kb
    return _reader(kb.version)


@dataclass
class Reading:
    text: str
    findings: list[tuple[int, int]]
    facts: dict[str, list[Extracted]]
    words: list[tuple[str, int]]  # (token, char offset)
    numbers: list[Any]


def read(text: str, sectors: list[str] | None = None, kb: KnowledgeBase | None = None) -> Reading:
    """Findings and extracted facts of `text` for `sectors` (default: every sector)."""
    r = reader(kb)
    doc = r.doc(text, list(sectors or r.kb.sectors))
    return Reading(text=text, findings=doc.user_data["findings"], facts=doc.user_data["facts"],
                   words=[(t.text, t.idx) for t in doc], numbers=doc.user_data["numbers"])

