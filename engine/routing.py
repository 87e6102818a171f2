"""Route every judgement to its lead department along the "一件事" chains of the district plan.

All routing knowledge is YAML under knowledge/routing/ (see its README): departments, district
profiles (display names), matters with their ordered stages and who leads / takes part in each,
selection rules (sector, clause, rule id, clause text, facts, venue, in-park, verdict) and the
quoted basis of every assignment. This module only loads it, builds a networkx graph, validates it
at start-up (a KnowledgeError stops start-up) and answers three questions: the route of a
judgement (`route_for`), the chain of a matter (`chain`), and the list of matters (`matters`).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Optional

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine import knowledge
from engine.errors import HazardError, KnowledgeError
from engine.knowledge import KnowledgeBase
from engine.model import Judgement

ROOT_ENV = "HAZARD_ROUTING"
ROLES = ("负有安全生产监督管理职责的部门", "行业主管部门", "综合部门", "保障部门", "属地")
TERRITORIAL = "属地"
SUPERVISOR = "负有安全生产监督管理职责的部门"
VENUE_KINDS = ("行业场所", "大单位", "小场所", "新业态", "重大危险源企业")
VERDICTS = ("major", "not_major", "insufficient", "not_determined")


# ---- the routing data format (validated with pydantic) ------------------------------------

class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

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


# ---- loading -------------------------------------------------------------------------------

def default_root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or knowledge.DEFAULT_ROOT / "routing")


def _read(path: Path, model: type[BaseModel]) -> Any:
    if not path.exists():
        raise KnowledgeError(str(path), "路由数据文件不存在")
    data = knowledge._read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeError(str(path), knowledge._pydantic_problem(exc)) from None


@dataclass
class RoutingData:
    root: Path
    settings: Settings
    sources: Sources
    departments: dict[str, Department]
    venues: list[Venue]
    matters: list[Matter]
    files: dict[str, str]  # matter id -> file


def load_data(root: Path | str | None = None) -> RoutingData:
    root = Path(root) if root else default_root()
    if not root.is_dir():
        raise KnowledgeError(str(root), "路由数据目录不存在")
    settings = _read(root / "routing.yaml", Settings)
    sources = _read(root / "sources.yaml", Sources)
    depts = _read(root / "departments.yaml", Departments).departments
    venues = _read(root / "venues.yaml", Venues).venues
    matters, files = [], {}
    for path in sorted((root / "matters").glob("*.yaml")):
        matter = _read(path, Matter)
        if matter.id in files:
            raise KnowledgeError(str(path), f"事项 id {matter.id} 与 {files[matter.id]} 重复")
        files[matter.id] = str(path)
        matters.append(matter)
    matters.sort(key=lambda m: (m.order, m.id))
    by_id: dict[str, Department] = {}
    for d in depts:
        if d.id in by_id:
            raise KnowledgeError(str(root / "departments.yaml"), f"部门 id 重复：{d.id}")
        by_id[d.id] = d
    return RoutingData(root, settings, sources, by_id, venues, matters, files)


def load_profile(data: RoutingData, ref: str | None = None) -> Profile:
    """A district profile by id (profiles/<id>.yaml) or by path; `extends` fills in the rest."""
    ref = ref or os.environ.get(data.settings.profile_env) or data.settings.default_profile
    seen: list[str] = []
    chain: list[Profile] = []
    while ref:
        path = Path(ref) if (ref.endswith((".yaml", ".yml")) or os.sep in ref) else data.root / "profiles" / f"{ref}.yaml"
        if not path.exists():
            known = sorted(p.stem for p in (data.root / "profiles").glob("*.yaml"))
            raise HazardError("unknown_district", f"未知的区县配置“{ref}”；可选：{'、'.join(known)}，或给出配置文件路径", "district")
        if str(path.resolve()) in seen:
            raise KnowledgeError(str(path), f"区县配置的 extends 形成环路：{' → '.join(seen + [str(path)])}")
        seen.append(str(path.resolve()))
        profile = _read(path, Profile)
        chain.append(profile)
        ref = profile.extends
    names: dict[str, str] = {}
    aliases: dict[str, list[str]] = {}
    for p in reversed(chain):
        names.update(p.names)
        for k, v in p.aliases.items():
            aliases[k] = aliases.get(k, []) + list(v)
    top = chain[0]
    file = seen[0]
    unknown = sorted(set(names) - set(data.departments))
    if unknown:
        raise KnowledgeError(file, f"区县配置命名了未知部门 {unknown}（departments.yaml 中没有）")
    missing = sorted(set(data.departments) - set(names))
    if missing:
        raise KnowledgeError(file, f"区县配置缺少部门名称：{missing}（可用 extends 继承默认区县）")
    return Profile(id=top.id, district=top.district, names=names, aliases=aliases)


# ---- the router ----------------------------------------------------------------------------

def _node(kind: str, *parts: str) -> str:
    return ":".join((kind,) + parts)


class Router:
    """The routing graph of one district profile, validated when built."""

    def __init__(self, data: RoutingData, profile: Profile):
        self.data = data
        self.profile = profile
        self.settings = data.settings
        self.texts = {t.id: t for t in data.sources.texts}
        self.venue_names: dict[str, Venue] = {}
        for v in data.venues:
            for name in [v.name, *v.aliases]:
                if name in self.venue_names:
                    raise KnowledgeError(str(data.root / "venues.yaml"), f"场所名称“{name}”重复")
                self.venue_names[name] = v
        self.graph = self._build()
        fallback = self.settings.fallback
        matter = Matter(id="unrouted", name="未配置路由的行业", order=10**6, basis=list(fallback.basis),
                        stages=[Stage(name="受理", lead=[fallback])], default_stage="受理")
        self.unrouted = (matter, matter.stages[0])

    # -- building and validating --

    def _check_basis(self, items: list[Basis], file: str, where: str) -> None:
        plan = self.data.sources.plan.items
        for b in items:
            if b.plan:
                if b.plan not in plan:
                    raise KnowledgeError(file, f"{where}：依据引用方案第{b.plan}项，但 sources.yaml 未收录该项原文")
                if b.quote not in plan[b.plan]:
                    raise KnowledgeError(file, f"{where}：引文“{b.quote}”不是方案第{b.plan}项的原文（须逐字摘录）")
            elif b.text:
                src = self.texts.get(b.text)
                if src is None:
                    raise KnowledgeError(file, f"{where}：依据引用了 sources.yaml 中没有的原文 “{b.text}”")
                if b.quote not in src.text:
                    raise KnowledgeError(file, f"{where}：引文“{b.quote}”不是{src.title}的原文（须逐字摘录）")

    def _dept(self, dept: str, file: str, where: str) -> str:
        if dept not in self.data.departments:
            raise KnowledgeError(file, f"{where} 引用了未知部门 “{dept}”（departments.yaml 中没有）")
        return _node("dept", dept)

    def _assign(self, g: nx.MultiDiGraph, a: Assign, target: str, kind: str, file: str, where: str, **attrs: Any) -> None:
        self._check_basis(a.basis, file, where)
        g.add_edge(self._dept(a.dept, file, where), target, kind=kind, does=a.does, **attrs)

    def _check_when(self, when: When, matter: Matter, file: str, where: str) -> None:
        for attr in ("document", "rule", "clause", "text"):
            pattern = getattr(when, attr)
            if pattern:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise KnowledgeError(file, f"{where}：{attr} 正则表达式有误（{exc}）") from None
        for venue in when.venue:
            if venue not in self.venue_names or self.venue_names[venue].name != venue:
                raise KnowledgeError(file, f"{where}：场所“{venue}”不在 venues.yaml 的规范名中")
        for cond in when.facts:
            if "fact" not in cond or not ({"is", "in"} & set(cond)) or set(cond) - {"fact", "is", "in"}:
                raise KnowledgeError(file, f"{where}：事实条件须写成 {{fact: id, is: 值}} 或 {{fact: id, in: [..]}}")

    def _build(self) -> nx.MultiDiGraph:
        data, s = self.data, self.settings
        g = nx.MultiDiGraph(district=self.profile.district, profile=self.profile.id)
        for d in data.departments.values():
            g.add_node(_node("dept", d.id), kind="department", name=self.profile.names[d.id], role=d.role)
        root = str(data.root / "routing.yaml")
        self._check_basis([s.principle_basis], root, "principle_basis")
        if s.principle not in data.sources.plan.items.get(s.principle_basis.plan or "", ""):
            raise KnowledgeError(root, "默认原则须与方案原文一致")
        self._check_basis(s.channels.basis, root, "channels")
        self._check_basis(s.handover.basis, root, "handover")
        for key in ("in_park", "outside"):
            a = getattr(s.territorial, key)
            self._check_basis(a.basis, root, f"territorial.{key}")
            self._dept(a.dept, root, f"territorial.{key}")
        for c in s.major:
            self._check_basis(c.basis, root, "major")
        self._check_basis(s.fallback.basis, root, "fallback")
        self._dept(s.fallback.dept, root, "fallback")
        for m in data.matters:
            file = data.files[m.id]
            self._check_basis(m.basis, file, f"事项“{m.name}”")
            mnode = _node("matter", m.id)
            g.add_node(mnode, kind="matter", name=m.name)
            names = [st.name for st in m.stages]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise KnowledgeError(file, f"事项“{m.name}”的环节名重复：{dup}")
            prev = None
            for i, st in enumerate(m.stages):
                snode = _node("stage", m.id, st.name)
                g.add_node(snode, kind="stage", name=st.name, matter=m.id, order=i)
                g.add_edge(mnode, snode, kind="has_stage", order=i)
                if prev:
                    g.add_edge(prev, snode, kind="next")
                prev = snode
                where = f"事项“{m.name}”环节“{st.name}”"
                for a in st.lead:
                    self._assign(g, a, snode, "leads", file, where)
                for a in st.partners:
                    self._assign(g, a, snode, "takes_part", file, where)
                for h in st.handover:
                    g.add_edge(self._dept(h.from_, file, where), self._dept(h.to, file, where),
                               kind="handover", stage=snode, how=h.how)
                self._check_stage(g, m, st, snode, file)
            if m.stage(m.default_stage) is None:
                raise KnowledgeError(file, f"事项“{m.name}”的 default_stage “{m.default_stage}”不是它的环节")
            for label, entries in (("select", m.select), ("related", m.related)):
                for i, sel in enumerate(entries):
                    where = f"事项“{m.name}” {label}[{i}]"
                    self._check_when(sel.when, m, file, where)
                    if m.stage(sel.stage) is None:
                        raise KnowledgeError(file, f"{where}：环节“{sel.stage}”不是该事项的环节")
                    g.add_edge(_node("sector", sel.when.sector or "*"), _node("stage", m.id, sel.stage),
                               kind="selects" if label == "select" else "relates", index=i)
            for i, adj in enumerate(m.adjust):
                where = f"事项“{m.name}” adjust[{i}]"
                self._check_when(adj.when, m, file, where)
                for a in ([adj.lead] if adj.lead else []) + list(adj.partners):
                    self._check_basis(a.basis, file, where)
                    self._dept(a.dept, file, where)
        return g

    def _check_stage(self, g: nx.MultiDiGraph, m: Matter, st: Stage, snode: str, file: str) -> None:
        leads = [u for u, _, k in g.in_edges(snode, data="kind") if k == "leads"]
        if len(leads) != 1:
            names = "、".join(g.nodes[u]["name"] for u in leads) or "无"
            raise KnowledgeError(file, f"事项“{m.name}”环节“{st.name}”有 {len(leads)} 个牵头部门（{names}），每个环节须恰好一个")
        # hand-over paths of the stage must end at its lead, without cycles or forks
        h = nx.DiGraph()
        for u, v, d in g.edges(data=True):
            if d.get("kind") == "handover" and d.get("stage") == snode:
                if u in h and h.out_degree(u) > 0:
                    raise KnowledgeError(file, f"事项“{m.name}”环节“{st.name}”：{g.nodes[u]['name']} 有多条移交去向")
                h.add_edge(u, v)
        try:
            cycle = nx.find_cycle(h)
        except nx.NetworkXNoCycle:
            cycle = None
        if cycle:
            path = " → ".join(g.nodes[u]["name"] for u, _ in cycle) + f" → {g.nodes[cycle[0][0]]['name']}"
            raise KnowledgeError(file, f"事项“{m.name}”环节“{st.name}”的移交路径形成环路：{path}")
        for sink in (n for n in h if h.out_degree(n) == 0):
            if sink != leads[0]:
                raise KnowledgeError(file, f"事项“{m.name}”环节“{st.name}”的移交路径终止于 {g.nodes[sink]['name']}，而不是牵头部门")

    def check_rules(self, kb: KnowledgeBase) -> dict[str, int]:
        """Every sector has a route and every rule resolves; facts the routing tests exist."""
        file = str(self.data.root / "matters")
        counts = {"sectors": 0, "rules": 0}
        for sector in kb.sectors.values():
            if self.select(sector.id) is None:
                raise KnowledgeError(file, f"行业 {sector.id}（{sector.label}）没有路由：请在某个事项的 select 中写 when: {{sector: {sector.id}}}")
            counts["sectors"] += 1
            for doc in sector.documents:
                for rule in doc.rules:
                    clause = doc.clause(rule.clause)
                    found = self.select(sector.id, document=doc.id, rule=rule.id, clause=rule.clause,
                                        text=" ".join(filter(None, [clause.text if clause else None, rule.situation])))
                    if found is None:
                        raise KnowledgeError(kb.sectors[sector.id].files[doc.id], "规则没有路由", rule.id)
                    counts["rules"] += 1
            for m in self.data.matters:
                if not any(sel.when.sector == sector.id for sel in m.select):
                    continue
                for i, adj in enumerate(m.adjust):
                    for cond in adj.when.facts:
                        if sector.fact_by_name(str(cond["fact"])) is None:
                            raise KnowledgeError(self.data.files[m.id], f"adjust[{i}] 引用了行业 {sector.id} 词汇表中没有的事实 “{cond['fact']}”")
        return counts

    # -- lookups --

    def name(self, dept: str) -> str:
        return self.profile.names[dept]

    def dept_view(self, dept: str, **extra: Any) -> dict[str, Any]:
        return {"id": dept, "name": self.name(dept), "role": self.data.departments[dept].role, **extra}

    def basis(self, items: list[Basis]) -> list[dict[str, Any]]:
        plan = self.data.sources.plan
        out = []
        for b in items:
            if b.plan:
                ref = f"《{plan.title}》第{b.plan}项"
                out.append({"kind": "plan", "ref": ref, "quote": b.quote, "text": f"{ref}：“{b.quote}”"})
            elif b.text:
                src = self.texts[b.text]
                item = {"kind": src.kind, "ref": src.title, "quote": b.quote, "text": f"{src.title}：“{b.quote}”"}
                if src.unverified:
                    item["unverified"] = src.unverified
                out.append(item)
            else:
                ref = f"《{plan.title}》第{self.settings.principle_basis.plan}项"
                out.append({"kind": "default", "ref": "默认原则", "quote": self.settings.principle,
                            "text": f"方案未明确，按默认原则“{self.settings.principle}”（{ref}）：{b.default}"})
        return out

    def assignment(self, a: Assign) -> dict[str, Any]:
        view = self.dept_view(a.dept, does=a.does, basis=self.basis(a.basis))
        if a.role:
            view["role"] = a.role
        return view

    def matter(self, name: str) -> Matter:
        for m in self.data.matters:
            if name in (m.id, m.name, *m.aliases):
                return m
        raise HazardError("unknown_matter", f"未知事项“{name}”；可选：{'、'.join(m.name for m in self.data.matters)}", "matter")

    @staticmethod
    def _regex(pattern: Optional[str], value: Optional[str]) -> bool:
        return pattern is None or (value is not None and re.search(pattern, value) is not None)

    def _facts_hold(self, conds: list[dict[str, Any]], facts: dict[str, Any] | None) -> bool:
        for cond in conds:
            if facts is None or cond["fact"] not in facts:
                return False
            value = facts[cond["fact"]]
            if "is" in cond and value != cond["is"]:
                return False
            if "in" in cond and value not in cond["in"]:
                return False
        return True

    def _static(self, w: When, sector: str | None, document: str | None, rule: str | None,
                clause: str | None, text: str | None, facts: dict[str, Any] | None) -> bool:
        return ((w.sector is None or w.sector == sector) and self._regex(w.document, document)
                and self._regex(w.rule, rule) and self._regex(w.clause, clause) and self._regex(w.text, text)
                and self._facts_hold(w.facts, facts))

    def select(self, sector: str, document: str | None = None, rule: str | None = None, clause: str | None = None,
               text: str | None = None, facts: dict[str, Any] | None = None) -> tuple[Matter, Stage] | None:
        """The most specific selector that matches (ties: the order written)."""
        best: tuple[int, Matter, Stage] | None = None
        for m in self.data.matters:
            for sel in m.select:
                if sel.when.sector is None and not (sel.when.text or sel.when.rule or sel.when.clause):
                    continue
                if self._static(sel.when, sector, document, rule, clause, text, facts):
                    score = sel.when.specificity
                    if best is None or score > best[0]:
                        best = (score, m, m.stage(sel.stage))
        return None if best is None else (best[1], best[2])

    def related(self, matter: Matter, sector: str, text: str | None) -> list[dict[str, Any]]:
        out = []
        for m in self.data.matters:
            if m.id == matter.id:
                continue
            for sel in m.related:
                if self._static(sel.when, sector, None, None, None, text, None):
                    st = m.stage(sel.stage)
                    out.append({"matter": m.name, "matter_id": m.id, "stage": st.name,
                                "lead": self.dept_view(st.lead[0].dept),
                                "partners": [self.dept_view(a.dept) for a in st.partners]})
                    break
        return out

    # -- case data --

    def sectors(self) -> list[str]:
        return sorted({sel.when.sector for m in self.data.matters for sel in m.select if sel.when.sector})

    def venue(self, value: Any) -> Venue | None:
        return self.venue_names.get(str(value).strip()) if value not in (None, "") else None

    def find_department(self, text: str) -> str | None:
        """A department by id, its district name or alias, or a generic keyword in the text."""
        text = text.strip()
        if text in self.data.departments:
            return text
        for dept, name in self.profile.names.items():
            if text == name or text in self.profile.aliases.get(dept, []):
                return dept
        hits: list[tuple[int, str]] = []
        for dept, d in self.data.departments.items():
            for word in [self.profile.names[dept], *self.profile.aliases.get(dept, []), *d.keywords]:
                if word and word in text:
                    hits.append((len(word), dept))
        if not hits:
            return None
        hits.sort(reverse=True)
        if len(hits) > 1 and hits[0][0] == hits[1][0] and hits[0][1] != hits[1][1]:
            return None
        return hits[0][1]

    def channel(self, text: str) -> str | None:
        return next((c for c in self.settings.channels.names if text and (text in c or c in text)), None)


def _as_bool(value: Any, field: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("是", "true", "1", "yes", "y", "园区内", "在园区"):
        return True
    if text in ("否", "false", "0", "no", "n", "园区外", "不在园区"):
        return False
    raise HazardError("bad_in_park", f"“是否位于工业园区”须为 是/否（收到：{value!r}）", field)


# ---- routing one judgement -----------------------------------------------------------------

def _findings(j: Judgement, kb: KnowledgeBase) -> list[dict[str, Any]]:
    """What the route is about: concluded findings, else the open rules, else the sector."""
    items = [{"rule": h.rule_id, "document": h.document.id, "clause": h.clause,
              "text": " ".join(filter(None, [h.text, h.situation]))} for h in j.hazards + j.violations]
    if not items and j.verdict == "insufficient":
        rules = kb.rules
        for rid in j.open_rules:
            if rid in rules:
                doc, rule = rules[rid]
                clause = doc.clause(rule.clause)
                items.append({"rule": rid, "document": doc.id, "clause": rule.clause,
                              "text": " ".join(filter(None, [clause.text if clause else None, rule.situation]))})
    return items


def _case_value(r: Router, kb: KnowledgeBase, sector_id: str, facts: dict[str, Any], context: dict[str, Any],
                key: str) -> tuple[Any, str]:
    """Case-level data (venue, in_park): from the context, else from a sector fact that carries it."""
    if context.get(key) not in (None, ""):
        return context[key], "context"
    sector = kb.sectors.get(sector_id)
    for name in r.settings.context_facts.get(key, []):
        fact = sector.fact_by_name(name) if sector is not None else None
        fid = fact.id if fact is not None else name
        if fid in facts:
            return facts[fid], "facts"
    return None, ""


def _route(r: Router, kb: KnowledgeBase, sector: str, verdict: str, facts: dict[str, Any],
           items: list[dict[str, Any]], context: dict[str, Any]) -> dict[str, Any]:
    notes: list[str] = []
    # case-level data
    raw_venue, _ = _case_value(r, kb, sector, facts, context, "venue")
    venue = r.venue(raw_venue)
    if raw_venue not in (None, "") and venue is None:  # any business is a venue; the plan names only some
        notes.append(f"场所类型“{raw_venue}”不在路由数据（venues.yaml）中，未据此确定行业部门")
    raw_park, _ = _case_value(r, kb, sector, facts, context, "in_park")
    in_park = _as_bool(raw_park, "in_park")
    # which matter and stage
    chosen = []
    for it in items:
        found = r.select(sector, it.get("document"), it.get("rule"), it.get("clause"), it.get("text"), facts)
        if found:
            chosen.append((found, it))
    if not chosen:
        found = r.select(sector, facts=facts)
        if found is None:
            found = r.unrouted
            notes.append(f"行业“{sector}”尚无路由数据（已有：{'、'.join(r.sectors())}），按默认原则先行受理；请在 knowledge/routing/matters/ 中补写")
        chosen.append((found, None))
    (matter, stage), primary = chosen[0]
    # effective lead and partners
    lead: Assign = stage.lead[0]
    partners: list[Assign] = list(stage.partners)
    basis_items: list[Basis] = list(lead.basis)
    for adj in matter.adjust:
        w = adj.when
        if w.venue and (venue is None or venue.name not in w.venue):
            continue
        if w.venue_kind and (venue is None or venue.kind not in w.venue_kind):
            continue
        if w.in_park is not None and in_park is not w.in_park:
            continue
        if w.verdict and verdict not in w.verdict:
            continue
        if not r._static(When(sector=w.sector, facts=w.facts), sector, None, None, None, None, facts):
            continue
        if adj.lead is not None and adj.lead.dept != lead.dept:
            if all(p.dept != lead.dept for p in adj.partners):
                partners.insert(0, lead)
            lead = adj.lead
            basis_items = list(lead.basis)
        partners.extend(adj.partners)
        if adj.note:
            notes.append(adj.note)
    seen = {lead.dept}
    unique = []
    for p in partners:
        if p.dept not in seen:
            seen.add(p.dept)
            unique.append(p)
    partners = unique
    lead_view = r.assignment(lead)
    # territorial layer
    s = r.settings
    if r.data.departments[lead.dept].role == TERRITORIAL:
        territorial = r.assignment(lead)
    elif in_park is True:
        territorial = r.assignment(s.territorial.in_park)
    elif in_park is False:
        territorial = r.assignment(s.territorial.outside)
    else:
        territorial = {"id": None, "name": None, "note": s.territorial.unknown,
                       "candidates": [r.dept_view(s.territorial.in_park.dept), r.dept_view(s.territorial.outside.dept)]}
    if context.get("town") and territorial.get("id") == "town":
        territorial["name"] = str(context["town"])
    # hand-over from the department that found it
    handover = None
    found_by = context.get("found_by")
    found_view = None
    if found_by not in (None, ""):
        dept = r.find_department(str(found_by))
        if dept is None:
            if r.channel(str(found_by)) is None:
                raise HazardError("unknown_department",
                                  f"未知的发现部门“{found_by}”；可用：{'、'.join(r.profile.names.values())}，"
                                  f"或排查渠道 {'、'.join(s.channels.names)}", "found_by")
            notes.append(f"经“{r.channel(str(found_by))}”渠道发现，由牵头部门直接处理")
        else:
            found_view = r.dept_view(dept)
            if dept != lead.dept:
                path = [dept]
                relays = {h.from_: h for h in stage.handover}
                while path[-1] in relays and path[-1] != lead.dept and relays[path[-1]].to not in path:
                    path.append(relays[path[-1]].to)
                if path[-1] != lead.dept:
                    path.append(lead.dept)
                first = relays.get(dept)
                territorial_finder = r.data.departments[dept].role == TERRITORIAL
                how = first.how if first else ("吹哨报道" if territorial_finder and r.data.departments[lead.dept].role != TERRITORIAL else "问题移交")
                handover = {"from": r.dept_view(dept), "to": r.dept_view(path[1]), "how": how,
                            "path": [r.name(d) for d in path], "basis": r.basis(s.handover.basis)}
    # closing the loop for a major hazard
    closure = []
    if verdict == "major":
        supervisor = lead.dept if r.data.departments[lead.dept].role == SUPERVISOR else next(
            (p.dept for p in partners if r.data.departments[p.dept].role == SUPERVISOR), lead.dept)
        for c in s.major:
            closure.append({"by": r.dept_view(lead.dept if c.by == "lead" else supervisor), "does": c.does,
                            "basis": r.basis(c.basis)})
    also = []
    for (m2, st2), it in chosen[1:]:
        key = (m2.id, st2.name)
        if key == (matter.id, stage.name) or any((a["matter_id"], a["stage"]) == key for a in also):
            continue
        also.append({"matter": m2.name, "matter_id": m2.id, "stage": st2.name,
                     "lead": r.dept_view(st2.lead[0].dept), "rule": it.get("rule") if it else None})
    related = r.related(matter, sector, primary.get("text") if primary else None)
    basis = r.basis(basis_items) + [b for b in r.basis(matter.basis) if b not in r.basis(basis_items)]
    route = {
        "district": r.profile.district,
        "profile": r.profile.id,
        "matter": matter.name,
        "matter_id": matter.id,
        "stage": stage.name,
        "stages": [st.name for st in matter.stages],
        "rule": primary.get("rule") if primary else None,
        "lead": lead_view,
        "partners": [r.assignment(p) for p in partners],
        "territorial": territorial,
        "venue": venue.name if venue else None,
        "in_park": in_park,
        "found_by": found_view,
        "handover": handover,
        "closure": closure,
        "also": also,
        "related": related,
        "basis": basis,
        "notes": notes,
    }
    route["summary"] = _summary(route, verdict)
    return route


def _summary(route: dict[str, Any], verdict: str) -> str:
    head = {"major": "该重大事故隐患", "insufficient": "该检查发现（信息不足，待补充）",
            "not_major": "该检查发现（不构成重大事故隐患）", "not_determined": "该检查发现（暂无法判定）"}[verdict]
    text = f"{head}属“{route['matter']}”事项“{route['stage']}”环节，由{route['lead']['name']}牵头"
    if route["partners"]:
        text += f"，{'、'.join(p['name'] for p in route['partners'])}配合"
    terr = route["territorial"]
    if terr.get("id") and terr["id"] != route["lead"]["id"]:
        text += f"，属地为{terr['name']}"
    if route["handover"]:
        h = route["handover"]
        text += f"；发现部门{h['from']['name']}以“{h['how']}”方式移交{h['to']['name']}"
        if len(h["path"]) > 2:
            text += f"（{' → '.join(h['path'])}）"
    return text + "。"


# ---- the module's surface ------------------------------------------------------------------

@lru_cache(maxsize=4)
def _data(root: str) -> RoutingData:
    return load_data(root)


@lru_cache(maxsize=8)
def _router(root: str, profile: str | None, env: str | None) -> Router:
    data = _data(root)
    return Router(data, load_profile(data, profile))


def router(profile: str | None = None) -> Router:
    """The router of a district profile (default: env var, then the data's default), built once."""
    root = str(default_root())
    env = os.environ.get(_data(root).settings.profile_env)
    return _router(root, profile, env)


def validate(kb: KnowledgeBase | None = None, profile: str | None = None) -> dict[str, int]:
    """Start-up validation: the graph is sound and every rule of the knowledge base has a route."""
    return router(profile).check_rules(kb or knowledge.default())


def route_for(judgement: Judgement, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The route of a judgement. context: found_by, venue, in_park, town, district (profile)."""
    context = context or {}
    kb = knowledge.default()
    facts = {**judgement.derived, **judgement.facts}
    return _route(router(context.get("district")), kb, judgement.sector, judgement.verdict, facts,
                  _findings(judgement, kb), context)


def route_finding(sector: str, *, verdict: str = "major", rule: str | None = None, clause: str | None = None,
                  text: str | None = None, facts: dict[str, Any] | None = None,
                  context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The route of a finding given without a judgement (e.g. a sector not yet encoded): its sector and,
    when known, rule id / clause number / clause text; facts by id."""
    if verdict not in VERDICTS:
        raise HazardError("bad_verdict", f"结论须为 {'、'.join(VERDICTS)} 之一（收到：{verdict}）", "verdict")
    context = context or {}
    items = [{"rule": rule, "clause": clause, "text": text}] if (rule or clause or text) else []
    return _route(router(context.get("district")), knowledge.default(), sector, verdict, dict(facts or {}), items, context)


def matters(profile: str | None = None) -> list[dict[str, Any]]:
    r = router(profile)
    return [{"id": m.id, "name": m.name, "aliases": list(m.aliases), "stages": [s.name for s in m.stages],
             "leads": {s.name: r.dept_view(s.lead[0].dept) for s in m.stages}, "basis": r.basis(m.basis)}
            for m in r.data.matters]


def chain(matter: str, stage: str | None = None, profile: str | None = None) -> dict[str, Any]:
    """A matter's chain, stage by stage (or one stage): lead, partners, what each does, and why."""
    r = router(profile)
    m = r.matter(matter)
    stages = m.stages
    if stage is not None:
        st = m.stage(stage)
        if st is None:
            raise HazardError("unknown_stage", f"事项“{m.name}”没有环节“{stage}”；可选：{'、'.join(s.name for s in m.stages)}", "stage")
        stages = [st]
    return {"district": r.profile.district, "profile": r.profile.id, "matter": m.name, "matter_id": m.id,
            "basis": r.basis(m.basis),
            "stages": [{"stage": st.name, "lead": r.assignment(st.lead[0]),
                        "partners": [r.assignment(p) for p in st.partners]} for st in stages],
            "adjustments": [{"when": adj.when.model_dump(exclude_defaults=True), "note": adj.note,
                             "lead": r.assignment(adj.lead) if adj.lead else None,
                             "partners": [r.assignment(p) for p in adj.partners]} for adj in m.adjust]}


def _post_process(judgement: Judgement, context: dict[str, Any]) -> None:
    """Set a judgement's route in place (engine.pipeline calls route_for directly)."""
    judgement.route = route_for(judgement, context)


# ---- graph export --------------------------------------------------------------------------

def export_graph(path: str, profile: str | None = None) -> str:
    r = router(profile)
    suffix = Path(path).suffix.lower()
    if suffix == ".graphml":
        g = nx.MultiDiGraph()
        for n, d in r.graph.nodes(data=True):
            g.add_node(n, **{k: str(v) for k, v in d.items()})
        for u, v, d in r.graph.edges(data=True):
            g.add_edge(u, v, **{k: str(v2) for k, v2 in d.items()})
        nx.write_graphml(g, path)
    elif suffix in (".dot", ".gv"):
        Path(path).write_text(_dot(r), encoding="utf-8")
    elif suffix == ".svg":
        Path(path).write_text(_svg(r), encoding="utf-8")
    else:
        raise HazardError("bad_graph_format", f"图文件须以 .svg、.dot 或 .graphml 结尾（收到：{path}）", "graph")
    return path


def _label(r: Router, n: str) -> str:
    d = r.graph.nodes[n]
    return d.get("name") or n.split(":", 1)[1]


def _dot(r: Router) -> str:
    q = lambda s: '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    shapes = {"department": "box", "matter": "doubleoctagon", "stage": "ellipse"}
    styles = {"leads": "bold", "takes_part": "dashed", "has_stage": "solid", "next": "dotted",
              "handover": "bold", "selects": "dotted", "relates": "dotted"}
    lines = ["digraph routes {", f"  label={q(r.profile.district + ' “一件事”路由')};", "  rankdir=LR;"]
    for n, d in r.graph.nodes(data=True):
        shape = shapes.get(d.get("kind"), "note")
        lines.append(f"  {q(n)} [label={q(_label(r, n))}, shape={shape}];")
    for u, v, d in r.graph.edges(data=True):
        kind = d.get("kind", "")
        text = {"leads": "牵头", "takes_part": "配合", "next": "下一环节", "handover": d.get("how", "移交"),
                "selects": "判定结果", "relates": "相关"}.get(kind, "")
        lines.append(f"  {q(u)} -> {q(v)} [label={q(text)}, style={styles.get(kind, 'solid')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _svg(r: Router) -> str:
    """A plain picture: one row per matter, one box per stage with its lead and partners."""
    col, pad, line = 230, 12, 18
    rows, y = [], 40
    width = 0
    for m in r.data.matters:
        height = max(3 + len(st.partners) for st in m.stages) * line + 2 * pad
        rows.append((m, y, height))
        width = max(width, 160 + len(m.stages) * col)
        y += height + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 20}" height="{y}" font-family="sans-serif" font-size="12">',
           f'<text x="10" y="24" font-size="16" font-weight="bold">{html.escape(r.profile.district)} “一件事”路由</text>']
    for m, top, height in rows:
        out.append(f'<text x="10" y="{top + 20}" font-weight="bold">{html.escape(m.name)}</text>')
        for i, st in enumerate(m.stages):
            x = 150 + i * col
            out.append(f'<rect x="{x}" y="{top}" width="{col - 20}" height="{height}" rx="6" fill="#f6f8fa" stroke="#555"/>')
            if i:
                out.append(f'<line x1="{x - 20}" y1="{top + height / 2}" x2="{x}" y2="{top + height / 2}" stroke="#555" marker-end="url(#a)"/>')
            texts = [(st.name, "bold", "#000"), ("牵头：" + r.name(st.lead[0].dept), "bold", "#a00")]
            texts += [("配合：" + r.name(p.dept), "normal", "#333") for p in st.partners]
            for k, (t, weight, color) in enumerate(texts):
                out.append(f'<text x="{x + pad}" y="{top + pad + (k + 1) * line - 4}" font-weight="{weight}" fill="{color}">{html.escape(t)}</text>')
    out.insert(1, '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---- CLI and `hazard check` ----------------------------------------------------------------

def _text_chain(c: dict[str, Any]) -> str:
    lines = [f"{c['matter']}（{c['matter_id']}）— {c['district']}"]
    for b in c["basis"]:
        lines.append(f"  依据：{b['text']}")
    for i, st in enumerate(c["stages"], 1):
        lead = st["lead"]
        lines.append(f"[{i}] {st['stage']}")
        lines.append(f"    牵头：{lead['name']}（{lead['role']}）— {lead['does']}")
        for b in lead["basis"]:
            lines.append(f"          依据：{b['text']}")
        for p in st["partners"]:
            lines.append(f"    配合：{p['name']} — {p['does']}")
            for b in p["basis"]:
                lines.append(f"          依据：{b['text']}")
    for adj in c["adjustments"]:
        cond = "；".join(f"{k}={v}" for k, v in adj["when"].items())
        who = []
        if adj["lead"]:
            who.append(f"改由{adj['lead']['name']}牵头")
        if adj["partners"]:
            who.append(f"{'、'.join(p['name'] for p in adj['partners'])}参与")
        lines.append(f"  情形（{cond}）：{'，'.join(who)}{('。' + adj['note']) if adj['note'] else ''}")
    return "\n".join(lines)


def cmd_route(args: argparse.Namespace) -> int:
    if args.graph:
        print(f"已写出路由图：{export_graph(args.graph, args.district)}")
        return 0
    if not args.matter:
        items = matters(args.district)
        if args.json:
            print(json.dumps(items, ensure_ascii=False, indent=2))
        else:
            for m in items:
                steps = " → ".join(f"{name}（{lead['name']}牵头）" for name, lead in m["leads"].items())
                print(f"{m['name']}（{m['id']}）：{steps}")
        return 0
    c = chain(args.matter, args.stage, args.district)
    print(json.dumps(c, ensure_ascii=False, indent=2) if args.json else _text_chain(c))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    validate()  # start-up: a broken routing graph or an unrouted rule stops here, with the file named
    p = subparsers.add_parser("route", help="“一件事”路由：事项各环节的牵头与配合部门")
    p.add_argument("matter", nargs="?", help="事项（如 燃气、保温材料、电气焊作业、危险化学品、消防）；不写则列出全部")
    p.add_argument("--stage", help="只看一个环节（如 使用）")
    p.add_argument("--district", help="区县配置（profiles/ 下的 id 或 YAML 路径；默认读环境变量 HAZARD_DISTRICT）")
    p.add_argument("--graph", metavar="FILE", help="写出路由图：.svg / .dot / .graphml")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_route)


def check(kb: KnowledgeBase) -> None:
    counts = validate(kb)
    r = router()
    print(f"路由检查通过：{len(r.data.matters)} 个事项，{counts['sectors']} 个行业、{counts['rules']} 条规则均有路由（{r.profile.district}）")
