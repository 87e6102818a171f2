"""The real server: `hazard serve` in a child process with two workers, over HTTP on loopback.
Hundreds of concurrent mixed requests must get exactly the answers of sequential engine calls
(durable_rules sessions never see each other's facts, across threads and across processes)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random

import httpx
import pytest

from api.errors import VERSION_HEADER
from api.launch import running_server
from engine import knowledge
from engine.pipeline import judge

CONCURRENT = 240
DAY = "2026-06-01"

MIXED = [
    {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"},
    {"充装介质": "液氨", "充装使用万向管道充装系统": "是"},
    {"充装介质": "液氯", "充装使用万向管道充装系统": "否"},
    {"充装介质": "液化烃"},
    {"涉及重点监管危险化工工艺": "是"},
    {"涉及重点监管危险化工工艺": "是", "装置实现自动化控制": "否"},
    {"涉及重点监管危险化工工艺": "是", "装置实现自动化控制": "是", "系统实现紧急停车功能": "是",
     "外部安全防护距离符合国家标准要求": "是"},
    {"在役化工装置经正规设计": "否", "在役化工装置进行了安全设计诊断": "否"},
    {"涉及可燃和有毒有害气体泄漏的场所": "否"},
    {},
]


@pytest.fixture(scope="module")
def live_url():
    with running_server(workers=2) as url:
        yield url


def sequential(case: dict) -> dict:
    context = {"found_by": case.get("found_by")}
    context.update({k: case[k] for k in ("venue", "in_park") if k in case})
    result = judge(case["sector"], case["facts"], dt.date.fromisoformat(case["as_of"]),
                   complete=case.get("complete", False), context=context)
    return json.loads(result.model_dump_json(exclude_none=True))


def test_real_server_answers_over_http(live_url):
    kb = knowledge.default()
    with httpx.Client(base_url=live_url, timeout=30) as c:
        health = c.get("/healthz")
        assert health.status_code == 200 and health.json()["rulebase_version"] == kb.version
        assert health.headers[VERSION_HEADER] == kb.version
        case = {"sector": "chemicals", "as_of": DAY, "facts": MIXED[0]}
        r = c.post("/v1/judgements", json=case)
        assert r.status_code == 200 and r.json() == sequential(case)
        assert c.get("/docs").status_code == 200
        assert c.get("/openapi.json").json()["info"]["title"]
        bad = c.post("/v1/judgements", content=b"{", headers={"content-type": "application/json"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "malformed_json"
        assert bad.headers[VERSION_HEADER] == kb.version
        big = c.post("/v1/judgements", content=b" " * 2_000_000, headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"
        plain = c.post("/v1/judgements", content=b'{"sector": "chemicals"}', headers={"content-type": "text/plain"})
        assert plain.status_code == 415 and plain.json()["error"]["code"] == "unsupported_media_type"
        assert c.get("/v1/documents/CHEM-2017").json()["id"] == "CHEM-2017"


def test_connections_are_spread_over_both_workers(live_url):
    """A burst of keep-alive connections (a client's pool) must not all land on one worker."""
    async def burst():
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
        async with httpx.AsyncClient(base_url=live_url, timeout=30, limits=limits) as client:
            answers = await asyncio.gather(*(client.get("/healthz") for _ in range(64)))
        return {r.json()["worker"] for r in answers}

    assert len(asyncio.run(burst())) == 2


def test_concurrent_requests_get_the_sequential_answers(live_url):
    rng = random.Random(20260601)
    cases = []
    for i in range(CONCURRENT):
        case = {"sector": "chemicals", "as_of": DAY, "facts": rng.choice(MIXED)}
        if i % 7 == 0:
            case["complete"] = True
        if i % 5 == 0:
            case["found_by"] = "应急管理局"
        cases.append(case)
    expected = [sequential(case) for case in cases]
    assert len({json.dumps(e, sort_keys=True) for e in expected}) >= 8  # genuinely mixed answers

    async def fire():
        limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
        async with httpx.AsyncClient(base_url=live_url, timeout=60, limits=limits) as client:
            return await asyncio.gather(*(client.post("/v1/judgements", json=case) for case in cases))

    responses = asyncio.run(fire())
    assert [r.status_code for r in responses] == [200] * CONCURRENT
    mismatches = [i for i, (r, e) in enumerate(zip(responses, expected)) if r.json() != e]
    assert not mismatches, f"{len(mismatches)} of {CONCURRENT} answers differ, e.g. case {cases[mismatches[0]]}"
