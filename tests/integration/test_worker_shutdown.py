"""Signals to a real `scrapersky worker`: stop claiming, finish in-flight work within the
grace period, release the rest at once (back to queued, the attempt not counted)."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from tests.support.stage_workers import (
    log_actions,
    spawn_worker,
    stop_worker,
    wait_until,
    worker_env,
)
from tests.support.stages import ProbeConfig, SlowServer, probe_rows, read_events, seed_domains

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def server() -> Iterator[SlowServer]:
    with SlowServer() as running:
        yield running


async def started(events_dir: Path, count: int) -> bool:
    return sum(1 for e in read_events(events_dir) if e["event"] == "start") >= count


async def run_until_busy_then_signal(
    tmp_path: Path, db_url: URL, config: ProbeConfig, grace_s: float, *signals: signal.Signals
) -> tuple[int, float, list[str]]:
    events_dir = tmp_path / "events"
    events_dir.mkdir()
    config.events_dir = str(events_dir)
    env = worker_env(db_url, tmp_path, config, worker_grace_s=grace_s)
    log = tmp_path / "worker.log"
    proc = spawn_worker(env, log)
    try:
        await wait_until(lambda: started(events_dir, config.concurrency), within_s=30)
        sent = time.monotonic()
        for sig in signals[:-1]:
            proc.send_signal(sig)
            await asyncio.sleep(0.2)
        code = await asyncio.to_thread(stop_worker, proc, signals[-1])
        return code, time.monotonic() - sent, log_actions(log)
    finally:
        if proc.poll() is None:
            proc.kill()


async def test_sigterm_releases_unfinished_claims_after_the_grace_period(
    db: Database, db_url: URL, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(20)
    config = ProbeConfig(url=server.url, fail="hang", batch_size=4, concurrency=8)
    code, took, actions = await run_until_busy_then_signal(
        tmp_path, db_url, config, 0.5, signal.SIGTERM
    )
    assert code == 0
    assert took < 8  # grace 0.5 s + one release transaction + interpreter exit
    assert "worker_stopping" in actions
    rows = await probe_rows()
    for row in rows.values():
        assert row["status"] == "pending"  # the 8 in flight went back, the 12 were untouched
        assert row["metadata_attempts"] == 0
        assert row["metadata_lease_token"] is None
    assert "drain" in actions


async def test_sigterm_lets_in_flight_work_finish_within_grace(
    db: Database, db_url: URL, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(20)
    config = ProbeConfig(url=server.url, delay_s=1.5, batch_size=4, concurrency=8)
    code, _, actions = await run_until_busy_then_signal(
        tmp_path, db_url, config, 20, signal.SIGTERM
    )
    assert code == 0
    statuses = sorted(row["status"] for row in (await probe_rows()).values())
    assert statuses == ["completed"] * 8 + ["pending"] * 12  # no new claims after SIGTERM
    assert "worker_force_stop" not in actions


async def test_second_sigint_skips_the_grace_period(
    db: Database, db_url: URL, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(8)
    config = ProbeConfig(url=server.url, fail="hang", batch_size=4, concurrency=8)
    code, took, actions = await run_until_busy_then_signal(
        tmp_path, db_url, config, 300, signal.SIGINT, signal.SIGINT
    )
    assert code == 0
    assert took < 10  # not the 300 s grace period
    assert "worker_force_stop" in actions
    for row in (await probe_rows()).values():
        assert (row["status"], row["metadata_attempts"]) == ("pending", 0)


async def test_worker_serves_prometheus_metrics(
    db: Database, db_url: URL, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(16)
    events_dir = tmp_path / "events"
    events_dir.mkdir()
    config = ProbeConfig(
        url=server.url, delay_s=1.0, batch_size=4, concurrency=8, events_dir=str(events_dir)
    )
    port = free_port()
    log = tmp_path / "worker.log"
    proc = spawn_worker(worker_env(db_url, tmp_path, config), log, "--metrics-port", str(port))
    try:
        await wait_until(lambda: started(events_dir, 8), within_s=30)
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
        assert 'scrapersky_stage_in_flight{stage="probe"} 8.0' in text
        assert 'scrapersky_stage_phase_seconds_count{phase="claim",stage="probe"}' in text
        assert "scrapersky_db_connection_hold_seconds_bucket" in text
        await wait_until(lambda: _completed(8), within_s=30)
        async with httpx.AsyncClient() as client:
            text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
        assert 'scrapersky_stage_items_total{outcome="succeeded",stage="probe"}' in text
    finally:
        assert await asyncio.to_thread(stop_worker, proc) == 0, log.read_text()


async def _completed(count: int) -> bool:
    rows = await probe_rows()
    return sum(1 for row in rows.values() if row["status"] == "completed") >= count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
