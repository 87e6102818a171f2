"""The register over HTTP (`/v1/register/…`): every request carries an access key
(`Authorization: Bearer <key>`, made with `hazard register key`); what a key may read or do is the
role's (engine.register.service). The database is opened at the first register request."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, Literal, Optional

from fastapi import APIRouter, Body, Header, Path, Query
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
    """生产经营单位：按统一社会信用代码（无代码时按名称）查找，没有则新建。"""

    name: StrictStr = Field(max_length=200, description="单位名称")
    credit_code: Optional[StrictStr] = Field(None, max_length=18, description="统一社会信用代码（18 位）")
    area: Optional[StrictStr] = Field(None, max_length=100, description="所在镇（街道）或园区")
    address: Optional[StrictStr] = Field(None, max_length=300, description="地址")
    principal: Optional[StrictStr] = Field(None, max_length=50, description="主要负责人")
    contact: Optional[StrictStr] = Field(None, max_length=50, description="联系方式")


class FindingIn(Strict):
    """一条检查发现：登记时即判定并保存判定全文；构成重大事故隐患的进入台账。"""

    unit: UnitIn = Field(description="被检查的生产经营单位")
    channel: Literal["企业自查上报", "督导检查发现", "群众举报查实"] = Field(description="来源渠道")
    found_on: dt.date = Field(description="发现日期（判定按当日施行的标准）")
    sector: StrictStr = Field(max_length=64, description="行业 id（如 chemicals）")
    facts: dict[StrictStr, Any] = Field(default_factory=dict, max_length=200, description="现场事实：中文名或 id → 取值")
    text: Optional[StrictStr] = Field(None, max_length=5000, description="检查记录原文（存档）")
    reporter: Optional[StrictStr] = Field(None, max_length=100, description="发现人或举报人")
    found_by: Optional[StrictStr] = Field(None, max_length=100, description="发现部门（用于移交）")
    attachments: list[StrictStr] = Field(default_factory=list, max_length=50, description="附件的存放位置（引用，不上传文件）")
    row_key: Optional[StrictStr] = Field(None, max_length=200, description="去重键：同一键只登记一次")


class ActionIn(Strict):
    """对隐患的一项操作及其所需内容。"""

    action: StrictStr = Field(description="移交 / 整改 / 申请销号 / 销号 / 退回 / 挂牌督办 / 通知主要负责人")
    data: dict[StrictStr, Any] = Field(default_factory=dict, max_length=20,
                                       description="操作所需内容，如整改：measures、funds、responsible、deadline")
    version: Optional[int] = Field(None, description="操作人看到的版本号；已被他人修改时返回 409")


FINDING_EXAMPLES = {"major": {"summary": "督导检查发现液氨槽车充装未使用万向管道充装系统", "value": {
    "unit": {"name": "某化工有限公司", "area": "乌达工业园区"}, "channel": "督导检查发现", "found_on": "2026-08-01",
    "sector": "chemicals", "facts": {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）",
                                     "充装介质": "液氨", "充装使用万向管道充装系统": "否"}}}}
ACTION_EXAMPLES = {"handover": {"summary": "移交牵头部门", "value": {"action": "移交", "version": 1}},
                   "plan": {"summary": "牵头部门登记整改方案", "value": {"action": "整改", "data": {
                       "measures": "安装万向管道充装系统", "funds": "20万元", "responsible": "王五", "deadline": "2026-09-01"}}}}


@router.post("/findings", summary="登记一个检查发现（自动判定，重大事故隐患进入台账）")
def post_finding(body: FindingIn = Body(openapi_examples=FINDING_EXAMPLES), authorization: Optional[str] = Header(None, description="访问密钥，写成 Bearer <密钥>（由 hazard register key 生成）")) -> dict[str, Any]:
    """检查人员、监管部门或管理员登记；返回 finding_id、结论和（构成重大事故隐患时）隐患编号。"""
    return _register().add_finding(_actor(authorization), body.model_dump())


@router.get("/hazards", summary="重大事故隐患列表（按权限）")
def list_hazards(authorization: Optional[str] = Header(None, description="访问密钥，写成 Bearer <密钥>（由 hazard register key 生成）"), status: Optional[str] = Query(None, description="状态：已登记、已移交、整改中、申请销号、已销号"),
                 sector: Optional[str] = Query(None, description="行业 id"),
                 area: Optional[str] = Query(None, description="镇（街道）或园区"),
                 lead: Optional[str] = Query(None, description="牵头部门名称"),
                 overdue_on: Optional[dt.date] = Query(None, description="只列该日已逾期未销号的"),
                 limit: int = Query(100, ge=1, le=1000, description="最多条数"),
                 offset: int = Query(0, ge=0, description="跳过条数")) -> list[dict[str, Any]]:
    """按访问密钥的角色可见的隐患（检查人员、管理员：全部；监管部门：牵头或配合的；镇（街道）/园区：本区域的），最新的在前。"""
    return _register().list_hazards(_actor(authorization), status=status, sector=sector, area=area, lead=lead,
                                    overdue_on=overdue_on, limit=limit, offset=offset)


@router.get("/hazards/{hazard_id}", summary="一条隐患：判定记录、路由、整改与处理记录")
def show_hazard(hazard_id: int = Path(description="隐患编号"), authorization: Optional[str] = Header(None, description="访问密钥，写成 Bearer <密钥>（由 hazard register key 生成）")) -> dict[str, Any]:
    """一条隐患：单位、发现、登记时的判定全文（不再改写）、路由、整改方案、督办与只追加的处理记录。"""
    return _register().show(_actor(authorization), hazard_id)


@router.post("/hazards/{hazard_id}/actions", summary="对隐患进行一项操作（状态不允许或版本已变时 409）")
def act(hazard_id: int = Path(description="隐患编号"), body: ActionIn = Body(openapi_examples=ACTION_EXAMPLES), authorization: Optional[str] = Header(None, description="访问密钥，写成 Bearer <密钥>（由 hazard register key 生成）")) -> dict[str, Any]:
    """进行一项操作；状态不允许、角色无权或版本已变时分别答 409、403、409（带当前状态）。"""
    return _register().transition(_actor(authorization), hazard_id, body.action, body.data, body.version)


@router.get("/stats", summary="统计：总数、未销号、逾期、平均销号天数，按区域、行业、部门、条款、月份")
def stats(authorization: Optional[str] = Header(None, description="访问密钥，写成 Bearer <密钥>（由 hazard register key 生成）"), today: Optional[dt.date] = Query(None, description="统计或督办检查所按的日期（默认今天）")) -> dict[str, Any]:
    """总数、未销号、已销号、逾期、平均销号天数，按镇（街道）/园区、行业、牵头部门、条款、月份分组。"""
    return _register().stats(_actor(authorization), today)


@router.get("/stats/chart", summary="统计图（SVG）", response_class=Response)
def chart(authorization: Optional[str] = Header(None, description="访问密钥，写成 Bearer <密钥>（由 hazard register key 生成）"),
          by: Literal["area", "sector", "lead", "clause", "month"] = Query("area", description="分组：区域、行业、牵头部门、条款、月份")) -> Response:
    """统计图（SVG，文字保留为文字）。"""
    from engine.register.chart import bar_chart

    return Response(bar_chart(_register().stats(_actor(authorization)), by, "svg"), media_type="image/svg+xml")


@router.post("/escalations", summary="每日督办检查（管理员）：逾期隐患升级")
def escalate(authorization: Optional[str] = Header(None, description="访问密钥，写成 Bearer <密钥>（由 hazard register key 生成）"), today: Optional[dt.date] = Query(None, description="统计或督办检查所按的日期（默认今天）")) -> list[dict[str, Any]]:
    """逾期未销号的隐患按函告、通报、约谈、曝光逐级升级，每一步只记一次（天数为本系统默认设置）。"""
    actor = _actor(authorization)
    if actor.role != "admin":
        raise HazardError("forbidden", "无权运行督办检查", None, 403)
    return _register().escalate(today)


@router.post("/rejudge", summary="按当前规则库重新判定，报告差异（管理员）")
def rejudge(authorization: Optional[str] = Header(None, description="访问密钥，写成 Bearer <密钥>（由 hazard register key 生成）"), since: Optional[dt.date] = Query(None, description="只重判该日及以后发现的（另加全部未销号的）"),
            until: Optional[dt.date] = Query(None, description="只重判该日及以前发现的")) -> list[dict[str, Any]]:
    """按当前规则库重新判定，报告结论或条款的变化，供复核；不改写原判定记录。"""
    return _register().rejudge(_actor(authorization), since, until)
