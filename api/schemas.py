"""Request and response models of the HTTP API, with the Chinese descriptions and examples that
/docs shows. The judgement itself is engine.model.Judgement (the same JSON as `hazard judge --json`);
its Chinese field descriptions are added to the OpenAPI document in `document_engine_models`.

Request fields are strict: a string is not a boolean, a number is not a date, and an unknown field
is an error (a typo such as `fact` for `facts` must not be silently ignored and give a wrong verdict).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal, Optional, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr,
                      WithJsonSchema, model_validator)
from pydantic_core import PydanticCustomError
from typing_extensions import Annotated

from engine import strictjson
from engine.model import Judgement
from engine.text.model import TextJudgement

MAX_FACTS = 500  # facts in one case
MAX_SECTORS = 20  # sectors in one case

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Only an ISO day string is a date: no timestamps, no datetimes, no other spellings. Blanks
    around it (a pasted "2026-01-01\n") are dropped."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        value = value.strip()
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise PydanticCustomError("bad_date", "日期须为 YYYY-MM-DD 格式的字符串（收到：{got}）", {"got": repr(value)[:60]})
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("bad_date", "不存在的日期：{got}", {"got": value}) from None


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise PydanticCustomError("wrong_type", "事实的取值须为 是/否（布尔）、数值或文字，不能是{kind}",
                              {"kind": "列表" if isinstance(value, list) else "对象"})


FactValue = Annotated[Any, AfterValidator(_scalar), WithJsonSchema({
    "anyOf": [{"type": "boolean"}, {"type": "number"}, {"type": "string"}, {"type": "null"}],
    "description": "取值：是非题填 true/false 或 “是/否”；枚举填词汇表中的取值之一；数值可带单位（如 “25%”）；"
                   "null 或 “未知” 表示不知道（与不填相同）",
})]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _usable_values(cls, data: Any) -> Any:
        """A lone surrogate in a text or an integer of absurd size is this request's (or this batch
        case's) error, found before anything uses the value."""
        found = strictjson.bad_value(data) if not isinstance(data, dict) or "cases" not in data else None
        if found:
            code, message, field = found
            raise PydanticCustomError("bad_input", message, {"code": code, "field": field})
        return data


class CaseRequest(Request):
    """一个检查发现（案例）：行业、现场事实、检查日期，以及用于移交的案情背景。"""

    sector: Optional[StrictStr] = Field(
        None, max_length=64, description="行业 id（如 chemicals）；可选值见 GET /v1/sectors。与 sectors 二选一",
        examples=["chemicals"])
    sectors: Optional[list[StrictStr]] = Field(
        None, min_length=1, max_length=MAX_SECTORS,
        description="同一检查发现涉及多个行业时，列出各行业 id（不可重复）；每条事实按其所属行业的词汇表分派，"
                    "返回各行业的判定与总结论。与 sector 二选一",
        examples=[["chemicals"]])
    facts: dict[StrictStr, FactValue] = Field(
        default_factory=dict, max_length=MAX_FACTS,
        description="现场事实：事实 id 或中文名 → 取值。事实名见 GET /v1/vocabulary/{sector}",
        examples=[{"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"}])
    text: Optional[StrictStr] = Field(
        None, description="检查记录原文（中文，可含多条发现：一是…；二是…）。可不填 sector（由文本推断行业）；"
                          "与 facts 同时给出时，冲突以 facts 为准。返回逐条发现的判定、读取的事实（extracted）、"
                          "待确认事项（proposed）与未识别文字（unread）",
        examples=["液氨充装未使用万向管道充装系统"])
    as_of: Optional[IsoDate] = Field(
        None, description="检查日期（YYYY-MM-DD，默认今天）；据此选用当日施行的判定标准版本",
        examples=["2026-06-01"])
    found_by: Optional[StrictStr] = Field(
        None, max_length=100, description="发现问题的部门（用于移交牵头部门）", examples=["应急管理局"])
    complete: StrictBool = Field(
        False, description="检查已全部完成：未报告的情形视为未发现（否则缺少的事实会列为需补充的问题）")
    venue: Optional[StrictStr] = Field(
        None, max_length=100, description="场所类型（案情背景，用于移交，如 学校、医院、宾馆）", examples=["化工企业"])
    in_park: Optional[StrictBool] = Field(None, description="是否位于工业园区（案情背景，用于移交）")
    town: Optional[StrictStr] = Field(None, max_length=100, description="所在镇（街道），用于写出属地单位名称",
                                      examples=["乌兰淖尔镇"])
    district: Optional[StrictStr] = Field(None, max_length=200,
                                          description="区县：名称（如 乌达区）或 id（如 wuda），可选值见枚举；不接受文件路径。"
                                                      "默认为部署的区县",
                                          examples=["乌达区"])


