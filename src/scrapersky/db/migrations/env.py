"""Alembic environment: migrations always run on a connection handed in by
``scrapersky.db.migrate`` (inside its advisory-locked transaction)."""

from __future__ import annotations

from alembic import context

from scrapersky.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `scrapersky db upgrade`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    compare_type=True,
    compare_server_default=True,
    transaction_per_migration=False,
)
context.run_migrations()
