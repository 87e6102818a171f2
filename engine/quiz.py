"""Training quizzes generated from the rule base; the answer key is the engine's own judgement.

Every question is built from a rule's conditions (engine.examples) and judged by `engine.judge.judge`
at generation time: the key is what the engine answers, never written by hand, and every option
carries the engine's explanation (reasoning and exact clause text). Kinds:

- verdict   是否构成重大事故隐患: a finding (a situation, a near miss, or one fact short of a situation);
- clause    依据哪一条: the clause a finding is judged under, distractors from the same document;
- boundary  边界: a number exactly at the threshold (以上/以下 include it, 超过/不满 do not), or the same
            finding judged across an edition change (e.g. coal mines before/after 2026-07-01);
- question  还需核实什么: which fact settles a finding that is one fact short of a situation;
- lead      牵头部门: who leads the rectification under the "一件事" chain;
- multi     多选: which of these findings are major hazards.

A quiz is reproducible: the same (sector, count, seed, date, kinds) and rule base give the same quiz.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any, Literal, Optional

from pydantic import BaseModel, Field

from engine import examples, knowledge, logic
from engine.errors import HazardError
from engine.facts import format_value
from engine.knowledge import KnowledgeBase, Sector
from engine.model import Document, Judgement, Rule
from engine.quiz_kinds import KIND_ZH, MAX_COUNT  # noqa: F401 - also importable from here

KINDS = ("verdict", "clause", "boundary", "question", "lead", "multi")
LETTERS = "ABCDEFGH"
VERDICT_OPTIONS = ("major", "not_major", "insufficient")


class Option(BaseModel):
    key: str = Field(description="选项字母 A/B/C/D")
    text: str
    value: str = Field(description="选项的机器可读取值：结论代码、条款编号、事实编号、部门名称或发现序号")
    correct: bool
    explanation: str = Field(description="该选项为何对或错：引擎的推理与条款原文")


class QuizQuestion(BaseModel):
    id: str = Field(description="题目编号（在本套题内唯一）")
    kind: Literal["verdict", "clause", "boundary", "question", "lead", "multi"]
    kind_zh: str
    sector: str
    as_of: dt.date = Field(description="按此检查日期施行的版本判定")
    stem: str = Field(description="题干")
    finding: list[str] = Field(default_factory=list, description="题干中的检查发现（事实：取值）")
    options: list[Option]
    answer: list[str] = Field(description="正确选项字母（多选题可多个）")
    rule_id: str = Field(description="出题所依据的规则")
    document: str
    clause: str
    cases: list[dict[str, Any]] = Field(default_factory=list,
                                        description="判卷用：每个选项或题干对应的事实与日期（供复核）")


class Quiz(BaseModel):
    id: str
    sector: Optional[str]
    as_of: dt.date
    seed: int
    count: int
    kinds: list[str]
    questions: list[QuizQuestion]
    rulebase_version: str


def _verdict_zh(code: str) -> str:
    from engine.judge import VERDICT_ZH

    return VERDICT_ZH[code]


def _show(sector: Sector, facts: dict[str, Any]) -> list[str]:
    return [f"{sector.facts[f].label}：{format_value(sector.facts[f], v)}" for f, v in facts.items()]


def _explain(j: Judgement) -> str:
    """The engine's own explanation of a judgement, short enough for an option."""
    if j.hazards:
        parts = []
        for h in j.hazards[:2]:
            why = "；".join(r.condition for r in h.reasoning)
            parts.append(f"{h.document.number} 条款 {h.clause}：“{h.text.rstrip('。；;')}”。推理：{why}")
        return "判定为" + j.verdict_zh + "。" + " ".join(parts)
    if j.verdict == "not_major":
        failed = "；".join(x for n in j.not_met[:2] for x in n.failed[:2])
        return f"判定为{j.verdict_zh}。{failed}"
    if j.verdict == "insufficient":
        asks = "、".join(q.label for q in j.questions[:3])
        return f"判定为{j.verdict_zh}：尚需核实 {asks}"
    return f"判定为{j.verdict_zh}。"


