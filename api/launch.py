"""Start `hazard serve` as a child process on a free loopback port and stop it again: used by the
live-server tests and by benchmarks/load_api.py. Loopback only."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Iterator

HOST = "127.0.0.1"


class running:
    """The process id of the supervisor most recently started by running_server (for tests)."""

    pid: int = 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(workers: int = 1, *, env: dict[str, str] | None = None, startup_timeout: float = 180.0,
                   access_log: bool = False, supervisor: str = "hazard", extra: list[str] | None = None,
                   log: "list[str] | None" = None) -> Iterator[str]:
    """`hazard serve --port <free> --workers N` in a child process; yields its base URL once
    /healthz answers, and stops it (SIGTERM, then SIGKILL) on exit.

    supervisor: "hazard" (`hazard serve`), or for the load benchmark's comparison "gunicorn"
    (gunicorn with uvicorn workers and --reuse-port), "uvicorn" (uvicorn's own --workers) or
    "trivial" (benchmarks/trivial_app.py: a fixed judgement under hazard serve's supervisor).
    extra: more `hazard serve` options. log: when a list, the server's output is appended to it on exit."""
    port = free_port()
    if supervisor == "gunicorn":
        cmd = [sys.executable, "-m", "gunicorn", "-k", "api.gunicorn_worker.Worker", "-w", str(workers),
               "--reuse-port", "-b", f"{HOST}:{port}", "--log-level", "warning", "api.server:create_app()"]
    elif supervisor == "trivial":  # benchmarks/trivial_app.py: a trivial app under hazard serve's supervisor
        script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "trivial_app.py")
        cmd = [sys.executable, script, "--port", str(port), "--workers", str(workers)]
    elif supervisor == "uvicorn":
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "api.server:create_app", "--host", HOST,
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    else:
        cmd = [sys.executable, "-m", "engine.cli", "serve", "--host", HOST, "--port", str(port),
               "--workers", str(workers), "--log-level", "warning", *(extra or [])]
        if not access_log:
            cmd.append("--no-access-log")
    out = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                out.seek(0)
                raise RuntimeError(f"hazard serve exited with {proc.returncode}:\n{out.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"hazard serve did not answer /healthz within {startup_timeout:.0f}s")
            time.sleep(0.1)
        if workers > 1:
            time.sleep(0.5 * workers)  # let the other workers finish compiling before timing anything
        running.pid = proc.pid
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if log is not None:
            out.seek(0)
            log.append(out.read().decode(errors="replace"))
        out.close()
