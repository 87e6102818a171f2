"""The HTTP API for inspectors (FastAPI on uvicorn), and the `hazard serve` subcommand.

    hazard serve [--host 127.0.0.1] [--port 8000] [--workers N]

`create_app()` is the app factory: it loads and compiles the whole knowledge base up front
(engine.judge.prepare), so the first request is as fast as the others. durable_rules is
serialised inside a process (engine.compiler.ENGINE_LOCK), so the judging endpoints are plain
`def` functions that FastAPI runs in its threadpool: the event loop keeps accepting and parsing
requests while one judgement runs. Scale-out is more worker processes (`--workers N`, see
api.workers: one SO_REUSEPORT socket per worker, so the kernel spreads connections), each of which
calls the factory and compiles its own copy of the rule base.

Limits (environment variables, read when the app is created; see `Settings`):
    HAZARD_MAX_BODY_BYTES   request body size limit in bytes, checked before parsing (default 1048576)
    HAZARD_MAX_BATCH        cases in one POST /v1/judgements/batch call (default 100)
    HAZARD_MAX_JUDGEMENTS   sector judgements in one request, cases x sectors (default 100)
    HAZARD_MAX_QUESTIONS    questions listed in one judgement of the API (default 60)
    HAZARD_HEADER_TIMEOUT   seconds for a request head to arrive (default 10; api.protocol)
    HAZARD_BODY_TIMEOUT     seconds for a request body to arrive (default 30)
    HAZARD_KEEP_ALIVE       seconds an idle keep-alive connection is kept (default 5)
    HAZARD_MAX_CONNECTIONS  open connections per worker process (default 256; api.protocol)
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Literal, Optional

from fastapi import Body, FastAPI, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi_offline import FastAPIOffline
from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.concurrency import run_in_threadpool

from api import errors, protocol, web, workers
from api import practice as practice_api
from api import register as register_api
from api.strict import StrictRoute
from api.schemas import (CASE_EXAMPLES, BatchRequest, BatchResponse, CaseRequest, DocumentDetail, DocumentSummary,
                         ErrorResponse, Health, JudgementResult, MatterOut, MultiJudgement, RouteOut, RuleDetail, SectorInfo,
                         VocabularyOut, document_district, document_engine_models)
from engine import catalog, knowledge, routing
from engine.errors import EngineError, HazardError
from engine.compiler import register_all
from engine.judge import VERDICT_ZH, prepare
from engine.pipeline import judge, read_facts
from engine.knowledge import KnowledgeBase
from engine.model import Judgement

log = logging.getLogger("hazard.api")

ENV_MAX_BODY_BYTES = "HAZARD_MAX_BODY_BYTES"
ENV_MAX_BATCH = "HAZARD_MAX_BATCH"
JSON = "application/json"
DRAIN_LIMIT = 16 * 1024 * 1024  # an over-large body up to this size is read and dropped before the 413


ENV_LIMITS = {  # environment variable -> (Settings attribute, lowest value, type)
    ENV_MAX_BODY_BYTES: ("max_body_bytes", 64, int),
    ENV_MAX_BATCH: ("max_batch", 1, int),
    "HAZARD_MAX_JUDGEMENTS": ("max_judgements", 1, int),
    "HAZARD_MAX_QUESTIONS": ("max_questions", 1, int),
    "HAZARD_HEADER_TIMEOUT": ("header_timeout", 0.1, float),
    "HAZARD_BODY_TIMEOUT": ("body_timeout", 0.1, float),
    "HAZARD_KEEP_ALIVE": ("keep_alive", 1, int),
    "HAZARD_MAX_CONNECTIONS": ("max_connections", 1, int),
}


@dataclass(frozen=True)
class Settings:
    """Configurable limits of the service (environment variables in ENV_LIMITS)."""

    max_body_bytes: int = 1_048_576  # 1 MiB: about a thousand cases of ordinary size
    max_batch: int = 100
    max_judgements: int = 100  # cases x sectors in one request
    max_questions: int = 60  # questions listed per judgement (an empty case would list every one)
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive: int = 5
    max_connections: int = 256

    @classmethod
    def from_env(cls, env: Optional[dict[str, str]] = None) -> "Settings":
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, (attr, low, kind) in ENV_LIMITS.items():
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                continue
            try:
                values[attr] = kind(raw.strip())
            except ValueError:
                want = "整数" if kind is int else "数值"
                raise HazardError("bad_config", f"环境变量 {name} 须为{want}（收到：{raw!r}）", name) from None
            if not values[attr] >= low or values[attr] != values[attr] or values[attr] == float("inf"):
                raise HazardError("bad_config", f"环境变量 {name} 须不小于 {low}（收到：{raw!r}）", name)
        return cls(**values)

    def limits(self) -> dict[str, Any]:
        return {attr: getattr(self, attr) for attr, _, _ in ENV_LIMITS.values()}


async def _drain(receive: Receive, limit: int, timeout: float = 10.0) -> None:
    """Read and drop the rest of a request body, at most `limit` bytes and `timeout` seconds."""
    try:
        await asyncio.wait_for(_drain_all(receive, limit), timeout)
    except TimeoutError:
        pass


async def _drain_all(receive: Receive, limit: int) -> None:
    read = 0
    while read <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


# ---- transport guard: body limit before parsing, media type, rule-base version header -----------

class Guard:
    """Pure ASGI middleware. Rejects an over-large body with 413 before anything parses it
    (by Content-Length, and by counting the bytes of a chunked body), rejects a non-JSON body
    with 415, and names the rule-base version in a header on every response."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, version: str, body_timeout: float = 30.0):
        self.app = app
        self.max = max_body_bytes
        self.body_timeout = body_timeout
        self.header = (errors.VERSION_HEADER.lower().encode(), version.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = self.header
        head = scope["method"] == "HEAD"
        if head:  # HEAD is GET without the body (FastAPI routes GET only)
            scope = {**scope, "method": "GET"}

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == header[0] for k, _ in headers):
                    headers.append(header)
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            text = length.decode("latin-1").strip()
            if not (text.isascii() and text.isdigit()):
                await self._reject(send_with_version, 400, "bad_content_length", f"Content-Length 无效：{text!r}")
                return
            if int(text) > self.max:
                # A client told to wait (Expect: 100-continue) never sends the body; otherwise read and
                # drop a moderately large one, so the client gets the 413 instead of a reset connection.
                if b"100-continue" not in headers.get(b"expect", b"").lower() and int(text) <= DRAIN_LIMIT:
                    await _drain(receive, DRAIN_LIMIT)
                await self._too_large(send_with_version)
                return
        has_body = (length is not None and length.strip() not in (b"", b"0")) or b"transfer-encoding" in headers
        if not has_body:
            await self.app(scope, receive, send_with_version)
            return
        media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        # the register's web forms (api.web_register) post urlencoded forms; everything else is JSON
        web_form = media == b"application/x-www-form-urlencoded" and scope.get("path", "").startswith("/register/")
        if media != b"application/json" and not media.endswith(b"+json") and not web_form:
            got = f"收到 {media.decode('latin-1')!r}" if media else "未给出 Content-Type"
            await _drain(receive, DRAIN_LIMIT)  # an unread body would make the close a reset
            await self._reject(send_with_version, 415, "unsupported_media_type",
                               f"请求体须为 JSON，请加请求头 Content-Type: application/json（{got}）", "Content-Type")
            return
        chunks, total = [], 0
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                await self._reject(send_with_version, 408, "body_timeout",
                                   f"请求体未在 {self.body_timeout:g} 秒内发送完毕（HAZARD_BODY_TIMEOUT），连接已关闭", "body")
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max:
                if message.get("more_body", False):
                    await _drain(receive, DRAIN_LIMIT - total)
                await self._too_large(send_with_version)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_version)

    async def _too_large(self, send: Send) -> None:
        await self._reject(send, 413, "body_too_large",
                           f"请求体超过 {self.max} 字节的上限（环境变量 {ENV_MAX_BODY_BYTES}）", "body")

    @staticmethod
    async def _reject(send: Send, status: int, code: str, message: str, field: str | None = None) -> None:
        body = errors.dumps(errors.envelope(code, message, field))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", JSON.encode()), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


