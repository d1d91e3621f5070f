"""Test databases: one migrated template per test run, a fresh copy for each test.

The server is the embedded PostgreSQL (a per-checkout data directory) unless
``SCRAPERSKY_TEST_DATABASE_URL`` or ``DATABASE_URL`` names one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from scrapersky.db.embedded import start_embedded
from scrapersky.db.engine import Database, close_database, set_database
from scrapersky.db.migrate import upgrade
from scrapersky.settings import Settings, load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEST_DATA_DIR = PROJECT_ROOT / ".scrapersky" / "test"


# The embedded test cluster is disposable: durability costs time and buys nothing.
FAST_TEST_SERVER = (
    "ALTER SYSTEM SET fsync = off",
    "ALTER SYSTEM SET synchronous_commit = off",
    "ALTER SYSTEM SET full_page_writes = off",
    "SELECT pg_reload_conf()",
)


def external_server() -> str | None:
    return os.environ.get("SCRAPERSKY_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")


def server_url() -> URL:
    """The admin URL (database 'postgres') of the server the tests run on."""
    raw = external_server()
    if not raw:
        raw = start_embedded(TEST_DATA_DIR / "pgdata")
    url = make_url(raw)
    return url.set(drivername="postgresql+asyncpg")


def asyncpg_dsn(url: URL) -> dict[str, object]:
    """Keyword arguments for asyncpg.connect from a SQLAlchemy URL (socket dirs included)."""
    kwargs: dict[str, object] = {
        "user": url.username or "postgres",
        "password": url.password or None,
        "database": url.database or "postgres",
    }
    host = url.query.get("host") or url.host
    kwargs["host"] = host if isinstance(host, str) else (host[0] if host else None)
    if url.port:
        kwargs["port"] = url.port
    return kwargs


async def admin_execute(url: URL, *statements: str) -> None:
    conn = await asyncpg.connect(**asyncpg_dsn(url.set(database="postgres")))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def make_test_settings(**overrides: object) -> Settings:
    base: dict[str, object] = {
        "strict_guard": True,
        "auto_migrate": False,
        "pool_size": 5,
        "data_dir": TEST_DATA_DIR,
        "hold_warn_s": 5.0,
    }
    base.update(overrides)
    return load_settings(**base)


class TemplateDatabase:
    """Builds the migrated template once; clones a database per test in ~tens of ms."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.name = f"sky_template_{os.getpid()}"
        self._built = False

    async def build(self) -> None:
        if self._built:
            return
        if external_server() is None:
            await admin_execute(self.url, *FAST_TEST_SERVER)
        await admin_execute(
            self.url, f'DROP DATABASE IF EXISTS "{self.name}"', f'CREATE DATABASE "{self.name}"'
        )
        db = Database(make_test_settings(), self.url.set(database=self.name))
        try:
            await upgrade(db)
        finally:
            await db.dispose()
        self._built = True

    async def drop(self) -> None:
        await admin_execute(self.url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @asynccontextmanager
    async def clone(self) -> AsyncIterator[URL]:
        await self.build()
        name = f"sky_test_{uuid.uuid4().hex[:12]}"
        await admin_execute(self.url, f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        try:
            yield self.url.set(database=name)
        finally:
            await admin_execute(self.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def open_test_database(url: URL, **overrides: object) -> AsyncIterator[Database]:
    db = Database(make_test_settings(**overrides), url)
    set_database(db)
    try:
        yield db
    finally:
        set_database(None)
        await close_database()
        await db.dispose()
