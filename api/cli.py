"""`hazard serve`: the HTTP API under a supervisor. Imports FastAPI/uvicorn only when it runs, so the
other sub-commands start without them."""

from __future__ import annotations

import argparse
import os
import socket
from typing import Any

ENV_MAX_BODY_BYTES = "HAZARD_MAX_BODY_BYTES"
ENV_MAX_BATCH = "HAZARD_MAX_BATCH"


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"端口须为整数（收到：{text!r}）") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"端口须在 1–65535 之间（收到：{port}）")
    return port


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"进程数须为整数（收到：{text!r}）") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"进程数须不小于 1（收到：{n}）")
    return n


def tcp_listener(sock: socket.socket) -> socket.socket:
    """The same bound socket, marked IPPROTO_TCP and with TCP_NODELAY (see below)."""
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        family, kind = sock.family, sock.type
        sock = socket.socket(family, kind, socket.IPPROTO_TCP, fileno=sock.detach())
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.set_inheritable(True)
    return sock


def cmd_serve(args: argparse.Namespace) -> int:
    from api import workers
    from api.server import Settings
    from engine.judge import prepare

    if args.profile_dir is not None:
        from engine.routing.data import PROFILE_DIR_ENV

        os.environ[PROFILE_DIR_ENV] = args.profile_dir  # configuration at start-up, inherited by the workers
    Settings.from_env()  # a bad limit stops here, with its message, not in every worker
    prepare()  # a broken knowledge base stops here (KnowledgeError), before any worker starts
    from engine.routing.lookup import validate

    validate()  # a broken routing graph or operator profile stops here too
    options = {"log_level": args.log_level, "access_log": not args.no_access_log}
    return workers.serve(args.host, args.port, args.workers, options)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("serve", help="启动 HTTP API 服务（文档见 http://HOST:PORT/docs）",
                              description="启动判定 HTTP API（FastAPI + uvicorn）。上限用环境变量 "
                                          f"{ENV_MAX_BODY_BYTES}、{ENV_MAX_BATCH}、HAZARD_MAX_JUDGEMENTS、HAZARD_HEADER_TIMEOUT、"
                                          "HAZARD_BODY_TIMEOUT、HAZARD_MAX_CONNECTIONS 等配置（见 README）。工作进程意外退出会"
                                          "自动重启，服务只在收到 SIGINT/SIGTERM 时停止。")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机）")
    p.add_argument("--port", type=_port, default=8000, help="端口（默认 8000）")
    p.add_argument("--workers", type=_workers, default=1, help="工作进程数（默认 1）；规则引擎在进程内串行，多核请增加进程")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--no-access-log", action="store_true", help="不记录每个请求（压测时用）")
    p.add_argument("--profile-dir", metavar="DIR", help="运维自备的区县配置目录（另见环境变量 HAZARD_PROFILE_DIR）；"
                                                        "请求只能按名称选择其中的区县")
    p.set_defaults(func=cmd_serve)
