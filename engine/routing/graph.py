"""The routing graph of one district profile (networkx), validated when built, and its lookups:
which matter and stage a finding belongs to, department names, venues, channels."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # networkx is imported when a graph is built, not by judging with a cached router
    import networkx as nx

from engine.errors import HazardError, KnowledgeError
from engine.routing.data import RoutingData
from engine.knowledge import KnowledgeBase
from engine.routing.model import Assign, Basis, Matter, Profile, Stage, Venue, When

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
        self._graph: nx.MultiDiGraph | None = self._build()  # builds and validates; raises KnowledgeError
        fallback = self.settings.fallback
        matter = Matter(id="unrouted", name="未配置路由的行业", order=10**6, basis=list(fallback.basis),
                        stages=[Stage(name="受理", lead=[fallback])], default_stage="受理")
        self.unrouted = (matter, matter.stages[0])

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The routing graph (networkx); rebuilt on first use by a router read from the disk cache."""
        if self._graph is None:
            self._graph = self._build()
        return self._graph

    def __getstate__(self) -> dict[str, Any]:
        """For the disk cache (engine.routing.lookup): everything but the graph, which only
        validation and export use (the lookups read the routing data)."""
        return {**self.__dict__, "_graph": None}

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
        import networkx as nx

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
        import networkx as nx

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

