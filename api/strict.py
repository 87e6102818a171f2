"""Strict JSON bodies for every route: duplicate keys, NaN, deep nesting and invalid UTF-8 are
errors in the envelope (engine.strictjson), never silently accepted nor a 500."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from api import errors
from engine import strictjson
from engine.errors import HazardError


class StrictRequest(Request):
    """A request whose JSON body is parsed strictly (engine.strictjson): duplicate keys, NaN, deep
    nesting and invalid UTF-8 are errors in the envelope, not silent or a 500."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = strictjson.loads(await self.body())
            except HazardError as exc:
                raise errors.EnvelopeHTTPException(exc) from None
        return self._json


class StrictRoute(APIRoute):
    """FastAPI's documented way to use another Request class for a route."""

    def get_route_handler(self) -> Any:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await original(StrictRequest(request.scope, request.receive))

        return handler