class Generator:
    """Builds questions for one date from the documents in force; every key comes from judge()."""

    def __init__(self, kb: KnowledgeBase, as_of: dt.date, rng: random.Random):
        from engine.pipeline import judge

        self.kb, self.as_of, self.rng, self._judge = kb, as_of, rng, judge
        self._leads: list[str] | None = None

    def judge(self, sector: Sector, facts: dict[str, Any], day: dt.date | None = None) -> Judgement:
        return self._judge(sector.id, facts, day or self.as_of, kb=self.kb)

    def major(self, sector: Sector, doc: Document, rule: Rule) -> tuple[examples.Example, Judgement] | None:
        ex = examples.major_case(sector, doc, rule)
        if ex is None:
            return None
        j = self.judge(sector, ex.facts)
        if j.verdict != "major" or rule.id not in {h.rule_id for h in j.hazards}:
            return None
        return ex, j

    # ---- kinds -------------------------------------------------------------------------------
    def verdict(self, sector: Sector, doc: Document, rule: Rule, qid: str) -> QuizQuestion | None:
        found = self.major(sector, doc, rule)
        if found is None:
            return None
        ex, j = found
        variants = [("major", ex.facts, j)]
        for miss in examples.near_misses(sector, doc, rule, ex):
            mj = self.judge(sector, miss.facts)
            variants.append((mj.verdict, miss.facts, mj))
        short = self._one_short(sector, doc, rule, ex)
        if short is not None:
            variants.append((short[1].verdict, short[0], short[1]))
        code, facts, judged = self.rng.choice(variants)
        if judged.verdict not in VERDICT_OPTIONS:
            return None
        options = [(c, _verdict_zh(c)) for c in VERDICT_OPTIONS]
        explanations = {c: (_explain(judged) if c == judged.verdict else
                            f"不对：引擎{_explain(judged)}") for c, _ in options}
        return self._question(qid, "verdict", sector, doc, rule,
                              f"检查日期 {self.as_of}，现场发现如下。按施行中的判定标准，该发现是否构成重大事故隐患？",
                              _show(sector, facts), options, {judged.verdict}, explanations,
                              [{"facts": facts, "as_of": self.as_of.isoformat()}])

    def clause(self, sector: Sector, doc: Document, rule: Rule, qid: str) -> QuizQuestion | None:
        found = self.major(sector, doc, rule)
        if found is None:
            return None
        ex, j = found
        cited = {h.clause for h in j.hazards if h.document.id == doc.id}
        if len(cited) != 1:
            return None
        facts_of = {l.fact for l in logic.leaves(rule.condition) if not sector.facts[l.fact].scope}
        others = [c.no for c in doc.clauses if c.status == "encoded" and c.no not in cited]
        sharing = [c for c in others if any(facts_of & {l.fact for l in logic.leaves(r.condition)}
                                            for r in doc.rules if r.clause == c)]
        pool = sharing + [c for c in others if c not in sharing]
        self.rng.shuffle(sharing)
        distractors = list(dict.fromkeys(sharing + pool))[:3]
        if len(distractors) < 3:
            return None
        options = [(rule.clause, self._clause_label(doc, rule.clause))] + [(c, self._clause_label(doc, c)) for c in distractors]
        explanations = {c: (_explain(j) if c == rule.clause else f"不对：该发现不满足条款 {c}。{_explain(j)}")
                        for c, _ in options}
        return self._question(qid, "clause", sector, doc, rule,
                              f"检查日期 {self.as_of}，现场发现如下。该发现应依据{doc.number}哪一条判定为重大事故隐患？",
                              _show(sector, ex.facts), options, {rule.clause}, explanations,
                              [{"facts": ex.facts, "as_of": self.as_of.isoformat()}])

    def boundary(self, sector: Sector, doc: Document, rule: Rule, qid: str) -> QuizQuestion | None:
        found = self.major(sector, doc, rule)
        if found is None:
            return None
        ex, _ = found
        leaves = [l for l in logic.leaves(rule.condition) if l.op in logic.NUMERIC_OPS and l.fact in ex.facts]
        if not leaves:
            return self.edition(sector, doc, rule, qid, ex)
        leaf = self.rng.choice(leaves)
        facts = {**ex.facts, leaf.fact: leaf.value}
        j = self.judge(sector, facts)
        if j.verdict not in ("major", "not_major"):
            return None
        fact = sector.facts[leaf.fact]
        word = logic.OPERATORS[leaf.op]
        options = [("major", _verdict_zh("major")), ("not_major", _verdict_zh("not_major"))]
        explanations = {c: (("" if c == j.verdict else "不对：") + f"条件为“{fact.label} {word} "
                            f"{format_value(fact, leaf.value)}”，恰为该数值时{'满足' if leaf.test(leaf.value) else '不满足'}。"
                            + _explain(j)) for c, _ in options}
        return self._question(qid, "boundary", sector, doc, rule,
                              f"检查日期 {self.as_of}，现场发现如下，其中“{fact.label}”恰为 {format_value(fact, leaf.value)}。"
                              "该发现是否构成重大事故隐患？", _show(sector, facts), options, {j.verdict}, explanations,
                              [{"facts": facts, "as_of": self.as_of.isoformat()}])

    def edition(self, sector: Sector, doc: Document, rule: Rule, qid: str, ex: examples.Example) -> QuizQuestion | None:
        """The same finding on the last day of an edition and the first day of the next one."""
        nxt = next((d for d in sector.documents if d.replaces == doc.id and d.status == "encoded"), None)
        prev = next((d for d in sector.documents if d.id == doc.replaces and d.status == "encoded"), None)
        if nxt is not None and doc.expires is not None:
            before, after = doc.expires, nxt.effective
        elif prev is not None and prev.expires is not None:
            before, after = prev.expires, doc.effective
        else:
            return None
        jb, ja = self.judge(sector, ex.facts, before), self.judge(sector, ex.facts, after)
        if ja.verdict not in VERDICT_OPTIONS or jb.verdict not in VERDICT_OPTIONS:
            return None
        later = ja if doc.effective <= after and (doc.expires is None or doc.expires >= after) else jb
        day = after if later is ja else before
        options = [(c, _verdict_zh(c)) for c in VERDICT_OPTIONS]
        other = jb if later is ja else ja
        explanations = {c: (("" if c == later.verdict else "不对：") + f"{day} 适用 "
                            f"{'、'.join(d.number for d in later.documents)}。{_explain(later)}"
                            f"（对照：{other.as_of} {_explain(other)}）") for c, _ in options}
        return self._question(qid, "boundary", sector, doc, rule,
                              f"现场发现如下，检查日期为 {day}（{before} 与 {after} 之间判定标准换版）。该发现如何判定？",
                              _show(sector, ex.facts), options, {later.verdict}, explanations,
                              [{"facts": ex.facts, "as_of": day.isoformat()}], day)

    def question(self, sector: Sector, doc: Document, rule: Rule, qid: str) -> QuizQuestion | None:
        found = self.major(sector, doc, rule)
        if found is None:
            return None
        ex, _ = found
        short = self._one_short(sector, doc, rule, ex)
        if short is None:
            return None
        facts, j, missing = short
        if j.verdict != "insufficient":
            return None
        asked = {q.fact for q in j.questions}
        pool = [f for f in sector.facts.values() if f.id not in asked and f.id not in ex.facts and not f.derived
                and not f.scope]
        self.rng.shuffle(pool)
        distractors = []
        for f in pool:
            if len(distractors) == 3:
                break
            answered = dict(facts)
            answered[f.id] = {"bool": True, "enum": (f.values or [None])[0]}.get(f.type, f.min if f.min is not None else 0)
            if self.judge(sector, answered).verdict == "insufficient":
                distractors.append(f)
        if len(distractors) < 3:
            return None
        fact = sector.facts[missing]
        options = [(fact.id, fact.question)] + [(f.id, f.question) for f in distractors]
        settled = self.judge(sector, ex.facts)
        explanations = {fid: (f"查明后即可判定：{_explain(settled)}" if fid == fact.id else
                              "不对：该问题与本发现涉及的情形无关，回答后仍无法判定。") for fid, _ in options}
        return self._question(qid, "question", sector, doc, rule,
                              f"检查日期 {self.as_of}，现场发现如下，引擎判定为信息不足。下列哪个问题查明后能作出判定？",
                              _show(sector, facts), options, {fact.id}, explanations,
                              [{"facts": facts, "as_of": self.as_of.isoformat(), "settles": fact.id,
                                "settles_value": ex.facts[fact.id]}])

    def lead(self, sector: Sector, doc: Document, rule: Rule, qid: str) -> QuizQuestion | None:
        found = self.major(sector, doc, rule)
        if found is None:
            return None
        ex, j = found
        name = ((j.route or {}).get("lead") or {}).get("name")
        if not name:
            return None
        others = [n for n in self.leads() if n != name]
        if len(others) < 3:
            return None
        self.rng.shuffle(others)
        options = [(name, name)] + [(n, n) for n in others[:3]]
        route = j.route or {}
        why = f"“一件事”事项：{route.get('matter')}，环节：{route.get('stage')}；牵头部门：{name}。"
        explanations = {n: (why if n == name else f"不对：{why}") for n, _ in options}
        return self._question(qid, "lead", sector, doc, rule,
                              f"检查日期 {self.as_of}，现场发现如下并判定为重大事故隐患。按“一件事”责任链条，由哪个部门牵头整改？",
                              _show(sector, ex.facts), options, {name}, explanations,
                              [{"facts": ex.facts, "as_of": self.as_of.isoformat()}])

    def multi(self, sector: Sector, doc: Document, rule: Rule, qid: str) -> QuizQuestion | None:
        rules = [r for r in doc.rules if r.then.kind == "major_hazard" and r.id != rule.id]
        self.rng.shuffle(rules)
        picks: list[tuple[str, dict[str, Any], Judgement]] = []
        for r in [rule] + rules:
            if len(picks) == 4:
                break
            found = self.major(sector, doc, r)
            if found is None:
                continue
            ex, j = found
            misses = examples.near_misses(sector, doc, r, ex)
            if misses and self.rng.random() < 0.5:
                facts = self.rng.choice(misses).facts
                j = self.judge(sector, facts)
            else:
                facts = ex.facts
            if j.verdict in ("major", "not_major"):
                text = "；".join(_show(sector, facts))
                if text not in {p[0] for p in picks}:
                    picks.append((text, facts, j))
        if len(picks) < 4 or not any(p[2].verdict == "major" for p in picks):
            return None
        options = [(str(i), text) for i, (text, _, _) in enumerate(picks)]
        key = {str(i) for i, p in enumerate(picks) if p[2].verdict == "major"}
        explanations = {str(i): _explain(p[2]) for i, p in enumerate(picks)}
        return self._question(qid, "multi", sector, doc, rule,
                              f"检查日期 {self.as_of}，下列检查发现中，哪些构成重大事故隐患？（多选）", [], options, key,
                              explanations, [{"facts": p[1], "as_of": self.as_of.isoformat()} for p in picks])

    # ---- helpers -----------------------------------------------------------------------------
    def _one_short(self, sector: Sector, doc: Document, rule: Rule, ex: examples.Example):
        candidates = [f for f in ex.facts if not sector.facts[f].scope]
        if len(candidates) < 2:
            return None  # a finding of one fact, taken away, leaves nothing to ask about
        self.rng.shuffle(candidates)
        for missing in candidates:
            facts = {f: v for f, v in ex.facts.items() if f != missing}
            j = self.judge(sector, facts)
            if j.verdict == "insufficient" and missing in {q.fact for q in j.questions}:
                return facts, j, missing
        return None

    def _clause_label(self, doc: Document, no: str) -> str:
        clause = doc.clause(no)
        text = clause.text if clause and clause.text else ""
        return f"条款 {no}：{text[:60]}{'…' if len(text) > 60 else ''}"

    def leads(self) -> list[str]:
        """Department names that lead some matter (from judging one situation of each sector)."""
        if self._leads is None:
            names: list[str] = []
            for sector in self.kb.sectors.values():
                for doc in knowledge.documents_in_force(sector, self.as_of):
                    rule = next((r for r in doc.rules if r.then.kind == "major_hazard"), None)
                    found = self.major(sector, doc, rule) if rule is not None and doc.status == "encoded" else None
                    lead = found and ((found[1].route or {}).get("lead") or {}).get("name")
                    if lead and lead not in names:
                        names.append(lead)
            extra = ["安全生产委员会办公室", "公安分局", "交通运输局", "商务局", "教育局", "文化旅游局"]
            self._leads = names + [n for n in extra if n not in names]
        return self._leads

    def _question(self, qid: str, kind: str, sector: Sector, doc: Document, rule: Rule, stem: str,
                  finding: list[str], options: list[tuple[str, str]], key: set[str], explanations: dict[str, str],
                  cases: list[dict[str, Any]], day: dt.date | None = None) -> QuizQuestion:
        order = list(range(len(options)))
        if kind not in ("verdict", "boundary"):
            self.rng.shuffle(order)
        opts, answer = [], []
        for letter, i in zip(LETTERS, order):
            code, text = options[i]
            opts.append(Option(key=letter, text=text, value=code, correct=code in key, explanation=explanations[code]))
            if code in key:
                answer.append(letter)
        return QuizQuestion(id=qid, kind=kind, kind_zh=KIND_ZH[kind], sector=sector.id, as_of=day or self.as_of,
                            stem=stem, finding=finding, options=opts, answer=answer, rule_id=rule.id,
                            document=doc.id, clause=rule.clause, cases=cases)


