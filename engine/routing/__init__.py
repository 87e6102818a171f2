"""Route every judgement to its lead department along the "一件事" chains of the district plan.

All routing knowledge is YAML under knowledge/routing/ (see its README). The package has one module
per job, and importing the package imports none of them (so `hazard judge --help` does not load
networkx); the public names below are resolved on first use:

    model   the routing data format (pydantic)
    data    loading the data; district profiles chosen by NAME (id or Chinese name), never by path
    graph   the validated routing graph of one district (networkx)
    lookup  route(judgement, context) / route_for / route_finding / chain / matters / validate
    export  the graph as SVG, DOT or GraphML
    cli     `hazard route` and the routing part of `hazard check`
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "model": ["ROLES", "TERRITORIAL", "SUPERVISOR", "VENUE_KINDS", "VERDICTS", "Profile", "Matter", "Settings"],
    "data": ["ROOT_ENV", "PROFILE_DIR_ENV", "RoutingData", "default_root", "load_data", "load_profile",
             "resolve_profile", "profile_choices"],
    "graph": ["Router"],
    "lookup": ["route", "route_for", "route_finding", "chain", "matters", "validate", "router", "routing_data",
               "_route", "_data", "_router", "_findings"],
    "export": ["export_graph"],
    "cli": ["cmd_route", "register", "check"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [n for n in _WHERE if not n.startswith("_")]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine.routing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"engine.routing.{module}"), name)
