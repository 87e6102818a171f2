"""Judge a record written as Chinese text: read its findings, assert only confirmed facts, judge
each finding, and give the record the most severe verdict.

    judge_text(text, sector=None, facts=None, as_of=None, complete=False, kb=None, context=None) -> TextJudgement

- `sector` may be None: the sector(s) are proposed from the text and the best one is used (said in
  `sector_note`).
- `facts` (structured, label or id -> value) apply to every finding and win over extracted facts on
  conflict (a warning says so).
- A fact read with confidence < CONFIRM, with a hedge (疑似/可能), an approximate number (约60%), or a
  corrected condition (已整改) is only *proposed*: asked as "是否属实：…", never used for the verdict.
- `unread`: clauses nothing matched, each with the nearest rules as suggestions only.
Errors: HazardError empty_text / text_too_long (422), unknown_sector, and those of judge().
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from engine import knowledge
from engine.errors import HazardError
from engine.facts import parse_facts
from engine.judge import VERDICT_ZH, verdict_term
from engine.pipeline import judge
from engine.knowledge import KnowledgeBase
from engine.text import reader as text_reader
from engine.text import context as text_context
from engine.text import suggest
from engine.text.assemble import CONFIRM, Extracted
from engine.text.model import ExtractedFact, FindingResult, SectorScore, TextJudgement, Unread

MAX_CHARS = 20000  # one record; longer input is refused, not cut
SEVERITY = ["major", "insufficient", "not_determined", "not_major"]  # most severe first
_CJK = re.compile(r"[\u4e00-\u9fff]")


def clean(text: Any, field: str = "text") -> tuple[str, list[str]]:
    """Check and normalise the text: not empty, not too long; control characters become spaces."""
    if not isinstance(text, str):
        raise HazardError("bad_text", "text 须为字符串（检查记录的文字）", field)
    warnings = []
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        text = "".join(" " if unicodedata.category(c) == "Cc" and c not in "\n\t" else c for c in text)
        warnings.append("文本含控制字符，已按空格处理")
    if not text.strip():
        raise HazardError("empty_text", "检查记录文字为空，请填写发现的问题", field)
    if len(text) > MAX_CHARS:
        raise HazardError("text_too_long", f"检查记录过长（{len(text)} 字），单次最多 {MAX_CHARS} 字；请按条分开提交", field)
    if not _CJK.search(text):
        warnings.append("文本不含中文，未能识别任何事实")
    return text, warnings


def _fmt(fact, value) -> str:
    if fact.type == "number":
        return f"{value:g}{fact.unit or ''}" if isinstance(value, float) else f"{value}{fact.unit or ''}"
    return str(value)


def _out(x: Extracted, sector, confirmed: bool, text: str) -> ExtractedFact:
    fact = sector.facts[x.fact]
    x.text = text[x.start:x.end]  # the input's own characters (the reader normalised 1级 -> 一级)
    question = None
    if not confirmed:
        said = f"{fact.label}={_fmt(fact, x.value)}" if x.value is not None else fact.question
        if x.candidates:  # the words name several values: ask which, not whether one guess holds
            said = f"{fact.label}是{'还是'.join(f'“{c}”' for c in x.candidates)}"
        question = f"是否属实：{said}（原文“{x.text}”）"
    return ExtractedFact(fact=x.fact, label=fact.label, value=x.value, start=x.start, end=x.end, text=x.text,
                         words=x.words, phrase=x.phrase, source=x.source, confidence=x.confidence,
                         confirmed=confirmed, finding=x.finding, notes=x.notes, number=x.number, question=question)


def _score(facts: list[Extracted], sector) -> float:
    return round(sum(x.confidence * (0.3 if sector.facts[x.fact].scope else 1.0) for x in facts if x.confirmed), 2)


def _propose(reading, kb: KnowledgeBase) -> list[SectorScore]:
    scores = [SectorScore(sector=s, label=kb.sectors[s].label, score=_score(fs, kb.sectors[s]))
              for s, fs in reading.facts.items()]
    return sorted([s for s in scores if s.score > 0], key=lambda s: -s.score)


def _unread(reading, facts: list[Extracted], sector_id, day, kb) -> list[Unread]:
    text = reading.text
    covered = [(x.start, x.end) for x in facts]
    out = []
    cut = text_reader.reader(kb).nlp.tokenizer.jieba_seg.cut
    for fi, (fs, fe) in enumerate(reading.findings):
        for m in re.finditer(r"[^，,；;。！!？?\n：:]+", text[fs:fe]):
            s, e = fs + m.start(), fs + m.end()
            clause = text[s:e].strip()
            if len(_CJK.findall(clause)) < 2 or any(a < e and s < b for a, b in covered):
                continue
            sugg = suggest.nearest(clause, sector_id, day, kb, cut) if sector_id else []
            out.append(Unread(start=s, end=e, text=text[s:e], finding=fi, suggestions=sugg))
    return out


def _verdict(verdicts: list[str]) -> str:
    return min(verdicts, key=SEVERITY.index) if verdicts else "insufficient"


def judge_text(text: Any, sector: str | None = None, facts: dict[str, Any] | None = None,
               as_of: dt.date | None = None, *, complete: bool = False, kb: KnowledgeBase | None = None,
               context: dict[str, Any] | None = None) -> TextJudgement:
    """Judge the findings of an inspection record written in Chinese (see module docstring)."""
    kb = kb or knowledge.default()
    text, warnings = clean(text)
    if sector is not None and sector not in kb.sectors:
        raise HazardError("unknown_sector", f"未知行业“{sector}”；可选：{'、'.join(kb.sectors)}", "sector")
    reading = text_reader.read(text, [sector] if sector else None, kb)
    proposals = _propose(reading, kb)
    if sector:
        note = f"按指定行业“{kb.sectors[sector].label}”判定"
        used = sector
    elif proposals:
        used = proposals[0].sector
        others = "、".join(f"{p.label}" for p in proposals[1:])
        note = f"未指定行业，按文本最相符的“{proposals[0].label}”判定" + (f"（文本也涉及：{others}）" if others else "")
    else:
        used = None
        note = "未指定行业，且文本中未识别出任何事实，无法判断行业"
    day = as_of or dt.date.today()
    if used is None:
        unread = [Unread(start=s, end=e, text=text[s:e], finding=i) for i, (s, e) in enumerate(reading.findings)]
        warnings.append("未从文本中识别出任何可判定的事实；请改写或用结构化事实（--fact）提交")
        return TextJudgement(verdict="insufficient", verdict_zh=VERDICT_ZH["insufficient"], sector=None,
                             sector_note=note, sectors_proposed=[], text=text, findings=[], extracted=[],
                             proposed=[], unread=unread, warnings=warnings, rulebase_version=kb.version)
    sec = kb.sectors[used]
    found = reading.facts[used]
    text_context.settle(found, kb, used, as_of or dt.date.today())
    given = parse_facts(sec, facts or {}) if facts else {}
    # conflicting confirmed readings of one fact in one finding: neither is asserted
    confirmed: dict[int, dict[str, Extracted]] = {}
    for x in found:
        if not x.confirmed:
            continue
        have = confirmed.setdefault(x.finding, {})
        old = have.get(x.fact)
        if old is not None and old.value != x.value:
            warnings.append(f"文本对“{sec.facts[x.fact].label}”的表述前后矛盾（“{old.text}”与“{x.text}”），未采用，请核实")
            x.confidence = old.confidence = min(x.confidence, old.confidence, CONFIRM - 0.01)
            have.pop(x.fact)
            continue
        have[x.fact] = x
    scope = {x.fact: x.value for x in found if x.confirmed and sec.facts[x.fact].scope}
    results: list[FindingResult] = []
    for fi, (fs, fe) in enumerate(reading.findings):
        own = {fid: x.value for fid, x in confirmed.get(fi, {}).items()}
        merged = {**{k: v for k, v in scope.items() if k not in own}, **own}
        typed = parse_facts(sec, merged, "text") if merged else {}
        for fid, value in given.items():
            if fid in typed and typed[fid] != value:
                warnings.append(f"结构化事实“{sec.facts[fid].label}”与文本读取的取值不一致，以结构化事实为准")
            typed[fid] = value
        if not own and not given:
            continue  # nothing stated in this finding: it appears under `unread`, not judged on context alone
        try:
            j = judge(used, typed, as_of, complete=complete, kb=kb, context=context)
        except HazardError as exc:
            if exc.code != "no_edition_in_force":
                raise
            warnings.append(f"第{fi + 1}条发现未判定：{exc.message}")  # e.g. a 居民用户 under the gas-operator standard
            continue
        results.append(FindingResult(index=fi, start=fs, end=fe, text=text[fs:fe], verdict=j.verdict,
                                     verdict_zh=j.verdict_zh, facts={sec.facts[k].label: v for k, v in typed.items()},
                                     judgement=j))
    if not results and given:
        j = judge(used, given, as_of, complete=complete, kb=kb, context=context)
        results.append(FindingResult(index=0, start=0, end=len(text), text=text, verdict=j.verdict,
                                     verdict_zh=j.verdict_zh, facts={sec.facts[k].label: v for k, v in given.items()},
                                     judgement=j))
    extracted = [_out(x, sec, x.confirmed, text) for x in found]
    proposed = [e for e in extracted if not e.confirmed]
    if not results:
        warnings.append("文本中没有可确认的事实，未作判定；请核实下列待确认事项或补充事实")
    verdict = _verdict([r.verdict for r in results])
    verdict_zh = verdict_term(kb.sectors[used], verdict) if used in kb.sectors else VERDICT_ZH[verdict]  # 重大火灾隐患 for fire
    return TextJudgement(verdict=verdict, verdict_zh=verdict_zh, sector=used, sector_note=note,
                         sectors_proposed=proposals, text=text, findings=results, extracted=extracted,
                         proposed=proposed, unread=_unread(reading, found, used, day, kb), warnings=warnings,
                         rulebase_version=kb.version)