def quiz_id(sector: str | None, count: int, seed: int, as_of: dt.date, kinds: list[str], version: str,
            rules: list[str] | None = None) -> str:
    """A quiz is named by what generates it, so it can be regenerated to score answers."""
    spec = f"{sector or 'all'}|{count}|{seed}|{as_of}|{','.join(kinds)}|{','.join(rules or [])}"
    digest = hashlib.sha256(f"{spec}|{version}".encode()).hexdigest()[:8]
    return f"{sector or 'all'}.{count}.{seed}.{as_of:%Y%m%d}.{'-'.join(kinds)}.{digest}"


def generate(sector: str | None = None, count: int = 10, seed: int | None = None, as_of: dt.date | None = None,
             kinds: list[str] | None = None, *, rules: list[str] | None = None,
             kb: KnowledgeBase | None = None) -> Quiz:
    """A quiz of `count` questions (1–200) for `sector` (all sectors when None) on `as_of` (default today).

    `kinds` picks question kinds (default all of KINDS); `rules` restricts the situations asked about
    (e.g. a learner's weak clauses). Raises HazardError: unknown_sector, bad_count, unknown_kind,
    no_questions (nothing can be generated for that choice).
    """
    kb = kb or knowledge.default()
    if sector is not None and sector not in kb.sectors:
        raise HazardError("unknown_sector", f"未知行业“{sector}”；可选：{'、'.join(kb.sectors)}", "sector")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        raise HazardError("bad_count", f"题目数量须为 1～{MAX_COUNT} 的整数（收到：{count!r}）", "count")
    kinds = list(kinds or KINDS)
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise HazardError("unknown_kind", f"未知题型“{'、'.join(bad)}”；可选：{'、'.join(f'{k}（{KIND_ZH[k]}）' for k in KINDS)}",
                          "kind")
    as_of = as_of or dt.date.today()
    seed = seed if seed is not None else random.randrange(1, 10**6)
    rng = random.Random(f"{seed}|{sector}|{count}|{as_of}|{kinds}|{rules}")
    gen = Generator(kb, as_of, rng)
    pool: list[tuple[Sector, Document, Rule]] = []
    for s in kb.sectors.values():
        if sector is not None and s.id != sector:
            continue
        for doc in knowledge.documents_in_force(s, as_of):
            if doc.status != "encoded":
                continue
            pool.extend((s, doc, r) for r in doc.rules
                        if r.then.kind == "major_hazard" and (rules is None or r.id in rules))
    if not pool:
        raise HazardError("no_questions", f"{as_of} 没有可出题的已编码情形", "sector")
    rng.shuffle(pool)
    questions: list[QuizQuestion] = []
    attempts = 0
    while len(questions) < count and attempts < count * 8:
        s, doc, rule = pool[attempts % len(pool)]
        kind = kinds[attempts % len(kinds)] if len(kinds) > 1 else kinds[0]
        attempts += 1
        q = getattr(gen, kind)(s, doc, rule, f"Q{len(questions) + 1}")
        if q is not None:
            questions.append(q)
    if not questions:
        raise HazardError("no_questions", "按所选行业、题型和日期无法生成题目", "kind")
    return Quiz(id=quiz_id(sector, count, seed, as_of, kinds, kb.version, rules), sector=sector, as_of=as_of,
                seed=seed, count=count, kinds=kinds, questions=questions, rulebase_version=kb.version)


