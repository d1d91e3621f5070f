"""The runtime hold guard: warns with the caller's stack, raises in strict mode."""

from __future__ import annotations

import asyncio
import logging

import pytest

from scrapersky.db.engine import Database
from scrapersky.db.queries.ops import server_version
from scrapersky.db.transaction import transaction
from scrapersky.exceptions import ConnectionHeldTooLong, NetworkInTransaction
from scrapersky.guard.runtime import STATS, assert_no_transaction, configure_guard
from scrapersky.metrics import DB_CONNECTION_HOLD_SECONDS

pytestmark = pytest.mark.integration


async def hold_connection_for(seconds: float) -> None:
    async with transaction() as session:
        await server_version(session)
        await asyncio.sleep(seconds)


async def test_long_hold_warns_with_the_callers_stack(
    any_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    configure_guard(strict=False, hold_warn_s=0.05)
    with caplog.at_level(logging.WARNING, logger="scrapersky.guard"):
        await hold_connection_for(0.2)
    warnings = [r.getMessage() for r in caplog.records if "held for" in r.getMessage()]
    assert warnings, "expected a hold warning"
    # the stack names the function that took the connection, across the greenlet bridge
    assert "hold_connection_for" in warnings[0]
    assert "test_hold_guard.py" in warnings[0]


async def test_strict_mode_raises(any_db: Database) -> None:
    configure_guard(strict=True, hold_warn_s=0.05)
    with pytest.raises(ConnectionHeldTooLong, match="held for"):
        await hold_connection_for(0.2)


async def test_short_holds_pass_and_are_measured(any_db: Database) -> None:
    configure_guard(strict=True, hold_warn_s=0.5)
    before = DB_CONNECTION_HOLD_SECONDS._sum.get()
    for _ in range(5):
        await hold_connection_for(0)
    assert len(STATS.holds) >= 5
    assert 0 < STATS.percentile(99) < 0.5
    assert DB_CONNECTION_HOLD_SECONDS._sum.get() > before


async def test_network_inside_a_transaction_is_refused(any_db: Database) -> None:
    async with transaction():
        with pytest.raises(NetworkInTransaction, match=r"GET https://example\.com/"):
            assert_no_transaction("GET https://example.com/")
    assert_no_transaction("GET https://example.com/")  # fine outside
