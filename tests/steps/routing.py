"""Chinese steps for routing scenarios: the "一件事" chains stage by stage, and the route of a finding
(lead, partners, territorial unit, hand-over). Case-level data goes into case["context"]."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from engine import routing
from engine.errors import HazardError
from engine.pipeline import judge
from tests.steps.judgement import VERDICTS


def _names(text: str) -> list[str]:
    return [n for n in text.split("、") if n]


# ---- case data ----------------------------------------------------------------------------

@given(parsers.re(r'场所类型为 "(?P<venue>[^"]+)"'))
def given_venue(case, venue):
    """场所类型（用于路由）。

    例：而且 场所类型为 "学校"
    """
    case["context"]["venue"] = venue


@given("企业位于工业园区")
def given_in_park(case):
    """企业位于工业园区（用于路由）。

    例：而且 企业位于工业园区
    """
    case["context"]["in_park"] = True


@given("企业不在工业园区")
def given_outside_park(case):
    """企业不在工业园区（用于路由）。

    例：而且 企业不在工业园区
    """
    case["context"]["in_park"] = False


@given(parsers.re(r'区县配置为 "(?P<district>[^"]+)"'))
def given_district(case, district):
    """区县配置（路由数据中的区县方案）。

    例：假如 区县配置为 "example"
    """
    case["context"]["district"] = district


@given(parsers.re(r'隐患条款为 "(?P<clause>[^"]+)"'))
def given_clause(case, clause):
    """不判定、直接路由时：隐患所属条款。

    例：而且 隐患条款为 "第七条（一）"
    """
    case["clause"] = clause


@given(parsers.re(r'隐患条文为 "(?P<text>[^"]+)"'))
def given_text(case, text):
    """不判定、直接路由时：隐患条文。

    例：而且 隐患条文为 "燃气管道及附件、燃具设置在卧室、旅馆建筑客房等人员居住和休息的房间内；"
    """
    case["text"] = text


@given(parsers.re(r'判定结论设为 "(?P<verdict>[^"]+)"'))
def given_verdict(case, verdict):
    """不判定、直接路由时：设定的判定结论。

    例：而且 判定结论设为 "重大事故隐患"
    """
    case["verdict"] = VERDICTS[verdict]


# ---- actions ------------------------------------------------------------------------------

def _route_case(case):
    """Judge when facts are given; otherwise route the finding by sector (and clause / text)."""
    if case["facts"]:
        return judge(case["sector"], case["facts"], case["as_of"], complete=case["complete"], context=case["context"]).route
    return routing.route_finding(case["sector"], verdict=case.get("verdict", "insufficient"), clause=case.get("clause"),
                                 text=case.get("text"), context=case["context"])


@when("进行路由", target_fixture="route")
def do_route(case):
    """路由：有事实时先判定，否则按行业（及条款、条文）路由。

    例：当 进行路由
    """
    return _route_case(case)


@when("尝试路由", target_fixture="error")
def try_route(case):
    """路由，并预期报错。

    例：当 尝试路由
    """
    try:
        _route_case(case)
    except HazardError as exc:
        return exc
    raise AssertionError("预期路由报错，但路由成功")


@when(parsers.re(r'查询事项 "(?P<matter>[^"]+)"(?: 的环节 "(?P<stage>[^"]+)")?'), target_fixture="chain_result")
def do_chain(case, matter, stage):
    """查询一个“一件事”链条（可指定环节）。

    例：当 查询事项 "燃气" 的环节 "使用"
    """
    return routing.chain(matter, stage, case["context"].get("district"))


@when(parsers.re(r'尝试查询事项 "(?P<matter>[^"]+)"(?: 的环节 "(?P<stage>[^"]+)")?'), target_fixture="error")
def try_chain(case, matter, stage):
    """查询链条，并预期报错。

    例：当 尝试查询事项 "水利"
    """
    try:
        routing.chain(matter, stage, case["context"].get("district"))
    except HazardError as exc:
        return exc
    raise AssertionError("预期查询报错，但查询成功")


# ---- checks on a chain --------------------------------------------------------------------

def _stage(chain_result, name):
    found = [s for s in chain_result["stages"] if s["stage"] == name]
    assert found, f"没有环节 {name}；实际：{[s['stage'] for s in chain_result['stages']]}"
    return found[0]


@then("各环节如下：")
def then_chain_table(chain_result, datatable):
    """链条各环节，表头为 | 环节 | 牵头部门 | 配合部门 |（配合部门用“、”分隔）。

    例：那么 各环节如下：
    """
    header, *rows = datatable
    assert header[:3] == ["环节", "牵头部门", "配合部门"], f"表头须为 | 环节 | 牵头部门 | 配合部门 |，得到 {header}"
    got = [(s["stage"], s["lead"]["name"], [p["name"] for p in s["partners"]]) for s in chain_result["stages"]]
    want = [(stage, lead, _names(partners)) for stage, lead, partners, *_ in rows]
    assert got == want, f"\n实际：{got}\n预期：{want}"


@then(parsers.re(r'全链条参与部门恰为 "(?P<names>[^"]+)"'))
def then_chain_members(chain_result, names):
    """全链条参与部门恰为所列（用“、”分隔）。

    例：而且 全链条参与部门恰为 "公安分局、交通运输局"
    """
    got = {s["lead"]["name"] for s in chain_result["stages"]} | {p["name"] for s in chain_result["stages"] for p in s["partners"]}
    if len({s["lead"]["name"] for s in chain_result["stages"]}) == 1:  # one lead for the whole chain: the rest take part
        got -= {chain_result["stages"][0]["lead"]["name"]}
    assert got == set(_names(names)), f"实际：{sorted(got)}"


@then(parsers.re(r'环节 "(?P<stage>[^"]+)" 中 "(?P<dept>[^"]+)" 的职责包含 "(?P<text>[^"]+)"'))
def then_stage_duty(chain_result, stage, dept, text):
    """某环节中某部门的职责包含所写文字。

    例：而且 环节 "气瓶充装与销售" 中 "市场监督管理局" 的职责包含 "气瓶（特种设备）"
    """
    st = _stage(chain_result, stage)
    people = [st["lead"]] + st["partners"]
    match = [p for p in people if p["name"] == dept]
    assert match and text in match[0]["does"], [(p["name"], p["does"]) for p in people]


@then(parsers.re(r'环节 "(?P<stage>[^"]+)" 的牵头依据包含 "(?P<text>[^"]+)"'))
def then_stage_basis(chain_result, stage, text):
    """某环节的牵头依据包含所写文字。

    例：而且 环节 "生产" 的牵头依据包含 "方案未明确，按默认原则"
    """
    basis = _stage(chain_result, stage)["lead"]["basis"]
    assert any(text in b["text"] for b in basis), [b["text"] for b in basis]


@then(parsers.re(r'链条依据包含 "(?P<text>[^"]+)"'))
def then_chain_basis(chain_result, text):
    """链条依据包含所写文字。

    例：而且 链条依据包含 "燃气行业管理部门牵头"
    """
    assert any(text in b["text"] for b in chain_result["basis"]), chain_result["basis"]


# ---- checks on a route --------------------------------------------------------------------

def _route(request):
    """The route of this scenario: from `当 进行路由`, or the judgement's route after `当 进行判定`."""
    try:
        return request.getfixturevalue("route")
    except pytest.FixtureLookupError:
        pass
    try:
        return request.getfixturevalue("chain_result")
    except pytest.FixtureLookupError:
        route = request.getfixturevalue("result").route
        assert route is not None, "判定没有路由"
        return route


