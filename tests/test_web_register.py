"""The register's web pages (issue 14 "pages in the web interface"), through the app itself: a key
logs in (HttpOnly cookie), an inspector registers a finding that is judged and routed, the lead
department takes it through rectification to 销号 with forms, each role sees only what the API
lets it, and bad input keeps what was entered."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api import register as register_api
from api.server import create_app
from engine.register.service import Register

FACTS = "被检查单位类别=危险化学品生产单位\n充装对象=汽车罐车或铁路罐车（槽车）\n充装介质=液氨\n充装使用万向管道充装系统=否"
FORM = {"unit_name": "甲化工有限公司", "area": "乌达工业园区", "channel": "督导检查发现", "found_on": "2026-08-01",
        "sector": "chemicals", "facts": FACTS, "text": "液氨槽车充装使用金属软管"}


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('webreg') / 'r.db'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("HAZARD_DATABASE_URL", url)
    register_api._register.cache_clear()
    reg = Register(url)
    out = {"inspector": reg.create_key("检查员甲", "inspector"),
           "lead": reg.create_key("应急局", "department", department="应急管理局"),
           "other": reg.create_key("住建局", "department", department="住房和城乡建设局"),
           "town": reg.create_key("某镇", "town", area="乌兰淖尔镇")}
    yield out
    register_api._register.cache_clear()
    mp.undo()


def browser(key: str | None = None) -> TestClient:
    client = TestClient(create_app(), base_url="http://testserver")
    if key:
        r = client.post("/register/login", data={"key": key}, follow_redirects=False)
        assert r.status_code == 303 and "httponly" in r.headers["set-cookie"].lower()
        assert "samesite=strict" in r.headers["set-cookie"].lower()
    return client


def test_without_a_key_the_login_form_is_shown_and_a_wrong_key_is_refused(keys):
    client = browser()
    for path in ("/register", "/register/new", "/register/stats", "/register/hazards/1"):
        r = client.get(path)
        assert r.status_code == 200 and "访问密钥" in r.text and 'name="key"' in r.text, path
    r = client.post("/register/login", data={"key": "hj_wrong"})
    assert r.status_code == 401 and "访问密钥无效" in r.text
    assert client.get("/register/stats/chart.svg").status_code == 401


def test_inspector_registers_and_department_closes_the_loop(keys):
    inspector = browser(keys["inspector"])
    r = inspector.post("/register/new", data=FORM, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    hid = int(re.search(r"/register/hazards/(\d+)", url).group(1))
    page = inspector.get(url).text
    assert "已登记为重大事故隐患" in page and "安监总管三〔2017〕121号" in page and "条款 七" in page
    assert "牵头部门：应急管理局" in page
    # the inspector may hand it over or record the notice; rectification is the department's
    assert re.findall(r'name="action" value="([^"]+)"', page) == ["移交", "通知主要负责人"]
    r = inspector.post(url.split("?")[0], data={"action": "移交", "version": "1"}, follow_redirects=False)
    assert r.status_code == 303
    # the lead department: rectification plan (a missing field keeps what was typed), then 申请销号, 销号
    lead = browser(keys["lead"])
    page = lead.get(f"/register/hazards/{hid}").text
    assert "状态：已移交" in page
    assert re.findall(r'name="action" value="([^"]+)"', page) == ["整改", "通知主要负责人"]
    r = lead.post(f"/register/hazards/{hid}", data={"action": "整改", "version": "2", "measures": "安装万向管道充装系统",
                                                    "funds": "20万元", "responsible": "王五"})
    assert r.status_code == 422 and "deadline" in r.text and "安装万向管道充装系统" in r.text
    for data in ({"action": "整改", "version": "2", "measures": "安装万向管道充装系统", "funds": "20万元",
                  "responsible": "王五", "deadline": "2026-09-01"},
                 {"action": "申请销号", "version": "3", "evidence": "验收材料"},
                 {"action": "销号", "version": "4", "reviewer": "李四"}):
        r = lead.post(f"/register/hazards/{hid}", data=data, follow_redirects=False)
        assert r.status_code == 303, (data["action"], r.text[:2000])
    page = lead.get(f"/register/hazards/{hid}").text
    assert "状态：已销号" in page and "安装万向管道充装系统" in page
    assert [a for a in ("登记", "移交", "整改", "申请销号", "销号") if f"<td>{a}</td>" in page] == ["登记", "移交", "整改", "申请销号", "销号"]
    # a stale form (version 1) is a conflict with the current state, not a lost update
    r = lead.post(f"/register/hazards/{hid}", data={"action": "退回", "version": "1", "reason": "x"})
    assert r.status_code == 409 and "已销号" in r.text


def test_each_role_sees_only_what_it_may(keys):
    inspector = browser(keys["inspector"])
    r = inspector.post("/register/new", data={**FORM, "unit_name": "乙化工有限公司"}, follow_redirects=False)
    hid = int(re.search(r"/register/hazards/(\d+)", r.headers["location"]).group(1))
    other = browser(keys["other"])
    r = other.get(f"/register/hazards/{hid}")
    assert r.status_code == 404 and "没有编号为" in r.text
    assert "乙化工有限公司" not in other.get("/register").text
    r = other.post(f"/register/hazards/{hid}", data={"action": "移交", "version": "1"})
    assert r.status_code == 404
    town = browser(keys["town"])  # another area
    assert "乙化工有限公司" not in town.get("/register").text
    assert "登记检查发现" not in town.get("/register").text
    assert "乙化工有限公司" in inspector.get("/register", params={"area": "乌达工业园区"}).text
    assert "乙化工有限公司" not in inspector.get("/register", params={"area": "别处"}).text


def test_a_finding_that_is_not_major_is_registered_but_stays_out_of_the_list(keys):
    inspector = browser(keys["inspector"])
    facts = FACTS.replace("充装使用万向管道充装系统=否", "充装使用万向管道充装系统=是")
    r = inspector.post("/register/new", data={**FORM, "unit_name": "丙化工有限公司", "facts": facts})
    assert r.status_code == 200 and "不进入隐患台账" in r.text
    assert "丙化工有限公司" not in inspector.get("/register").text


@pytest.mark.parametrize("change,code", [
    ({"unit_name": ""}, "missing_field"),
    ({"facts": "充装介质液氨"}, "bad_fact_syntax"),
    ({"facts": "没有这个事实=是"}, "unknown_fact"),
    ({"found_on": "2026-13-01"}, "bad_date"),
    ({"channel": "小道消息"}, "bad_channel"),
    ({"sector": "nope"}, "unknown_sector"),
])
def test_bad_input_keeps_what_was_entered(keys, change, code):
    inspector = browser(keys["inspector"])
    r = inspector.post("/register/new", data={**FORM, **change})
    assert r.status_code in (400, 401, 403, 404, 409, 413, 422) and code in r.text, r.text[:1500]
    assert "液氨槽车充装使用金属软管" in r.text  # the text typed is still in the form
    assert "Traceback" not in r.text


def test_a_post_from_another_site_is_refused(keys):
    inspector = browser(keys["inspector"])
    r = inspector.post("/register/new", data=FORM, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "其他网站" in r.text


def test_stats_page_has_a_chart_and_the_table(keys):
    inspector = browser(keys["inspector"])
    r = inspector.post("/register/new", data={**FORM, "unit_name": "丁化工有限公司"}, follow_redirects=False)
    assert r.status_code == 303
    page = inspector.get("/register/stats", params={"by": "sector"})
    assert page.status_code == 200 and "按行业" in page.text and "化工和危险化学品" in page.text
    svg = inspector.get("/register/stats/chart.svg", params={"by": "sector"})
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    assert "化工和危险化学品" in svg.text and ">chemicals<" not in svg.text  # groups named as users know them
