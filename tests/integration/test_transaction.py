"""transaction(): commit, rollback, nesting refused, connection always returned."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, insert, select

from scrapersky.db.engine import Database
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import NestedTransactionError
from scrapersky.guard.runtime import STATS, in_transaction

pytestmark = pytest.mark.integration


async def count_domains() -> int:
    async with transaction() as session:
        return int((await session.execute(select(func.count()).select_from(domains))).scalar_one())


def checked_out(db: Database) -> int:
    return db.engine.sync_engine.pool.checkedout()  # type: ignore[attr-defined, no-any-return]


async def test_commits_on_success(any_db: Database) -> None:
    async with transaction() as session:
        await session.execute(insert(domains).values(domain="committed.com"))
    assert await count_domains() == 1
    assert checked_out(any_db) == 0


async def test_rolls_back_on_error(any_db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with transaction() as session:
            await session.execute(insert(domains).values(domain="rolled-back.com"))
            raise RuntimeError("boom")
    assert await count_domains() == 0
    assert checked_out(any_db) == 0


async def test_nested_transaction_is_refused(any_db: Database) -> None:
    async with transaction() as session:
        await session.execute(insert(domains).values(domain="outer.com"))
        with pytest.raises(NestedTransactionError):
            async with transaction():
                pass
    # the outer transaction still committed: the misuse was caught before touching it
    assert await count_domains() == 1


async def test_flag_marks_only_the_owning_task(any_db: Database) -> None:
    seen_in_other_task: list[bool] = []

    async def other_task() -> None:
        seen_in_other_task.append(in_transaction())

    async with transaction():
        assert in_transaction()
        # a task created outside the transaction does not inherit the flag
    assert not in_transaction()
    await asyncio.create_task(other_task())
    assert seen_in_other_task == [False]


async def test_connection_returned_when_task_is_cancelled(any_db: Database) -> None:
    started = asyncio.Event()

    async def hold_and_wait() -> None:
        async with transaction() as session:
            await session.execute(insert(domains).values(domain="cancelled.com"))
            started.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(hold_and_wait())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(50):  # the rollback on cancellation completes asynchronously
        if checked_out(any_db) == 0:
            break
        await asyncio.sleep(0.02)
    assert checked_out(any_db) == 0
    assert STATS.in_use == 0
    assert await count_domains() == 0


async def test_many_concurrent_transactions_share_a_small_pool(any_db: Database) -> None:
    async def add(i: int) -> None:
        async with transaction() as session:
            await session.execute(insert(domains).values(domain=f"concurrent-{i}.com"))

    await asyncio.gather(*(add(i) for i in range(100)))
    assert await count_domains() == 100
    assert STATS.peak_in_use <= 5
    assert checked_out(any_db) == 0
