"""Fixtures shared by every test tier.

- ``template_db``: the migrated template database, built once per run.
- ``db``: a fresh database cloned from it, opened as the process database (strict guard on).
The runtime guard is strict for the whole suite: a connection held past its threshold or a
fetch inside a transaction raises.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.guard.runtime import STATS, configure_guard
from tests.support.database import TemplateDatabase, open_test_database, server_url
from tests.support.pgbouncer import pgbouncer_binary, run_pgbouncer

CORPUS_DIR = Path(
    os.environ.get("SCRAPERSKY_CORPUS_DIR")
    or Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
)


@pytest.fixture(autouse=True)
def _strict_guard() -> Iterator[None]:
    configure_guard(strict=True, hold_warn_s=5.0)
    STATS.reset()
    yield
    configure_guard(strict=True, hold_warn_s=5.0)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not (CORPUS_DIR / "sites").is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS_DIR}")
    return CORPUS_DIR


@pytest.fixture(scope="session")
def template_db() -> Iterator[TemplateDatabase]:
    template = TemplateDatabase(server_url())
    asyncio.run(template.build())
    yield template
    asyncio.run(template.drop())


@pytest.fixture
async def db_url(template_db: TemplateDatabase) -> AsyncIterator[URL]:
    async with template_db.clone() as url:
        yield url


@pytest.fixture
async def db(db_url: URL) -> AsyncIterator[Database]:
    async with open_test_database(db_url) as database:
        yield database


@pytest.fixture(scope="session")
def pgbouncer_url(template_db: TemplateDatabase) -> Iterator[URL]:
    """PgBouncer in transaction mode in front of the test server (database chosen per test)."""
    if pgbouncer_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("pgbouncer missing in CI: `make system-deps` should have installed it")
        pytest.skip("pgbouncer not installed (run `make system-deps`)")
    with run_pgbouncer(template_db.url) as url:
        yield url


@pytest.fixture(params=["direct", "pooler"])
async def any_db(request: pytest.FixtureRequest, db_url: URL) -> AsyncIterator[Database]:
    """The process database directly, and again through PgBouncer in transaction mode."""
    if request.param == "direct":
        async with open_test_database(db_url) as database:
            yield database
        return
    bouncer: URL = request.getfixturevalue("pgbouncer_url")
    async with open_test_database(
        bouncer.set(database=db_url.database), db_mode="pooler"
    ) as database:
        yield database
