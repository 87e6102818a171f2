"""Read an inspection record: a spaCy pipeline (`spacy.blank("zh")`, jieba segmenter with a user
dictionary generated from the vocabulary) whose components split the findings, parse numbers,
find vocabulary words, negation cues, and assemble facts for each requested sector.

    read(text, ["chemicals"]) -> Reading(findings=[(start, end), ...], facts={"chemicals": [Extracted]}, doc)

No model is loaded or downloaded: the pipeline is blank, its patterns come from knowledge/*.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language

from engine import knowledge
from engine.knowledge import KnowledgeBase
from engine.text import components  # registers the component factories with spaCy; sector_terms
from engine.text.assemble import Extracted, assemble
from engine.text.numbers import level_words
from engine.text.patterns import SectorPatterns, compile_sector, segmenter, splitter, user_dictionary


class _Cut:
    """What spaCy's ChineseTokenizer calls: our own jieba tokenizer, no HMM guessing of new words."""

    def __init__(self, tok):
        self.tok = tok

    def cut(self, text: str, cut_all: bool = False):
        return self.tok.cut(text, cut_all=cut_all, HMM=False)


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

    def doc(self, text: str, sectors: list[str]):
        text = level_words(text)  # 1级 -> 一级, same length: offsets stay those of the input
        doc = self.nlp.make_doc(text)
        doc.user_data["sectors"] = sectors
        doc.user_data["text"] = text  # Doc.text is rebuilt on every access
        for _name, proc in self.nlp.pipeline:
            doc = proc(doc)
        return doc


@lru_cache(maxsize=2)
def _reader(kb_version: str) -> Reader:
    kb = _KB[kb_version]
    dictionary = user_dictionary(kb)
    tok = segmenter(kb.version, dictionary)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.tokenizer.jieba_seg = _Cut(tok)
    cut = lambda t: [w for w in tok.cut(t, HMM=False) if w.strip()]  # noqa: E731
    split = splitter(tok)
    patterns = {sid: compile_sector(sector, cut, split) for sid, sector in kb.sectors.items()}
    words = sorted({w for p in patterns.values() for w in p.words})
    _BUILT[kb.version] = (patterns, kb)
    nlp.add_pipe("hazard_findings")
    nlp.add_pipe("hazard_numbers")
    nlp.add_pipe("hazard_cues")
    nlp.add_pipe("hazard_terms", config={"words": words})
    nlp.add_pipe("hazard_facts", config={"kb_version": kb.version})
    return Reader(nlp=nlp, kb=kb)


_KB: dict[str, KnowledgeBase] = {}


def reader(kb: KnowledgeBase | None = None) -> Reader:
    """The reader for a knowledge base (built once per rule-base version: ~1-2 s)."""
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
