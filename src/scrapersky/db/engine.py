"""The database handle: one async engine per process, in ``direct`` or ``pooler`` mode.

    db = await open_database(settings)       # embedded PostgreSQL when DATABASE_URL is unset
    async with transaction() as session: ...
    await close_database()

Pooler mode (PgBouncer / Supavisor in transaction mode): asyncpg's statement cache is off,
prepared statements get unique names, nothing is set per session, and the timeouts are set
per transaction with ``set_config(..., is_local => true)`` (the function form of SET LOCAL).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)

from scrapersky.db.embedded import start_embedded
from scrapersky.exceptions import DatabaseUnavailable, ScraperSkyError
from scrapersky.guard.runtime import configure_guard, instrument_engine
from scrapersky.settings import Settings

log = logging.getLogger("scrapersky.db")


@dataclass(frozen=True)
class TransactionTimeouts:
    statement_timeout_ms: int
    idle_in_transaction_timeout_ms: int
    lock_timeout_ms: int

    def as_settings(self) -> dict[str, str]:
        return {
            "statement_timeout": str(self.statement_timeout_ms),
            "idle_in_transaction_session_timeout": str(self.idle_in_transaction_timeout_ms),
            "lock_timeout": str(self.lock_timeout_ms),
        }


class Database:
    """Engine, session factory and mode of one process's connection to PostgreSQL."""

    def __init__(self, settings: Settings, url: URL) -> None:
        self.settings = settings
        self.url = url
        self.mode = settings.db_mode
        self.timeouts = TransactionTimeouts(
            settings.statement_timeout_ms,
            settings.idle_in_transaction_timeout_ms,
            settings.lock_timeout_ms,
        )
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=settings.pool_size,
            max_overflow=settings.pool_max_overflow,
            pool_timeout=settings.pool_timeout_s,
            pool_recycle=settings.pool_recycle_s,
            pool_pre_ping=settings.pool_pre_ping,
            connect_args=connect_args(settings, self.timeouts),
        )
        instrument_engine(self.engine.sync_engine)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def per_transaction_settings(self) -> dict[str, str] | None:
        """What transaction() must set locally: everything in pooler mode, nothing in direct."""
        return self.timeouts.as_settings() if self.mode == "pooler" else None

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    async def dispose(self) -> None:
        await self.engine.dispose()


def connect_args(settings: Settings, timeouts: TransactionTimeouts) -> dict[str, Any]:
    if settings.db_mode == "pooler":
        return {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            # Unique names: a pooler may hand this client a server connection on which
            # another client prepared a statement with asyncpg's default name.
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid.uuid4().hex}__",
            # Poolers reject or ignore most startup parameters; application_name passes.
            "server_settings": {"application_name": settings.application_name},
        }
    return {
        "server_settings": {"application_name": settings.application_name, **timeouts.as_settings()}
    }


def resolve_url(settings: Settings) -> URL:
    """DATABASE_URL as an asyncpg URL, or the embedded server's."""
    raw = settings.database_url or start_embedded(settings.embedded_db_path)
    url = make_url(raw)
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+asyncpg")
    # libpq spellings asyncpg does not understand
    query = dict(url.query)
    if "sslmode" in query:
        query["ssl"] = query.pop("sslmode")
    return url.set(query=query)


_current: Database | None = None


def get_database() -> Database:
    if _current is None:
        raise DatabaseUnavailable("the database is not open; call open_database() at start-up")
    return _current


def set_database(database: Database | None) -> None:
    global _current
    _current = database


async def open_database(
    settings: Settings, *, url: URL | None = None, migrate: bool | None = None
) -> Database:
    """Create the process's Database, run migrations if configured, and make it current."""
    configure_guard(hold_warn_s=settings.hold_warn_s, strict=settings.strict_guard)
    database = Database(settings, url or resolve_url(settings))
    try:
        if migrate if migrate is not None else settings.auto_migrate:
            from scrapersky.db.migrate import upgrade  # migrations import the schema lazily

            await upgrade(database)
        if settings.check_enums_on_start and migrate is not False:  # False: caller owns schema
            from scrapersky.guard.enum_sync import verify_enums_on_start  # SchemaDriftError

            await verify_enums_on_start(database)
    except ScraperSkyError:
        await database.dispose()
        raise
    except (OSError, SQLAlchemyError, asyncpg.PostgresError) as exc:
        await database.dispose()
        raise DatabaseUnavailable(
            f"cannot use the database at {database.display_url}: {type(exc).__name__}: {exc}"
        ) from exc
    set_database(database)
    log.info(
        "database open",
        extra={"action": "database_open", "mode": database.mode, "url": database.display_url},
    )
    return database


async def close_database() -> None:
    database = _current
    set_database(None)
    if database is not None:
        await database.dispose()
