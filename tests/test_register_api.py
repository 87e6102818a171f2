"""The register over HTTP: every endpoint needs a key, and each role reads and acts only where it may."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api import register as register_api
from api.server import create_app
from engine.register.service import Register

FINDING = {"unit": {"name": "甲化工有限公司", "area": "乌达工业园区"}, "channel": "督导检查发现",
           "found_on": "2026-08-01", "sector": "chemicals",
           "facts": {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"}}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'r.db'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("HAZARD_DATABASE_URL", url)
    register_api._register.cache_clear()
    reg = Register(url)
    keys = {
        "inspector": reg.create_key("检查员", "inspector"),
        "lead": reg.create_key("应急局", "department", department="应急管理局"),
        "other": reg.create_key("住建局", "department", department="住房和城乡建设局"),
        "town": reg.create_key("园区", "town", area="乌达工业园区"),
        "other_town": reg.create_key("某镇", "town", area="乌兰淖尔镇"),
        "admin": reg.create_key("区政府", "admin"),
    }
    client = TestClient(create_app())
    yield client, keys
    register_api._register.cache_clear()
    mp.undo()


def _h(keys, who):
    return {"Authorization": f"Bearer {keys[who]}"}


def test_every_endpoint_needs_a_valid_key(setup):
    client, _ = setup
    for method, path in [("post", "/v1/register/findings"), ("get", "/v1/register/hazards"),
                         ("get", "/v1/register/hazards/1"), ("post", "/v1/register/hazards/1/actions"),
                         ("get", "/v1/register/stats"), ("get", "/v1/register/stats/chart"),
                         ("post", "/v1/register/escalations"), ("post", "/v1/register/rejudge")]:
        body = FINDING if path.endswith("findings") else ({"action": "移交"} if path.endswith("actions") else None)
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            r = getattr(client, method)(path, json=body, headers=headers) if body is not None else \
                getattr(client, method)(path, headers=headers)
            assert r.status_code == 401, (method, path, r.text)
            assert r.json()["error"]["code"] == "unauthorized"


def test_roles_over_http(setup):
    client, keys = setup
    r = client.post("/v1/register/findings", json=FINDING, headers=_h(keys, "inspector"))
    assert r.status_code == 200, r.text
    hid = r.json()["hazard"]
    assert client.post("/v1/register/findings", json=FINDING, headers=_h(keys, "town")).status_code == 403
    assert client.get(f"/v1/register/hazards/{hid}", headers=_h(keys, "lead")).status_code == 200
    assert client.get(f"/v1/register/hazards/{hid}", headers=_h(keys, "other")).status_code == 404
    assert client.get(f"/v1/register/hazards/{hid}", headers=_h(keys, "town")).status_code == 200
    assert client.get(f"/v1/register/hazards/{hid}", headers=_h(keys, "other_town")).status_code == 404
    assert client.get("/v1/register/hazards", headers=_h(keys, "other")).json() == []
    act = f"/v1/register/hazards/{hid}/actions"
    assert client.post(act, json={"action": "移交"}, headers=_h(keys, "town")).status_code == 403
    moved = client.post(act, json={"action": "移交", "version": 1}, headers=_h(keys, "inspector"))
    assert moved.status_code == 200 and moved.json()["status"] == "已移交"
    stale = client.post(act, json={"action": "挂牌督办", "version": 1,
                                   "data": {"level": "区级", "authority": "区政府", "deadline": "2026-09-30"}},
                        headers=_h(keys, "admin"))
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert client.post(act, json={"action": "整改", "data": {"measures": "x"}}, headers=_h(keys, "lead")).status_code == 422
    assert client.post(act, json={"action": "整改", "data": {"measures": "x", "funds": "1", "responsible": "y",
                                                            "deadline": "2026-09-01"}},
                       headers=_h(keys, "other")).status_code == 404
    stats = client.get("/v1/register/stats", headers=_h(keys, "town"))
    assert stats.status_code == 200 and stats.json()["total"] == 1
    assert client.get("/v1/register/stats", headers=_h(keys, "other_town")).json()["total"] == 0
    chart = client.get("/v1/register/stats/chart?by=sector", headers=_h(keys, "admin"))
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg")
    assert client.post("/v1/register/escalations", headers=_h(keys, "inspector")).status_code == 403
    assert client.post("/v1/register/escalations", headers=_h(keys, "admin")).status_code == 200
    assert client.post("/v1/register/rejudge", headers=_h(keys, "lead")).status_code == 403
    assert client.post("/v1/register/rejudge", headers=_h(keys, "admin")).json() == []


@pytest.mark.parametrize("change,status", [
    ({"channel": "听说"}, 422), ({"found_on": "2026-02-30"}, 422), ({"unit": {"name": "甲", "extra": 1}}, 422),
    ({"facts": {"不存在": "是"}}, 422), ({"sector": "nope"}, 422),
])
def test_bad_findings_are_4xx_with_the_envelope(setup, change, status):
    client, keys = setup
    r = client.post("/v1/register/findings", json={**FINDING, **change}, headers=_h(keys, "inspector"))
    assert r.status_code == status and r.json()["error"]["message"]