# ---- judging ----------------------------------------------------------------------------------

def unknown_sector(kb: KnowledgeBase, name: str, field: str, status: int | None = None) -> HazardError:
    """The engine's unknown_sector error (same wording), for the places the API checks a sector itself."""
    return HazardError("unknown_sector", f"未知行业“{name}”；可选：{'、'.join(kb.sectors)}", field, status)


def _context(case: CaseRequest) -> dict[str, Any]:
    """The case context, as `hazard judge` passes it: found_by always, the others when given."""
    context: dict[str, Any] = {"found_by": case.found_by}
    for key in ("venue", "in_park", "town", "district"):
        if getattr(case, key) is not None:
            context[key] = getattr(case, key)
    return context


def _overall(verdicts: list[str]) -> str:
    if "major" in verdicts:
        return "major"
    if all(v == "not_major" for v in verdicts):
        return "not_major"
    return "insufficient" if "insufficient" in verdicts else "not_determined"


def judge_case(case: CaseRequest, kb: KnowledgeBase, all_questions: bool = False) -> Judgement | MultiJudgement:
    """One case: a Judgement for `sector`; for `sectors`, each fact goes to every listed sector whose
    vocabulary knows it, each sector is judged, and the verdicts are combined. `all_questions`: every
    question, not only the most decisive few (?questions=all)."""
    if case.sector is not None and case.sectors is not None:
        raise HazardError("conflicting_fields", "sector 与 sectors 只能填写一个", "sectors")
    if case.text is not None:  # a written record: engine.text reads it (sector may be inferred)
        from engine.text.judging import judge_text
        if case.sectors is not None:
            raise HazardError("conflicting_fields", "text 只能与 sector 一起使用（或不填行业，由文本推断）", "sectors")
        return judge_text(case.text, case.sector, case.facts, case.as_of, complete=case.complete, kb=kb,
                          context=_context(case))
    if case.sector is None and case.sectors is None:
        raise HazardError("missing_sector", f"请用 sector 指定行业（可选：{'、'.join(kb.sectors)}）", "sector")
    context = _context(case)
    if case.sector is not None:
        return judge(case.sector, case.facts, case.as_of, complete=case.complete, kb=kb, context=context,
                     all_questions=all_questions)
    ids = case.sectors or []
    for i, sector_id in enumerate(ids):
        if sector_id not in kb.sectors:
            raise unknown_sector(kb, sector_id, f"sectors.{i}")
        if sector_id in ids[:i]:
            raise HazardError("duplicate_sector", f"行业“{sector_id}”重复出现", f"sectors.{i}")
    shares: dict[str, dict[str, Any]] = {s: {} for s in ids}
    set_aside: dict[str, list[str]] = {s: [] for s in ids}  # per sector: facts its vocabulary cannot read
    for name, value in case.facts.items():
        owners = [s for s in ids if kb.sectors[s].fact_by_name(str(name).strip()) is not None]
        if not owners:
            labels = "、".join(kb.sectors[s].label for s in ids)
            raise HazardError("unknown_fact", f"“{name}”不是所列行业（{labels}）任一词汇表中的事实；"
                                              f"可用 GET /v1/vocabulary/{{sector}} 查看", f"facts.{name}")
        # a label several sectors share (被检查单位类别) may take a value only one of them knows: the fact
        # goes to the sectors that can read it, and the others say they left it aside
        refused: dict[str, HazardError] = {}
        for s in owners:
            try:
                read_facts(kb.sectors[s], {name: value})
            except HazardError as exc:
                refused[s] = exc
        readers = [s for s in owners if s not in refused]
        if not readers:
            first = next(iter(refused.values()))
            if len(refused) == 1:
                raise first
            labels = "、".join(kb.sectors[s].label for s in refused)
            raise HazardError(first.code, f"所列行业（{labels}）均无法读取“{name}”的取值：{first.message}",
                              first.field, status=first.status)
        for s in readers:
            shares[s][name] = value
        used_by = "、".join(kb.sectors[s].label for s in readers)
        for s in refused:
            set_aside[s].append(f"“{name}”的取值“{value}”不是{kb.sectors[s].label}行业该事实的取值，"
                                f"未用于本行业判定（已用于：{used_by}）")
    results = [judge(s, shares[s], case.as_of, complete=case.complete, kb=kb, context=context,
                     all_questions=all_questions) for s in ids]
    for s, result in zip(ids, results):
        result.warnings.extend(set_aside[s])
    verdict = _overall([r.verdict for r in results])
    return MultiJudgement(verdict=verdict, verdict_zh=VERDICT_ZH[verdict], sectors=list(ids), judgements=results,
                          rulebase_version=kb.version)


