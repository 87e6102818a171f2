"""Issue 10, in process: each item's reproduction, with the right answer as the expected one.
(The live-server parts — supervisor, slow clients, bad Content-Length, the fuzz list — are in
tests/test_hardening_live.py.)"""

from __future__ import annotations

import ast
import json
import shutil
import warnings
from pathlib import Path

import pytest
import yaml

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

from api.errors import VERSION_HEADER
from api.server import Settings, create_app
from engine import knowledge, routing, strictjson
from engine.cli import main
from engine.errors import EngineError, HazardError, KnowledgeError

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2.*")

ROOT = Path(__file__).resolve().parent.parent
DAY = "2026-06-01"
MAJOR = {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings()), raise_server_exceptions=True) as c:
        yield c


def envelope(response, status: int, code: str, field=...) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers.get(VERSION_HEADER)
    error = response.json()["error"]
    assert error["code"] == code, error
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error
    if field is not ...:
        assert error["field"] == field, error
    return error


def post(client, body: bytes | str, path: str = "/v1/judgements"):
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return client.post(path, content=data, headers={"content-type": "application/json"})


# ---- item 1: a district is a name, never a path ----------------------------------------------

@pytest.mark.parametrize("value", ["/dev/zero", "/etc/passwd", "../routing/profiles/wuda.yaml", "wuda.yaml", "/tmp",
                                   "knowledge/routing/profiles/wuda.yaml", "C:\\x.yaml"])
def test_a_path_as_district_is_an_unknown_district(client, value):
    envelope(client.get("/v1/routes", params={"district": value}), 422, "unknown_district", "district")
    envelope(client.get("/v1/routes/燃气", params={"district": value}), 422, "unknown_district", "district")
    body = {"sector": "chemicals", "as_of": DAY, "district": value, "facts": MAJOR}
    envelope(client.post("/v1/judgements", json=body), 422, "unknown_district", "district")


def test_documented_district_name_works(client):
    by_name = client.get("/v1/routes/燃气", params={"district": "乌达区"})
    assert by_name.status_code == 200 and by_name.json()["district"] == "乌达区"
    assert by_name.json() == client.get("/v1/routes/燃气", params={"district": "wuda"}).json()
    r = client.post("/v1/judgements", json={"sector": "chemicals", "as_of": DAY, "district": "乌达区", "facts": MAJOR})
    assert r.status_code == 200 and r.json()["route"]["lead"]["name"] == "应急管理局"


def test_openapi_lists_the_accepted_district_names(client):
    schema = client.get("/openapi.json").json()
    names = sorted(routing.routing_data().profile_names)
    assert {"乌达区", "wuda"} <= set(names)
    case = schema["components"]["schemas"]["CaseRequest"]["properties"]["district"]
    assert any(o.get("enum") == names for o in case.get("anyOf", [case]))
    param = next(p for p in schema["paths"]["/v1/routes"]["get"]["parameters"] if p["name"] == "district")
    assert any(o.get("enum") == names for o in param["schema"].get("anyOf", [param["schema"]]))


REQUEST_NAMES = {"district", "ref", "profile", "matter", "stage", "sector", "case", "cases", "request", "body",
                 "document_id", "rule_id", "facts", "raw", "batch", "name", "value", "query"}
FILE_CALLS = {"open", "Path", "read_text", "read_bytes", "glob", "exists", "is_dir", "is_file", "stat", "iterdir",
              "resolve", "load_data", "_read", "_read_yaml", "load"}


def _file_calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None
            if name in FILE_CALLS:
                args = [*node.args, *(k.value for k in node.keywords)]
                if isinstance(fn, ast.Attribute):
                    args.append(fn.value)
                used = {n.id for a in args for n in ast.walk(a) if isinstance(n, ast.Name)}
                yield node.lineno, name, used


def test_grep_guard_no_request_value_reaches_open_or_path():
    """Every file-system call in the request-facing code (api/, engine/routing/) takes only
    configuration (folders, the CLI's own --graph), never a name a request carries."""
    files = sorted([*(ROOT / "api").glob("*.py"), *(ROOT / "engine" / "routing").glob("*.py")])
    assert len(files) >= 10
    offending = [(f.name, line, name, sorted(used & REQUEST_NAMES)) for f in files
                 for line, name, used in _file_calls(f) if used & REQUEST_NAMES]
    assert offending == []
    # and the guard can fail: the code this issue removed is caught
    old = ("from pathlib import Path\ndef load_profile(data, ref):\n"
           "    return Path(ref) if ref.endswith('.yaml') else data.root / 'profiles' / f'{ref}.yaml'\n")
    probe = ROOT / "tests" / "_guard_probe.tmp"
    try:
        probe.write_text(old, encoding="utf-8")
        assert [u & REQUEST_NAMES for _, _, u in _file_calls(probe)] == [{"ref"}]
    finally:
        probe.unlink()


