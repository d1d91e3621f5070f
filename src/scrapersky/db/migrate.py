"""Alembic migrations, run programmatically on the process's engine.

await upgrade(database)            # to head; safe to run from many processes at once
await downgrade(database, "base")
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from scrapersky.db.engine import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Concurrent start-ups (several workers) serialise on this advisory lock.
_MIGRATION_LOCK_KEY = 0x5C4A9E55


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _run(connection: Connection, action: str, target: str) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    config = alembic_config(connection)
    if action == "upgrade":
        command.upgrade(config, target)
    else:
        command.downgrade(config, target)


async def upgrade(database: Database, target: str = "head") -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(_run, "upgrade", target)


async def downgrade(database: Database, target: str = "base") -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(_run, "downgrade", target)


async def current_revision(database: Database) -> str | None:
    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(_current)