def judgement_json(result: Judgement | MultiJudgement) -> str:
    """The judgement exactly as `hazard judge --json` writes it (model_dump_json, None left out)."""
    return result.model_dump_json(exclude_none=True)


def _json(data: Any) -> Response:
    return Response(errors.dumps(data), media_type=JSON)


# ---- the app ----------------------------------------------------------------------------------

DESCRIPTION = """\
按官方行业判定标准判定检查发现是否构成**重大事故隐患**，逐条引用条款原文，说明推理，列出需在现场补充的事实，
并（路由模块可用时）给出牵头部门。判定结果与命令行 `hazard judge --json` 的输出相同。

**规则库版本**：每个响应都带响应头 `X-Rulebase-Version`（知识库内容哈希），判定结果中也有 `rulebase_version`。

**错误格式**（所有 4xx/5xx 相同）：`{"error": {"code": "…", "message": "中文说明", "field": "出错字段或 null"}}`。

| 状态 | code | 情形 |
| --- | --- | --- |
| 400 | malformed_json / duplicate_key / bad_http_request | 请求体不是 UTF-8 或合法 JSON、嵌套超过 32 层；同一对象中键重复；HTTP 格式无效（如 Content-Length） |
| 404 | not_found / unknown_document / unknown_rule / unknown_sector / unknown_matter / unknown_stage | 地址或资源不存在 |
| 405 | method_not_allowed | 方法不支持（GET 接口也接受 HEAD） |
| 408 | header_timeout / body_timeout | 请求头或请求体未在时限内发完 |
| 413 | body_too_large / batch_too_large / too_much_work | 请求体字节数、批量案例数、“案例×行业”判定数超过上限 |
| 415 | unsupported_media_type | 请求体不是 application/json |
| 422 | unknown_sector / unknown_fact / bad_value / out_of_range / bad_text / no_edition_in_force / missing_sector / wrong_type / missing_field / unknown_field / bad_date / unknown_district … | 请求内容有误 |
| 503 | too_many_connections | 本工作进程连接数已满 |
| 500 | internal_error / engine_error | 不应发生；不返回堆栈 |

**上限与超时**（环境变量）：`HAZARD_MAX_BODY_BYTES`（请求体字节数，默认 1048576）、`HAZARD_MAX_BATCH`（批量案例数，默认 100）、
`HAZARD_MAX_JUDGEMENTS`（一次请求的“案例×行业”判定数，默认 100）、`HAZARD_MAX_QUESTIONS`（每个判定列出的问题数，默认 60）、
`HAZARD_HEADER_TIMEOUT`（请求头时限，秒，默认 10）、`HAZARD_BODY_TIMEOUT`（请求体时限，秒，默认 30）、
`HAZARD_KEEP_ALIVE`（空闲连接保留，秒，默认 5）、`HAZARD_MAX_CONNECTIONS`（每个工作进程的连接数，默认 256）；
当前取值见 `GET /healthz`。
"""

