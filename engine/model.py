"""The knowledge format: documents, clauses, rules and the fact vocabulary (validated with pydantic).

A sector expert writes these as YAML under `knowledge/<sector>/`; `engine.knowledge` loads and
cross-checks them. Field docs here are the reference for that YAML.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine import logic


class Strict(BaseModel):
    # defer_build: a validator is built on first validation, so a process that reads the knowledge base
    # from the disk cache (engine.kbcache) never builds the schemas of the knowledge models
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Fact(Strict):
    """One fact an inspector can establish, with the question that establishes it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str  # the Chinese name an inspector recognises
    type: Literal["bool", "enum", "number"]
    values: Optional[list[str]] = None  # enum only
    unit: Optional[str] = None  # number only, e.g. "%", "m", "min"
    min: Optional[float] = None
    max: Optional[float] = None
    question: str
    derived: bool = False  # concluded by a rule; may still be given directly
    scope: bool = False  # decides which documents apply; does not make a rule "relevant"
    # number only: comparison outcomes the clause itself words, accepted instead of a number and never
    # turned into one, e.g. {超限: {ge: 1.0}} (the clause's own threshold); "超过30%" style phrases need none
    outcomes: dict[str, dict[Literal["ge", "gt", "le", "lt"], float]] = Field(default_factory=dict)
    phrases: dict[str, list[str]] = Field(default_factory=dict)  # value ("true"/"false"/enum) -> phrases
    # value ("true"/"false"/enum value) -> other words an inspector writes for exactly that value
    # (structured input and free text); one word under two values is ambiguous and is asked back
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    # number only: a bare number (no unit written) with 0 < |value| <= this is refused, because it
    # could be a ratio (1.15 for 115 %, 0.012 for 1.2 %): the unit must be written; larger bare
    # numbers are read in `unit`
    unit_required_up_to: Optional[float] = None
    # editions: the fact of another edition that tests the same thing (the value is carried
    # over when this fact is given but only the other edition is in force), or the one that
    # replaced it (not the same test: named in the judgement's warning, never translated)
    same_as: Optional[str] = None
    replaced_by: list[str] = Field(default_factory=list)  # one id or a list (a fact split in two)
    # one way only: this fact's value is carried over to that fact of another edition, never back
    # (the newer test is narrower: a figure under it can only be lower than under the older one)
    carries_to: Optional[str] = None
    # bool only: what stating this fact as true also states, because its label says so
    # ("生产矿井单回路供电"=是 states 矿井建设生产状态=生产矿井): fact id -> value, applied when not given
    implies: dict[str, Any] = Field(default_factory=dict)
    # bool only: what stating this fact as false also states ("构成危险化学品重大危险源"=否 states
    # 罐区重大危险源级别=不构成重大危险源)
    implies_if_no: dict[str, Any] = Field(default_factory=dict)
    note: Optional[str] = None

    @field_validator("replaced_by", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="after")
    def _shape(self) -> "Fact":
        if self.type == "enum" and not self.values:
            raise ValueError(f"事实 {self.id} 为枚举类型，须列出 values")
        if self.type != "enum" and self.values:
            raise ValueError(f"事实 {self.id} 不是枚举类型，不应有 values")
        if self.outcomes and self.type != "number":
            raise ValueError(f"事实 {self.id} 不是数值类型，不应有 outcomes")
        if any(len(c) != 1 for c in self.outcomes.values()):
            raise ValueError(f"事实 {self.id} 的每个 outcomes 取值须恰好写一个比较（如 {{ge: 1.0}}）")
        if self.type != "number" and (self.unit or self.min is not None or self.max is not None):
            raise ValueError(f"事实 {self.id} 不是数值类型，不应有 unit/min/max")
        if self.unit_required_up_to is not None and not (self.type == "number" and self.unit):
            raise ValueError(f"事实 {self.id}：unit_required_up_to 只用于有单位的数值事实")
        allowed = set(self.values or []) if self.type == "enum" else {"true", "false"} if self.type == "bool" else set()
        bad = set(self.aliases) - allowed
        if bad:
            raise ValueError(f"事实 {self.id} 的 aliases 键须为其取值（{'、'.join(sorted(allowed)) or '数值事实不用 aliases'}），得到 {sorted(bad)}")
        if (self.implies or self.implies_if_no) and self.type != "bool":
            raise ValueError(f"事实 {self.id} 不是是否类事实，不能写 implies / implies_if_no")
        if self.same_as and self.replaced_by:
            raise ValueError(f"事实 {self.id} 不能同时写 same_as 与 replaced_by")
        if self.carries_to and self.same_as:
            raise ValueError(f"事实 {self.id} 不能同时写 same_as 与 carries_to")
        return self