# ---- item 3: no 500 from plain bad input; per-case in a batch -----------------------------------

BAD_CASES = {
    "surrogate_name": ('{"sector":"chemicals","facts":{"\\ud800":"是"}}', "bad_text"),
    "surrogate_value": ('{"sector":"chemicals","facts":{"充装介质":"\\ud800"}}', "bad_text"),
    "surrogate_sector": ('{"sector":"\\udfff","facts":{}}', "bad_text"),
    "huge_integer": ('{"sector":"chemicals","facts":{"充装介质":' + "9" * 400 + "}}", "out_of_range"),
    "huge_float": ('{"sector":"chemicals","facts":{"充装介质":1e400}}', "out_of_range"),
}


@pytest.mark.parametrize("key", sorted(BAD_CASES))
def test_bad_values_are_a_422_with_the_envelope(client, key):
    body, code = BAD_CASES[key]
    envelope(post(client, body), 422, code)


def test_bad_values_in_a_batch_fail_only_their_own_case(client):
    good = json.dumps({"sector": "chemicals", "as_of": DAY, "facts": MAJOR}, ensure_ascii=False)
    cases = [good] + [body for body, _ in BAD_CASES.values()] + [good]
    r = post(client, '{"cases":[' + ",".join(cases) + "]}", "/v1/judgements/batch")
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["ok"] for x in results] == [True] + [False] * len(BAD_CASES) + [True]
    assert [x["error"]["code"] for x in results[1:-1]] == [code for _, code in BAD_CASES.values()]
    assert results[0]["judgement"]["verdict"] == results[-1]["judgement"]["verdict"] == "major"


# ---- item 4: loose parsing --------------------------------------------------------------------

def test_duplicate_json_keys_are_rejected_naming_the_key(client):
    error = envelope(post(client, '{"sector":"chemicals","facts":{"充装介质":"液氨","充装介质":"液氯"}}'),
                     400, "duplicate_key")
    assert "充装介质" in error["message"]
    envelope(post(client, '{"cases":[],"cases":[]}', "/v1/judgements/batch"), 400, "duplicate_key")


