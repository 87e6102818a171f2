"""Turn what a user typed (labels or ids, Chinese yes/no, numbers with units) into typed facts.

Anything that cannot be read becomes a HazardError naming the field; nothing is guessed.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

from engine.errors import HazardError
from engine.knowledge import Sector
from engine.model import Fact

TRUE_WORDS = {"是", "有", "true", "yes", "y", "1", "对", "存在"}
FALSE_WORDS = {"否", "无", "没有", "false", "no", "n", "0", "不存在"}
DECIMALS = 6  # numbers are judged to a millionth of their unit (see engine.compiler.to_network)
UNKNOWN_WORDS = {"", "未知", "不详", "unknown", "null", "none", "?", "？"}


def format_value(fact: Fact, value: Any) -> str:
    if fact.type == "bool":
        return "是" if value else "否"
    if fact.type == "number":
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return text + (fact.unit or "")
    return str(value)


def coerce(fact: Fact, raw: Any, field: str) -> Any:
    """One value for one fact, typed; None means "unknown" (the same as not giving it)."""
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in UNKNOWN_WORDS):
        return None
    if fact.type == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise HazardError("bad_value", f"“{fact.label}”是是非题，请填 是/否（收到：{raw!r}）", field)
    if fact.type == "enum":
        text = str(raw).strip()
        values = fact.values or []
        if text in values:
            return text
        # a value may name several uses ("商店、商场、集贸市场"): one of its parts, if unique, is that value
        parts = [v for v in values if text in re.split(r"[、，,]", v)]
        if len(parts) == 1:
            return parts[0]
        listed = "；".join(f"“{v}”" for v in values)
        raise HazardError("bad_value", f"“{fact.label}”的取值须为以下之一：{listed}（收到：{raw!r}）", field)
    # number
    if isinstance(raw, bool):
        raise HazardError("bad_value", f"“{fact.label}”须为数值（收到：{raw!r}）", field)
    if isinstance(raw, (int, float)):
        number = float(raw)
    else:
        text = str(raw).strip()
        if fact.unit and text.endswith(fact.unit):
            text = text[: -len(fact.unit)].strip()
        try:
            number = float(text)
        except ValueError:
            unit = f"（单位：{fact.unit}）" if fact.unit else ""
            raise HazardError("bad_value", f"“{fact.label}”须为数值{unit}（收到：{raw!r}）", field) from None
    if math.isnan(number) or math.isinf(number):
        raise HazardError("bad_value", f"“{fact.label}”须为有限数值（收到：{raw!r}）", field)
    number = round(number, DECIMALS)
    if (fact.min is not None and number < fact.min) or (fact.max is not None and number > fact.max):
        bounds = f"{fact.min if fact.min is not None else '-∞'} ～ {fact.max if fact.max is not None else '+∞'}"
        raise HazardError("out_of_range", f"“{fact.label}”超出合理范围 {bounds}{fact.unit or ''}（收到：{raw!r}）", field)
    return number


def similar_labels(sector: Sector, name: str, limit: int = 3) -> list[str]:
    """Labels an inspector probably meant: those containing what was typed, then close spellings."""
    labels = [f.label for f in sector.facts.values()]
    found = [label for label in labels if name and name in label]
    found += [m for m in difflib.get_close_matches(name, labels, n=limit, cutoff=0.5) if m not in found]
    return found[:limit]


def parse_facts(sector: Sector, raw: dict[str, Any], prefix: str = "facts") -> dict[str, Any]:
    """Read a mapping of fact names (id or Chinese label) to values; unknown values are dropped."""
    if not isinstance(raw, dict):
        raise HazardError("bad_facts", "facts 须为“事实名: 取值”的映射", prefix)
    out: dict[str, Any] = {}
    names: dict[str, str] = {}
    for name, value in raw.items():
        field = f"{prefix}.{name}"
        fact = sector.fact_by_name(str(name).strip())
        if fact is None:
            hint = "、".join(similar_labels(sector, str(name)))
            hint = f"；是否指：{hint}" if hint else ""
            raise HazardError(
                "unknown_fact",
                f"“{name}”不是{sector.label}行业词汇表中的事实{hint}；可用 `hazard vocabulary {sector.id}` 查看全部事实",
                field)
        typed = coerce(fact, value, field)
        if fact.id in names and out.get(fact.id) != typed:
            raise HazardError(
                "conflicting_facts", f"事实“{fact.label}”给出了两个不同的取值（{names[fact.id]} 与 {name}）", field)
        names[fact.id] = str(name)
        if typed is not None:
            out[fact.id] = typed
    return out
