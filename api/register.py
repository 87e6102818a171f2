"""The register over HTTP (`/v1/register/…`): every request carries an access key
(`Authorization: Bearer <key>`, made with `hazard register key`); what a key may read or do is the
role's (engine.register.service). The database is opened at the first register request."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, Literal, Optional

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from api.strict import StrictRoute
from engine.errors import HazardError

def _documented_errors() -> dict[int | str, dict[str, Any]]:
    from api.schemas import ErrorResponse

    text = {400: "请求体不是合法 JSON", 401: "缺少或无效的访问密钥", 403: "该角色无权进行此操作", 404: "隐患不存在或无权查看",
            409: "状态不允许该操作，或已被他人修改（返回当前状态）", 413: "请求体过大", 415: "请求体不是 JSON", 422: "请求内容有误（字段、日期、事实等）",
            500: "内部错误（不应发生）"}
    return {status: {"model": ErrorResponse, "description": t} for status, t in text.items()}


router = APIRouter(prefix="/v1/register", tags=["台账"], route_class=StrictRoute, responses=_documented_errors())


@lru_cache(maxsize=1)
def _register():
    from engine.register.service import Register

    return Register()


def _actor(authorization: str | None):
    key = authorization.split(" ", 1)[1].strip() if authorization and authorization.lower().startswith("bearer ") else None
    return _register().actor_for_key(key)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitIn(Strict):
    name: StrictStr = Field(max_length=200, description="单位名称")
    credit_code: Optional[StrictStr] = Field(None, max_length=18, description="统一社会信用代码（18 位）")
    area: Optional[StrictStr] = Field(None, max_length=100, description="所在镇（街道）或园区")
    address: Optional[StrictStr] = Field(None, max_length=300)
    principal: Optional[StrictStr] = Field(None, max_length=50, description="主要负责人")
    contact: Optional[StrictStr] = Field(None, max_length=50)


class FindingIn(Strict):
    unit: UnitIn
    channel: Literal["企业自查上报", "督导检查发现", "群众举报查实"] = Field(description="来源渠道")
    found_on: dt.date = Field(description="发现日期（判定按当日施行的标准）")
    sector: StrictStr = Field(max_length=64)
    facts: dict[StrictStr, Any] = Field(default_factory=dict, max_length=200)
    text: Optional[StrictStr] = Field(None, max_length=5000)
    reporter: Optional[StrictStr] = Field(None, max_length=100)
    found_by: Optional[StrictStr] = Field(None, max_length=100)
    attachments: list[StrictStr] = Field(default_factory=list, max_length=50, description="附件的存放位置（引用，不上传文件）")
    row_key: Optional[StrictStr] = Field(None, max_length=200, description="去重键：同一键只登记一次")


class ActionIn(Strict):
    action: StrictStr = Field(description="移交 / 整改 / 申请销号 / 销号 / 退回 / 挂牌督办 / 通知主要负责人")
    data: dict[StrictStr, Any] = Field(default_factory=dict, max_length=20)
    version: Optional[int] = Field(None, description="操作人看到的版本号；已被他人修改时返回 409")


@router.post("/findings", summary="登记一个检查发现（自动判定，重大事故隐患进入台账）")
def post_finding(body: FindingIn, authorization: Optional[str] = Header(None)) -> dict[str, Any]:
    """检查人员、监管部门或管理员登记；返回 finding_id、结论和（构成重大事故隐患时）隐患编号。"""
    return _register().add_finding(_actor(authorization), body.model_dump())


@router.get("/hazards", summary="重大事故隐患列表（按权限）")
def list_hazards(authorization: Optional[str] = Header(None), status: Optional[str] = None,
                 sector: Optional[str] = None, area: Optional[str] = None, lead: Optional[str] = None,
                 overdue_on: Optional[dt.date] = None, limit: int = Query(100, ge=1, le=1000),
                 offset: int = Query(0, ge=0)) -> list[dict[str, Any]]:
    return _register().list_hazards(_actor(authorization), status=status, sector=sector, area=area, lead=lead,
                                    overdue_on=overdue_on, limit=limit, offset=offset)


@router.get("/hazards/{hazard_id}", summary="一条隐患：判定记录、路由、整改与处理记录")
def show_hazard(hazard_id: int, authorization: Optional[str] = Header(None)) -> dict[str, Any]:
    return _register().show(_actor(authorization), hazard_id)


@router.post("/hazards/{hazard_id}/actions", summary="对隐患进行一项操作（状态不允许或版本已变时 409）")
def act(hazard_id: int, body: ActionIn, authorization: Optional[str] = Header(None)) -> dict[str, Any]:
    return _register().transition(_actor(authorization), hazard_id, body.action, body.data, body.version)


@router.get("/stats", summary="统计：总数、未销号、逾期、平均销号天数，按区域、行业、部门、条款、月份")
def stats(authorization: Optional[str] = Header(None), today: Optional[dt.date] = None) -> dict[str, Any]:
    return _register().stats(_actor(authorization), today)


@router.get("/stats/chart", summary="统计图（SVG）", response_class=Response)
def chart(authorization: Optional[str] = Header(None),
          by: Literal["area", "sector", "lead", "clause", "month"] = "area") -> Response:
    from engine.register.chart import bar_chart

    return Response(bar_chart(_register().stats(_actor(authorization)), by, "svg"), media_type="image/svg+xml")


@router.post("/escalations", summary="每日督办检查（管理员）：逾期隐患升级")
def escalate(authorization: Optional[str] = Header(None), today: Optional[dt.date] = None) -> list[dict[str, Any]]:
    actor = _actor(authorization)
    if actor.role != "admin":
        raise HazardError("forbidden", "无权运行督办检查", None, 403)
    return _register().escalate(today)


@router.post("/rejudge", summary="按当前规则库重新判定，报告差异（管理员）")
def rejudge(authorization: Optional[str] = Header(None), since: Optional[dt.date] = None,
            until: Optional[dt.date] = None) -> list[dict[str, Any]]:
    return _register().rejudge(_actor(authorization), since, until)