class Conclusion(Strict):
    """What a rule concludes when its conditions hold."""

    kind: Literal["major_hazard", "violation", "derive"]
    fact: Optional[str] = None  # for derive: the (bool) fact set to the rule's truth

    @model_validator(mode="after")
    def _fact_for_derive(self) -> "Conclusion":
        if (self.kind == "derive") != (self.fact is not None):
            raise ValueError("derive 结论必须且只能写 fact；其他结论不写 fact")
        return self


# a rule's `situation` starting with one of these is a fragment of its clause ("或者制度未有效执行"):
# shown to an inspector as the whole clause sentence instead
FRAGMENT_STARTS = ("或", "和", "及", "以及", "并", "且", "、", "，", "；", "但")


class Rule(Strict):
    """One situation of one clause: conditions over facts and a conclusion."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    clause: str  # the document's own numbering, e.g. 七 or 第五条（二）
    situation: Optional[str] = None  # exact part of the clause text this rule encodes
    when: Any
    unless: Any = None  # a defeater: when true, the conclusion is withheld (e.g. an exclusion)
    # what kind of defeater `unless` is:
    #  - exception: a 除外 clause of the law ("…的除外"): the situation is a major hazard unless the
    #    exception is shown; while unanswered the conclusion stands and the exception is listed as
    #    除外情形待核实 (with its own question and clause text);
    #  - condition: a precondition that must be settled before the rule concludes (open keeps it open).
    unless_kind: Literal["exception", "condition"] = "condition"
    then: Conclusion
    note: Optional[str] = None
    unverified: Optional[str] = None  # why the text or reading is not fully verified

    @field_validator("then", mode="before")
    @classmethod
    def _short_then(cls, v: Any) -> Any:
        if isinstance(v, str):
            return {"kind": v}
        if isinstance(v, dict) and "derive" in v:
            return {"kind": "derive", "fact": v["derive"]}
        return v

    @cached_property  # parsed once per rule, not on every judgement
    def condition(self) -> logic.Node:
        return logic.parse(self.when, self.id)

    @cached_property
    def defeater(self) -> logic.Node | None:
        return None if self.unless is None else logic.parse(self.unless, self.id)


class Clause(Strict):
    no: str
    text: Optional[str] = None  # exact text; None when the text is missing from the sources
    status: Literal["encoded", "not_encodable", "missing", "not_a_criterion"] = "encoded"
    reason: Optional[str] = None  # why not encoded / missing
    unverified: Optional[str] = None

    @model_validator(mode="after")
    def _reason(self) -> "Clause":
        if self.status != "encoded" and not self.reason:
            raise ValueError(f"条款 {self.no} 状态为 {self.status}，须写明 reason")
        if self.status == "encoded" and not self.text:
            raise ValueError(f"条款 {self.no} 标为已编码，但没有条文")
        return self


NEGATE = {"ge": "lt", "lt": "ge", "gt": "le", "le": "gt"}


class Band(Strict):
    """One row of a threshold table: where the key fact falls, what the value fact must meet."""

    key: dict[Literal["ge", "gt", "le", "lt"], float]
    require: dict[Literal["ge", "gt", "le", "lt"], float]


class Table(Strict):
    """A table of the standard as data (e.g. 煤矿 表2 瓦斯抽采率指标). A rule condition
    `{fails_table: 表2}` is true when the value fact misses the requirement of the key's band."""

    id: str
    caption: str
    key: str  # fact id of the row selector (e.g. 工作面绝对瓦斯涌出量)
    value: str  # fact id that must meet the requirement (e.g. 工作面瓦斯抽采率)
    columns: list[str] = Field(default_factory=list)
    rows: list[list[str]] = Field(default_factory=list)  # verbatim cells, for display
    bands: list[Band]

    def failing_condition(self) -> dict:
        return {"any": [
            {"all": [{"fact": self.key, op: v} for op, v in band.key.items()]
             + [{"any": [{"fact": self.value, NEGATE[op]: v} for op, v in band.require.items()]}]}
            for band in self.bands
        ]}


