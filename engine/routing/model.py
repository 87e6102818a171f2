"""The routing data format (knowledge/routing/*.yaml), validated with pydantic."""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ROLES = ("负有安全生产监督管理职责的部门", "行业主管部门", "综合部门", "保障部门", "属地")
TERRITORIAL = "属地"
SUPERVISOR = "负有安全生产监督管理职责的部门"
VENUE_KINDS = ("行业场所", "大单位", "小场所", "新业态", "重大危险源企业")
VERDICTS = ("major", "not_major", "insufficient", "not_determined")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)  # built on first use (cached routers skip it)

    @model_validator(mode="before")
    @classmethod
    def _drop_anchors(cls, data: Any) -> Any:
        """Keys starting with `_` only hold YAML anchors for reuse."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("_"))}
        return data


class Basis(Strict):
    """Why an assignment is so: the plan (item + exact words), a legal/criterion text, or the default."""

    plan: Optional[str] = None  # item number of the district plan
    text: Optional[str] = None  # id of a text in sources.yaml (law, criterion)
    quote: Optional[str] = None  # exact words, checked against sources.yaml
    default: Optional[str] = None  # the plan is silent: the default principle applied, and how

    @model_validator(mode="after")
    def _one_kind(self) -> "Basis":
        kinds = [k for k in ("plan", "text", "default") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("依据须且只能写 plan（方案项号）、text（原文 id）或 default（默认原则）之一")
        if kinds[0] != "default" and not self.quote:
            raise ValueError("引用方案或原文时须写 quote（逐字原文）")
        return self


class Assign(Strict):
    """A department's part in a stage."""

    dept: str
    does: str
    role: Optional[str] = None  # the role it acts in here, when not its usual one
    basis: list[Basis] = Field(min_length=1)

    @field_validator("role")
    @classmethod
    def _role(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and v not in ROLES:
            raise ValueError(f"role 须为 {'、'.join(ROLES)} 之一")
        return v


class Handover(Strict):
    from_: str = Field(alias="from")
    to: str
    how: Literal["问题移交", "吹哨报道"]


class Stage(Strict):
    name: str
    lead: list[Assign]  # exactly one (checked on the graph, so a broken file names the stage)
    partners: list[Assign] = Field(default_factory=list)
    handover: list[Handover] = Field(default_factory=list)  # explicit relays; otherwise straight to the lead

    @field_validator("lead", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, dict) else v


class When(Strict):
    """Conditions of a selector or an adjustment; all given ones must hold."""

    sector: Optional[str] = None
    document: Optional[str] = None  # regex on the document id
    rule: Optional[str] = None  # regex on the rule id
    clause: Optional[str] = None  # regex on the clause number
    text: Optional[str] = None  # regex on the clause text / situation
    facts: list[dict[str, Any]] = Field(default_factory=list)  # [{fact: id, is: v} | {fact: id, in: [..]}]
    venue: list[str] = Field(default_factory=list)
    venue_kind: list[Literal[VENUE_KINDS]] = Field(default_factory=list)  # type: ignore[valid-type]
    in_park: Optional[bool] = None
    verdict: list[Literal[VERDICTS]] = Field(default_factory=list)  # type: ignore[valid-type]

    @property
    def specificity(self) -> int:
        return sum(bool(getattr(self, k)) for k in ("sector", "document", "rule", "clause", "text")) + len(self.facts)


class Selector(Strict):
    when: When
    stage: str


class Adjust(Strict):
    when: When
    lead: Optional[Assign] = None
    partners: list[Assign] = Field(default_factory=list)
    note: Optional[str] = None


class Matter(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    aliases: list[str] = Field(default_factory=list)
    order: int = 1000
    basis: list[Basis] = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1)
    default_stage: str
    select: list[Selector] = Field(default_factory=list)
    adjust: list[Adjust] = Field(default_factory=list)
    related: list[Selector] = Field(default_factory=list)  # other sectors' findings this chain also concerns

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)


class Department(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    role: Literal[ROLES]  # type: ignore[valid-type]
    keywords: list[str] = Field(default_factory=list)


class Departments(Strict):
    departments: list[Department]


class Profile(Strict):
    id: str
    district: str
    extends: Optional[str] = None
    names: dict[str, str] = Field(default_factory=dict)
    aliases: dict[str, list[str]] = Field(default_factory=dict)


class Venue(Strict):
    name: str
    kind: Literal[VENUE_KINDS]  # type: ignore[valid-type]
    aliases: list[str] = Field(default_factory=list)


class Venues(Strict):
    venues: list[Venue]


class Channels(Strict):
    names: list[str]
    basis: list[Basis]


class Territorial(Strict):
    in_park: Assign
    outside: Assign
    unknown: str


class HandoverSettings(Strict):
    basis: list[Basis] = Field(min_length=1)


class Closure(Strict):
    by: Literal["lead", "supervisor"]
    does: str
    basis: list[Basis] = Field(min_length=1)


class Settings(Strict):
    default_profile: str
    profile_env: str = "HAZARD_DISTRICT"
    principle: str
    principle_basis: Basis
    context_facts: dict[Literal["in_park", "venue"], list[str]] = Field(default_factory=dict)
    channels: Channels
    territorial: Territorial
    handover: HandoverSettings
    major: list[Closure] = Field(default_factory=list)
    fallback: Assign  # a sector with no routing data (only possible with another knowledge base)


class PlanText(Strict):
    title: str
    source: str
    items: dict[str, str]


class SourceText(Strict):
    id: str
    kind: Literal["law", "criterion"]
    title: str
    text: str
    verified_against: Optional[str] = None
    unverified: Optional[str] = None


class Sources(Strict):
    plan: PlanText
    texts: list[SourceText] = Field(default_factory=list)

