"""Transaction pooling through a real PgBouncer: no prepared-statement errors under load,
and the per-transaction timeouts (SET LOCAL) really are in force."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from scrapersky.db.check import check_database
from scrapersky.db.queries.ops import TIMEOUT_SETTINGS, show_settings, sleep_seconds
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from tests.support.database import asyncpg_dsn, open_test_database

pytestmark = [pytest.mark.integration, pytest.mark.pooler]


async def test_hundreds_of_concurrent_transactions_without_prepared_statement_errors(
    pgbouncer_url: URL, db_url: URL
) -> None:
    errors: list[BaseException] = []
    async with open_test_database(
        pgbouncer_url.set(database=db_url.database), db_mode="pooler", pool_size=20
    ):

        async def worker(worker_id: int) -> None:
            for i in range(25):
                try:
                    async with transaction() as session:
                        await session.execute(
                            insert(domains).values(domain=f"w{worker_id}-{i}.com")
                        )
                        # the same parameterised statement again on whatever server
                        # connection PgBouncer hands out for this transaction
                        await session.execute(
                            select(domains.c.id).where(domains.c.domain == f"w{worker_id}-{i}.com")
                        )
                except Exception as exc:
                    errors.append(exc)

        await asyncio.gather(*(worker(w) for w in range(10)))
        async with transaction() as session:
            total = (await session.execute(select(func.count()).select_from(domains))).scalar_one()
    assert errors == []
    assert total == 250


async def test_timeouts_are_set_per_transaction_and_verified(
    pgbouncer_url: URL, db_url: URL
) -> None:
    async with open_test_database(
        pgbouncer_url.set(database=db_url.database),
        db_mode="pooler",
        statement_timeout_ms=1234,
        lock_timeout_ms=567,
        idle_in_transaction_timeout_ms=8910,
    ) as db:
        report = await check_database(db)
        assert report.ok, report.problems
        assert report.mode == "pooler"
        async with transaction() as session:
            shown = await show_settings(session, TIMEOUT_SETTINGS)
        assert shown == {
            "statement_timeout": "1234ms",
            "idle_in_transaction_session_timeout": "8910ms",
            "lock_timeout": "567ms",
        }


async def test_statement_over_the_timeout_is_cancelled(pgbouncer_url: URL, db_url: URL) -> None:
    async with open_test_database(
        pgbouncer_url.set(database=db_url.database), db_mode="pooler", statement_timeout_ms=200
    ):
        with pytest.raises(DBAPIError, match="statement timeout"):
            async with transaction() as session:
                await sleep_seconds(session, 2)
        # the pool and the bouncer recover: the next transaction works
        async with transaction() as session:
            await sleep_seconds(session, 0.01)


async def test_local_settings_do_not_leak_to_other_clients(pgbouncer_url: URL, db_url: URL) -> None:
    target = pgbouncer_url.set(database=db_url.database)
    async with open_test_database(target, db_mode="pooler", statement_timeout_ms=777, pool_size=1):
        for _ in range(3):
            async with transaction() as session:
                shown = await show_settings(session, ("statement_timeout",))
                assert shown["statement_timeout"] == "777ms"
    # a bare client that sets nothing, on the same (pool size 10) bouncer, sees the default
    bare = await asyncpg.connect(**asyncpg_dsn(target), statement_cache_size=0)  # type: ignore[arg-type]
    try:
        for _ in range(10):
            assert await bare.fetchval("SHOW statement_timeout") == "0"
    finally:
        await bare.close()