def _expand_tables(node: Any, tables: dict[str, dict]) -> Any:
    if isinstance(node, dict):
        if "fails_table" in node:
            table = tables.get(node["fails_table"])
            if table is None:
                raise ValueError(f"条件引用了本文件未定义的表 {node['fails_table']}")
            return Table.model_validate(table).failing_condition()
        return {k: _expand_tables(v, tables) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand_tables(x, tables) for x in node]
    return node


class Document(Strict):
    """One edition of one official document."""

    id: str
    sector: str
    title: str
    number: str
    issuer: str
    published: Optional[dt.date] = None
    effective: dt.date  # first day in force
    effective_note: Optional[str] = None
    expires: Optional[dt.date] = None  # last day in force (inclusive); None while in force
    replaces: Optional[str] = None  # id of the edition this one supersedes
    status: Literal["encoded", "not_encoded"] = "encoded"
    status_note: Optional[str] = None
    source: str  # where the text was taken from, e.g. ../shared/criteria/chemicals.yaml#CHEM-2017
    preamble: Optional[str] = None
    scope: Any = None  # condition every rule of this document also needs (e.g. the mine is a coal mine)
    scope_note: Optional[str] = None
    coverage_note: Optional[str] = None  # what this edition cannot check (e.g. clauses whose text is missing); warned on every judgement that applies it
    structure: Optional[list[str]] = None  # chapter headings known for a not-encoded edition
    clauses: list[Clause] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _tables_into_conditions(cls, data: Any) -> Any:
        """Expand `{fails_table: id}` in rule conditions into the table's band conditions."""
        if not isinstance(data, dict) or not data.get("tables") or not isinstance(data.get("rules"), list):
            return data
        tables = {t.get("id"): t for t in data["tables"] if isinstance(t, dict)}
        data = dict(data)
        data["rules"] = [
            {**r, "when": _expand_tables(r.get("when"), tables)} if isinstance(r, dict) else r
            for r in data["rules"]
        ]
        return data

    @cached_property
    def scope_condition(self) -> logic.Node | None:
        return None if self.scope is None else logic.parse(self.scope, self.id)

    def in_force(self, day: dt.date) -> bool:
        return self.effective <= day and (self.expires is None or day <= self.expires)

    @cached_property
    def clause_index(self) -> dict[str, Clause]:
        """clause number -> clause (the first with that number; the loader rejects duplicates)."""
        out: dict[str, Clause] = {}
        for c in self.clauses:
            out.setdefault(c.no, c)
        return out

    def clause(self, no: str) -> Clause | None:
        return self.clause_index.get(no)

    @cached_property
    def tested_facts(self) -> frozenset[str]:
        """Every fact the document's rules (conditions and exceptions) or its scope test."""
        nodes = [r.condition for r in self.rules] + [r.defeater for r in self.rules if r.unless is not None]
        if self.scope is not None:
            nodes.append(self.scope_condition)
        return frozenset(leaf.fact for node in nodes for leaf in logic.leaves(node))

    @cached_property
    def derived_facts(self) -> frozenset[str]:
        """Every fact the document's rules derive."""
        return frozenset(r.then.fact for r in self.rules if r.then.kind == "derive" and r.then.fact)

    @cached_property
    def used_facts(self) -> frozenset[str]:
        """Every fact the document tests or derives (tested_facts | derived_facts)."""
        return self.tested_facts | self.derived_facts


