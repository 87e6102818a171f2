"""`hazard serve --workers N` on Linux: N uvicorn processes, each with its own listening socket on
the same port (SO_REUSEPORT), so the kernel spreads connections over the workers.

Why not uvicorn's own `--workers`: it shares one listening socket, and asyncio accepts up to
`backlog` pending connections per wake-up, so a burst of keep-alive connections (a client's
connection pool) lands on whichever worker woke first and stays there: measured with 32 clients,
one worker at 100 % CPU and the other idle, no gain from the second process. Its shared socket
also lacks IPPROTO_TCP, so Nagle stays on (see api.server.tcp_listener). With one socket per
worker both problems are gone: the kernel hashes each new connection to a worker.

The parent checks the port, builds the app once (the knowledge loaded, every document compiled into
durable_rules rulesets and registered, routing checked), then forks the workers: each starts with
that state, copy-on-write, instead of importing and compiling everything again (a worker used to
take ~3.5 s and ~140 MB of its own to start; durable_rules keeps its C rulesets in process memory
and our host runs no threads, so a fork copy is a complete, independent engine). Where fork is not
available, or HAZARD_WORKER_START=spawn is set, the workers are spawned (fresh interpreters, each
building the app itself). The parent keeps serving with the workers it has: a worker that
dies is restarted after a back-off (0.5 s, doubling for each death in a row up to 30 s; a worker
that ran a minute resets it), which is logged and shown in GET /healthz (`workers`: expected, alive,
restarts; `status` "degraded" while one is missing). It stops only on SIGINT/SIGTERM (SIGTERM:
uvicorn finishes the requests in flight).

Keep-alive connections stay with the worker that accepted them; after a restart, new connections
reach the new worker too (the kernel hashes each new connection over the listening sockets).

Why not gunicorn (uvicorn workers, --reuse-port) or uvicorn's own supervisor: both share one
listening socket between the workers, so the spreading problem above stays; benchmarks/load_api.py
--supervisor hazard gunicorn uvicorn measures the three side by side (see README).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

log = logging.getLogger("hazard.serve")

BACKOFF_FIRST = 0.5  # seconds before restarting a worker that died
BACKOFF_MAX = 30.0
STABLE_SECONDS = 60.0  # a worker that ran this long resets its back-off

# Shared with the workers (multiprocessing.Array of 3 longs): expected, alive, restarts. Set in a
# worker process before the app is built; None when the app runs without this supervisor.
STATE: Any = None
START_ENV = "HAZARD_WORKER_START"  # "spawn": every worker builds the app itself (default: fork after building)


def port_error(host: str, port: int, exc: OSError) -> int:
    print(f"错误 [port_unavailable]：无法监听 {host}:{port}（{exc.strerror}）", file=sys.stderr)
    return 1


def supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _socket(host: str, *, reuse_addr: bool, reuse_port: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if reuse_addr:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    return sock


def worker_socket(host: str, port: int) -> socket.socket:
    """A TCP listening socket of one worker: SO_REUSEPORT, IPPROTO_TCP (so asyncio sets TCP_NODELAY)."""
    sock = _socket(host, reuse_addr=True, reuse_port=True)
    sock.bind((host, port))
    return sock


def probe(host: str, port: int) -> None:
    """OSError if anything listens on the port (a plain bind, as a listener without SO_REUSEPORT)."""
    sock = _socket(host, reuse_addr=True, reuse_port=False)
    try:
        sock.bind((host, port))
    finally:
        sock.close()


def reserve(host: str, port: int) -> socket.socket:
    """Check that the port is free and hold it for our workers only.

    SO_REUSEPORT would let a second `hazard serve` (same user) silently join the first on the same
    port, so first bind a plain socket: it fails while anything listens there (another program, or
    our own workers). Then keep a bound, non-listening socket with SO_REUSEPORT but without
    SO_REUSEADDR: our workers can join it, and another instance's plain probe conflicts with it
    even before our workers listen."""
    probe(host, port)
    guard = _socket(host, reuse_addr=False, reuse_port=True)
    try:
        guard.bind((host, port))
    except OSError:
        guard.close()
        raise
    return guard


def status() -> dict[str, int] | None:
    """The supervisor's view for GET /healthz: {"expected", "alive", "restarts"}, or None."""
    if STATE is None:
        return None
    expected, alive, restarts = list(STATE[:3])
    return {"expected": expected, "alive": alive, "restarts": restarts}


