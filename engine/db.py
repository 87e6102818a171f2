"""The project's database: one URL setting for every face that keeps records (quiz progress now, the
major-hazard register later). SQLite in the user's data directory by default, no server to install;
`HAZARD_DATABASE_URL` (an SQLAlchemy URL, e.g. postgresql+psycopg://…) for production."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from engine.errors import HazardError


def database_url() -> str:
    """`HAZARD_DATABASE_URL`, or a SQLite file under $XDG_DATA_HOME (default ~/.local/share)/hazard-judge."""
    url = os.environ.get("HAZARD_DATABASE_URL")
    if url:
        return url
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "hazard-judge"
    return f"sqlite:///{base / 'hazard.db'}"


def engine(url: str | None = None) -> Engine:
    """A pooled SQLAlchemy engine for `url` (default: database_url(), read now, so a changed
    HAZARD_DATABASE_URL is honoured); one engine per URL; SQLite runs in WAL mode."""
    return _engine(url or database_url())


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HazardError("database_unavailable", f"无法创建数据库目录 {path.parent}：{exc.strerror}",
                              "HAZARD_DATABASE_URL") from None
    try:
        eng = create_engine(url, future=True)
    except Exception as exc:  # a malformed URL or a missing driver
        raise HazardError("database_unavailable", f"数据库地址无法使用（{type(exc).__name__}）", "HAZARD_DATABASE_URL") from None
    if eng.dialect.name == "sqlite":
        @event.listens_for(eng, "connect")
        def _wal(dbapi_conn, _record):  # concurrent readers while one process writes
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()
    return eng
