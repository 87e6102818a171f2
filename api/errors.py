"""One error envelope for every failure the API reports: `{"error": {"code", "message", "field"}}`.

`code` is stable for machines, `message` is Chinese for people, `field` names the offending part of
the request as a dotted path (`facts.充装介质`, `as_of`, `cases`), or null. No stack trace ever
reaches a client: the last-resort handler answers a JSON 500 `internal_error` and the trace goes to
the server log only.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Iterable, Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import EngineError, HazardError

log = logging.getLogger("hazard.api")

VERSION_HEADER = "X-Rulebase-Version"

# pydantic error types -> (code, Chinese message template); {field} is the dotted field path
_TYPE_ERRORS = {
    "string_type": "字符串", "bool_type": "布尔值（true/false）", "int_type": "整数", "float_type": "数值",
    "dict_type": "对象（映射）", "list_type": "数组", "model_type": "JSON 对象", "model_attributes_type": "JSON 对象",
    "date_type": "日期", "none_required": "null",
}
_RANGE_ERRORS = {"too_long", "too_short", "greater_than", "greater_than_equal", "less_than", "less_than_equal",
                 "string_too_long", "string_too_short"}


def envelope(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON; a lone surrogate echoed from a request is written as its \\u escape."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8", "backslashreplace")


class EnvelopeHTTPException(StarletteHTTPException):
    """A HazardError raised where FastAPI only lets an HTTPException through (parsing the body)."""

    def __init__(self, exc: HazardError):
        super().__init__(exc.status, exc.message)
        self.error = exc


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(envelope(code, message, field)), status_code=status, headers=headers,
                    media_type="application/json")


def field_path(loc: Sequence[Any]) -> str | None:
    """('body', 'facts', '充装介质') -> 'facts.充装介质'; ('query', 'stage') -> 'stage'."""
    parts = [str(x) for x in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where, parts = parts[0], parts[1:]
        if not parts:
            return "body" if where == "body" else None
    return ".".join(parts) or None


def from_validation_errors(errors: Iterable[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """The first pydantic/FastAPI validation error as (status, error body). Malformed JSON is 400;
    everything else the request got wrong is 422."""
    errors = list(errors)
    if not errors:
        return 422, envelope("invalid_request", "请求无效")["error"]
    err = errors[0]
    kind = err.get("type", "")
    field = field_path(err.get("loc", ()))
    where = f"字段 {field} " if field and field != "body" else "请求体"
    ctx = err.get("ctx") or {}
    if kind == "json_invalid":
        loc = err.get("loc", ())
        at = f"第 {loc[1] + 1} 个字符处，" if len(loc) > 1 and isinstance(loc[1], int) else ""
        return 400, envelope("malformed_json", f"请求体不是合法的 JSON（{at}{ctx.get('error', '')}）", None)["error"]
    if kind == "missing":
        return 422, envelope("missing_field", f"缺少必填字段 {field}", field)["error"]
    if kind == "extra_forbidden":
        return 422, envelope("unknown_field", f"不认识的字段 {field}（请对照 /docs 中的请求格式）", field)["error"]
    if kind == "bad_input":
        return 422, envelope(ctx.get("code", "bad_value"), err.get("msg", ""), ctx.get("field"))["error"]
    if kind == "bad_date":
        return 422, envelope("bad_date", err.get("msg", "日期须为 YYYY-MM-DD 格式"), field)["error"]
    if kind == "wrong_type":
        return 422, envelope("wrong_type", f"{where}类型错误：{err.get('msg', '')}", field)["error"]
    if kind in _TYPE_ERRORS or kind.endswith("_type") or kind.endswith("_parsing"):
        want = _TYPE_ERRORS.get(kind, "正确的类型")
        return 422, envelope("wrong_type", f"{where}类型错误：须为 {want}", field)["error"]
    if kind in _RANGE_ERRORS:
        bound = ctx.get("max_length", ctx.get("min_length", ctx.get("le", ctx.get("ge", ctx.get("lt", ctx.get("gt"))))))
        return 422, envelope("out_of_range", f"{where}超出允许范围（界限：{bound}）", field)["error"]
    if kind == "literal_error" or kind == "enum":
        return 422, envelope("bad_value", f"{where}取值无效：须为 {ctx.get('expected', '')} 之一", field)["error"]
    return 422, envelope("invalid_request", f"{where}无效（{err.get('msg', '')}）", field)["error"]


def from_hazard_error(exc: HazardError) -> dict[str, Any]:
    return envelope(exc.code, exc.message, exc.field)["error"]


def case_error(exc: Exception) -> dict[str, Any]:
    """The error body for one case of a batch: exactly what the single endpoint would answer."""
    if isinstance(exc, HazardError):
        return from_hazard_error(exc)
    if isinstance(exc, ValidationError):  # located as in the single endpoint's request body
        return from_validation_errors({**e, "loc": ("body", *e["loc"])} for e in exc.errors())[1]
    raise exc


def install(app: FastAPI, version: str) -> None:
    """Register the handlers; every one answers in the envelope above."""
    version_header = {VERSION_HEADER: version}

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        status, body = from_validation_errors(exc.errors())
        return error_response(status, **body)

    @app.exception_handler(HazardError)
    async def _hazard(request: Request, exc: HazardError) -> Response:
        return error_response(exc.status, **from_hazard_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc, EnvelopeHTTPException):
            return error_response(exc.status_code, **from_hazard_error(exc.error))
        if exc.status_code == 404:
            code, message = "not_found", f"没有这个地址：{request.method} {request.url.path}（接口列表见 /docs）"
        elif exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            code, message = "method_not_allowed", f"{request.url.path} 不支持 {request.method} 方法（可用：{allowed}）"
        elif exc.status_code == 400:
            code, message = "bad_request", "请求无效（请求体无法读取或解析）"
        else:
            code, message = f"http_{exc.status_code}", f"请求无法处理（HTTP {exc.status_code}）"
        return error_response(exc.status_code, code, message, None, headers=exc.headers)

    @app.exception_handler(EngineError)
    async def _engine(request: Request, exc: EngineError) -> Response:
        log.error("engine error on %s %s: %s", request.method, request.url.path, exc)
        return error_response(500, "engine_error", "规则引擎执行出错，请将请求内容反馈给维护人员", None)

    @app.exception_handler(Exception)
    async def _last_resort(request: Request, exc: Exception) -> Response:
        # runs in Starlette's ServerErrorMiddleware, outside the version-header middleware
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "服务内部错误（已记录），请稍后重试或联系维护人员", None,
                              headers=version_header)
