"""The HTTP API through FastAPI's TestClient: every endpoint answers what the engine and catalog
answer, and every error class gets the one envelope (4xx, Chinese message, code, field) — never a 500."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import warnings

import pytest

with warnings.catch_warnings():  # starlette's note that httpx2 will replace httpx in its TestClient
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

from api import server
from api.errors import VERSION_HEADER
from api.schemas import ENGINE_MODEL_DOCS
from api.server import Settings, create_app
from engine import catalog, knowledge, routing
from engine.errors import HazardError
from engine.pipeline import judge

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2.*")

CHINESE = re.compile(r"[\u4e00-\u9fff]")
DAY = "2026-06-01"

CASES = [
    {"sector": "chemicals", "as_of": DAY, "facts": {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"}},
    {"sector": "chemicals", "as_of": DAY, "facts": {"充装介质": "液氨", "充装使用万向管道充装系统": "是"}},
    {"sector": "chemicals", "as_of": DAY, "facts": {"涉及重点监管危险化工工艺": "是"}},
    {"sector": "chemicals", "as_of": DAY, "facts": {"filling_medium": "液氯", "universal_filling_system": False}},
    {"sector": "chemicals", "as_of": DAY, "complete": True, "found_by": "应急管理局", "in_park": True,
     "venue": "化工企业", "facts": {"涉及重点监管危险化工工艺": "是", "装置实现自动化控制": "否"}},
    {"sector": "chemicals", "as_of": "2026-10-01", "facts": {"充装介质": "液氯", "充装使用万向管道充装系统": "否"}},
    {"sector": "chemicals", "as_of": DAY, "facts": {}},
]


def engine_json(case: dict) -> dict:
    """What `hazard judge --json` prints for the same case."""
    context = {"found_by": case.get("found_by")}
    context.update({k: case[k] for k in ("venue", "in_park") if k in case})
    import datetime as dt
    as_of = dt.date.fromisoformat(case["as_of"]) if case.get("as_of") else None
    result = judge(case["sector"], case["facts"], as_of, complete=case.get("complete", False), context=context)
    return json.loads(result.model_dump_json(exclude_none=True))


def engine_error(case: dict) -> dict:
    try:
        engine_json(case)
    except HazardError as exc:
        return {"code": exc.code, "message": exc.message, "field": exc.field}
    raise AssertionError(f"engine accepted {case}")


@pytest.fixture(scope="module")
def kb():
    return knowledge.default()


@pytest.fixture(scope="module")
def app():
    return create_app(Settings())


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:  # raise_server_exceptions: an unhandled error fails the test
        yield c


def assert_error(response, status: int, code: str, field=..., version: str | None = None):
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}, body
    error = body["error"]
    assert error["code"] == code, error
    if field is not ...:
        assert error["field"] == field, error
    assert CHINESE.search(error["message"]), error
    assert "Traceback" not in response.text and 'File "' not in response.text
    if version is not None:
        assert response.headers[VERSION_HEADER] == version
    return error


# ---- judgements ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
def test_judgement_is_the_engine_judgement(client, kb, case):
    r = client.post("/v1/judgements", json=case)
    assert r.status_code == 200, r.text
    assert r.headers[VERSION_HEADER] == kb.version
    assert r.json() == engine_json(case)


def test_major_hazard_cites_the_exact_clause(client, kb):
    body = client.post("/v1/judgements", json=CASES[0]).json()
    doc, rule = kb.rules[body["hazards"][0]["rule_id"]]
    assert body["verdict"] == "major" and body["rulebase_version"] == kb.version
    assert body["hazards"][0]["text"] == doc.clause(rule.clause).text
    assert body["hazards"][0]["document"]["number"] == doc.number


def test_ids_and_labels_give_the_same_judgement(client):
    by_label = client.post("/v1/judgements", json={"sector": "chemicals", "as_of": DAY,
                                                   "facts": {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"}}).json()
    by_id = client.post("/v1/judgements", json={"sector": "chemicals", "as_of": DAY,
                                                "facts": {"unit_kind": "危险化学品生产单位", "filling_container": "汽车罐车或铁路罐车（槽车）", "filling_medium": "液氨", "universal_filling_system": False}}).json()
    assert by_label == by_id


def test_several_sectors_split_the_facts_by_vocabulary(client, kb):
    other = next(s for s in kb.sectors if s != "chemicals")
    other_fact = next(iter(kb.sectors[other].facts.values()))
    facts = {**CASES[0]["facts"], other_fact.label: None}  # "unknown" value: known to the other sector only
    r = client.post("/v1/judgements", json={"sectors": ["chemicals", other], "as_of": DAY, "facts": facts})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sectors"] == ["chemicals", other]
    assert body["judgements"][0] == engine_json(CASES[0])
    verdicts = [j["verdict"] for j in body["judgements"]]
    assert body["verdict"] == ("major" if "major" in verdicts else body["verdict"])
    assert body["verdict"] == "major" and body["rulebase_version"] == kb.version


def test_a_label_several_sectors_share_goes_to_those_that_can_read_its_value(client, kb):
    """被检查单位类别 is in the chemicals and the gas vocabularies with different values: a chemicals value
    is judged under chemicals and set aside, with a warning, under gas; a value no listed sector can read
    is an error naming them."""
    facts = {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨",
             "充装使用万向管道充装系统": "否"}
    assert kb.sectors["gas"].fact_by_name("被检查单位类别") is not None  # the premise: a shared label
    r = client.post("/v1/judgements", json={"sectors": ["chemicals", "gas"], "as_of": DAY, "facts": facts})
    assert r.status_code == 200, r.text
    chemicals, gas = r.json()["judgements"]
    assert chemicals["verdict"] == "major" and chemicals["hazards"][0]["rule_id"] == "CHEM-2017-07"
    assert kb.sectors["gas"].fact_by_name("被检查单位类别").id not in gas["facts"]
    assert any("被检查单位类别" in w and "未用于本行业判定" in w and "化工" in w for w in gas["warnings"]), gas["warnings"]
    bad = client.post("/v1/judgements", json={"sectors": ["chemicals", "gas"], "as_of": DAY,
                                              "facts": {"被检查单位类别": "不存在的单位"}})
    assert_error(bad, 422, "bad_value", "facts.被检查单位类别", kb.version)
    assert "均无法读取" in bad.json()["error"]["message"]


@pytest.mark.parametrize("case,code,field", [
    ({"sectors": ["chemicals", "nope"], "facts": {}}, "unknown_sector", "sectors.1"),
    ({"sectors": ["chemicals", "chemicals"], "facts": {}}, "duplicate_sector", "sectors.1"),
    ({"sector": "chemicals", "sectors": ["chemicals"]}, "conflicting_fields", "sectors"),
    ({"facts": {"充装介质": "液氨"}}, "missing_sector", "sector"),
    ({"sectors": ["chemicals"], "facts": {"不存在的事实": "是"}}, "unknown_fact", "facts.不存在的事实"),
    ({"sectors": [], "facts": {}}, "out_of_range", "sectors"),
    ({"sectors": ["chemicals"] * 21}, "out_of_range", "sectors"),
])
def test_case_shape_errors(client, kb, case, code, field):
    assert_error(client.post("/v1/judgements", json=case), 422, code, field, kb.version)


# every error class of the single endpoint: (request kwargs, status, code, field)
ERRORS = [
    ({"content": b'{"sector": "chemicals", "facts": {', "headers": {"content-type": "application/json"}},
     400, "malformed_json", None),
    ({"json": {"sector": "petrol", "facts": {}}}, 422, "unknown_sector", "sector"),
    ({"json": {"sector": "chemicals", "facts": {"充装方式": "软管"}}}, 422, "unknown_fact", "facts.充装方式"),
    ({"json": {"sector": "chemicals", "facts": {"充装介质": "水"}}}, 422, "bad_value", "facts.充装介质"),
    ({"json": {"sector": "chemicals", "facts": {"充装使用万向管道充装系统": "也许"}}}, 422, "bad_value",
     "facts.充装使用万向管道充装系统"),
    ({"json": {"sector": "chemicals", "facts": {"充装介质": ["液氨"]}}}, 422, "wrong_type", "facts.充装介质"),
    ({"json": {"sector": "chemicals", "facts": ["充装介质"]}}, 422, "wrong_type", "facts"),
    ({"json": {"sector": 7, "facts": {}}}, 422, "wrong_type", "sector"),
    ({"json": {"sector": "chemicals", "complete": "yes"}}, 422, "wrong_type", "complete"),
    ({"json": ["chemicals"]}, 422, "wrong_type", "body"),
    ({"json": {"sector": "chemicals", "as_of": "2010-01-01"}}, 422, "no_edition_in_force", "as_of"),
    ({"json": {"sector": "chemicals", "as_of": "2026-02-30"}}, 422, "bad_date", "as_of"),
    ({"json": {"sector": "chemicals", "as_of": 20260601}}, 422, "bad_date", "as_of"),
    ({"json": {"sector": "chemicals", "fact": {"充装介质": "液氨"}}}, 422, "unknown_field", "fact"),
    ({"json": {"sector": "chemicals", "found_by": "局" * 101}}, 422, "out_of_range", "found_by"),
    ({"content": b'{"sector": "chemicals"}', "headers": {"content-type": "text/plain"}}, 415,
     "unsupported_media_type", "Content-Type"),
    ({"content": b'{"sector": "chemicals"}'}, 415, "unsupported_media_type", "Content-Type"),
]


@pytest.mark.parametrize("request_kwargs,status,code,field", ERRORS, ids=[e[2] for e in ERRORS])
def test_error_classes_of_a_judgement(client, kb, request_kwargs, status, code, field):
    assert_error(client.post("/v1/judgements", **request_kwargs), status, code, field, kb.version)


def test_engine_errors_pass_through_unchanged(client):
    case = {"sector": "chemicals", "as_of": "2010-01-01", "facts": {"充装介质": "水"}}
    assert client.post("/v1/judgements", json=case).json()["error"] == engine_error(case)


# ---- limits ----------------------------------------------------------------------------------

def test_body_over_the_byte_limit_is_refused_before_parsing(kb):
    with TestClient(create_app(Settings(max_body_bytes=200))) as small:
        big = {"sector": "chemicals", "facts": {"充装介质": "液氨"}, "found_by": "x" * 300}
        assert_error(small.post("/v1/judgements", json=big), 413, "body_too_large", "body", kb.version)
        # not JSON at all: still 413, so nothing parsed it
        raw = b"{" * 1000
        assert_error(small.post("/v1/judgements", content=raw, headers={"content-type": "application/json"}),
                     413, "body_too_large", "body")
        # chunked, with no Content-Length: counted as it arrives
        chunks = (b"{" * 100 for _ in range(5))
        assert_error(small.post("/v1/judgements", content=chunks, headers={"content-type": "application/json"}),
                     413, "body_too_large", "body")
        # under the limit still works
        assert small.post("/v1/judgements", json=CASES[1]).status_code == 200


@pytest.mark.parametrize("value", [b"abc", "\u00b2".encode("latin-1"), b"-1"])
def test_bad_content_length_is_a_400(value):
    # the ASGI level: a client cannot send this through httpx, so call the guard directly
    import asyncio

    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    async def app(scope, receive, send):  # pragma: no cover - must not be reached
        raise AssertionError("the guard let a bad Content-Length through")

    guard = server.Guard(app, 100, "v")
    scope = {"type": "http", "method": "POST", "path": "/v1/judgements", "headers": [(b"content-length", value)]}
    asyncio.run(guard(scope, receive, send))
    assert sent[0]["status"] == 400 and json.loads(sent[1]["body"])["error"]["code"] == "bad_content_length"


def test_batch_over_the_case_limit(kb):
    with TestClient(create_app(Settings(max_batch=2))) as small:
        r = small.post("/v1/judgements/batch", json={"cases": [CASES[0]] * 3})
        error = assert_error(r, 413, "batch_too_large", "cases", kb.version)
        assert "2" in error["message"]
        assert small.post("/v1/judgements/batch", json={"cases": [CASES[0]] * 2}).status_code == 200
        assert small.get("/healthz").json()["limits"]["max_batch"] == 2


@pytest.mark.parametrize("env,expected", [
    ({}, Settings()),
    ({"HAZARD_MAX_BODY_BYTES": "4096", "HAZARD_MAX_BATCH": " 7 "}, Settings(max_body_bytes=4096, max_batch=7)),
])
def test_limits_from_environment(env, expected):
    assert Settings.from_env(env) == expected


@pytest.mark.parametrize("env,name", [
    ({"HAZARD_MAX_BATCH": "many"}, "HAZARD_MAX_BATCH"),
    ({"HAZARD_MAX_BATCH": "0"}, "HAZARD_MAX_BATCH"),
    ({"HAZARD_MAX_BODY_BYTES": "-5"}, "HAZARD_MAX_BODY_BYTES"),
])
def test_bad_limits_are_refused_with_the_variable_named(env, name):
    with pytest.raises(HazardError) as exc:
        Settings.from_env(env)
    assert exc.value.code == "bad_config" and exc.value.field == name and CHINESE.search(exc.value.message)


# ---- batch -----------------------------------------------------------------------------------

def test_batch_keeps_order_and_isolates_bad_cases(client, kb):
    bad = [
        {"sector": "chemicals", "facts": {"充装方式": "软管"}},
        {"sector": "nope"},
        {"sector": "chemicals", "as_of": "2010-01-01"},
        {"sector": "chemicals", "facts": {"充装介质": ["液氨"]}},
        {"sector": "chemicals", "complete": "yes"},
        "not a case",
    ]
    cases = [CASES[0], bad[0], CASES[2], bad[1], bad[2], CASES[1], bad[3], bad[4], bad[5], CASES[4]]
    r = client.post("/v1/judgements/batch", json={"cases": cases})
    assert r.status_code == 200, r.text
    assert r.headers[VERSION_HEADER] == kb.version
    body = r.json()
    assert [item["index"] for item in body["results"]] == list(range(len(cases)))
    expected_summary = {"major": 0, "not_major": 0, "insufficient": 0, "not_determined": 0, "error": 0}
    for case, item in zip(cases, body["results"]):
        single = client.post("/v1/judgements", json=case)
        if single.status_code == 200:
            assert item["ok"] is True and "error" not in item
            assert item["judgement"] == single.json() == engine_json(case)
            expected_summary[item["judgement"]["verdict"]] += 1
        else:
            assert item["ok"] is False and "judgement" not in item
            assert item["error"] == single.json()["error"], (case, item)
            expected_summary["error"] += 1
    assert body["summary"] == expected_summary
    assert expected_summary["error"] == len(bad)


def test_batch_envelope_errors(client):
    assert_error(client.post("/v1/judgements/batch", json={"cases": {"a": 1}}), 422, "wrong_type", "cases")
    assert_error(client.post("/v1/judgements/batch", json={}), 422, "missing_field", "cases")
    assert_error(client.post("/v1/judgements/batch", json={"cases": [], "x": 1}), 422, "unknown_field", "x")
    empty = client.post("/v1/judgements/batch", json={"cases": []})
    assert empty.status_code == 200 and empty.json()["results"] == []


# ---- catalog ---------------------------------------------------------------------------------

def _plain(data):
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def test_documents_list_and_filter(client, kb):
    all_docs = client.get("/v1/documents")
    assert all_docs.status_code == 200 and all_docs.headers[VERSION_HEADER] == kb.version
    assert all_docs.json() == _plain([catalog.document_summary(d) for d in kb.documents.values()])
    chem = client.get("/v1/documents", params={"sector": "chemicals"}).json()
    assert chem == _plain([catalog.document_summary(d) for d in kb.sectors["chemicals"].documents])
    assert_error(client.get("/v1/documents", params={"sector": "nope"}), 422, "unknown_sector", "sector")


def test_document_detail_lists_clauses_and_rules(client, kb):
    doc = kb.documents["CHEM-2017"]
    body = client.get("/v1/documents/CHEM-2017").json()
    assert body == _plain(catalog.document_detail(doc))
    seven = next(c for c in body["clauses"] if c["no"] == "七")
    assert seven["text"] == doc.clause("七").text and seven["rules"]
    assert_error(client.get("/v1/documents/NO-SUCH-DOC"), 404, "unknown_document", "document_id")


def test_rule_detail(client, kb):
    rule_id = next(iter(kb.rules))
    assert client.get(f"/v1/rules/{rule_id}").json() == _plain(catalog.rule_detail(*kb.rules[rule_id]))
    assert_error(client.get("/v1/rules/NO-SUCH-RULE"), 404, "unknown_rule", "rule_id")


def test_vocabulary_of_every_sector(client, kb):
    for sector in kb.sectors:
        r = client.get(f"/v1/vocabulary/{sector}")
        assert r.status_code == 200 and r.json() == _plain(catalog.vocabulary(kb, sector))
    assert_error(client.get("/v1/vocabulary/nope"), 404, "unknown_sector", "sector")


def test_sectors_and_health_come_from_the_knowledge_base(client, kb):
    sectors = client.get("/v1/sectors").json()
    assert [s["id"] for s in sectors] == list(kb.sectors)
    assert sectors[0]["rules"] == sum(len(d.rules) for d in kb.sectors[sectors[0]["id"]].documents)
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["rulebase_version"] == kb.version == health.headers[VERSION_HEADER]
    assert body["sectors"] == sectors


def test_routes(client):
    matters = client.get("/v1/routes")
    assert matters.status_code == 200 and matters.json() == _plain(routing.matters())
    first = matters.json()[0]
    r = client.get(f"/v1/routes/{first['name']}")
    assert r.status_code == 200 and r.json() == _plain(routing.chain(first["name"]))
    stage = first["stages"][-1]
    one = client.get(f"/v1/routes/{first['id']}", params={"stage": stage})
    assert one.status_code == 200 and one.json() == _plain(routing.chain(first["id"], stage))
    assert [s["stage"] for s in one.json()["stages"]] == [stage]
    assert_error(client.get("/v1/routes/没有这件事"), 404, "unknown_matter", "matter")
    assert_error(client.get(f"/v1/routes/{first['id']}", params={"stage": "没有这个环节"}), 404, "unknown_stage", "stage")


def test_judgement_carries_the_route(client):
    body = client.post("/v1/judgements", json={**CASES[0], "found_by": "应急管理局", "in_park": True}).json()
    assert body["route"]["lead"]["name"]
    # a context error of the router is a 422 like any other
    r = client.post("/v1/judgements", json={**CASES[0], "district": "没有这个区县"})
    assert_error(r, 422, "unknown_district", "district")


@pytest.mark.parametrize("method,path,status,code", [
    ("GET", "/v1/nothing", 404, "not_found"),
    ("GET", "/nope", 404, "not_found"),  # "/" is the web page (tests/test_web.py)
    ("DELETE", "/v1/judgements", 405, "method_not_allowed"),
    ("GET", "/v1/judgements", 405, "method_not_allowed"),
    ("PUT", "/v1/documents/CHEM-2017", 405, "method_not_allowed"),
])
def test_unknown_paths_and_methods(client, kb, method, path, status, code):
    r = client.request(method, path)
    assert_error(r, status, code, None, kb.version)
    if status == 405:
        assert r.headers["allow"]


def test_engine_failure_is_a_json_500_without_trace(kb):
    from engine.errors import EngineError

    app = create_app(Settings())

    @app.get("/engine-boom")
    def engine_boom():
        raise EngineError("durable_rules internal detail")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/engine-boom")
    assert_error(r, 500, "engine_error", None, kb.version)
    assert "durable_rules internal detail" not in r.text


def test_last_resort_is_a_json_500_without_trace(kb):
    app = create_app(Settings())

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert_error(r, 500, "internal_error", None, kb.version)
    assert "secret internal detail" not in r.text and "RuntimeError" not in r.text


# ---- a new sector appears by itself ------------------------------------------------------------

PROBE_VOCABULARY = """\
sector: probe
label: 探针行业
facts:
  - id: gas_level
    label: 甲烷浓度
    type: number
    unit: "%"
    min: 0
    max: 100
    question: 甲烷浓度是多少？