class Scored(BaseModel):
    quiz_id: str
    score: int
    total: int
    results: list[dict[str, Any]]


def score(quiz: Quiz, answers: dict[str, list[str] | str]) -> Scored:
    """Score answers ({question id: letter or letters}); unknown question ids or letters are refused."""
    by_id = {q.id: q for q in quiz.questions}
    unknown = [k for k in answers if k not in by_id]
    if unknown:
        raise HazardError("unknown_question", f"本套题没有题目 {'、'.join(map(str, unknown))}", "answers")
    results = []
    for q in quiz.questions:
        given = answers.get(q.id)
        chosen = sorted({given} if isinstance(given, str) else set(given or []))
        letters = {o.key for o in q.options}
        if any(c not in letters for c in chosen):
            raise HazardError("bad_answer", f"题目 {q.id} 的答案须为 {'、'.join(sorted(letters))} 中的字母", f"answers.{q.id}")
        correct = chosen == sorted(q.answer)
        results.append({"id": q.id, "kind": q.kind, "rule_id": q.rule_id, "document": q.document, "clause": q.clause,
                        "sector": q.sector, "given": chosen, "answer": q.answer, "correct": correct,
                        "explanations": {o.key: o.explanation for o in q.options}})
    return Scored(quiz_id=quiz.id, score=sum(r["correct"] for r in results), total=len(results), results=results)


def regenerate(quiz_id_text: str, *, kb: KnowledgeBase | None = None) -> Quiz:
    """The quiz a quiz id names (to score answers); refuses ids from another rule base."""
    kb = kb or knowledge.default()
    parts = quiz_id_text.split(".")
    try:
        sector, count, seed, day, kinds, _digest = parts
        as_of = dt.datetime.strptime(day, "%Y%m%d").date()
        quiz = generate(None if sector == "all" else sector, int(count), int(seed), as_of, kinds.split("-"), kb=kb)
    except (ValueError, HazardError):
        raise HazardError("unknown_quiz", f"没有编号为“{quiz_id_text}”的试卷", "quiz_id") from None
    if quiz.id != quiz_id_text:
        raise HazardError("unknown_quiz", f"试卷“{quiz_id_text}”不是按当前规则库生成的（规则库已更新），请重新出题", "quiz_id")
    return quiz
