"""Quizzes and checklists over HTTP: the same functions as `hazard quiz` and `hazard checklist`.

- GET /v1/quizzes?sector=&count=&seed=&as_of= → a quiz without its key (reproducible by seed);
  POST /v1/quizzes/{quiz_id}/answers {"answers": {"Q1": "A"}, "learner": "…"} → score and explanations.
- GET /v1/checklists?sector=&as_of=&context=类别=取值&format=json|xlsx|docx → the checklist;
  POST /v1/checklists/judgements {"content_base64": "<filled .xlsx>"} → the judgement of the sheet.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any, Literal, Optional

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from api.strict import StrictRoute
from engine.errors import HazardError

router = APIRouter(route_class=StrictRoute)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UPLOAD_LIMIT = 700_000


def _errors() -> dict[int | str, dict[str, Any]]:
    from api.schemas import ErrorResponse

    text = {400: "请求体不是合法 JSON", 404: "试卷不存在或已随规则库更新", 413: "请求体过大", 415: "请求体不是 JSON",
            422: "请求内容有误", 500: "内部错误（不应发生）"}
    return {s: {"model": ErrorResponse, "description": t} for s, t in text.items()}


class Answers(BaseModel):
    """一套题的答案。"""

    model_config = ConfigDict(extra="forbid")
    answers: dict[StrictStr, list[StrictStr] | StrictStr] = Field(
        max_length=200, description="题目编号 → 选项字母（多选题为字母列表）",
        examples=[{"Q1": "A", "Q2": ["A", "C"]}])
    learner: Optional[StrictStr] = Field(None, max_length=64, description="学员编号（保存答题记录；不要用姓名）",
                                         examples=["学员01"])


class Upload(BaseModel):
    """上传的检查表文件。"""

    model_config = ConfigDict(extra="forbid")
    content_base64: StrictStr = Field(description="填好的检查表（hazard checklist 生成的 .xlsx），Base64 编码",
                                      examples=["UEsDBBQAAAAIAA=="])


def _public(quiz) -> dict[str, Any]:
    data = json.loads(quiz.model_dump_json())
    for q in data["questions"]:
        q.pop("answer", None)
        q.pop("cases", None)
        for o in q["options"]:
            o.pop("correct", None)
            o.pop("explanation", None)
            o.pop("value", None)
    return data


@router.get("/v1/quizzes", tags=["练习"], summary="生成一套练习题（不含答案；同一种子同一套题）", responses=_errors())
def get_quiz(sector: Optional[str] = Query(None, description="行业 id（默认全部）"),
             count: int = Query(10, ge=1, le=200, description="题目数量"),
             seed: Optional[int] = Query(None, description="随机种子：同一种子得到同一套题"),
             as_of: Optional[dt.date] = Query(None, description="检查日期（默认今天），按当日施行的版本出题")) -> dict[str, Any]:
    """题目由规则库生成，答案由引擎判定；交卷用 POST /v1/quizzes/{quiz_id}/answers。"""
    from engine import quiz as qz

    return _public(qz.generate(sector, count, seed, as_of))


@router.post("/v1/quizzes/{quiz_id}/answers", tags=["练习"], summary="交卷：得分与每题解析", responses=_errors())
def post_answers(quiz_id: str = Path(description="试卷编号（GET /v1/quizzes 返回的 id）"), body: Answers = Body(openapi_examples={"answers": {
        "summary": "第1题选A，第2题（多选）选A、C", "value": {"answers": {"Q1": "A", "Q2": ["A", "C"]}, "learner": "学员01"}}})) -> dict[str, Any]:
    """按试卷编号重新生成同一套题并判分；给出每题的正确答案和引擎的解析（推理与条款原文）。"""
    from engine import learners
    from engine import quiz as qz

    try:
        quiz = qz.regenerate(quiz_id)
    except HazardError as exc:
        raise HazardError(exc.code, exc.message, exc.field, 404) from None
    scored = qz.score(quiz, body.answers)
    if body.learner:
        learners.record(body.learner, scored.results, quiz.id)
    return scored.model_dump()


@router.get("/v1/checklists", tags=["检查表"], summary="一类单位或场所的检查表", responses=_errors(),
            response_model=None)
def get_checklist(sector: str = Query(description="行业 id"),
                  as_of: Optional[dt.date] = Query(None, description="检查日期（默认今天）"),
                  document: Optional[str] = Query(None, description="只列某一文件（如 COAL-2026）"),
                  context: list[str] = Query(default=[], description="单位或场所类别，写成 类别=取值，可重复"),
                  format: Literal["json", "xlsx", "docx"] = Query("json", description="json、xlsx（表格）或 docx（打印文档）")) -> Any:
    """只列出施行中、且类别不排除的情形，每个情形一项，按条款顺序；format=xlsx/docx 下载表格或打印文档。"""
    from engine import checklist as cl
    from engine import checklist_io

    ctx = {}
    for item in context:
        if "=" not in item:
            raise HazardError("bad_fact_syntax", f"context 须写成 类别=取值（收到：{item!r}）", "context")
        k, v = item.split("=", 1)
        ctx[k.strip()] = v.strip()
    sheet = cl.build(sector, as_of, ctx, document=document)
    if format == "xlsx":
        return Response(checklist_io.to_xlsx(sheet), media_type=XLSX)
    if format == "docx":
        return Response(checklist_io.to_docx(sheet), media_type=DOCX)
    return json.loads(sheet.model_dump_json())


@router.post("/v1/checklists/judgements", tags=["检查表"], summary="判定一份填好的检查表", responses=_errors())
def judge_checklist(body: Upload = Body(openapi_examples={"sheet": {
        "summary": "填好的检查表（.xlsx 的 Base64）", "value": {"content_base64": "UEsDBBQAAAAIAA=="}}})) -> dict[str, Any]:
    """任何情形成立即为重大事故隐患；留空的问题列为待补充（信息不足），不当作“未发现”。表格被改动时指出行号。"""
    from engine import checklist_io

    try:
        raw = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise HazardError("bad_upload", "content_base64 不是有效的 Base64", "content_base64") from None
    if len(raw) > UPLOAD_LIMIT:
        raise HazardError("upload_too_large", f"检查表超过 {UPLOAD_LIMIT // 1000} KB", "content_base64", 413)
    _, result = checklist_io.judge_xlsx(raw)
    return json.loads(result.model_dump_json(exclude_none=True))
