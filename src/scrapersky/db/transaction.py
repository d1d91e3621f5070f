"""The only way to open a database session.

    async with transaction() as session:
        await session.execute(...)
    # committed here; rolled back if the block raised; the connection is back in the pool

Nothing else calls ``commit()`` or ``rollback()``. A transaction is never opened inside
another on the same task (that is how a connection ends up held across slow work).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from scrapersky.db.engine import Database, get_database
from scrapersky.exceptions import NestedTransactionError
from scrapersky.guard.runtime import (
    CONFIG,
    capture_stack,
    in_transaction,
    report_hold,
    transaction_open_flag,
)


@asynccontextmanager
async def transaction(database: Database | None = None) -> AsyncIterator[AsyncSession]:
    """Yield a session inside one transaction: commit on success, roll back on error."""
    if in_transaction():
        raise NestedTransactionError()
    db = database or get_database()
    started = time.perf_counter()
    with transaction_open_flag():
        async with db.sessionmaker() as session, session.begin():
            local = db.per_transaction_settings
            if local:
                await session.execute(
                    select(*(func.set_config(name, value, True) for name, value in local.items()))
                )
            yield session
    held = time.perf_counter() - started
    if CONFIG.strict and held > CONFIG.hold_warn_s:
        report_hold(held, capture_stack(), raise_strict=True)