class Vocabulary(Strict):
    sector: str
    label: str  # Chinese name of the sector
    # the sector's own verdict terms, e.g. fire {major: 重大火灾隐患, not_major: 不构成重大火灾隐患}
    # (keys: major, not_major, insufficient, not_determined; missing keys keep the general term)
    verdict_terms: dict[Literal["major", "not_major", "insufficient", "not_determined"], str] = Field(
        default_factory=dict)
    facts: list[Fact]


class VocabularyPart(Strict):
    """Extra facts of a sector in their own file (vocabulary-<part>.yaml), merged at load."""

    facts: list[Fact]


# ---- judgement output ---------------------------------------------------------------------

class DocumentRef(BaseModel):
    id: str
    title: str
    number: str
    issuer: str
    effective: dt.date
    expires: Optional[dt.date] = None


class Reason(BaseModel):
    """A fact that made a condition true (or false), and where it came from."""

    fact: str
    label: str
    value: Union[bool, str, float, int]
    condition: str  # the condition in plain Chinese
    source: str  # "given" or the id of the rule that derived it
    derived_from: list["Reason"] = Field(default_factory=list)


class PendingException(BaseModel):
    """A 除外 exception of the clause nobody has answered: the conclusion stands unless it is shown."""

    fact: str
    label: str
    question: str
    clause: str  # the clause that states the exception
    text: str  # its exact text


class Finding(BaseModel):
    """A concluded rule: a major hazard or a violation, with its legal citation."""

    rule_id: str
    kind: Literal["major_hazard", "violation"]
    document: DocumentRef
    clause: str
    text: str
    situation: Optional[str] = None
    reasoning: list[Reason]
    unverified: Optional[str] = None
    exceptions_pending: list[PendingException] = Field(default_factory=list)  # 除外情形待核实


class NotMet(BaseModel):
    rule_id: str
    document: str
    clause: str
    kind: str
    situation: Optional[str] = None  # the situation as a whole sentence of the clause
    failed: list[str]  # the conditions that failed, in plain Chinese
    defeated_by: Optional[str] = None  # an exclusion that withheld the conclusion


class Question(BaseModel):
    fact: str
    label: str
    question: str
    type: str
    values: Optional[list[str]] = None
    unit: Optional[str] = None
    open_rules: list[str]
    # why it is asked: "major" (one answer can make the verdict 重大事故隐患), "settle" (one answer can rule
    # out a situation still open), "more" (needed together with other answers)
    decides: Literal["major", "settle", "more"] = "more"


class Judgement(BaseModel):
    verdict: Literal["major", "not_major", "insufficient", "not_determined"]
    verdict_zh: str
    sector: str
    on_reported_facts: bool = False  # 不构成 judged on the reported facts only (the inspection is not complete)
    as_of: dt.date
    documents: list[DocumentRef]
    hazards: list[Finding] = Field(default_factory=list)
    violations: list[Finding] = Field(default_factory=list)
    not_met: list[NotMet] = Field(default_factory=list)
    open_rules: list[str] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)  # the most decisive first (the top few unless all asked)
    questions_omitted: int = 0  # further questions not shown (ask for all questions to see them)
    warnings: list[str] = Field(default_factory=list)
    facts: dict[str, Any] = Field(default_factory=dict)  # the facts as understood, by id
    derived: dict[str, Any] = Field(default_factory=dict)
    reference: Optional["Judgement"] = None  # analysis under an older edition, for reference only
    route: Optional[dict[str, Any]] = None
    rulebase_version: str = ""