@then(parsers.re(r'区县为 "(?P<district>[^"]+)"'))
def then_district(request, district):
    """路由所用的区县。

    例：而且 区县为 "示例县（演示用）"
    """
    assert _route(request)["district"] == district


@then(parsers.re(r'牵头部门为 "(?P<name>[^"]+)"'))
def then_lead(request, name):
    """牵头部门。

    例：那么 牵头部门为 "县住房和城乡建设委员会"
    """
    r = _route(request)
    assert r["lead"]["name"] == name, r["summary"]


@then(parsers.re(r'配合部门包括 "(?P<name>[^"]+)"'))
def then_partner(request, name):
    """配合部门中有该部门。

    例：而且 配合部门包括 "教育局"
    """
    r = _route(request)
    assert name in [p["name"] for p in r["partners"]], r["summary"]


@then(parsers.re(r'配合部门不包括 "(?P<name>[^"]+)"'))
def then_not_partner(request, name):
    """配合部门中没有该部门。

    例：而且 配合部门不包括 "民政局"
    """
    r = _route(request)
    assert name not in [p["name"] for p in r["partners"]], r["summary"]


@then(parsers.re(r'配合部门 "(?P<name>[^"]+)" 的职责包含 "(?P<text>[^"]+)"'))
def then_partner_duty(request, name, text):
    """某配合部门的职责包含所写文字。

    例：而且 配合部门 "消防救援大队" 的职责包含 "消地协作"
    """
    r = _route(request)
    match = [p for p in r["partners"] if p["name"] == name]
    assert match and text in match[0]["does"], [(p["name"], p["does"]) for p in r["partners"]]


