"""The web pages through the app itself (no browser): every page answers in Chinese, judging through
the API's own function, errors shown on the page with what was entered kept, downloads work."""

from __future__ import annotations

import base64
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from api.server import create_app


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


MAJOR = [("sector", "chemicals"), ("as_of", "2026-08-01"), ("f", "被检查单位类别=危险化学品生产单位"), ("f", "充装对象=汽车罐车或铁路罐车（槽车）"), ("f", "充装介质=液氨"), ("f", "充装使用万向管道充装系统=否")]


def test_home_is_a_chinese_page_with_the_fact_list(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "判定一个检查发现" in r.text and 'lang="zh-CN"' in r.text
    assert "充装使用万向管道充装系统" in r.text  # the searchable vocabulary ships with the page
    assert r.headers["x-rulebase-version"]


def test_judging_by_facts_shows_the_clause_route_and_print_link(client):
    r = client.get("/", params=MAJOR)
    assert r.status_code == 200
    text = r.text
    assert "重大事故隐患" in text and "条款 七" in text
    assert "液化烃、液氨、液氯等易燃易爆、有毒有害液化气体的充装未使用万向管道充装系统。" in text
    assert "牵头部门" in text and "应急管理局" in text
    printable = client.get("/print", params=MAJOR)
    assert printable.status_code == 200 and "重大事故隐患判定书" in printable.text and "条款 七" in printable.text


def test_open_case_offers_inline_questions_that_rejudge(client):
    ctx = [("f", "被检查单位类别=危险化学品生产单位"), ("f", "充装对象=汽车罐车或铁路罐车（槽车）")]
    r = client.get("/", params=[("sector", "chemicals"), ("as_of", "2026-08-01"), *ctx, ("f", "充装介质=液氨"),
                                ("partial", "1")])
    assert "信息不足" in r.text and 'name="q:充装使用万向管道充装系统"' in r.text
    answered = client.get("/", params=[("sector", "chemicals"), ("as_of", "2026-08-01"), *ctx, ("f", "充装介质=液氨"),
                                       ("q:充装使用万向管道充装系统", "否"), ("partial", "1")])
    assert "重大事故隐患" in answered.text and "条款 七" in answered.text


@pytest.mark.parametrize("params,code", [
    ([("sector", "chemicals"), ("f", "不存在的事实=是")], "unknown_fact"),
    ([("sector", "chemicals"), ("f", "充装使用万向管道充装系统=也许")], "bad_value"),
    ([("sector", "chemicals"), ("as_of", "2026-02-30"), ("f", "充装介质=液氨")], "bad_date"),
    ([("sector", "nope"), ("f", "充装介质=液氨")], "unknown_sector"),
    ([("sector", "chemicals"), ("f", "没有等号")], "bad_fact_syntax"),
])
def test_bad_input_is_a_chinese_message_and_keeps_what_was_entered(client, params, code):
    r = client.get("/", params=params)
    assert r.status_code == 422
    assert "输入有误" in r.text and code in r.text
    for key, value in params:
        if key == "f" and "=" in value:
            assert value.split("=")[0] in r.text  # the fact entered is still on the page


def test_criteria_pages(client):
    assert "安监总管三〔2017〕121号" in client.get("/criteria").text
    doc = client.get("/criteria/CHEM-2017")
    assert doc.status_code == 200 and "CHEM-2017-07" in doc.text
    missing = client.get("/criteria/NOPE")
    assert missing.status_code == 404 and "没有这份文件" in missing.text


def test_checklist_page_and_downloads(client):
    r = client.get("/checklist", params={"sector": "mines", "c": "矿山类别=煤矿", "as_of": "2026-08-01"})
    assert r.status_code == 200 and "应急管理部令第21号" in r.text
    x = client.get("/checklist", params={"sector": "mines", "c": "矿山类别=煤矿", "format": "xlsx"})
    assert x.status_code == 200 and load_workbook(io.BytesIO(x.content))["检查表"]
    d = client.get("/checklist", params={"sector": "chemicals", "format": "docx"})
    assert d.status_code == 200 and d.content[:2] == b"PK"
    up = client.post("/web/checklist/judge", json={"content_base64": base64.b64encode(x.content).decode()})
    assert up.status_code == 200 and "信息不足" in up.text
    bad = client.post("/web/checklist/judge", json={"content_base64": "not base64!"})
    assert bad.status_code == 400 and "无法读取" in bad.text


def test_batch_sheet_round_trip(client):
    wb = Workbook()
    ws = wb.active
    ws.append(["单位", "行业", "检查日期", "事实"])
    ws.append(["甲公司", "chemicals", "2026-08-01", "被检查单位类别=危险化学品生产单位；充装对象=汽车罐车或铁路罐车（槽车）；充装介质=液氨；充装使用万向管道充装系统=否"])
    ws.append(["乙公司", "chemicals", "2026-08-01", "不存在的事实=是"])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/web/sheet", json={"name": "f.xlsx", "content_base64": base64.b64encode(buf.getvalue()).decode()})
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    header = rows[0]
    assert rows[1][header.index("结论")] == "重大事故隐患" and "七" in rows[1][header.index("依据条款")]
    assert rows[2][header.index("单位")] == "乙公司" and "unknown_fact" in rows[2][header.index("错误")]
    empty = client.post("/web/sheet", json={"name": "f.csv", "content_base64": ""})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "bad_sheet"


def test_quiz_page_scores_with_explanations(client):
    r = client.get("/quiz", params={"start": "1", "sector": "chemicals", "count": "3", "seed": "5"})
    assert r.status_code == 200 and "交卷" in r.text
    s = client.get("/quiz", params={"start": "1", "sector": "chemicals", "count": "3", "seed": "5", "submit": "1",
                                    "a:Q1": "A"})
    assert "得分：" in s.text and ("✓" in s.text or "✗" in s.text)
    bad = client.get("/quiz", params={"start": "1", "count": "0"})
    assert bad.status_code == 422 and "题目数量" in bad.text


def test_docs_are_served_from_the_package(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower() and "/static-offline-docs/" in docs.text
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    redoc = client.get("/redoc")
    assert "cdn" not in redoc.text.lower() and client.get("/static-offline-docs/redoc.standalone.js").status_code == 200
