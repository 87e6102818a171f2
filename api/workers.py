"""`hazard serve --workers N` on Linux: N uvicorn processes, each with its own listening socket on
the same port (SO_REUSEPORT), so the kernel spreads connections over the workers.

Why not uvicorn's own `--workers`: it shares one listening socket, and asyncio accepts up to
`backlog` pending connections per wake-up, so a burst of keep-alive connections (a client's
connection pool) lands on whichever worker woke first and stays there: measured with 32 clients,
one worker at 100 % CPU and the other idle, no gain from the second process. Its shared socket
also lacks IPPROTO_TCP, so Nagle stays on (see api.server.tcp_listener). With one socket per
worker both problems are gone: the kernel hashes each new connection to a worker.

The parent checks the port, starts the workers (spawned: fresh interpreters, each compiling the
rule base in its own durable_rules host), restarts a worker that dies, and on SIGINT/SIGTERM stops
them all (SIGTERM: uvicorn finishes the requests in flight).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import time
from typing import Any

log = logging.getLogger("hazard.serve")

FAST_DEATH_SECONDS = 10.0  # a worker that dies this soon after starting is a start-up failure, not restarted


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


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    sock = worker_socket(host, port)
    config = uvicorn.Config("api.server:create_app", factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def serve(host: str, port: int, workers: int, options: dict[str, Any]) -> int:
    """Run `workers` worker processes until SIGINT/SIGTERM; the exit code of the command."""
    try:
        guard = reserve(host, port)
    except OSError as exc:
        return port_error(host, port, exc)
    ctx = multiprocessing.get_context("spawn")
    procs: list[Any] = [None] * workers
    started = [0.0] * workers
    stopping = False

    def start(i: int) -> None:
        procs[i] = ctx.Process(target=_worker, args=(host, port, options), name=f"hazard-worker-{i}", daemon=False)
        procs[i].start()
        started[i] = time.monotonic()

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        for i in range(workers):
            start(i)
        print(f"hazard serve：http://{host}:{port}（{workers} 个工作进程，文档 /docs；Ctrl+C 停止）", flush=True)
        while not stopping:
            time.sleep(0.2)
            for i, proc in enumerate(procs):
                if proc.is_alive() or stopping:
                    continue
                if time.monotonic() - started[i] < FAST_DEATH_SECONDS:
                    print(f"错误 [worker_failed]：工作进程 {i} 启动后即退出（代码 {proc.exitcode}），停止服务",
                          file=sys.stderr)
                    code, stopping = 1, True
                    break
                print(f"警告：工作进程 {i} 意外退出（代码 {proc.exitcode}），重新启动", file=sys.stderr, flush=True)
                start(i)
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
    return code
