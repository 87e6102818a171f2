"""The bridge from engine.judge's post-processor list to routing (engine.judge imports this module
through HOOK_MODULES). A judging pipeline calls engine.routing.route(judgement, context) instead."""

from __future__ import annotations

from typing import Any

from engine.judge import POST_PROCESSORS
from engine.model import Judgement


def _post_process(judgement: Judgement, context: dict[str, Any]) -> None:
    from engine.routing.lookup import route

    route(judgement, context)


if _post_process not in POST_PROCESSORS:
    POST_PROCESSORS.append(_post_process)