TAGS = [
    {"name": "判定", "description": "判定一个或一批检查发现"},
    {"name": "判定标准", "description": "行业、判定标准文件、条款与规则、事实词汇表"},
    {"name": "移交", "description": "“一件事”链条与牵头部门"},
    {"name": "运行", "description": "服务状态"},
]

_VERSION_HEADER_DOC = {errors.VERSION_HEADER: {"description": "规则库版本（知识库内容哈希）", "schema": {"type": "string"}}}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "请求体不是合法 JSON，或 JSON 键重复", 404: "资源不存在", 413: "请求体、批量或判定数过大", 415: "请求体不是 JSON",
            422: "请求内容有误（未知行业、事实、取值、日期无版本施行等）", 500: "内部错误（不应发生）"}
    return {s: {"model": ErrorResponse, "description": text[s]} for s in statuses}


_BODY_ERRORS = _errors(400, 413, 415, 422, 500)


def _judgement_examples(kb: KnowledgeBase) -> dict[str, Any]:
    """The documented request examples, judged by this rule base: the response examples never go stale."""
    examples = {}
    for key, example in CASE_EXAMPLES.items():
        try:
            result = judge_case(CaseRequest.model_validate(example["value"]), kb)
        except HazardError:  # a knowledge base without the example's sector
            continue
        examples[key] = {"summary": example["summary"], "value": json.loads(judgement_json(result))}
    return {"description": "判定结果（与 `hazard judge --json` 相同）",
            "content": {JSON: {"examples": examples}}} if examples else {"description": "判定结果"}


