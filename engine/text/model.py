"""The answer to a record judged from its text (TextJudgement and its parts): plain pydantic models,
importable without loading the reader (spaCy, jieba), so the API documents them at start-up."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, Field

from engine.model import Judgement


class ExtractedFact(BaseModel):
    """从原文读取的一个事实：位置（字符偏移、词语）、依据的短语、置信度；未确认的只作待确认事项。"""

    fact: str = Field(description="事实 id")
    label: str = Field(description="事实中文名")
    value: Any = Field(None, description="读取的取值（是/否、枚举值或数值）；未写明数值时为空")
    start: int = Field(description="在原文中的起始字符偏移")
    end: int = Field(description="在原文中的结束字符偏移（不含）")
    text: str = Field(description="原文中对应的文字")
    words: list[str] = Field(description="匹配到的词语")
    phrase: str = Field(description="词汇表中匹配的短语、别名或名称")
    source: str = Field(description="phrase（短语）/ alias（别名）/ label（事实名或取值名）")
    confidence: float = Field(description="置信度（0–1）；低于 0.7 的只作待确认，不用于判定")
    confirmed: bool = Field(description="是否确认并用于判定")
    finding: int = Field(description="所属发现的序号（从 0 开始）")
    notes: list[str] = Field(default_factory=list, description="说明（否定词、约数、已整改、一词多义等）")
    number: Optional[dict] = Field(None, description="读取的数值（原文、单位、比较、是否约数）")
    question: Optional[str] = Field(None, description="待确认时的问题：“是否属实：…”")


class Unread(BaseModel):
    """原文中未识别出事实的部分，附可能相关的条款（仅供参考，不用于判定）。"""

    start: int = Field(description="起始字符偏移")
    end: int = Field(description="结束字符偏移（不含）")
    text: str = Field(description="未识别的文字")
    finding: int = Field(description="所属发现的序号")
    suggestions: list[dict] = Field(default_factory=list, description="最相近的条款（仅供参考）")


class FindingResult(BaseModel):
    """一条发现的判定。"""

    index: int = Field(description="发现序号（从 0 开始）")
    start: int = Field(description="起始字符偏移")
    end: int = Field(description="结束字符偏移（不含）")
    text: str = Field(description="发现原文")
    verdict: str = Field(description="结论：major / not_major / insufficient / not_determined")
    verdict_zh: str = Field(description="结论（中文）")
    facts: dict[str, Any] = Field(description="用于判定的事实（中文名→取值）：确认读取的与结构化给出的")
    judgement: Judgement = Field(description="该发现的判定，与结构化判定的 JSON 相同")


class SectorScore(BaseModel):
    """未指定行业时，按原文推荐的行业及得分。"""

    sector: str = Field(description="行业 id")
    label: str = Field(description="行业名称")
    score: float = Field(description="得分（确认读取的事实越多越高）")


class TextJudgement(BaseModel):
    """按检查记录原文（text）判定的结果：逐条发现的判定、读取的事实、待确认事项与未识别的文字。"""

    verdict: str = Field(description="记录结论：各条发现中最严重的（major > insufficient > not_determined > not_major）")
    verdict_zh: str = Field(description="记录结论（中文）")
    sector: Optional[str] = Field(None, description="采用的行业；原文中识别不出任何事实时缺省")
    sector_note: str = Field(description="行业说明（指定的，或按原文推荐的）")
    sectors_proposed: list[SectorScore] = Field(description="按原文推荐的行业，得分高者在前")
    text: str = Field(description="检查记录原文")
    findings: list[FindingResult] = Field(description="已判定的发现")
    extracted: list[ExtractedFact] = Field(description="从原文读取的全部事实（含待确认的）")
    proposed: list[ExtractedFact] = Field(description="待确认事项：未用于判定的读取")
    unread: list[Unread] = Field(description="未识别的文字")
    warnings: list[str] = Field(default_factory=list, description="提示")
    rulebase_version: str = Field("", description="规则库版本")