def test_duplicate_keys_in_a_case_file(tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text('{"sector":"chemicals","facts":{"充装使用万向管道充装系统":"否","充装使用万向管道充装系统":"是"}}',
                    encoding="utf-8")
    assert main(["judge", "--facts", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误 [duplicate_key]：") and "充装使用万向管道充装系统" in err


@pytest.mark.parametrize("value", ['"false"', '"true"', "0", "1", '"否"'])
def test_complete_must_be_a_json_boolean_in_a_case_file(tmp_path, capsys, value):
    path = tmp_path / "case.json"
    path.write_text('{"sector":"chemicals","complete":%s,"facts":{"充装介质":"液氨"}}' % value, encoding="utf-8")
    assert main(["judge", "--facts", str(path)]) == 2
    assert capsys.readouterr().err.startswith("错误 [wrong_type]：")


def test_complete_false_in_a_case_file_is_false(tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text('{"sector":"chemicals","as_of":"2026-06-01","complete":false,"facts":{"充装介质":"液氨"}}',
                    encoding="utf-8")
    assert main(["judge", "--facts", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "insufficient"


@pytest.mark.parametrize("day", ["2026-06-01\n", " 2026-06-01", "2026-06-01\t"])
def test_a_date_with_stray_whitespace_is_the_date(client, tmp_path, capsys, day):
    r = client.post("/v1/judgements", json={"sector": "chemicals", "as_of": day, "facts": MAJOR})
    assert r.status_code == 200 and r.json()["as_of"] == "2026-06-01"
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"sector": "chemicals", "as_of": day, "facts": MAJOR}, ensure_ascii=False), encoding="utf-8")
    assert main(["judge", "--facts", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == "2026-06-01"


def test_a_date_that_does_not_exist_is_still_named_so(client):
    error = envelope(client.post("/v1/judgements", json={"sector": "chemicals", "as_of": "2026-02-30", "facts": {}}),
                     422, "bad_date")
    assert "不存在" in error["message"]


# ---- item 6: amplification --------------------------------------------------------------------

def test_work_per_request_is_bounded(client):
    sectors = ["chemicals", "mines", "gas", "fire", "fireworks"]
    cases = [{"sectors": sectors, "facts": {}} for _ in range(21)]  # 105 sector judgements
    envelope(client.post("/v1/judgements/batch", json={"cases": cases}), 413, "too_much_work", "cases")
    assert client.post("/v1/judgements/batch", json={"cases": cases[:20]}).status_code == 200


def test_an_empty_case_does_not_list_every_question():
    with TestClient(create_app(Settings(max_questions=10))) as small:
        top = small.post("/v1/judgements", json={"sector": "mines", "as_of": DAY, "facts": {}}).json()
        j = small.post("/v1/judgements?questions=all", json={"sector": "mines", "as_of": DAY, "facts": {}}).json()
    assert 0 < len(top["questions"]) <= 10 and top["questions_omitted"] > 0  # the most decisive few by default
    assert len(j["questions"]) == 10  # all asked for: still bounded by the server's limit
    assert any("未列出" in w for w in j["warnings"])


def test_settings_from_environment_are_checked():
    s = Settings.from_env({"HAZARD_HEADER_TIMEOUT": "2.5", "HAZARD_MAX_CONNECTIONS": "7"})
    assert (s.header_timeout, s.max_connections) == (2.5, 7)
    for bad in ({"HAZARD_BODY_TIMEOUT": "x"}, {"HAZARD_MAX_JUDGEMENTS": "0"}, {"HAZARD_HEADER_TIMEOUT": "nan"}):
        with pytest.raises(HazardError) as err:
            Settings.from_env(bad)
        assert err.value.code == "bad_config"


# ---- item 7: knowledge loader -----------------------------------------------------------------

@pytest.fixture
def kb_copy(tmp_path):
    root = tmp_path / "knowledge"
    shutil.copytree(knowledge.DEFAULT_ROOT, root, ignore=shutil.ignore_patterns("routing"))
    return root


def test_a_rule_with_two_when_keys_is_refused(kb_copy):
    path = kb_copy / "chemicals" / "CHEM-2017.yaml"
    text = path.read_text(encoding="utf-8")
    i = text.index("    when:")
    path.write_text(text[:i] + "    when: {fact: filling_medium, is: 液氨}\n" + text[i:], encoding="utf-8")
    with pytest.raises(KnowledgeError, match="键“when”在同一映射中出现两次"):
        knowledge.load(kb_copy)


def _edit(path: Path, change) -> None:
    data = knowledge.read_yaml_text(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_cycle_through_unless_names_file_and_rule(kb_copy):
    path = kb_copy / "chemicals" / "CHEM-2017.yaml"
    data = knowledge.read_yaml_text(path.read_text(encoding="utf-8"))
    derive = [r for r in data["rules"] if isinstance(r.get("then"), dict) and r["then"].get("derive")]
    assert derive, "CHEM-2017 derives two_key_one_major"
    rule = derive[0]
    target = rule["then"]["derive"]
    _edit(path, lambda d: next(r for r in d["rules"] if r["id"] == rule["id"]).update(
        unless={"fact": target, "is": True}))
    with pytest.raises(KnowledgeError) as err:
        knowledge.load(kb_copy)
    assert "推导循环" in str(err.value) and rule["id"] in str(err.value) and "CHEM-2017.yaml" in str(err.value)


def test_overlapping_editions_without_replaces_are_refused(kb_copy):
    _edit(kb_copy / "fire" / "GB35181-2025.yaml", lambda d: d.update(replaces=None))
    _edit(kb_copy / "fire" / "GB35181-2017.yaml", lambda d: d.update(expires=None))
    with pytest.raises(KnowledgeError, match="施行期重叠却没有 replaces"):
        knowledge.load(kb_copy)


def test_check_of_an_empty_folder_fails(tmp_path, capsys):
    assert main(["check", "--path", str(tmp_path)]) == 3
    assert "没有任何行业" in capsys.readouterr().err


def test_check_registers_every_ruleset_with_the_c_engine(capsys, monkeypatch):
    import durable.lang

    from engine import compiler

    calls = []
    original = compiler.register_all
    monkeypatch.setattr(compiler, "register_all", lambda: (calls.append(1), original())[1])
    assert main(["check"]) == 0
    assert calls == [1] and durable.lang._rulesets == {}  # nothing left to register at the first judgement

    def rejected() -> None:
        raise EngineError("规则集未能在 durable_rules 引擎中注册：ruleset rejected")
    monkeypatch.setattr(compiler, "register_all", rejected)
    capsys.readouterr()
    assert main(["check"]) == 4
    assert "未能在 durable_rules 引擎中注册" in capsys.readouterr().err


# ---- item 8: CLI exit codes and messages ------------------------------------------------------

def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


CLI_MISTAKES = {
    "non_utf8_case_file": (lambda t: ["judge", "--facts", _write(t, "a.json", '{"facts":{"充装介质":"液氨"}}'.encode("gbk"))],
                           "malformed_json"),
    "facts_not_a_mapping": (lambda t: ["judge", "--facts", _write(t, "b.json", b'{"sector":"chemicals","facts":[1]}')],
                            "bad_facts"),
    "sector_a_list": (lambda t: ["judge", "--facts", _write(t, "c.json", b'{"sector":["chemicals"],"facts":{}}')],
                      "wrong_type"),
    "huge_integer": (lambda t: ["judge", "--facts", _write(t, "d.json", b'{"sector":"chemicals","facts":{"x":'
                                                             + b"9" * 400 + b"}}")], "out_of_range"),
    "deep_json": (lambda t: ["judge", "--sector", "chemicals", "--facts",
                             _write(t, "e.json", b"[" * 10000 + b"]" * 10000)], "malformed_json"),
    "route_district_path": (lambda t: ["route", "--district", "/tmp"], "unknown_district"),
    "graph_into_missing_folder": (lambda t: ["route", "--graph", str(t / "no" / "such" / "g.svg")], "cannot_write"),
    "binary_facts_file": (lambda t: ["judge", "--sector", "chemicals", "--facts", _write(t, "f.bin", bytes(range(256)))],
                          "malformed_json"),
    "directory_as_facts": (lambda t: ["judge", "--sector", "chemicals", "--facts", str(t)], "bad_file"),
    "missing_facts_file": (lambda t: ["judge", "--sector", "chemicals", "--facts", str(t / "none.json")], "bad_file"),
    "fact_value_an_object": (lambda t: ["judge", "--facts", _write(t, "g.json", b'{"sector":"chemicals","facts":{"x":{}}}')],
                             "wrong_type"),
    "as_of_a_number": (lambda t: ["judge", "--facts", _write(t, "h.json", b'{"sector":"chemicals","as_of":20260601,"facts":{}}')],
                       "wrong_type"),
    "as_of_not_a_day": (lambda t: ["judge", "--sector", "chemicals", "--as-of", "20260601"], "bad_date"),
    "nan_in_case_file": (lambda t: ["judge", "--facts", _write(t, "i.json", b'{"sector":"chemicals","facts":{"x":NaN}}')],
                         "malformed_json"),
    "unknown_case_field": (lambda t: ["judge", "--facts", _write(t, "j.json", b'{"sector":"chemicals","fact":{},"facts":{}}')],
                           "unknown_field"),
}


@pytest.mark.parametrize("key", sorted(CLI_MISTAKES))
def test_every_user_mistake_exits_2_with_a_coded_chinese_message(tmp_path, capsys, key):
    argv, code = CLI_MISTAKES[key]
    assert main(argv(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"错误 [{code}]：") and "Traceback" not in err and err.count("\n") == 1


def test_an_engine_error_exits_4_without_traceback_text(monkeypatch, capsys):
    from engine import pipeline as judge_module  # every face judges through the pipeline

    def broken(*args, **kwargs):
        raise EngineError("规则引擎执行出错（CHEM-2017）：Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError")
    monkeypatch.setattr(judge_module, "judge", broken)
    assert main(["judge", "--sector", "chemicals", "--fact", "充装介质=液氨"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("错误 [engine_error]：") and "File " not in err and err.count("\n") == 1


def test_every_exit_code_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("退出码"):]
    for code in ("0", "1", "2", "3", "4", "130"):
        assert f"| {code} |" in section, code


# ---- item 9: the error contract (in process; the transport-level cases are live) -----------------

@pytest.mark.parametrize("body", [b'{"sector": "chemicals", "facts": {"\xff": 1}}', b"[" * 5000 + b"]" * 5000,
                                  b'{"sector":"chemicals","facts":{"x":' + b"1" * 5000 + b"}}",
                                  b'{"sector":"chemicals","facts":{"x":Infinity}}', b'{"facts":{}'])
def test_unparseable_bodies_are_malformed_json_in_chinese(client, body):
    envelope(post(client, body), 400, "malformed_json")


@pytest.mark.parametrize("path", ["/healthz", "/v1/sectors", "/v1/routes", "/v1/documents/CHEM-2017", "/v1/nothing"])
def test_head_answers_like_get_without_a_body(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code and head.content == b""
    assert head.headers[VERSION_HEADER] == get.headers[VERSION_HEADER]


def test_strict_parser_unit():
    assert strictjson.loads(b'\xef\xbb\xbf{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert strictjson.depth({"a": [1, {"b": [2]}]}) == 4
    assert strictjson.bad_value({"facts": {"x": "\ud800"}}) [0] == "bad_text"
    assert strictjson.bad_value({"facts": {"x": -10 ** 29}}) is None  # 30 digits
    assert strictjson.bad_value({"facts": {"x": 10 ** 30}})[0] == "out_of_range"  # 31 digits
