"""A gunicorn worker class for the comparison in benchmarks/load_api.py: uvicorn's worker with
the settings `hazard serve` uses (no access log)."""

from __future__ import annotations

from uvicorn.workers import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS = {"loop": "auto", "http": "auto", "access_log": False}