def _worker(host: str, port: int, options: dict[str, Any], state: Any) -> None:
    import uvicorn

    from api import protocol

    global STATE
    STATE = state
    sock = worker_socket(host, port)
    options = dict(options)
    app = options.pop("app", "api.server:create_app")  # another factory only for benchmarks/trivial_app.py
    factory = options.pop("factory", True)  # False: the app built by the parent before forking
    config = uvicorn.Config(app, factory=factory, host=host, port=port, **protocol.uvicorn_options(), **options)
    uvicorn.Server(config).run(sockets=[sock])


def start_method(options: dict[str, Any]) -> str:
    """"fork" (the app built once in the parent) where the platform has it and the default app is
    served; "spawn" otherwise, or when HAZARD_WORKER_START=spawn."""
    wanted = os.environ.get(START_ENV, "").strip().lower()
    if wanted == "spawn" or "app" in options or "fork" not in multiprocessing.get_all_start_methods():
        return "spawn"
    return "fork"


def _built_app() -> Any:
    """The API app, built in the parent before the workers are forked (no thread may run then)."""
    from api.server import create_app

    app = create_app()
    if threading.active_count() != 1:  # a fork copies only the calling thread
        raise RuntimeError(f"构建应用后存在 {threading.active_count()} 个线程，不能安全地派生工作进程")
    return app


def serve(host: str, port: int, workers: int, options: dict[str, Any]) -> int:
    """Run `workers` worker processes until SIGINT/SIGTERM; the exit code of the command."""
    if not supported():
        print("错误 [unsupported_platform]：本平台不支持 SO_REUSEPORT，无法启动多进程服务", file=sys.stderr)
        return 1
    try:
        guard = reserve(host, port)
    except OSError as exc:
        return port_error(host, port, exc)
    method = start_method(options)
    if method == "fork":
        try:
            options = dict(options, app=_built_app(), factory=False)
        except Exception as exc:  # a knowledge base that does not load: said once, not per worker restart
            guard.close()
            print(f"错误 [startup_failed]：服务未能启动：{exc}", file=sys.stderr)
            return 1
    ctx = multiprocessing.get_context(method)
    state = ctx.Array("q", [workers, 0, 0], lock=False)
    procs: list[Any] = [None] * workers
    started = [0.0] * workers
    deaths = [0] * workers  # deaths in a row, for the back-off
    due: list[float | None] = [None] * workers  # when a dead worker is restarted
    stopping = False

    def start(i: int) -> None:
        procs[i] = ctx.Process(target=_worker, args=(host, port, options, state), name=f"hazard-worker-{i}",
                               daemon=False)
        procs[i].start()
        started[i] = time.monotonic()
        due[i] = None

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for i in range(workers):
            start(i)
        print(f"hazard serve：http://{host}:{port}（{workers} 个工作进程，文档 /docs；Ctrl+C 停止）", flush=True)
        while not stopping:
            time.sleep(0.1)
            now = time.monotonic()
            for i, proc in enumerate(procs):
                if stopping:
                    break
                if due[i] is not None:
                    if now >= due[i]:
                        log.warning("restarting worker %d", i)
                        start(i)
                        state[2] += 1
                    continue
                if proc.is_alive():
                    continue
                deaths[i] = 1 if now - started[i] >= STABLE_SECONDS else deaths[i] + 1
                wait = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (deaths[i] - 1))
                due[i] = now + wait
                print(f"警告：工作进程 {i}（pid {proc.pid}）意外退出（代码 {proc.exitcode}），"
                      f"{wait:g} 秒后重新启动；其余工作进程继续服务", file=sys.stderr, flush=True)
            state[1] = sum(1 for p, d in zip(procs, due) if d is None and p is not None and p.is_alive())
    finally:
        for proc in procs:
            if proc is not None and proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn's graceful shutdown
        deadline = time.monotonic() + 30
        for proc in procs:
            if proc is not None:
                proc.join(max(0.1, deadline - time.monotonic()))
                if proc.is_alive():
                    proc.kill()
                    proc.join(5)
        guard.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
