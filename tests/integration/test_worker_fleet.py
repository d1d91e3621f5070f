"""Several real `scrapersky worker` processes on one queue, and a worker killed mid-batch.

Each work() call appends start/end events (id, attempt, lease token, pid, time) to its
process's file; each successful record writes one contacts row keyed by lease token. So
"exactly once per attempt", "never twice at the same time" and "no duplicate results" are
all read back from what really happened.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from scrapersky.db.engine import Database
from tests.support.stage_workers import spawn_worker, stop_worker, wait_until, worker_env
from tests.support.stages import ProbeConfig, SlowServer, probe_rows, read_events, seed_domains

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def server() -> Iterator[SlowServer]:
    with SlowServer() as running:
        yield running


def starts_by_attempt(events: list[dict[str, Any]]) -> Counter[tuple[int, int]]:
    return Counter((e["id"], e["attempt"]) for e in events if e["event"] == "start")


def assert_no_overlap(events: list[dict[str, Any]], killed_at: float | None = None) -> None:
    """No two attempts of one row ever ran at the same time (an unfinished one ran until
    its worker was killed)."""
    spans: dict[tuple[int, str], list[float]] = {}
    for e in events:
        key = (e["id"], e["token"])
        span = spans.setdefault(key, [e["t"], killed_at or float("inf")])
        if e["event"] == "end":
            span[1] = e["t"]
    by_id: dict[int, list[list[float]]] = defaultdict(list)
    for (row_id, _), span in spans.items():
        by_id[row_id].append(span)
    for row_id, row_spans in by_id.items():
        row_spans.sort()
        for earlier, later in itertools.pairwise(row_spans):
            assert earlier[1] <= later[0], f"row {row_id} ran twice at once: {row_spans}"


async def test_three_workers_share_a_queue_exactly_once(
    db: Database, db_url: URL, server: SlowServer, tmp_path: Path
) -> None:
    ids = await seed_domains(240)
    events_dir = tmp_path / "events"
    events_dir.mkdir()
    config = ProbeConfig(
        url=server.url, delay_s=0.25, events_dir=str(events_dir), batch_size=5, concurrency=15
    )
    env = worker_env(db_url, tmp_path, config)
    procs = [spawn_worker(env, tmp_path / f"worker{n}.log", "--exit-when-idle") for n in range(3)]
    try:
        codes = [await asyncio.to_thread(proc.wait, 90) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    logs = "\n".join((tmp_path / f"worker{n}.log").read_text() for n in range(3))
    assert codes == [0, 0, 0], logs
    rows = await probe_rows()
    assert {row["status"] for row in rows.values()} == {"completed"}
    assert {row["metadata_attempts"] for row in rows.values()} == {1}
    assert {row["contacts"] for row in rows.values()} == {1}  # no duplicate results
    events = read_events(events_dir)
    starts = starts_by_attempt(events)
    assert sorted(starts) == sorted((row_id, 1) for row_id in ids)
    assert set(starts.values()) == {1}  # exactly once per attempt
    assert_no_overlap(events)
    pids = Counter(e["pid"] for e in events if e["event"] == "start")
    assert len(pids) >= 2, f"one worker did everything: {pids}"
    assert "held_connection" not in logs
    assert "NetworkInTransaction" not in logs


async def test_killed_worker_rows_are_finished_by_another_after_the_lease(
    db: Database, db_url: URL, server: SlowServer, tmp_path: Path
) -> None:
    ids = await seed_domains(40)
    events_dir = tmp_path / "events"
    events_dir.mkdir()
    lease_s = 2.0
    config = ProbeConfig(
        url=server.url,
        delay_s=1.0,
        events_dir=str(events_dir),
        batch_size=10,
        concurrency=20,
        lease_s=lease_s,
        item_timeout_s=1.5,
    )
    env = worker_env(db_url, tmp_path, config)
    victim = spawn_worker(env, tmp_path / "victim.log")
    await wait_until(
        lambda: _started_at_least(events_dir, 20), within_s=30, interval=0.02
    )  # two batches in flight
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    killed_at = time.time()
    in_flight = {e["id"] for e in read_events(events_dir) if e["event"] == "start"}

    rescuer = spawn_worker(env, tmp_path / "rescuer.log")
    try:
        await wait_until(_all_completed, within_s=45, interval=0.2)
    finally:
        assert stop_worker(rescuer) == 0, (tmp_path / "rescuer.log").read_text()

    rows = await probe_rows()
    assert sorted(rows) == sorted(ids)
    assert {row["status"] for row in rows.values()} == {"completed"}  # nothing stuck
    assert {row["contacts"] for row in rows.values()} == {1}  # no duplicate results
    for row_id in in_flight:
        assert rows[row_id]["metadata_attempts"] == 2, rows[row_id]
    events = read_events(events_dir)
    starts = starts_by_attempt(events)
    assert set(starts.values()) == {1}
    assert_no_overlap(events, killed_at)
    first_try = {e["id"]: e["t"] for e in events if e["event"] == "start" and e["attempt"] == 1}
    for e in events:
        if e["event"] == "start" and e["attempt"] == 2:
            # the rescuer waited for the dead worker's lease (taken just before its start)
            assert e["t"] - first_try[e["id"]] >= lease_s - 0.1
            assert e["t"] > killed_at


async def _started_at_least(events_dir: Path, count: int) -> bool:
    return sum(1 for e in read_events(events_dir) if e["event"] == "start") >= count


async def _all_completed() -> bool:
    rows = await probe_rows()
    return bool(rows) and all(row["status"] == "completed" for row in rows.values())
