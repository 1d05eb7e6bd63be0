"""Alembic environment: runs on the connection that ``bot.db.migrate`` hands in."""

from alembic import context
from sqlmodel import SQLModel

import bot.db.models  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `defector-bot db upgrade` (bot.db.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
