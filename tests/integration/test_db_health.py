"""Database health against real Postgres with real stuck, blocked and busy connections:
reported with age and query; `--terminate-stuck` ends only ScraperSky's own."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from scrapersky.guard.db_health import HealthReport, HealthThresholds, check_health
from tests.support.database import PROJECT_ROOT, asyncpg_dsn

pytestmark = pytest.mark.integration

Connect = Callable[[str], Awaitable[asyncpg.Connection]]


@pytest.fixture
async def connect(db_url: URL) -> AsyncIterator[Connect]:
    """Open raw connections to the test database under a chosen application_name."""
    async with AsyncExitStack() as stack:

        async def open_as(application_name: str) -> asyncpg.Connection:
            conn = await asyncpg.connect(
                **asyncpg_dsn(db_url),  # type: ignore[arg-type]
                server_settings={"application_name": application_name},
            )
            stack.push_async_callback(conn.close, timeout=5)
            return conn

        yield open_as


async def stuck_in_transaction(conn: asyncpg.Connection, marker: str) -> int:
    await conn.execute("BEGIN")
    await conn.fetchval(f"SELECT '{marker}' AS marker")
    return int(conn.get_server_pid())


async def is_dead(conn: asyncpg.Connection, within_s: float = 5.0) -> bool:
    """True once the server has closed ``conn``. The client learns of a termination
    asynchronously; a query racing that notice fails with InternalClientError, so wait for
    the close itself rather than probing with a statement."""
    deadline = asyncio.get_running_loop().time() + within_s
    while asyncio.get_running_loop().time() < deadline:
        if conn.is_closed():
            return True
        await asyncio.sleep(0.05)
    try:
        await conn.fetchval("SELECT 1")
    except (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, ConnectionError):
        return True
    return False


async def wait_for(
    db: Database, condition: Callable[[HealthReport], bool], **thresholds: float
) -> HealthReport:
    """Poll the health report until ``condition`` holds (at most ~5 s)."""
    for _ in range(100):
        report = await check_health(db, HealthThresholds(**thresholds))
        if condition(report):
            return report
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition never held; last report: {report.as_dict()}")


async def test_clean_database_is_healthy(any_db: Database) -> None:
    report = await check_health(any_db)  # directly, and through PgBouncer (transaction mode)
    assert report.healthy, report.problems
    assert report.self_pid is not None
    assert report.idle_in_transaction == []
    assert report.long_running == []
    assert report.lock_waits == []
    # the check's own backend is counted under our application_name
    assert any(c.application_name == "scrapersky" and c.count >= 1 for c in report.connections)
    assert report.pool.size == 5
    assert report.pool.checked_out == 0
    assert report.pool.peak_in_use >= 1
    assert report.pool.hold_samples >= 1


async def test_stuck_backends_reported_and_only_ours_terminated(
    db: Database, connect: Connect
) -> None:
    ours = await connect("scrapersky")
    theirs = await connect("someone-else")
    ours_pid = await stuck_in_transaction(ours, "stuck-ours")
    theirs_pid = await stuck_in_transaction(theirs, "stuck-theirs")
    await asyncio.sleep(0.6)

    report = await check_health(db, HealthThresholds(idle_in_transaction_s=0.5))
    assert not report.healthy
    stuck = {row.pid: row for row in report.idle_in_transaction}
    assert set(stuck) == {ours_pid, theirs_pid}
    assert stuck[ours_pid].state == "idle in transaction"
    assert (stuck[ours_pid].state_age_s or 0.0) >= 0.5
    assert "stuck-ours" in stuck[ours_pid].query
    assert any(str(theirs_pid) in p and "stuck-theirs" in p for p in report.problems)
    assert report.terminated == []  # reporting alone ends nothing (and `ours` is not queried
    # here: any statement would reset its state_change and so its idle age)

    report = await check_health(db, HealthThresholds(idle_in_transaction_s=0.5), terminate=True)
    [ended] = report.terminated
    assert (ended.pid, ended.application_name, ended.terminated) == (ours_pid, "scrapersky", True)
    assert ended.idle_s >= 0.5
    assert "stuck-ours" in ended.query
    assert report.self_pid not in {ours_pid, theirs_pid}
    # ours no longer counts; theirs keeps the database unhealthy
    assert len(report.problems) == 1
    assert str(theirs_pid) in report.problems[0]
    flags = {row["pid"]: row for row in report.as_dict()["idle_in_transaction"]}
    assert flags[ours_pid]["terminated"]
    assert flags[ours_pid]["ours"]
    assert not flags[theirs_pid]["terminated"]
    assert not flags[theirs_pid]["ours"]

    assert await is_dead(ours)
    assert await theirs.fetchval("SELECT 'still here'") == "still here"
    # the process's own pooled connection was not touched
    async with transaction() as session:
        pid = (await session.execute(select(text("pg_backend_pid()")))).scalar_one()
    assert pid == report.self_pid

    await theirs.execute("ROLLBACK")
    assert (await check_health(db, HealthThresholds(idle_in_transaction_s=0.5))).healthy


async def test_young_idle_transaction_is_neither_stuck_nor_terminated(
    db: Database, connect: Connect
) -> None:
    ours = await connect("scrapersky")
    await stuck_in_transaction(ours, "young")
    report = await check_health(db, HealthThresholds(idle_in_transaction_s=60), terminate=True)
    assert report.healthy
    assert report.terminated == []
    assert not await is_dead(ours, within_s=0.3)
    states = {(c.application_name, c.state): c.count for c in report.connections}
    assert states[("scrapersky", "idle in transaction")] == 1


async def test_blocked_and_blocking_pair(db: Database, connect: Connect) -> None:
    async with transaction() as session:
        await session.execute(insert(domains).values(domain="locked.example"))
    holder = await connect("holder")
    waiter = await connect("waiter")
    holder_pid = await stuck_in_transaction(holder, "holding")
    await holder.execute("UPDATE domains SET source = 'holder' WHERE domain = 'locked.example'")
    await waiter.execute("SET lock_timeout = '20s'")
    waiting = asyncio.create_task(
        waiter.execute("UPDATE domains SET source = 'waiter' WHERE domain = 'locked.example'")
    )
    try:
        report = await wait_for(db, lambda r: bool(r.lock_waits))
        assert report.healthy  # a short wait is information, not a problem
        [wait] = report.lock_waits
        assert wait.backend.pid == waiter.get_server_pid()
        assert wait.backend.blocking_pids == (holder_pid,)
        assert wait.backend.wait_event_type == "Lock"
        assert "source = 'waiter'" in wait.backend.query
        [blocker] = wait.blockers
        assert (blocker.pid, blocker.application_name) == (holder_pid, "holder")
        assert "source = 'holder'" in blocker.query

        await asyncio.sleep(0.3)
        report = await check_health(db, HealthThresholds(blocked_s=0.2))
        assert not report.healthy
        [problem] = report.problems
        assert f"lock held by pid(s) {holder_pid}" in problem
        assert report.lock_waits[0].waiting_s >= 0.2
        assert report.as_dict()["lock_waits"][0]["blockers"][0]["pid"] == holder_pid
    finally:
        await holder.execute("ROLLBACK")
        await waiting
    assert (await check_health(db, HealthThresholds(blocked_s=0.2))).lock_waits == []


async def test_long_running_statement(db: Database, connect: Connect) -> None:
    busy = await connect("busy")
    running = asyncio.create_task(busy.execute("SELECT pg_sleep(30) /* long-one */"))
    try:
        report = await wait_for(db, lambda r: bool(r.long_running), long_query_s=0.3)
        [row] = report.long_running
        assert row.pid == busy.get_server_pid()
        assert "long-one" in row.query
        assert row.query_age_s is not None
        assert row.query_age_s > 0.3
        assert not report.healthy
        assert "statement running for" in report.problems[0]
    finally:
        running.cancel()  # asyncpg sends a cancel request: the server stops sleeping too
        with pytest.raises(asyncio.CancelledError):
            await running
    assert await busy.fetchval("SELECT 1") == 1


# -- the command --------------------------------------------------------------------------


async def run_cli(url: URL, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scrapersky",
        *args,
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def assert_report_shape(data: dict[str, Any]) -> None:
    assert set(data) >= {
        "healthy",
        "problems",
        "database",
        "application_name",
        "self_pid",
        "thresholds",
        "connections",
        "idle_in_transaction",
        "long_running",
        "lock_waits",
        "terminated",
        "pool",
    }
    assert set(data["pool"]) >= {"size", "checked_out", "overflow", "peak_in_use", "hold_p99_s"}


async def test_cli_probe_healthy_and_text(db_url: URL) -> None:
    code, out, err = await run_cli(db_url, "db", "health", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert_report_shape(data)
    assert data["healthy"] is True
    assert data["database"] == db_url.database
    assert data["thresholds"] == {
        "idle_in_transaction_s": 120.0,
        "long_query_s": 300.0,
        "blocked_s": 60.0,
    }

    code, out, err = await run_cli(db_url, "db", "health")
    assert code == 0, err
    assert "healthy" in out
    assert "pool of this process" in out


async def test_cli_terminate_stuck(db_url: URL, connect: Connect) -> None:
    ours = await connect("scrapersky")
    theirs = await connect("someone-else")
    ours_pid = await stuck_in_transaction(ours, "cli-ours")
    theirs_pid = await stuck_in_transaction(theirs, "cli-theirs")
    await asyncio.sleep(0.6)

    code, out, err = await run_cli(
        db_url, "db", "health", "--json", "--idle-threshold", "0.5", "--terminate-stuck"
    )
    assert code == 1, err  # someone else's stuck transaction is still there
    data = json.loads(out)
    assert_report_shape(data)
    assert [(t["pid"], t["terminated"]) for t in data["terminated"]] == [(ours_pid, True)]
    assert "cli-ours" in data["terminated"][0]["query"]
    assert data["terminated"][0]["idle_s"] >= 0.5
    rows = {row["pid"]: row for row in data["idle_in_transaction"]}
    assert rows[theirs_pid]["terminated"] is False
    assert rows[theirs_pid]["application_name"] == "someone-else"
    assert rows[theirs_pid]["state_age_s"] >= 0.5
    assert "cli-theirs" in rows[theirs_pid]["query"]
    assert await is_dead(ours)
    assert await theirs.fetchval("SELECT 1") == 1

    await theirs.execute("ROLLBACK")
    code, out, err = await run_cli(db_url, "db", "health", "--json", "--idle-threshold", "0.5")
    assert code == 0, err


async def test_cli_unreachable_database_is_unhealthy_json(tmp_path: Path) -> None:
    url = URL.create(
        "postgresql+asyncpg", username="postgres", database="x", query={"host": str(tmp_path)}
    )
    code, out, _ = await run_cli(url, "db", "health", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["healthy"] is False
    assert data["error"]
