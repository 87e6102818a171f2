"""The one path every face (CLI, HTTP API, later free text, web, quizzes) takes to judge a case.

    case -> facts (read, normalised, aliases, editions) -> judgement -> route -> output

Each step is a plain function call below, in this order, so the data flow reads top to bottom;
nothing registers itself at import time. Routing (which department leads the rectification) is
imported only when a judgement is routed, so faces that do not route never load it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine import comparisons
from engine import judge as judging
from engine import knowledge
from engine.knowledge import KnowledgeBase, Sector
from engine.model import Judgement


def read_facts(sector: Sector, raw_facts: dict[str, Any], as_of: dt.date | None = None) -> dict[str, Any]:
    """Step 1: the facts as given (Chinese labels or ids, everyday values) -> typed facts by id.
    A number given as the outcome of a comparison ("超过30%", "超限") stays an outcome (engine.comparisons).
    Raises HazardError naming the field for anything that cannot be read."""
    return comparisons.read_facts(sector, raw_facts)


def route(judgement: Judgement, context: dict[str, Any] | None) -> dict[str, Any] | None:
    """Step 3: the "一件事" route of a judgement (lead department, partners, territorial follow-up).
    context: found_by, venue, in_park, town, district. None when routing is not installed."""
    try:
        from engine import routing
    except ModuleNotFoundError as exc:  # a slim install without routing data
        if exc.name and exc.name.startswith("engine.routing"):
            return None
        raise
    return routing.route_for(judgement, context or {})


def judge(sector_id: str, raw_facts: dict[str, Any], as_of: dt.date | None = None, *, complete: bool = False,
          kb: KnowledgeBase | None = None, context: dict[str, Any] | None = None, all_questions: bool = False,
          routed: bool = True) -> Judgement:
    """Judge one case the way every face does: read the facts, judge them under the editions in
    force on `as_of` (default today), route the result. `complete`: the inspection is finished
    (unreported situations count as not found). `all_questions`: list every question, not only the
    most decisive few. Returns the Judgement (engine.model); raises HazardError on bad input."""
    kb = kb or knowledge.default()
    sector = judging._sector(kb, sector_id)
    facts = read_facts(sector, raw_facts, as_of)
    result = judging.judge_facts(sector, facts, as_of, complete=complete, kb=kb, all_questions=all_questions)
    if routed:
        result.route = route(result, context)
    return result
