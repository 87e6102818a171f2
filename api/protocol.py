"""The HTTP/1.1 connection handling of `hazard serve`: uvicorn's h11 protocol with what it lacks.

- A request head must arrive within the header time-out (HAZARD_HEADER_TIMEOUT, default 10 s)
  from the connection's start or the previous response: a client that trickles header bytes is
  answered 408 `header_timeout` and disconnected (uvicorn has no header time-out of its own; its
  keep-alive timer is reset by every byte). The body's time-out is api.server.Guard's.
- At most HAZARD_MAX_CONNECTIONS open connections per worker process (default 256): one more is
  answered 503 `too_many_connections` and closed at once.
- A request the HTTP parser rejects (a bad Content-Length, a malformed request line or header, a
  head over 16 KiB) is answered 400 `bad_http_request` in the error envelope with the
  X-Rulebase-Version header, instead of uvicorn's plain-text 400.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from api import errors

VERSION = "unknown"  # the rule-base version, set when the app is created (api.server.create_app)
HEADER_TIMEOUT = 10.0
MAX_CONNECTIONS = 256
MAX_HEAD_BYTES = 16 * 1024


def raw_response(status: int, reason: str, code: str, message: str, field: str | None = None) -> bytes:
    """A complete HTTP/1.1 response in the error envelope, with Connection: close."""
    body = errors.dumps(errors.envelope(code, message, field))
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"connection: close\r\n{errors.VERSION_HEADER.lower()}: {VERSION}\r\n\r\n")
    return head.encode("latin-1") + body


class Protocol(H11Protocol):
    """uvicorn's H11Protocol with a header time-out, a connection limit and an enveloped 400."""

    _head_timer: asyncio.TimerHandle | None = None
    _refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > MAX_CONNECTIONS:
            self._refused = True
            transport.write(raw_response(503, "Service Unavailable", "too_many_connections",
                                         f"服务繁忙：本工作进程已有 {MAX_CONNECTIONS} 个连接（上限 HAZARD_MAX_CONNECTIONS），请稍后重试"))
            transport.close()
            return
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(HEADER_TIMEOUT, self._head_timeout)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        # only while a request head is awaited (a request being read or answered is not timed here)
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE or self.conn.our_state is not h11.IDLE:
            return
        if self.conn.trailing_data[0]:  # part of a head arrived: say why before closing
            self.transport.write(raw_response(408, "Request Timeout", "header_timeout",
                                              f"请求头未在 {HEADER_TIMEOUT:g} 秒内发送完毕（HAZARD_HEADER_TIMEOUT），连接已关闭"))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        self._disarm()
        self.transport.write(raw_response(400, "Bad Request", "bad_http_request",
                                          "HTTP 请求格式无效（如 Content-Length 无效、请求行或请求头有误、请求头超过 16 KiB）"))
        self.transport.close()


def configure(header_timeout: float, max_connections: int) -> None:
    global HEADER_TIMEOUT, MAX_CONNECTIONS
    HEADER_TIMEOUT = header_timeout
    MAX_CONNECTIONS = max_connections


def uvicorn_options() -> dict[str, Any]:
    """uvicorn.Config options of a worker: this protocol and the configured limits (api.server.Settings)."""
    from api.server import Settings

    settings = Settings.from_env()
    configure(settings.header_timeout, settings.max_connections)
    return {"http": Protocol, "timeout_keep_alive": settings.keep_alive, "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
            "backlog": 2048}