@then(parsers.re(r'配合部门 "(?P<name>[^"]+)" 的依据包含 "(?P<text>[^"]+)"'))
def then_partner_basis(request, name, text):
    """某配合部门的依据包含所写文字。

    例：而且 配合部门 "教育局" 的依据包含 "教育、民政"
    """
    r = _route(request)
    match = [p for p in r["partners"] if p["name"] == name]
    assert match and any(text in b["text"] for b in match[0]["basis"]), match


@then(parsers.re(r'路由事项为 "(?P<name>[^"]+)"'))
def then_matter(request, name):
    """路由到的事项。

    例：那么 路由事项为 "消防安全"
    """
    assert _route(request)["matter"] == name


@then(parsers.re(r'路由环节为 "(?P<name>[^"]+)"'))
def then_route_stage(request, name):
    """路由到的环节。

    例：而且 路由环节为 "气瓶充装与销售"
    """
    assert _route(request)["stage"] == name


@then(parsers.re(r'属地为 "(?P<name>[^"]+)"'))
def then_territorial(request, name):
    """属地（镇街）。

    例：而且 属地为 "所在镇人民政府（街道办事处）"
    """
    r = _route(request)
    assert r["territorial"].get("name") == name, r["territorial"]


@then(parsers.re(r'移交给 "(?P<name>[^"]+)"'))
def then_handover(request, name):
    """发现部门移交给该部门。

    例：而且 移交给 "县住房和城乡建设委员会"
    """
    r = _route(request)
    assert r["handover"] is not None, f"没有移交：{r['summary']}"
    assert r["handover"]["to"]["name"] == name, r["handover"]


@then(parsers.re(r'移交方式为 "(?P<how>[^"]+)"'))
def then_handover_how(request, how):
    """移交方式。

    例：而且 移交方式为 "问题移交"
    """
    r = _route(request)
    assert r["handover"] is not None and r["handover"]["how"] == how, r["handover"]


@then("没有移交")
def then_no_handover(request):
    """不需要移交。

    例：而且 没有移交
    """
    r = _route(request)
    assert r["handover"] is None, r["handover"]


@then(parsers.re(r'路由依据包含 "(?P<text>[^"]+)"'))
def then_route_basis(request, text):
    """路由依据包含所写文字。

    例：而且 路由依据包含 "由本级人民政府消防救援机构负责实施"
    """
    r = _route(request)
    assert any(text in b["text"] for b in r["basis"]), [b["text"] for b in r["basis"]]


@then(parsers.re(r'路由摘要包含 "(?P<text>[^"]+)"'))
def then_summary(request, text):
    """路由摘要包含所写文字。

    例：而且 路由摘要包含 "以“问题移交”方式移交"
    """
    r = _route(request)
    assert text in r["summary"], r["summary"]


@then(parsers.re(r'闭环中 "(?P<name>[^"]+)" 负责 "(?P<text>[^"]+)"'))
def then_closure(request, name, text):
    """闭环中该部门负责所写事项。

    例：而且 闭环中 "应急管理局" 负责 "审核把关销号"
    """
    r = _route(request)
    assert any(c["by"]["name"] == name and text in c["does"] for c in r["closure"]), r["closure"]


@then(parsers.re(r'路由说明包含 "(?P<text>[^"]+)"'))
def then_note(request, text):
    """路由说明包含所写文字。

    例：而且 路由说明包含 "不在路由数据"
    """
    r = _route(request)
    assert any(text in n for n in r["notes"]), r["notes"]
