"""Strict JSON for case input (the API's request bodies and the CLI's case files).

Python's json module silently keeps the last of two equal keys, accepts NaN/Infinity, and fails
with RecursionError on deep nesting; a wrong verdict or a 500 follows. Here:

- a document that is not UTF-8, not JSON, nested deeper than MAX_DEPTH, or uses NaN/Infinity is
  a HazardError `malformed_json`;
- an object with a key twice is a HazardError `duplicate_key` naming the key.

What a single value gets wrong (a lone surrogate in a text, an integer of more than MAX_DIGITS
digits, a number too large for a float) is found by `bad_value(data)`, so that a batch can report it
for its own case only.
"""

from __future__ import annotations

import json
import math
from typing import Any

from engine.errors import HazardError

MAX_DEPTH = 32
MAX_DIGITS = 30  # an integer with more digits is no measurement


class _Duplicate(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise ValueError(f"JSON 不允许 {name}")


def _shown(text: str, limit: int = 40) -> str:
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "…"


def loads(data: bytes | str, what: str = "请求体") -> Any:
    """Parse `data` strictly (see the module docstring); `what` names the input in messages."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HazardError("malformed_json", f"{what}不是 UTF-8 编码的文本（第 {exc.start + 1} 个字节处）", None,
                              status=400) from None
    if data.startswith("\ufeff"):
        data = data[1:]
    try:
        value = json.loads(data, object_pairs_hook=_pairs, parse_constant=_constant)
    except _Duplicate as exc:
        raise HazardError("duplicate_key", f"{what}中同一对象的键“{_shown(exc.key)}”出现了两次；请只写一次",
                          _shown(exc.key), status=400) from None
    except json.JSONDecodeError as exc:
        raise HazardError("malformed_json", f"{what}不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）",
                          None, status=400) from None
    except RecursionError:
        raise HazardError("malformed_json", f"{what}嵌套过深（上限 {MAX_DEPTH} 层）", None, status=400) from None
    except ValueError as exc:  # NaN/Infinity, or an integer beyond Python's digit limit
        raise HazardError("malformed_json", f"{what}不是合法的 JSON（{exc}）", None, status=400) from None
    if depth(value) > MAX_DEPTH:
        raise HazardError("malformed_json", f"{what}嵌套过深（上限 {MAX_DEPTH} 层）", None, status=400)
    return value


def depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
            deepest = max(deepest, level + 1)
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
            deepest = max(deepest, level + 1)
    return deepest


def has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def bad_value(value: Any, path: str = "") -> tuple[str, str, str] | None:
    """The first value a case cannot use: (code, Chinese message, dotted field path), or None."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        field = where or "body"
        if isinstance(item, str):
            if has_surrogate(item):
                return "bad_text", f"字段 {field} 含无效的 Unicode 字符（孤立的代理项，如 \\ud800）", field
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if len(str(abs(item))) > MAX_DIGITS:
                return "out_of_range", f"字段 {field} 的整数超过 {MAX_DIGITS} 位，不是可用的数值", field
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "out_of_range", f"字段 {field} 的数值超出可表示的范围", field
        elif isinstance(item, dict):
            for k, v in reversed(list(item.items())):
                sub = f"{where}.{k}" if where else str(k)
                if isinstance(k, str) and has_surrogate(k):
                    shown = _shown(sub)
                    return "bad_text", f"字段名 {shown} 含无效的 Unicode 字符（孤立的代理项，如 \\ud800）", shown
                stack.append((v, sub))
        elif isinstance(item, list):
            stack.extend((v, f"{where}.{i}" if where else str(i)) for i, v in reversed(list(enumerate(item))))
    return None
