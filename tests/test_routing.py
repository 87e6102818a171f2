"""Routing: every rule of every encoded sector has a route; broken routing data stops start-up with a
clear message; plan quotes are verbatim; graph export works; the CLI and the API functions behave."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from engine import knowledge, routing
from engine.cli import main
from engine.errors import HazardError, KnowledgeError
from engine.pipeline import judge
from engine.knowledge import KnowledgeBase, Sector

ROUTING = knowledge.DEFAULT_ROOT / "routing"
POLICY = Path(__file__).resolve().parent.parent.parent / "shared" / "policy"
CRITERIA = Path(__file__).resolve().parent.parent.parent / "shared" / "criteria"


def _rules(kb):
    for sector in kb.sectors.values():
        for doc in sector.documents:
            for rule in doc.rules:
                yield sector, doc, rule


# ---- every rule has a route -----------------------------------------------------------------

def test_every_rule_of_every_encoded_sector_has_a_route():
    """Iterates over whatever the knowledge base holds now: a new sector or rule without routing data fails here."""
    kb = knowledge.load()
    r = routing.router()
    assert kb.sectors, "知识库为空"
    missing = []
    for sector, doc, rule in _rules(kb):
        clause = doc.clause(rule.clause)
        found = r.select(sector.id, document=doc.id, rule=rule.id, clause=rule.clause,
                         text=" ".join(filter(None, [clause.text if clause else None, rule.situation])))
        if found is None:
            missing.append(rule.id)
            continue
        matter, stage = found
        assert len(stage.lead) == 1 and stage.lead[0].dept in r.data.departments, (rule.id, stage.name)
    assert not missing, f"这些规则没有路由：{missing}"
    for sector in kb.sectors.values():  # also a sector registered before any rule is written
        assert r.select(sector.id) is not None, f"行业 {sector.id} 没有路由"


def test_route_for_every_major_rule_names_lead_partners_and_basis():
    kb = knowledge.load()
    for sector, doc, rule in _rules(kb):
        if rule.then.kind != "major_hazard":
            continue
        clause = doc.clause(rule.clause)
        route = routing.route_finding(sector.id, rule=rule.id, clause=rule.clause, text=clause.text,
                                      context={"found_by": "区安全生产委员会办公室"})
        assert route["lead"]["name"] and route["lead"]["role"] in routing.ROLES, rule.id
        assert route["basis"] and all(b["text"] for b in route["basis"]), rule.id
        assert route["summary"].endswith("。") and route["lead"]["name"] in route["summary"], rule.id
        assert route["handover"]["path"][-1] == route["lead"]["name"], rule.id
        assert route["closure"], rule.id


def test_check_fails_for_a_sector_without_routing_data():
    kb = KnowledgeBase(Path("/nonexistent"), {"metallurgy": Sector("metallurgy", "冶金", {}, [])}, "test")
    with pytest.raises(KnowledgeError, match="行业 metallurgy（冶金）没有路由"):
        routing.router().check_rules(kb)


def test_check_fails_when_an_adjustment_tests_a_fact_the_sector_lacks():
    kb = knowledge.load()
    chem = kb.sectors["chemicals"]
    facts = {k: v for k, v in chem.facts.items() if k != "major_hazard_source"}
    broken = KnowledgeBase(kb.root, {"chemicals": Sector("chemicals", chem.label, facts, [])}, "test")
    with pytest.raises(KnowledgeError, match="major_hazard_source"):
        routing.router().check_rules(broken)


def test_every_judgement_of_the_pipeline_gets_a_route():
    j = judge("chemicals", {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）",
                            "充装介质": "液氨", "充装使用万向管道充装系统": "否"})
    assert j.verdict == "major" and j.route["lead"]["id"] == "yjj" and j.route["rule"] == "CHEM-2017-07"


@pytest.mark.parametrize("facts,verdict", [
    ({"充装介质": "液氨", "充装使用万向管道充装系统": "是"}, "not_major"),
    ({"充装介质": "液氨"}, "insufficient"),
    ({}, "insufficient"),
])
def test_routes_for_judgements_without_a_hazard(facts, verdict):
    j = judge("chemicals", facts)
    assert j.verdict == verdict
    assert j.route["matter"] == "危险化学品" and j.route["lead"]["name"] == "应急管理局"
    assert j.route["closure"] == []  # closing the loop is for major hazards only


def test_not_determined_judgement_is_routed_too():
    import datetime as dt
    kb = knowledge.load()
    pending = [d for s in kb.sectors.values() for d in s.documents if d.status == "not_encoded"]
    if not pending:
        pytest.skip("知识库中没有未编码的版本")
    for doc in pending:
        j = judge(doc.sector, {}, doc.effective + dt.timedelta(days=1))
        if j.verdict == "not_determined":
            assert j.route is not None and j.route["lead"]["name"] and "暂无法判定" in j.route["summary"]
            return
    pytest.skip("没有只剩未编码版本施行的日期")


def test_unknown_sector_at_run_time_gets_the_default_route_with_a_note():
    r = routing.route_finding("metallurgy")
    assert r["lead"]["id"] == "yjj" and r["basis"][0]["kind"] == "default"
    assert any("metallurgy" in n for n in r["notes"])


# ---- bad input ------------------------------------------------------------------------------

def test_unknown_found_by_is_a_hazard_error():
    with pytest.raises(HazardError) as exc:
        routing.route_finding("gas", context={"found_by": "火星办"})
    assert exc.value.code == "unknown_department" and exc.value.field == "found_by"


def test_a_channel_is_not_a_department_and_needs_no_handover():
    r = routing.route_finding("gas", context={"found_by": "群众举报"})
    assert r["handover"] is None and any("群众举报查实" in n for n in r["notes"])


def test_bad_in_park_is_a_hazard_error():
    with pytest.raises(HazardError) as exc:
        routing.route_finding("chemicals", context={"in_park": "也许"})
    assert exc.value.code == "bad_in_park"


@pytest.mark.parametrize("call,code", [
    (lambda: routing.chain("水利"), "unknown_matter"),
    (lambda: routing.chain("燃气", "储存"), "unknown_stage"),
    (lambda: routing.chain("燃气", None, "nowhere"), "unknown_district"),
    (lambda: routing.route_finding("gas", verdict="maybe"), "bad_verdict"),
])
def test_chain_errors(call, code):
    with pytest.raises(HazardError) as exc:
        call()
    assert exc.value.code == code


# ---- the chains the plan names --------------------------------------------------------------

def test_gas_chain_is_led_by_housing_with_the_six_departments_of_item_11():
    c = routing.chain("城镇燃气")
    assert {s["lead"]["id"] for s in c["stages"]} == {"zjj"}
    partners = {p["id"] for s in c["stages"] for p in s["partners"]}
    assert partners == {"gaj", "jtj", "swj", "yjj", "scjgj", "xfjy"}
    special = [s["stage"] for s in c["stages"] for p in s["partners"] if p["id"] == "scjgj" and "特种设备" in p["does"]]
    assert "气瓶充装与销售" in special and "管道设施" in special


def test_every_assignment_cites_a_basis_and_defaults_say_so():
    for m in routing.matters():
        c = routing.chain(m["id"])
        for s in c["stages"]:
            for a in [s["lead"]] + s["partners"]:
                assert a["basis"], (m["id"], s["stage"], a["id"])
                for b in a["basis"]:
                    if b["kind"] == "default":
                        assert "方案未明确，按默认原则“管行业必须管安全、管业务必须管安全、管生产经营必须管安全”" in b["text"]


def test_gas_clause_selects_the_cylinder_stage_and_fire_brigade_hands_over():
    r = routing.route_finding("gas", clause="第七条（二）", context={"found_by": "消防救援大队"})
    assert (r["stage"], r["lead"]["id"]) == ("气瓶充装与销售", "zjj")
    assert r["handover"]["from"]["id"] == "xfjy" and r["handover"]["to"]["id"] == "zjj"
    assert r["handover"]["how"] == "问题移交"


def test_related_chain_for_welding_in_a_mine():
    r = routing.route_finding("mines", text="违反《煤矿安全规程》规定进行电焊、气焊和喷灯焊接等作业。")
    assert r["matter"] == "矿山"
    assert [x["matter"] for x in r["related"]] == ["电气焊作业"]


# ---- broken data stops start-up ---------------------------------------------------------------

@pytest.fixture
def data_copy(tmp_path):
    root = tmp_path / "routing"
    shutil.copytree(ROUTING, root)
    return root


def _edit(path: Path, change):
    data = knowledge.read_yaml_text(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _build(root: Path):
    data = routing.load_data(root)
    return routing.Router(data, routing.load_profile(data, "wuda"))


def test_the_shipped_data_builds(data_copy):
    r = _build(data_copy)
    assert r.graph.number_of_nodes() > 30


def test_unknown_department_is_refused(data_copy):
    _edit(data_copy / "matters" / "gas.yaml",
          lambda d: d["stages"][0]["partners"].append({"dept": "weather", "does": "看天", "basis": [{"default": "测试"}]}))
    with pytest.raises(KnowledgeError, match="未知部门 “weather”"):
        _build(data_copy)


def test_stage_with_two_leads_is_refused(data_copy):
    def two(d):
        stage = d["stages"][0]
        stage["lead"] = [stage["lead"], {"dept": "scjgj", "does": "也牵头", "basis": [{"default": "测试"}]}]
    _edit(data_copy / "matters" / "gas.yaml", two)
    with pytest.raises(KnowledgeError, match="有 2 个牵头部门"):
        _build(data_copy)


def test_stage_without_a_lead_is_refused(data_copy):
    _edit(data_copy / "matters" / "fire.yaml", lambda d: d["stages"][0].update(lead=[]))
    with pytest.raises(KnowledgeError, match="有 0 个牵头部门"):
        _build(data_copy)


def test_handover_cycle_is_refused(data_copy):
    _edit(data_copy / "matters" / "gas.yaml", lambda d: d["stages"][0].update(handover=[
        {"from": "pcs", "to": "town", "how": "问题移交"}, {"from": "town", "to": "pcs", "how": "问题移交"}]))
    with pytest.raises(KnowledgeError, match="移交路径形成环路"):
        _build(data_copy)


def test_handover_path_must_end_at_the_lead(data_copy):
    _edit(data_copy / "matters" / "gas.yaml", lambda d: d["stages"][0].update(handover=[
        {"from": "pcs", "to": "town", "how": "问题移交"}]))
    with pytest.raises(KnowledgeError, match="终止于 所在镇人民政府（街道办事处），而不是牵头部门"):
        _build(data_copy)


def test_a_terminating_relay_is_followed(data_copy):
    _edit(data_copy / "matters" / "gas.yaml", lambda d: d["stages"][0].update(handover=[
        {"from": "pcs", "to": "town", "how": "问题移交"}, {"from": "town", "to": "zjj", "how": "吹哨报道"}]))
    r = _build(data_copy)
    route = routing._route(r, knowledge.default(), "gas", "major", {}, [], {"found_by": "辖区派出所"})
    assert route["handover"]["path"] == ["辖区派出所", "所在镇人民政府（街道办事处）", "住房和城乡建设局"]
    assert route["handover"]["to"]["id"] == "town"


def test_misquoted_plan_text_is_refused(data_copy):
    _edit(data_copy / "matters" / "gas.yaml",
          lambda d: d["basis"].__setitem__(0, {"plan": "11", "quote": "住建部门牵头燃气安全"}))
    with pytest.raises(KnowledgeError, match="不是方案第11项的原文"):
        _build(data_copy)


def test_stage_selected_must_exist(data_copy):
    _edit(data_copy / "matters" / "gas.yaml", lambda d: d["select"].append({"when": {"sector": "gas"}, "stage": "储存"}))
    with pytest.raises(KnowledgeError, match="环节“储存”不是该事项的环节"):
        _build(data_copy)


def test_profile_must_name_every_department(data_copy):
    _edit(data_copy / "profiles" / "wuda.yaml", lambda d: d["names"].pop("zjj"))
    with pytest.raises(KnowledgeError, match="缺少部门名称：\\['zjj'\\]"):
        _build(data_copy)


def test_profile_extends_cycle_is_refused(data_copy):
    _edit(data_copy / "profiles" / "wuda.yaml", lambda d: d.update(extends="example"))
    data = routing.load_data(data_copy)
    with pytest.raises(KnowledgeError, match="extends 形成环路"):
        routing.load_profile(data, "example")


def test_cli_reports_broken_routing_data_at_start_up(data_copy, monkeypatch, capsys):
    _edit(data_copy / "matters" / "fire.yaml", lambda d: d["stages"][0]["lead"].update(dept="nobody"))
    monkeypatch.setenv(routing.ROOT_ENV, str(data_copy))
    routing._data.cache_clear()
    routing._router.cache_clear()
    try:
        assert main(["route", "消防"]) == 3
        assert "未知部门 “nobody”" in capsys.readouterr().err
    finally:
        monkeypatch.delenv(routing.ROOT_ENV)
        routing._data.cache_clear()
        routing._router.cache_clear()


# ---- district profiles ----------------------------------------------------------------------

def test_district_from_environment(monkeypatch):
    monkeypatch.setenv("HAZARD_DISTRICT", "example")
    assert routing.chain("燃气", "使用")["stages"][0]["lead"]["name"] == "县住房和城乡建设委员会"
    monkeypatch.delenv("HAZARD_DISTRICT")
    assert routing.chain("燃气", "使用")["stages"][0]["lead"]["name"] == "住房和城乡建设局"


def test_operator_profile_from_the_configured_folder_chosen_by_name(tmp_path, monkeypatch):
    (tmp_path / "my.yaml").write_text("id: my\ndistrict: 我的区\nextends: 乌达区\nnames:\n  yjj: 我区应急管理局\n",
                                      encoding="utf-8")
    monkeypatch.setenv(routing.PROFILE_DIR_ENV, str(tmp_path))
    for name in ("my", "我的区", " 我的区 "):
        c = routing.chain("危险化学品", "生产储存", name)
        assert c["district"] == "我的区" and c["stages"][0]["lead"]["name"] == "我区应急管理局"


def test_a_path_never_chooses_a_profile(tmp_path):
    """Issue 10 item 1: a district value is a name, never a file the process opens."""
    path = tmp_path / "my.yaml"
    path.write_text("id: my\ndistrict: 我的区\nextends: wuda\nnames: {}\n", encoding="utf-8")
    for ref in (str(path), "/dev/zero", "../profiles/wuda.yaml", "wuda.yaml", "profiles/wuda", "/tmp"):
        with pytest.raises(HazardError) as err:
            routing.chain("燃气", None, ref)
        assert err.value.code == "unknown_district" and "乌达区（wuda）" in err.value.message


def test_district_by_chinese_name_or_id():
    by_name, by_id = routing.chain("燃气", "使用", "乌达区"), routing.chain("燃气", "使用", "wuda")
    assert by_name == by_id and by_name["district"] == "乌达区"
    assert routing.chain("燃气", "使用", "示例县（演示用）")["stages"][0]["lead"]["name"] == "县住房和城乡建设委员会"


# ---- quotes are verbatim ----------------------------------------------------------------------

def test_plan_excerpts_are_verbatim_items_of_the_plan():
    files = sorted(POLICY.glob("000_*.txt")) if POLICY.is_dir() else []
    if not files:
        pytest.skip("../shared/policy 不存在：逐字比对只在开发与 CI 环境中运行")
    plan = files[0].read_text(encoding="utf-8")
    lines = plan.split("\n")
    items = routing.load_data(ROUTING).sources.plan.items
    assert items
    for no, text in items.items():
        assert text in lines, f"方案第{no}项的摘录与原文不一致"
        assert text.startswith(f"{no}."), no


def test_criterion_texts_are_verbatim():
    if not CRITERIA.is_dir():
        pytest.skip("../shared/criteria 不存在")
    for t in routing.load_data(ROUTING).sources.texts:
        if t.kind == "criterion":
            assert t.verified_against
            file = t.verified_against.split("（")[0].replace("../shared/criteria/", "")
            assert t.text in (CRITERIA / file).read_text(encoding="utf-8"), t.id
        else:
            assert t.unverified, f"{t.id}：shared 中无全文的法律条文须写明 unverified"


# ---- export -----------------------------------------------------------------------------------

def test_dot_export(tmp_path):
    path = tmp_path / "routes.dot"
    routing.export_graph(str(path))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("digraph routes {") and text.rstrip().endswith("}")
    assert '"dept:zjj" -> "stage:gas:使用" [label="牵头"' in text
    assert '"dept:scjgj" -> "stage:gas:气瓶充装与销售" [label="配合"' in text


def test_graphml_export_round_trips(tmp_path):
    path = tmp_path / "routes.graphml"
    routing.export_graph(str(path))
    g = nx.read_graphml(path)
    assert g.nodes["dept:zjj"]["name"] == "住房和城乡建设局"
    assert g.nodes["stage:insulation:施工"]["kind"] == "stage"
    leads = [u for u, v, d in g.edges(data=True) if v == "stage:welding:培训" and d["kind"] == "leads"]
    assert leads == ["dept:yjj"]


def test_svg_export_is_well_formed(tmp_path):
    path = tmp_path / "routes.svg"
    routing.export_graph(str(path))
    root = ET.parse(path).getroot()
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "牵头：住房和城乡建设局" in texts and "保温材料" in texts


def test_unknown_graph_format(tmp_path):
    with pytest.raises(HazardError) as exc:
        routing.export_graph(str(tmp_path / "routes.png"))
    assert exc.value.code == "bad_graph_format"


# ---- CLI ----------------------------------------------------------------------------------------

def test_cli_route_json(capsys):
    assert main(["route", "燃气", "--stage", "使用", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stages"][0]["lead"]["name"] == "住房和城乡建设局" and len(out["stages"]) == 1


def test_cli_route_text_and_list(capsys):
    assert main(["route", "电气焊作业"]) == 0
    out = capsys.readouterr().out
    assert "[1] 培训" in out and "牵头：应急管理局" in out
    assert main(["route"]) == 0
    assert "保温材料（insulation）" in capsys.readouterr().out


def test_cli_route_errors(capsys):
    assert main(["route", "水利"]) == 2
    assert "unknown_matter" in capsys.readouterr().err


def test_cli_graph(tmp_path, capsys):
    assert main(["route", "--graph", str(tmp_path / "r.dot")]) == 0
    assert (tmp_path / "r.dot").exists()


def test_cli_check_runs_the_routing_check(capsys):
    assert main(["check"]) == 0
    assert "路由检查通过" in capsys.readouterr().out


def test_cli_judge_shows_the_route(capsys):
    assert main(["judge", "--sector", "chemicals", "--fact", "被检查单位类别=危险化学品生产单位", "--fact", "充装对象=汽车罐车或铁路罐车（槽车）", "--fact", "充装介质=液氨", "--fact", "充装使用万向管道充装系统=否",
                 "--found-by", "消防救援大队"]) == 0
    out = capsys.readouterr().out
    assert "牵头部门：应急管理局" in out and "“问题移交”方式移交应急管理局" in out


# ---- property: any finding, any context → one lead, hand-over ends at it ------------------------

_DEPTS = sorted(routing.router().profile.names.values())
_VENUES = [v.name for v in routing.router().data.venues] + [None, "化工企业"]


@settings(max_examples=60, deadline=None)
@given(sector=st.sampled_from(routing.router().sectors() + ["metallurgy"]),
       venue=st.sampled_from(_VENUES), in_park=st.sampled_from([True, False, None]),
       found_by=st.sampled_from(_DEPTS + [None]), verdict=st.sampled_from(routing.VERDICTS))
def test_any_context_routes_to_exactly_one_lead(sector, venue, in_park, found_by, verdict):
    r = routing.route_finding(sector, verdict=verdict, context={"venue": venue, "in_park": in_park, "found_by": found_by})
    lead = r["lead"]["id"]
    assert lead not in [p["id"] for p in r["partners"]]
    assert len({p["id"] for p in r["partners"]}) == len(r["partners"])
    if found_by is None or routing.router().find_department(found_by) == lead:
        assert r["handover"] is None
    else:
        assert r["handover"]["path"][-1] == r["lead"]["name"] and r["handover"]["path"][0] == found_by
    assert r["summary"].startswith("该") and r["summary"].endswith("。")


def test_a_kept_route_is_the_route_worked_out_and_each_caller_gets_its_own_copy():
    """route_for keeps recent routes (engine.routing.lookup.ROUTE_CACHE_SIZE): a kept route equals the one
    worked out afresh, a caller changing its copy changes nobody else's, and another context or
    another fact value gives its own route."""
    import datetime as dt

    from engine.pipeline import judge
    from engine.routing import lookup

    case = {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨",
            "充装使用万向管道充装系统": "否"}
    judgement = judge("chemicals", case, dt.date(2026, 6, 1), routed=False)
    lookup._ROUTES.clear()
    first = lookup.route_for(judgement, {"venue": "化工企业"})
    fresh = lookup._route(lookup.router(None), knowledge.default(), judgement.sector, judgement.verdict,
                          {**judgement.derived, **judgement.facts}, lookup._findings(judgement, knowledge.default()),
                          {"venue": "化工企业"})
    assert len(lookup._ROUTES) == 1
    kept = lookup.route_for(judgement, {"venue": "化工企业"})
    assert kept == first == fresh and kept is not first
    kept["lead"]["name"] = "改动"
    assert lookup.route_for(judgement, {"venue": "化工企业"}) == fresh
    other = lookup.route_for(judgement, {"venue": "化工企业", "found_by": "消防救援大队"})
    assert other != fresh and len(lookup._ROUTES) == 2
    passed = judge("chemicals", {**case, "充装使用万向管道充装系统": "是"}, dt.date(2026, 6, 1), routed=False)
    assert lookup.route_for(passed, {"venue": "化工企业"})["summary"] != fresh["summary"]
