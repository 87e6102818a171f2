"""Schema migrations by Alembic, run programmatically (no alembic.ini): `upgrade(engine)` brings any
SQLite or PostgreSQL database to the newest revision; safe to call at every start (several processes
starting together are serialised by Alembic's version table and, on PostgreSQL, an advisory lock)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

HERE = Path(__file__).resolve().parent
LOCK_ID = 727_2026  # PostgreSQL advisory lock taken while migrating


def config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> None:
    """Upgrade the database behind `engine` to the newest revision."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
        command.upgrade(config(conn), "head")
