"""Routing one judgement (or one finding) along its chain, and the chains and matters themselves."""

from __future__ import annotations

import os
import pickle
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine import diskcache, knowledge
from engine.errors import HazardError
from engine.knowledge import KnowledgeBase
from engine.model import Judgement
from engine.routing.data import PROFILE_DIR_ENV, RoutingData, default_root, load_data, load_profile, resolve_profile
from engine.routing.graph import Router
from engine.routing.model import SUPERVISOR, TERRITORIAL, VERDICTS, Assign, Basis, When

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
        sector = kb.sectors.get(j.sector)
        for rid in j.open_rules:
            # rule ids are unique in the knowledge base (engine.knowledge.load), so the judged sector's
            # own index finds the same rule as the index of every sector (which loads them all)
            found = (sector.rule(rid) if sector is not None else None) or kb.rules.get(rid)
            if found is not None:
                doc, rule = found
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

def _cache_key(root: str, profile_dir: str | None, *extra: str) -> str:
    """Disk-cache key (engine.diskcache) of routing data: the routing code, every file under the
    routing folder and the operator profile folder (path and bytes), and `extra`."""
    here = Path(__file__).resolve().parent
    digest = diskcache.code_digest(sorted(here.glob("*.py")))
    for folder in filter(None, (root, profile_dir)):
        base = Path(folder).resolve()
        digest.update(f"{base}\0".encode())
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            digest.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update("\0".join(extra).encode())
    return digest.hexdigest()


@lru_cache(maxsize=4)
def _data(root: str, profile_dir: str | None = None) -> RoutingData:
    """The routing data (validated when read), from the disk cache when no file changed."""
    return diskcache.fetch(diskcache.kind_for("routing-data", root, profile_dir), lambda: _cache_key(root, profile_dir),
                           lambda: load_data(root, profile_dir or ""), lambda v: isinstance(v, RoutingData))


@lru_cache(maxsize=16)
def _router(root: str, profile_dir: str | None, profile_id: str) -> Router:
    """The router of one profile; its graph is built and validated once per change of the routing
    files, then the validated router comes from the disk cache (without the graph: Router.graph)."""
    def build() -> Router:
        data = _data(root, profile_dir)
        return Router(data, load_profile(data, profile_id))

    return diskcache.fetch(diskcache.kind_for(f"router-{profile_id}", root, profile_dir), lambda: _cache_key(root, profile_dir, profile_id), build,
                           lambda v: isinstance(v, Router))


def routing_data() -> RoutingData:
    """The routing data of this process (folder and operator profile folder from the configuration)."""
    return _data(str(default_root()), os.environ.get(PROFILE_DIR_ENV) or None)


def router(profile: str | None = None) -> Router:
    """The router of a district profile named by id or Chinese name (None: the configured default),
    built once per profile. HazardError unknown_district for a name that is not a profile."""
    root, extra = str(default_root()), os.environ.get(PROFILE_DIR_ENV) or None
    return _router(root, extra, resolve_profile(_data(root, extra), profile))


def route(judgement: Judgement, context: dict[str, Any] | None = None) -> Judgement:
    """Attach the route to a judgement (the step a judging pipeline calls); returns the judgement."""
    judgement.route = route_for(judgement, context)
    return judgement


def validate(kb: KnowledgeBase | None = None, profile: str | None = None) -> dict[str, int]:
    """Start-up validation: the graph is sound and every rule of the knowledge base has a route."""
    return router(profile).check_rules(kb or knowledge.default())


def route_for(judgement: Judgement, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The route of a judgement. context: found_by, venue, in_park, town, district (profile).

    A route depends only on the router (district profile), the sector, the verdict, the facts, the
    findings' rules and clauses and the context, so the last ROUTE_CACHE_SIZE routes are kept (a hit
    costs a copy, ~20 µs, where working a route out costs ~300 µs); each caller gets its own copy."""
    context = context or {}
    kb = knowledge.default()
    facts = {**judgement.derived, **judgement.facts}
    r = router(context.get("district"))
    items = _findings(judgement, kb)
    try:
        key: Any = (r, kb.version, judgement.sector, judgement.verdict, tuple(sorted(facts.items())),
                    tuple(tuple(sorted(it.items())) for it in items), tuple(sorted(context.items())))
        hash(key)
    except TypeError:  # a value that cannot be a key (not a plain fact value): worked out each time
        key = None
    if key is not None:
        with _ROUTES_LOCK:
            found = _ROUTES.get(key)
            if found is not None:
                _ROUTES.move_to_end(key)
        if found is not None:
            return pickle.loads(found)
    out = _route(r, kb, judgement.sector, judgement.verdict, facts, items, context)
    if key is not None:
        with _ROUTES_LOCK:
            _ROUTES[key] = pickle.dumps(out, pickle.HIGHEST_PROTOCOL)
            while len(_ROUTES) > ROUTE_CACHE_SIZE:
                _ROUTES.popitem(last=False)
    return out


ROUTE_CACHE_SIZE = 4096
_ROUTES: "OrderedDict[Any, bytes]" = OrderedDict()
_ROUTES_LOCK = threading.Lock()


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




