"""Alembic environment: the connection comes from engine.register.migrate (no ini file, no URL here)."""

from alembic import context

from engine.register.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
