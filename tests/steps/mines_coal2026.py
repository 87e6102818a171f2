"""Steps for the COAL-2026 scenarios: a whole fact list in one cell, so one 场景大纲 row can carry
the facts of one situation (facts differ from row to row)."""

from __future__ import annotations

from pytest_bdd import given, parsers


@given(parsers.re(r'事实清单为 "(?P<items>[^"]*)"'))
def given_fact_list(case, items):
    """一格写下多条事实（事实=取值，用“；”分隔），便于场景大纲每行给出不同的事实。

    例：而且 事实清单为 "矿井同时生产的水平个数=3；矿山类别=煤矿"
    """
    for item in filter(None, (x.strip() for x in items.split("；"))):
        name, sep, value = item.partition("=")
        assert sep, f"事实清单的每一项须写成 事实=取值（收到：{item!r}）"
        case["facts"][name.strip()] = value.strip()
