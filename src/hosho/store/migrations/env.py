"""Alembic environment: the connection comes from hosho.store.db.migrate (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context

from hosho.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - Hosho always passes its own connection
    raise RuntimeError("run migrations through `hosho migrate` (hosho.store.db.migrate)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
