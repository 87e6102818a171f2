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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(workers: int = 1, *, env: dict[str, str] | None = None, startup_timeout: float = 60.0,
                   access_log: bool = False) -> Iterator[str]:
    """`hazard serve --port <free> --workers N` in a child process; yields its base URL once
    /healthz answers, and stops it (SIGTERM, then SIGKILL) on exit."""
    port = free_port()
    cmd = [sys.executable, "-m", "engine.cli", "serve", "--host", HOST, "--port", str(port),
           "--workers", str(workers), "--log-level", "warning"]
    if not access_log:
        cmd.append("--no-access-log")
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"hazard serve exited with {proc.returncode}:\n{log.read().decode(errors='replace')}")
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
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