"""

PROBE_DOCUMENT = """\
id: PROBE-2020
sector: probe
title: 探针判定标准
number: 探〔2020〕1号
issuer: 测试
effective: 2020-01-01
source: tests
clauses:
  - no: 一
    text: 甲烷浓度达到1.0%以上。
rules:
  - id: PROBE-01
    clause: 一
    situation: 甲烷浓度达到1.0%以上
    when: {fact: gas_level, ge: 1.0}
    then: major_hazard
"""


@pytest.fixture(scope="module")
def probe_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("knowledge")
    shutil.copytree(Path(knowledge.DEFAULT_ROOT) / "chemicals", root / "chemicals")
    (root / "probe").mkdir()
    (root / "probe" / "vocabulary.yaml").write_text(PROBE_VOCABULARY, encoding="utf-8")
    (root / "probe" / "PROBE-2020.yaml").write_text(PROBE_DOCUMENT, encoding="utf-8")
    return knowledge.load(root)


def test_new_sector_appears_without_code_changes(probe_kb):
    with TestClient(create_app(Settings(), kb=probe_kb)) as c:
        assert "probe" in [s["id"] for s in c.get("/v1/sectors").json()]
        assert c.get("/v1/vocabulary/probe").json()["facts"][0]["id"] == "gas_level"
        assert c.get("/v1/documents", params={"sector": "probe"}).json()[0]["id"] == "PROBE-2020"
        r = c.post("/v1/judgements", json={"sector": "probe", "as_of": DAY, "facts": {"甲烷浓度": "1.0%"}})
        assert r.status_code == 200 and r.headers[VERSION_HEADER] == probe_kb.version
        expected = judge("probe", {"甲烷浓度": "1.0%"}, __import__("datetime").date(2026, 6, 1), kb=probe_kb,
                         context={"found_by": None})
        assert r.json() == json.loads(expected.model_dump_json(exclude_none=True))
        assert r.json()["hazards"][0]["rule_id"] == "PROBE-01"


@pytest.mark.parametrize("value", [120, "-1", "101%"])
def test_number_out_of_range(probe_kb, value):
    with TestClient(create_app(Settings(), kb=probe_kb)) as c:
        r = c.post("/v1/judgements", json={"sector": "probe", "facts": {"甲烷浓度": value}})
    assert_error(r, 422, "out_of_range", "facts.甲烷浓度", probe_kb.version)


# ---- the documentation -------------------------------------------------------------------------

def test_openapi_documents_every_endpoint_and_model_in_chinese(client):
    schema = client.get("/openapi.json").json()
    assert client.get("/docs").status_code == 200
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            assert CHINESE.search(op.get("summary", "")) and CHINESE.search(op.get("description", "")), where
            for status, response in op["responses"].items():
                assert VERSION_HEADER in response.get("headers", {}), (where, status)
                if status not in ("200", "201"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorResponse"), (where, status)
            if "requestBody" in op:
                assert op["requestBody"]["content"]["application/json"]["examples"], where
            for param in op.get("parameters", []):
                assert CHINESE.search(param.get("description", "")), (where, param["name"])
    for name, component in schema["components"]["schemas"].items():
        assert CHINESE.search(component.get("description", "")), name
    components = schema["components"]["schemas"]
    engine_models = set(ENGINE_MODEL_DOCS)
    for name, component in components.items():
        for prop, spec in component.get("properties", {}).items():
            if name.split("-")[0] in engine_models and prop not in ENGINE_MODEL_DOCS[name.split("-")[0]][1]:
                continue  # a field the engine added later: documented once api/schemas.py names it
            assert CHINESE.search(spec.get("description", "")), (name, prop)
    for name, (_, fields) in ENGINE_MODEL_DOCS.items():  # no description of a field that is gone
        assert set(fields) <= set(components[name]["properties"]), (name, set(fields) - set(components[name]["properties"]))


def _without_nulls(data):
    if isinstance(data, dict):
        return {k: _without_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_nulls(x) for x in data]
    return data


def test_documented_examples_are_answered_as_documented(client):
    schema = client.get("/openapi.json").json()
    op = schema["paths"]["/v1/judgements"]["post"]
    requests = op["requestBody"]["content"]["application/json"]["examples"]
    responses = op["responses"]["200"]["content"]["application/json"]["examples"]
    assert set(requests) == set(responses)
    for key, example in requests.items():
        r = client.post("/v1/judgements", json=example["value"])
        assert r.status_code == 200, (key, r.text)
        # FastAPI writes the OpenAPI document without nulls, also inside examples
        assert _without_nulls(r.json()) == responses[key]["value"], key
    batch = schema["paths"]["/v1/judgements/batch"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    for example in batch.values():
        assert client.post("/v1/judgements/batch", json=example["value"]).status_code == 200


# ---- the command ------------------------------------------------------------------------------

def test_serve_subcommand_is_registered():
    from engine.cli import build_parser

    args = build_parser().parse_args(["serve"])
    from api import cli as api_cli

    assert (args.host, args.port, args.workers, args.func) == ("127.0.0.1", 8000, 1, api_cli.cmd_serve)
    args = build_parser().parse_args(["serve", "--host", "127.0.0.1", "--port", "8123", "--workers", "3"])
    assert (args.port, args.workers) == (8123, 3)
    for bad in (["serve", "--port", "70000"], ["serve", "--workers", "0"], ["serve", "--port", "x"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(bad)


def test_worker_listener_is_marked_tcp_so_connections_get_nodelay():
    """uvicorn --workers binds its socket with proto 0, and asyncio then leaves Nagle on for every
    accepted connection (~40 ms per keep-alive request); `hazard serve` re-wraps it as TCP."""
    import socket

    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.bind(("127.0.0.1", 0))
    address = raw.getsockname()
    assert raw.proto == 0  # what uvicorn's Config.bind_socket creates
    from api import cli as api_cli

    sock = api_cli.tcp_listener(raw)
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.getsockname() == address
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert sock.get_inheritable()
    finally:
        sock.close()


def test_a_second_server_cannot_join_a_running_one():
    from api import workers

    if not workers.supported():
        pytest.skip("no SO_REUSEPORT on this platform")
    guard = workers.reserve("127.0.0.1", 0)
    port = guard.getsockname()[1]
    listener = workers.worker_socket("127.0.0.1", port)  # our worker joins the reservation
    try:
        with pytest.raises(OSError):  # before our workers listen
            workers.reserve("127.0.0.1", port)
        listener.listen()
        with pytest.raises(OSError):  # and while they do
            workers.reserve("127.0.0.1", port)
    finally:
        listener.close()
        guard.close()
    workers.reserve("127.0.0.1", port).close()  # free again once we stop


def test_worker_sockets_share_the_port_as_tcp():
    from api import workers

    if not workers.supported():
        pytest.skip("no SO_REUSEPORT on this platform: uvicorn's shared socket is used")
    import socket

    first = workers.worker_socket("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        second = workers.worker_socket("127.0.0.1", port)  # a second worker on the same port
        try:
            for sock in (first, second):
                assert sock.proto == socket.IPPROTO_TCP
                assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
        finally:
            second.close()
    finally:
        first.close()
