"""The runner in-process against real Postgres and a real loopback HTTP server: phase 2 holds
no connection, the pipeline stays full, failures retry with backoff or end with their reason,
timeouts and crashes are failures, lost leases are dropped, stop releases unfinished work."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from scrapersky.db.engine import Database
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from scrapersky.guard.runtime import STATS
from scrapersky.pipeline.diagnostics import DiagnosticStore
from scrapersky.pipeline.runner import StageRunner
from scrapersky.settings import Settings
from tests.support.database import make_test_settings
from tests.support.stages import ProbeConfig, ProbeStage, SlowServer, probe_rows, seed_domains

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server() -> Iterator[SlowServer]:
    with SlowServer() as running:
        yield running


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    base: dict[str, object] = {
        "worker_poll_interval_s": 0.05,
        "worker_grace_s": 5.0,
        "diagnostic_dir": tmp_path / "diagnostics",
    }
    return make_test_settings(**{**base, **overrides})


async def run_probe(
    stage: ProbeStage, settings: Settings, **run_kwargs: Any
) -> tuple[StageRunner, float]:
    runner = StageRunner(
        stage, settings=settings, diagnostics=DiagnosticStore.from_settings(settings)
    )
    await stage.setup()
    started = time.perf_counter()
    try:
        await runner.run(**run_kwargs)
    finally:
        await stage.aclose()
    return runner, time.perf_counter() - started


async def test_everything_done_once_with_no_connection_held_during_work(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    ids = await seed_domains(60)
    stage = ProbeStage(ProbeConfig(url=server.url, delay_s=0.05, batch_size=5, concurrency=20))
    STATS.reset()
    runner, _ = await run_probe(stage, settings_for(tmp_path), exit_when_idle=True)
    rows = await probe_rows()
    assert sorted(rows) == sorted(ids)
    for row_id, row in rows.items():
        assert row["status"] == "completed", row
        assert row["title"] == f"ok {row_id}"
        assert row["contacts"] == 1
        assert row["metadata_attempts"] == 1
        assert row["metadata_lease_token"] is None
    assert runner.totals.succeeded == 60
    assert runner.totals.batches == 12
    assert stage.calls == 60
    # phase 2 never ran with a connection: the pool never had more than claim + records out
    assert STATS.peak_in_use <= db.settings.pool_size
    assert STATS.percentile(99) < 0.5


async def test_pipeline_keeps_concurrency_in_flight_across_batches(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(160)
    stage = ProbeStage(ProbeConfig(url=server.url, delay_s=0.3, batch_size=5, concurrency=40))
    runner, elapsed = await run_probe(stage, settings_for(tmp_path), exit_when_idle=True)
    assert runner.totals.succeeded == 160
    assert stage.max_in_flight == 40  # eight batches of five at once, not one
    assert elapsed < 4 * 0.3 + 1.5  # four waves of 0.3 s, plus claim/record overhead


async def test_network_inside_a_transaction_in_work_is_caught(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(3)
    stage = ProbeStage(ProbeConfig(url=server.url, fail="txn"))
    runner, _ = await run_probe(stage, settings_for(tmp_path), exit_when_idle=True)
    rows = await probe_rows()
    for row in rows.values():
        assert row["status"] == "error"
        assert row["metadata_error_category"] == "guard"
        assert "NetworkInTransaction" in row["metadata_error"]
        assert "while a database transaction is open" in row["metadata_error"]
        assert row["metadata_attempts"] == 1  # a guard violation is a bug: no retry
    assert runner.totals.failed == 3


async def test_connection_checked_out_inside_work_is_detected(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    # the negative control for the proof above: a work() that takes a connection is seen
    await seed_domains(2)
    await run_probe(ProbeStage(ProbeConfig(fail="hold")), settings_for(tmp_path), once=True)
    for row in (await probe_rows()).values():
        assert row["metadata_error_category"] == "held_connection"
        assert row["metadata_error"].startswith("work() holds 1 connection(s)")


async def test_failure_is_requeued_with_backoff_and_its_error_shown(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(4)
    config = ProbeConfig(url=server.url, fail="first", backoff_base_s=30, backoff_max_s=600)
    await run_probe(ProbeStage(config), settings_for(tmp_path), once=True)
    async with transaction() as session:
        now = (await session.execute(select(func.now()))).scalar_one()
    for row_id, row in (await probe_rows()).items():
        assert row["status"] == "pending"
        assert row["metadata_error_category"] == "flaky"
        assert row["metadata_error"] == (
            f"first attempt of {row_id} fails (attempt 1 of 3; will retry)"
        )
        wait = row["metadata_next_attempt_at"] - now
        assert timedelta(seconds=22) < wait < timedelta(seconds=38)  # 30 s +/- 25 % jitter
        assert row["contacts"] == 0
    # not due yet: an idle run claims nothing
    runner, _ = await run_probe(ProbeStage(config), settings_for(tmp_path), exit_when_idle=True)
    assert runner.totals.claimed == 0
    async with transaction() as session:
        await session.execute(update(domains).values(metadata_next_attempt_at=func.now()))
    runner, _ = await run_probe(ProbeStage(config), settings_for(tmp_path), exit_when_idle=True)
    assert runner.totals.succeeded == 4
    for row in (await probe_rows()).values():
        assert row["status"] == "completed"
        assert row["metadata_attempts"] == 2
        assert row["metadata_error"] is None  # success clears the last error
        assert row["contacts"] == 1


async def test_terminal_failure_after_max_attempts_with_reason_and_diagnostic(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    ids = await seed_domains(3)
    config = ProbeConfig(url=server.url, fail="always", max_attempts=2)
    settings = settings_for(tmp_path)
    runner, _ = await run_probe(ProbeStage(config), settings, exit_when_idle=True)
    assert (runner.totals.requeued, runner.totals.failed) == (3, 3)
    for row in (await probe_rows()).values():
        assert row["status"] == "error"
        assert row["metadata_attempts"] == 2
        assert row["metadata_error_category"] == "http_503"
        assert row["metadata_error"] == f"HTTP 503 from {server.url} (gave up after 2 attempts)"
        assert row["metadata_finished_at"] is not None
    records = DiagnosticStore.from_settings(settings).recent()
    assert sorted(r.item_id for r in records) == sorted(ids)
    for record in records:
        assert record.stage == "probe"
        assert record.attempts == 2
        assert record.category == "http_503"
        assert record.response_head == f"ok {record.item_id}"
        assert record.item["domain"].endswith(".test")


async def test_not_retryable_failure_ends_at_once(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(2)
    config = ProbeConfig(url=server.url, fail="fatal")
    await run_probe(ProbeStage(config), settings_for(tmp_path), exit_when_idle=True)
    for row in (await probe_rows()).values():
        assert (row["status"], row["metadata_attempts"]) == ("error", 1)
        assert row["metadata_error"].endswith("(attempt 1; not retryable)")


async def test_exception_in_work_fails_the_item_not_the_batch(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(5)
    config = ProbeConfig(url=server.url, fail="crash", max_attempts=1)
    runner, _ = await run_probe(ProbeStage(config), settings_for(tmp_path), exit_when_idle=True)
    assert runner.totals.failed == 5
    for row_id, row in (await probe_rows()).items():
        assert row["metadata_error_category"] == "crash"
        assert row["metadata_error"] == (
            f"ValueError: probe crashed on item {row_id} (gave up after 1 attempts)"
        )


async def test_item_timeout_is_a_failure(db: Database, server: SlowServer, tmp_path: Path) -> None:
    await seed_domains(2)
    config = ProbeConfig(url=server.url, fail="hang", item_timeout_s=0.3, lease_s=5, max_attempts=1)
    started = time.perf_counter()
    await run_probe(ProbeStage(config), settings_for(tmp_path), exit_when_idle=True)
    assert time.perf_counter() - started < 3
    for row in (await probe_rows()).values():
        assert row["metadata_error_category"] == "timeout"
        assert row["metadata_error"] == "no result within 0.3s (gave up after 1 attempts)"


async def test_failing_stage_write_fails_only_its_own_row(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(6)
    config = ProbeConfig(url=server.url, fail="bad_record", max_attempts=1, batch_size=6)
    await run_probe(ProbeStage(config), settings_for(tmp_path), exit_when_idle=True)
    for row_id, row in (await probe_rows()).items():
        if row_id % 2:
            assert (row["status"], row["contacts"]) == ("completed", 1)
        else:
            assert (row["status"], row["contacts"]) == ("error", 0)
            assert row["metadata_error_category"] == "record"
            assert row["metadata_error"].startswith("saving the result failed: ")


async def test_lost_lease_result_is_dropped_and_logged(
    db: Database, server: SlowServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await seed_domains(3)
    stage = ProbeStage(ProbeConfig(url=server.url, delay_s=0.5))
    other_worker = uuid.uuid4()

    async def steal_leases() -> None:
        await stage.wait_for_calls(3)
        async with transaction() as session:  # as if the lease expired and was reclaimed
            await session.execute(update(domains).values(metadata_lease_token=other_worker))

    with caplog.at_level(logging.WARNING, logger="scrapersky.pipeline"):
        _, (runner, _) = await asyncio.gather(
            steal_leases(), run_probe(stage, settings_for(tmp_path), once=True)
        )
    assert runner.totals.lease_lost == 3
    assert runner.totals.succeeded == 0
    for row in (await probe_rows()).values():
        assert row["status"] == "processing"
        assert row["metadata_lease_token"] == other_worker
        assert row["contacts"] == 0
        assert row["title"] is None
    lost = [r for r in caplog.records if getattr(r, "action", None) == "lease_lost"]
    assert len(lost) == 1
    assert len(lost[0].__dict__["ids"]) == 3


async def test_stop_releases_unfinished_claims_after_the_grace_period(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(12)
    stage = ProbeStage(ProbeConfig(url=server.url, fail="hang", batch_size=4, concurrency=8))
    stop = asyncio.Event()

    async def stop_when_busy() -> None:
        await stage.wait_for_calls(8)
        stop.set()

    settings = settings_for(tmp_path, worker_grace_s=0.3)
    started = time.perf_counter()
    _, (runner, _) = await asyncio.gather(stop_when_busy(), run_probe(stage, settings, stop=stop))
    assert time.perf_counter() - started < 3
    assert runner.totals.released == 8
    for row in (await probe_rows()).values():
        assert row["status"] == "pending"
        assert row["metadata_attempts"] == 0
        assert row["metadata_lease_token"] is None


async def test_stop_lets_in_flight_work_finish_within_grace(
    db: Database, server: SlowServer, tmp_path: Path
) -> None:
    await seed_domains(12)
    stage = ProbeStage(ProbeConfig(url=server.url, delay_s=0.4, batch_size=4, concurrency=4))
    stop = asyncio.Event()

    async def stop_when_busy() -> None:
        await stage.wait_for_calls(4)
        stop.set()

    _, (runner, _) = await asyncio.gather(
        stop_when_busy(), run_probe(stage, settings_for(tmp_path, worker_grace_s=5), stop=stop)
    )
    assert (runner.totals.succeeded, runner.totals.released) == (4, 0)
    statuses = sorted(row["status"] for row in (await probe_rows()).values())
    assert statuses == ["completed"] * 4 + ["pending"] * 8