CASE_EXAMPLES = {
    "major": {
        "summary": "液氨充装未使用万向管道充装系统（重大事故隐患）",
        "value": {"sector": "chemicals", "as_of": "2026-06-01",
                  "facts": {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"}},
    },
    "insufficient": {
        "summary": "只知道涉及重点监管危险化工工艺（信息不足，返回需补充的问题）",
        "value": {"sector": "chemicals", "as_of": "2026-06-01", "facts": {"涉及重点监管危险化工工艺": "是"}},
    },
    "by_id": {
        "summary": "用事实 id 与布尔值填写（不构成）",
        "value": {"sector": "chemicals", "as_of": "2026-06-01",
                  "facts": {"filling_medium": "液氨", "universal_filling_system": True}},
    },
    "context": {
        "summary": "带案情背景（发现部门、园区）与“检查已完成”",
        "value": {"sector": "chemicals", "as_of": "2026-06-01", "complete": True, "found_by": "应急管理局",
                  "in_park": True, "facts": {"充装介质": "液氯", "充装使用万向管道充装系统": "是"}},
    },
    "several": {
        "summary": "一个检查发现涉及多个行业（sectors）",
        "value": {"sectors": ["chemicals"], "as_of": "2026-06-01", "facts": {"被检查单位类别": "危险化学品生产单位", "充装对象": "汽车罐车或铁路罐车（槽车）", "充装介质": "液氨", "充装使用万向管道充装系统": "否"}},
    },
}


class BatchRequest(Request):
    """一次提交多个案例；逐个判定，结果与提交顺序一致。"""

    cases: list[Any] = Field(
        description="案例列表，每个元素与 POST /v1/judgements 的请求体相同；条数上限见 GET /healthz 的 limits.max_batch"
                    "（环境变量 HAZARD_MAX_BATCH）。某个案例有误只影响它自己的结果",
        json_schema_extra={"items": {"anyOf": [{"$ref": "#/components/schemas/CaseRequest"}, {
            "description": "不符合 CaseRequest 的元素也被接受：该案例的结果为 ok=false 与错误对象"}]}})


class ErrorBody(BaseModel):
    """错误内容：机器可读的代码、中文说明、出错的字段。"""

    code: str = Field(description="稳定的错误代码，如 unknown_sector、unknown_fact、bad_value、out_of_range、"
                                  "no_edition_in_force、malformed_json、wrong_type、body_too_large、batch_too_large、"
                                  "not_found、method_not_allowed", examples=["unknown_fact"])
    message: str = Field(description="给人看的中文说明", examples=["“充装方式”不是化工和危险化学品行业词汇表中的事实"])
    field: Optional[str] = Field(description="出错的字段（点号路径，如 facts.充装介质、as_of）；与具体字段无关时为 null",
                                 examples=["facts.充装方式"])


class ErrorResponse(BaseModel):
    """所有错误（4xx/5xx）的统一格式：{"error": {"code", "message", "field"}}。"""

    error: ErrorBody = Field(description="错误内容")


class MultiJudgement(BaseModel):
    """涉及多个行业的案例：各行业分别判定，并给出总结论。"""

    verdict: Literal["major", "not_major", "insufficient", "not_determined"] = Field(
        description="总结论：任一行业构成重大事故隐患即为 major；全部不构成才为 not_major；否则有信息不足的为 insufficient，"
                    "其余为 not_determined")
    verdict_zh: str = Field(description="总结论（中文）")
    sectors: list[str] = Field(description="参与判定的行业，顺序与请求相同")
    judgements: list[Judgement] = Field(description="各行业的判定，与单行业判定的 JSON 相同")
    rulebase_version: str = Field(description="规则库版本（知识库内容哈希）")


# a case with `text` is answered with the judgement of the written record (TextJudgement)
JudgementResult = Union[Judgement, MultiJudgement, TextJudgement]


class BatchItem(BaseModel):
    """批量判定中一个案例的结果：成功时有 judgement，失败时有 error。"""

    index: int = Field(description="案例在 cases 中的序号（从 0 开始）")
    ok: bool = Field(description="该案例是否判定成功")
    judgement: Optional[JudgementResult] = Field(None, description="判定结果（ok 为 true 时）")
    error: Optional[ErrorBody] = Field(None, description="错误（ok 为 false 时），与单个判定的错误相同")


class BatchResponse(BaseModel):
    """批量判定的结果，顺序与请求一致。"""

    results: list[BatchItem] = Field(description="各案例的结果，顺序与请求中的 cases 相同")
    summary: dict[str, int] = Field(description="各结论（major、not_major、insufficient、not_determined）与 error 的案例数")
    rulebase_version: str = Field(description="规则库版本")


class SectorInfo(BaseModel):
    """一个行业及其已登记的判定标准。"""

    id: str = Field(description="行业 id（请求中的 sector）", examples=["chemicals"])
    label: str = Field(description="行业中文名", examples=["化工和危险化学品"])
    documents: list[str] = Field(description="已登记的判定标准文件 id（含未编码的版本）")
    rules: int = Field(description="已编码的规则数")
    facts: int = Field(description="词汇表中的事实数")


class Limits(BaseModel):
    """服务的可配置上限。"""

    max_body_bytes: int = Field(description="请求体字节数上限（HAZARD_MAX_BODY_BYTES），超出返回 413 body_too_large")
    max_batch: int = Field(description="批量判定的案例数上限（HAZARD_MAX_BATCH），超出返回 413 batch_too_large")
    max_judgements: int = Field(description="一次请求的“案例×行业”判定数上限（HAZARD_MAX_JUDGEMENTS），超出返回 413 too_much_work")
    max_questions: int = Field(description="每个判定最多列出的需补充问题数（HAZARD_MAX_QUESTIONS），其余在 warnings 中说明")
    header_timeout: float = Field(description="请求头须在此秒数内发送完毕（HAZARD_HEADER_TIMEOUT），否则 408 header_timeout")
    body_timeout: float = Field(description="请求体须在此秒数内发送完毕（HAZARD_BODY_TIMEOUT），否则 408 body_timeout")
    keep_alive: int = Field(description="空闲的持久连接保留秒数（HAZARD_KEEP_ALIVE）")
    max_connections: int = Field(description="每个工作进程的连接数上限（HAZARD_MAX_CONNECTIONS），超出返回 503 too_many_connections")


class WorkerStatus(BaseModel):
    """多进程服务的进程状态。"""

    expected: int = Field(description="配置的工作进程数")
    alive: int = Field(description="正在运行的工作进程数")
    restarts: int = Field(description="服务启动以来重启工作进程的次数")


class Health(BaseModel):
    """服务状态。"""

    status: Literal["ok", "degraded"] = Field(description="ok：全部工作进程在运行；degraded：有工作进程退出、正在重启（其余照常服务）")
    rulebase_version: str = Field(description="规则库版本（知识库内容哈希），与响应头 X-Rulebase-Version 相同")
    sectors: list[SectorInfo] = Field(description="知识库中的行业")
    worker: int = Field(description="答复本请求的工作进程号（--workers N 时用于确认负载分布）")
    workers: Optional[WorkerStatus] = Field(None, description="工作进程状态（由 hazard serve 启动时）")
    limits: Limits = Field(description="当前生效的上限")


class DocumentSummary(BaseModel):
    """判定标准文件（某一版本）的概要。"""

    id: str = Field(description="文件 id", examples=["CHEM-2017"])
    sector: str = Field(description="所属行业")
    title: str = Field(description="标题")
    number: str = Field(description="文号或标准号", examples=["安监总管三〔2017〕121号"])
    issuer: str = Field(description="发布机关")
    published: Optional[dt.date] = Field(None, description="发布日期")
    effective: dt.date = Field(description="施行日期（含）")
    expires: Optional[dt.date] = Field(None, description="失效日期（含当日）；现行有效为 null")
    replaces: Optional[str] = Field(None, description="所替代的旧版本文件 id")
    status: Literal["encoded", "not_encoded"] = Field(description="encoded：已逐条编码；not_encoded：已登记但未编码")
    status_note: Optional[str] = Field(None, description="未编码的原因")
    effective_note: Optional[str] = Field(None, description="关于施行日期的说明")


class ClauseOut(BaseModel):
    """一个条款：原文、编码状态与编码它的规则。"""

    no: str = Field(description="条款编号（文件自身的编号，如 七、第五条（二））")
    text: Optional[str] = Field(None, description="条文原文（逐字）；来源中缺失时为 null")
    status: str = Field(description="编码状态：encoded（已编码）、not_encodable（无法编码）、missing（条文缺失）、"
                                    "not_a_criterion（非判定情形）")
    reason: Optional[str] = Field(None, description="未编码的原因")
    unverified: Optional[str] = Field(None, description="条文或解读未经充分核实的说明")
    rules: list[str] = Field(description="编码本条的规则 id")


class DocumentDetail(DocumentSummary):
    """判定标准文件的全部条款及编码它们的规则。"""

    preamble: Optional[str] = Field(None, description="导语")
    structure: Optional[list[str]] = Field(None, description="未编码版本已知的章节结构")
    clauses: list[ClauseOut] = Field(description="全部条款")


class RuleDetail(BaseModel):
    """一条规则：所编码的条款原文、条件、排除情形与结论。"""

    id: str = Field(description="规则 id", examples=["CHEM-2017-07"])
    document: DocumentSummary = Field(description="规则所在的判定标准文件")
    clause: str = Field(description="条款编号")
    text: Optional[str] = Field(None, description="条款原文")
    situation: Optional[str] = Field(None, description="本规则编码的情形（条文原文的一部分）")
    when: Any = Field(description="条件（知识库格式：fact/is/in/ge…，all/any/at_least/not）")
    unless: Any = Field(None, description="排除情形：成立时不作出结论")
    scope: Any = Field(None, description="文件的适用范围条件")
    then: dict[str, Any] = Field(description="结论：major_hazard（重大事故隐患）、violation（违法行为）或 derive（推出中间事实）")
    note: Optional[str] = Field(None, description="编码说明")
    unverified: Optional[str] = Field(None, description="未经充分核实的说明")


class FactOut(BaseModel):
    """词汇表中的一条事实：检查人员可确定的一个事实及确定它的问题。"""

    id: str = Field(description="事实 id（ASCII），请求中可用 id 或中文名")
    label: str = Field(description="中文名")
    type: Literal["bool", "enum", "number"] = Field(description="bool：是非；enum：从 values 中选一；number：数值")
    values: Optional[list[str]] = Field(None, description="枚举的可选值")
    unit: Optional[str] = Field(None, description="数值的单位")
    min: Optional[float] = Field(None, description="数值的下限（超出返回 out_of_range）")
    max: Optional[float] = Field(None, description="数值的上限（超出返回 out_of_range）")
    question: str = Field(description="现场确定该事实时要问的问题")
    derived: bool = Field(False, description="可由规则推出（也可直接填写）")
    scope: bool = Field(False, description="决定适用哪份文件的事实")
    phrases: dict[str, list[str]] = Field(default_factory=dict, description="自由文本中表达各取值的说法")
    note: Optional[str] = Field(None, description="说明")


class VocabularyOut(BaseModel):
    """一个行业的事实词汇表。"""

    sector: str = Field(description="行业 id")
    label: str = Field(description="行业中文名")
    facts: list[FactOut] = Field(description="全部事实")


class MatterOut(BaseModel):
    """一件事（事项）：名称、别名、环节及各环节的牵头部门（字段由路由模块给出）。"""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="事项 id", examples=["gas"])
    name: str = Field(description="事项名称", examples=["城镇燃气"])
    aliases: list[str] = Field(default_factory=list, description="别名（查询时也可用）")
    stages: list[str] = Field(default_factory=list, description="链条的环节，按顺序")
    leads: dict[str, Any] = Field(default_factory=dict, description="各环节的牵头部门")
    basis: list[Any] = Field(default_factory=list, description="依据（方案条目与原文）")


class RouteOut(BaseModel):
    """一件事的链条：各环节的牵头、配合部门，各自职责与依据（字段由路由模块给出）。"""

    model_config = ConfigDict(extra="allow")

    district: Optional[str] = Field(None, description="区县")
    matter: str = Field(description="事项名称", examples=["城镇燃气"])
    matter_id: Optional[str] = Field(None, description="事项 id")
    stages: list[dict[str, Any]] = Field(description="环节：stage（环节名）、lead（牵头部门）、partners（配合部门）")
    basis: list[Any] = Field(default_factory=list, description="依据")
    adjustments: list[Any] = Field(default_factory=list, description="按案情调整牵头、配合部门的情形")


# ---- Chinese descriptions for the engine's judgement models (added to the OpenAPI document) ----

ENGINE_MODEL_DOCS: dict[str, tuple[str, dict[str, str]]] = {
    "Judgement": ("一个案例在一个行业下的判定：结论、所依据的文件、构成的重大事故隐患（逐条引用条款原文）、推理、"
                  "未构成的情形、需补充的问题、提示与移交路由。与 `hazard judge --json` 的输出相同。", {
        "verdict": "结论：major（重大事故隐患）、not_major（不构成）、insufficient（信息不足）、not_determined（现行版本尚未编码，无法判定）",
        "verdict_zh": "结论（中文）",
        "sector": "行业 id",
        "as_of": "检查日期",
        "documents": "所依据的判定标准（检查日期施行中的版本）",
        "hazards": "构成的重大事故隐患，每条引用文件、条款与原文",
        "violations": "违法行为（非重大事故隐患），与结论并列报告",
        "not_met": "相关但未构成的情形，及未满足的条件",
        "open_rules": "因缺少事实而未定的重大事故隐患规则",
        "questions": "需在现场补充的事实（按能判定的情形数排序）",
        "warnings": "提示（如新版本已施行但尚未编码、条文未经核实）",
        "facts": "理解后的现场事实（事实 id → 规范化取值）",
        "derived": "由规则推出的中间事实",
        "reference": "现行版本未编码时，按被替代旧版本所作的参考分析（不构成判定）",
        "route": "移交路由：牵头部门、配合部门、环节与理由（路由模块可用时）",
        "rulebase_version": "规则库版本（知识库内容哈希）",
        "on_reported_facts": "不构成时为真：结论仅就所报事实而言（未报告的情形未作判断）",
        "questions_omitted": "未列出的其余问题条数（要全部问题用 ?questions=all）",
    }),
    "PendingException": ("条文中的除外情形，尚未核实：未证明存在时结论成立，列为“除外情形待核实”。", {
        "fact": "事实 id", "label": "事实中文名", "question": "核实该除外情形要问的问题",
        "clause": "规定该除外情形的条款编号", "text": "该条款原文（逐字）",
    }),
    "DocumentRef": ("所引用的判定标准文件。", {
        "id": "文件 id", "title": "标题", "number": "文号或标准号", "issuer": "发布机关",
        "effective": "施行日期", "expires": "失效日期（含）",
    }),
    "Finding": ("一条成立的规则：重大事故隐患或违法行为，附法律依据与推理。", {
        "rule_id": "规则 id", "kind": "major_hazard（重大事故隐患）或 violation（违法行为）",
        "document": "所依据的文件", "clause": "条款编号", "text": "条款原文（逐字）",
        "situation": "本规则编码的情形（条文原文的一部分）", "reasoning": "使条件成立的事实及其来源",
        "unverified": "条文或解读未经充分核实的说明",
        "exceptions_pending": "除外情形待核实：尚未回答的除外情形（回答“是”则不构成）",
    }),
    "Reason": ("推理中的一步：一个事实使某个条件成立（或不成立），以及它的来源。", {
        "fact": "事实 id", "label": "事实中文名", "value": "取值", "condition": "条件（中文）",
        "source": "来源：given（现场事实）或推出它的规则 id", "derived_from": "推出该事实所依据的事实",
    }),
    "NotMet": ("一条相关但未构成的规则及原因。", {
        "rule_id": "规则 id", "document": "文件 id", "clause": "条款编号", "kind": "规则结论类型",
        "failed": "未满足的条件（中文）", "defeated_by": "使结论不成立的排除情形",
        "situation": "该规则编码的情形（整句）",
    }),
    "Question": ("为作出判定需在现场补充的一个事实。", {
        "fact": "事实 id", "label": "事实中文名", "question": "要问的问题", "type": "事实类型",
        "values": "枚举的可选值", "unit": "数值的单位", "open_rules": "该事实能判定的未定规则",
        "decides": "该问题的作用：一项回答即可判定为重大事故隐患，或即可排除相应情形，或其他",
    }),
}


def document_district(schema: dict[str, Any], names: list[str]) -> None:
    """The accepted district names (profile ids and Chinese names) as an enum wherever `district` is asked."""
    def fix(spec: dict[str, Any]) -> None:
        for option in spec.get("anyOf", [spec]):
            if option.get("type") == "string":
                option["enum"] = names
    case = schema.get("components", {}).get("schemas", {}).get("CaseRequest", {})
    if "district" in case.get("properties", {}):
        fix(case["properties"]["district"])
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for param in operation.get("parameters", []):
                if param.get("name") == "district":
                    fix(param.get("schema", {}))


def document_engine_models(schema: dict[str, Any]) -> None:
    """Add the Chinese descriptions above to the engine models in an OpenAPI document."""
    components = schema.get("components", {}).get("schemas", {})
    for name, component in components.items():
        base = name.split("-")[0]  # pydantic may name a model Judgement-Output
        if base not in ENGINE_MODEL_DOCS:
            continue
        doc, fields = ENGINE_MODEL_DOCS[base]
        component["description"] = doc
        for prop, spec in component.get("properties", {}).items():
            if prop in fields:
                spec["description"] = fields[prop]
