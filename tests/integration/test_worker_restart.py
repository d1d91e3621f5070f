"""The database goes away mid-run and comes back: workers log, reconnect and carry on; no row
is lost, none is recorded twice.

The restart happens on a private embedded server (its own pgserver data directory), not on
the shared test server: stopping that one would cut every other test's connections (and the
session's PgBouncer) in this run and in anyone else's run on this machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from scrapersky.db.migrate import upgrade
from tests.support.database import admin_execute, open_test_database
from tests.support.stage_workers import (
    PrivateServer,
    log_actions,
    private_server,
    spawn_worker,
    stop_worker,
    wait_until,
    worker_env,
)
from tests.support.stages import ProbeConfig, SlowServer, probe_rows, seed_domains

pytestmark = [pytest.mark.integration, pytest.mark.slow]

OUTAGE_S = 2.0  # seconds the server stays down


@pytest.fixture
def server() -> Iterator[SlowServer]:
    with SlowServer() as running:
        yield running


@pytest.fixture
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateServer]:
    with private_server(tmp_path_factory.mktemp("pg") / "pgdata") as running:
        yield running


@pytest.fixture
async def restart_db_url(pg: PrivateServer) -> URL:
    await admin_execute(pg.url, 'CREATE DATABASE "restart"')
    url = pg.url.set(database="restart")
    async with open_test_database(url, pool_size=2) as database:
        await upgrade(database)
    return url


async def test_workers_ride_out_a_database_restart(
    pg: PrivateServer, restart_db_url: URL, server: SlowServer, tmp_path: Path
) -> None:
    config = ProbeConfig(
        url=server.url, delay_s=0.3, batch_size=5, concurrency=10, lease_s=4, item_timeout_s=3
    )
    env = worker_env(restart_db_url, tmp_path, config)
    async with open_test_database(restart_db_url, pool_size=2):
        ids = await seed_domains(160)
        logs = [tmp_path / f"worker{n}.log" for n in range(2)]
        procs = [spawn_worker(env, log) for log in logs]
        try:
            await wait_until(lambda: _completed_at_least(30), within_s=60, interval=0.05)
            await asyncio.to_thread(pg.stop)  # -m fast: every connection is cut mid-statement
            await asyncio.sleep(OUTAGE_S)
            await asyncio.to_thread(pg.start)
            await wait_until(lambda: _completed_at_least(len(ids)), within_s=60, interval=0.2)
        finally:
            codes = [stop_worker(proc) for proc in procs]
        text = "\n".join(log.read_text() for log in logs)
        assert codes == [0, 0], text
        rows = await probe_rows()
    assert sorted(rows) == sorted(ids)
    assert {row["status"] for row in rows.values()} == {"completed"}  # no row lost
    assert {row["contacts"] for row in rows.values()} == {1}  # none recorded twice
    actions = [action for log in logs for action in log_actions(log)]
    assert "claim_failed" in actions or "record_failed" in actions, text  # they noticed
    assert "claim_recovered" in actions, text  # and said so when the database came back
    assert "runner_failed" not in actions


async def _completed_at_least(count: int) -> bool:
    rows = await probe_rows()
    return sum(1 for row in rows.values() if row["status"] == "completed") >= count