def create_app(settings: Settings | None = None, kb: KnowledgeBase | None = None) -> FastAPI:
    """Build the API (the uvicorn factory: `uvicorn --factory api.server:create_app`)."""
    settings = settings or Settings.from_env()
    kb = prepare(kb or knowledge.default())
    register_all()  # every ruleset in durable_rules' C engine now, as `hazard check` does
    rules = kb.rules
    documents = kb.documents
    try:
        version = metadata.version("hazard-judge")
    except metadata.PackageNotFoundError:
        version = "0"
    # /docs and /redoc from assets shipped in the fastapi-offline package: they work without internet
    app = FastAPIOffline(title="重大事故隐患判定 API（hazard-judge）", version=f"{version}+rulebase.{kb.version}",
                         description=DESCRIPTION, openapi_tags=TAGS)
    app.router.route_class = StrictRoute
    app.state.settings = settings
    app.state.kb = kb
    protocol.VERSION = kb.version
    errors.install(app, kb.version)
    web.mount(app, kb, judge_case, CaseRequest)
    app.include_router(register_api.router)
    app.include_router(practice_api.router)
    app.add_middleware(Guard, max_body_bytes=settings.max_body_bytes, version=kb.version,
                       body_timeout=settings.body_timeout)
    district_names = sorted(routing.routing_data().profile_names)

    def check_work(*cases: Any) -> None:
        """413 too_much_work when the request asks for more sector judgements than allowed."""
        work = 0
        for case in cases:
            sectors = case.sectors if isinstance(case, CaseRequest) else (case.get("sectors") if isinstance(case, dict) else None)
            work += len(sectors) if isinstance(sectors, list) and sectors else 1
        if work > settings.max_judgements:
            raise HazardError("too_much_work", f"一次请求最多判定 {settings.max_judgements} 个“案例×行业”（收到 {work} 个；"
                                               "环境变量 HAZARD_MAX_JUDGEMENTS）；请分批提交", "cases", status=413)

    def bounded(result: Judgement | MultiJudgement) -> Judgement | MultiJudgement:
        """At most max_questions questions per judgement, the rest named in a warning."""
        inner = (result.judgements if isinstance(result, MultiJudgement)
                 else [f.judgement for f in result.findings] if hasattr(result, "findings")  # a text judgement
                 else [result])
        for j in inner:
            extra = len(j.questions) - settings.max_questions
            if extra > 0:
                j.questions = j.questions[:settings.max_questions]
                j.warnings.append(f"另有 {extra} 个需补充的问题未列出（每次最多列出 {settings.max_questions} 个，"
                                  "已按重要性排序）；请先回答以上问题后再次判定")
        return result

    def sector_info() -> list[dict[str, Any]]:
        return [{"id": s.id, "label": s.label, "documents": [d.id for d in s.documents],
                 "rules": sum(len(d.rules) for d in s.documents), "facts": len(s.facts)} for s in kb.sectors.values()]

    @app.post("/v1/judgements", tags=["判定"], summary="判定一个检查发现", response_model=JudgementResult,
              responses={**_BODY_ERRORS, 200: _judgement_examples(kb)})
    async def post_judgement(case: CaseRequest = Body(openapi_examples=CASE_EXAMPLES),
                             questions: Literal["top", "all"] = Query(
                                 "top", description="需补充的问题：top 只列最关键的几个（其余给出条数），all 列出全部")) -> Response:
        """判定一个案例：给出结论（重大事故隐患 / 不构成 / 信息不足 / 无法判定）、逐条引用的条款原文、推理、
        未构成的情形、需补充的问题、提示与移交路由。事实可用 id 或中文名；取值可用 是/否、true/false、枚举值或数值。
        用 `sectors` 可一次按多个行业判定（返回各行业的判定与总结论）。"""
        check_work(case)

        def answer() -> Response:
            return Response(judgement_json(bounded(judge_case(case, kb, questions == "all"))), media_type=JSON)

        if case.sectors and len(case.sectors) > 1:  # several judgements: off the event loop
            return await run_in_threadpool(answer)
        # one judgement (about a millisecond) runs on the event loop: handing it to a thread costs
        # more than it takes, and the rule engine runs one judgement at a time anyway (ENGINE_LOCK)
        return answer()

    @app.post("/v1/judgements/batch", tags=["判定"], summary="批量判定", response_model=BatchResponse,
              responses=_BODY_ERRORS)
    def post_batch(batch: BatchRequest = Body(openapi_examples={"two": {
            "summary": "两个案例，其中第二个事实名写错（只影响它自己）",
            "value": {"cases": [CASE_EXAMPLES["major"]["value"],
                                {"sector": "chemicals", "facts": {"充装方式": "软管"}}]}}})) -> Response:
        """逐个判定多个案例，结果顺序与请求一致。某个案例有误时，该案例的结果为错误对象（与单个判定的错误相同），
        其余案例照常判定。案例数上限为 HAZARD_MAX_BATCH（超出返回 413 batch_too_large）。"""
        if len(batch.cases) > settings.max_batch:
            raise HazardError("batch_too_large", f"一次最多提交 {settings.max_batch} 个案例（收到 {len(batch.cases)} 个；"
                                                 f"环境变量 {ENV_MAX_BATCH}）", "cases", status=413)
        check_work(*batch.cases)
        # each judgement is serialised exactly as the single endpoint does and spliced in
        items: list[bytes] = []
        summary = {"major": 0, "not_major": 0, "insufficient": 0, "not_determined": 0, "error": 0}
        for i, raw in enumerate(batch.cases):
            try:
                result = bounded(judge_case(CaseRequest.model_validate(raw), kb))
            except (HazardError, ValidationError) as exc:
                items.append(errors.dumps({"index": i, "ok": False, "error": errors.case_error(exc)}))
                summary["error"] += 1
                continue
            except EngineError as exc:
                log.error("engine error in batch case %d: %s", i, exc)
                items.append(errors.dumps({"index": i, "ok": False, "error": errors.envelope(
                    "engine_error", "规则引擎执行出错，请将该案例反馈给维护人员")["error"]}))
                summary["error"] += 1
                continue
            items.append(b'{"index":%d,"ok":true,"judgement":%s}' % (i, judgement_json(result).encode()))
            summary[result.verdict] += 1
        body = b'{"results":[%s],"summary":%s,"rulebase_version":%s}' % (
            b",".join(items), errors.dumps(summary), errors.dumps(kb.version))
        return Response(body, media_type=JSON)

    @app.get("/v1/sectors", tags=["判定标准"], summary="行业列表", response_model=list[SectorInfo],
             responses=_errors(500))
    def get_sectors() -> Response:
        """知识库中的全部行业（新增行业自动出现）及其判定标准文件、规则数与事实数。"""
        return _json(sector_info())

    @app.get("/v1/documents", tags=["判定标准"], summary="判定标准文件列表", response_model=list[DocumentSummary],
             responses=_errors(422, 500))
    def get_documents(sector: Optional[str] = Query(None, max_length=64, description="只列出该行业的文件",
                                                     examples=["chemicals"])) -> Response:
        """已登记的判定标准文件（各版本，含尚未编码的），可按行业筛选。"""
        if sector is not None and sector not in kb.sectors:
            raise unknown_sector(kb, sector, "sector")
        return _json([catalog.document_summary(d) for s in kb.sectors.values() if sector in (None, s.id)
                      for d in s.documents])

    @app.get("/v1/documents/{document_id}", tags=["判定标准"], summary="一份判定标准的条款与规则",
             response_model=DocumentDetail, responses=_errors(404, 422, 500))
    def get_document(document_id: str = Path(description="文件 id", examples=["CHEM-2017"])) -> Response:
        """一份判定标准文件的全部条款原文、编码状态，以及编码每个条款的规则 id。"""
        doc = documents.get(document_id)
        if doc is None:
            raise HazardError("unknown_document", f"没有文件 {document_id}；可用 GET /v1/documents 查看全部文件",
                              "document_id", status=404)
        return _json(catalog.document_detail(doc))

    @app.get("/v1/rules/{rule_id}", tags=["判定标准"], summary="一条规则", response_model=RuleDetail,
             responses=_errors(404, 422, 500))
    def get_rule(rule_id: str = Path(description="规则 id", examples=["CHEM-2017-07"])) -> Response:
        """一条规则：所在文件、条款原文、编码的情形、条件、排除情形与结论。"""
        found = rules.get(rule_id)
        if found is None:
            raise HazardError("unknown_rule", f"没有规则 {rule_id}；可用 GET /v1/documents/{{id}} 查看各条款的规则",
                              "rule_id", status=404)
        return _json(catalog.rule_detail(*found))

    @app.get("/v1/vocabulary/{sector}", tags=["判定标准"], summary="行业事实词汇表", response_model=VocabularyOut,
             responses=_errors(404, 422, 500))
    def get_vocabulary(sector: str = Path(description="行业 id", examples=["chemicals"])) -> Response:
        """一个行业可填写的全部事实：id、中文名、类型、可选值、单位与范围，以及现场要问的问题。"""
        if sector not in kb.sectors:
            raise unknown_sector(kb, sector, "sector", status=404)
        return _json(catalog.vocabulary(kb, sector))

    district_query = Query(None, max_length=200, description="区县：名称（如 乌达区）或 id（如 wuda），可选值见枚举；不接受文件路径。默认为部署的区县", examples=["乌达区"])

    @app.get("/v1/routes", tags=["移交"], summary="“一件事”事项列表", response_model=list[MatterOut],
             responses=_errors(422, 500))
    def get_matters(district: Optional[str] = district_query) -> Response:
        """可查询链条的事项（如 城镇燃气、危险化学品、消防）及各环节的牵头部门。"""
        return _json(jsonable_encoder(routing.matters(district)))

    @app.get("/v1/routes/{matter}", tags=["移交"], summary="一件事的链条与牵头部门", response_model=RouteOut,
             responses=_errors(404, 422, 500))
    def get_route(matter: str = Path(description="事项 id、名称或别名，如 燃气", examples=["燃气"]),
                  stage: Optional[str] = Query(None, max_length=64, description="环节（如 使用）；不填则为整条链条",
                                               examples=["使用"]),
                  district: Optional[str] = district_query) -> Response:
        """一件事的各环节：牵头部门、配合部门、各自职责与依据（指定 stage 时只返回该环节）。
        事项或环节不存在时 404 unknown_matter / unknown_stage。"""
        try:
            found = routing.chain(matter, stage, district)
        except HazardError as exc:
            if exc.code in ("unknown_matter", "unknown_stage"):
                raise HazardError(exc.code, exc.message, exc.field, status=404) from None
            raise
        return _json(jsonable_encoder(found))

    @app.get("/healthz", tags=["运行"], summary="服务状态", response_model=Health, responses=_errors(500))
    def healthz() -> Response:
        """服务可用时返回 ok，以及规则库版本、行业与当前上限。"""
        supervisor = workers.status()
        degraded = supervisor is not None and supervisor["alive"] < supervisor["expected"]
        return _json({"status": "degraded" if degraded else "ok", "rulebase_version": kb.version,
                      "sectors": sector_info(), "worker": os.getpid(), "workers": supervisor,
                      "limits": settings.limits()})

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes, tags=app.openapi_tags)
            document_engine_models(schema)
            document_district(schema, district_names)
            for path in schema["paths"].values():
                for operation in path.values():
                    for response in operation.get("responses", {}).values():
                        response.setdefault("headers", {}).update(_VERSION_HEADER_DOC)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    # Starlette tries the routes in order, and the web pages are mounted first: the judging endpoints
    # go to the front (every path is distinct, so only the time to find a route changes: ~0.2 ms of a
    # judgement request's ~1.5 ms in process, benchmarks/load_api.py)
    app.router.routes.sort(key=lambda route: not getattr(route, "path", "").startswith("/v1/judgements"))
    return app
