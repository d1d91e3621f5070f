"""The incident, measured: a session held across each network call vs the three-phase runner.

    .venv/bin/python bench/hold_vs_three_phase.py                 # about 30 s
    .venv/bin/python bench/hold_vs_three_phase.py --items 200 --latency 0.5 --rounds 3

The same 200 rows (domains, metadata queue) are processed twice against a loopback HTTP
server in a subprocess that answers every request after ``--latency`` seconds; the pool has
5 connections (no overflow) in both cases:

(a) the old way: 100 concurrent tasks, each ``async with transaction()`` around
    select-for-update, the HTTP call, and the update - the connection is held for the call,
    so at most 5 calls are ever in flight and the other tasks queue for the pool
    (pool_timeout raised so they wait instead of failing; errors are counted);
(b) the runner: StageRunner, concurrency 100, batch 10; work() does the same HTTP call with
    no connection, claim and record are short transactions.

Reported: items/s of each, the ratio, peak connections checked out, and p99 connection hold
time (from the runtime guard's pool events). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Sequence

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession

from _stage_db import fresh_database, latency_server, loopback_get
from scrapersky.db.engine import Database, set_database
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from scrapersky.guard.runtime import STATS, assert_no_transaction, configure_guard
from scrapersky.pipeline.registry import QUEUES
from scrapersky.pipeline.runner import StageRunner
from scrapersky.pipeline.stage import BaseStage, ClaimedItem, StageSpec, Success
from scrapersky.settings import load_settings

POOL_SIZE = 5
CONCURRENCY = 100
BATCH = 10


class FetchStage(BaseStage[str]):
    """GET <server>/item/<id>; store the body as the domain's title."""

    def __init__(self, server: tuple[str, int]) -> None:
        self.server = server
        self.spec = StageSpec.on(
            QUEUES["metadata"],
            name="bench_fetch",
            batch_size=BATCH,
            concurrency=CONCURRENCY,
            lease_s=120,
            item_timeout_s=60,
        )

    async def work(self, item: ClaimedItem) -> Success[str]:
        assert_no_transaction("bench GET")
        _, body = await loopback_get(*self.server, f"/item/{item.id}")
        return Success(body.decode())

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, str]]
    ) -> None:
        await session.execute(
            update(domains).where(domains.c.id == bindparam("b_id")).values(title=bindparam("b_t")),
            [{"b_id": item.id, "b_t": title} for item, title in items],
        )


async def old_way(server: tuple[str, int], ids: list[int]) -> list[str]:
    """Session held across the network call: the pattern behind the incident."""
    gate = asyncio.Semaphore(CONCURRENCY)
    errors: list[str] = []

    async def one(row_id: int) -> None:
        async with gate:
            try:
                async with transaction() as session:
                    await session.execute(
                        select(domains.c.domain).where(domains.c.id == row_id).with_for_update()
                    )
                    await session.execute(
                        update(domains)
                        .where(domains.c.id == row_id)
                        .values(metadata_status="processing")
                    )
                    _, body = await loopback_get(*server, f"/item/{row_id}")  # held!
                    await session.execute(
                        update(domains)
                        .where(domains.c.id == row_id)
                        .values(metadata_status="completed", title=body.decode())
                    )
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(one(row_id) for row_id in ids))
    return errors


async def reset_rows() -> None:
    async with transaction() as session:
        await session.execute(
            update(domains).values(
                metadata_status="pending",
                metadata_attempts=0,
                metadata_next_attempt_at=func.now(),
                title=None,
            )
        )


async def completed() -> int:
    async with transaction() as session:
        query = select(func.count()).where(domains.c.metadata_status == "completed")
        return int((await session.execute(query)).scalar_one())


def snapshot(label: str, items: int, seconds: float) -> dict[str, float]:
    figures = {
        "items_per_s": items / seconds,
        "seconds": seconds,
        "peak_connections": STATS.peak_in_use,
        "p99_hold_ms": STATS.percentile(99) * 1000,
        "max_hold_ms": max(STATS.holds, default=0.0) * 1000,
    }
    print(
        f"{label:<10} {items} items in {seconds:6.2f} s = {figures['items_per_s']:7.1f} items/s"
        f"  peak connections {figures['peak_connections']}"
        f"  p99 hold {figures['p99_hold_ms']:7.1f} ms  max hold {figures['max_hold_ms']:7.1f} ms"
    )
    return figures


async def bench(url: URL, server: tuple[str, int], items: int, rounds: int) -> dict[str, object]:
    settings = load_settings(
        pool_size=POOL_SIZE,
        pool_max_overflow=0,
        pool_timeout_s=600,
        strict_guard=False,
        hold_warn_s=600,
        worker_poll_interval_s=0.05,
        diagnostic_max_files=0,
    )
    configure_guard(strict=False, hold_warn_s=600)
    database = Database(settings, url)
    set_database(database)
    try:
        async with transaction() as session:
            result = await session.execute(
                insert(domains)
                .values([{"domain": f"bench-{i}.test"} for i in range(items)])
                .returning(domains.c.id)
            )
            ids = [int(row[0]) for row in result]
        await loopback_get(*server, "/warm-up")

        STATS.reset()
        started = time.perf_counter()
        errors = await old_way(server, ids)
        old = snapshot("old way", max(1, items - len(errors)), time.perf_counter() - started)
        assert errors or await completed() == items

        runs = []
        for _ in range(rounds):
            await reset_rows()
            STATS.reset()
            runner = StageRunner(FetchStage(server), settings=settings)
            started = time.perf_counter()
            totals = await runner.run(exit_when_idle=True)
            runs.append(snapshot("runner", totals.succeeded, time.perf_counter() - started))
            assert totals.succeeded == items
            assert await completed() == items
    finally:
        set_database(None)
        await database.dispose()
    runner_median = sorted(runs, key=lambda r: r["items_per_s"])[len(runs) // 2]
    ratio = runner_median["items_per_s"] / old["items_per_s"]
    print(f"ratio (runner median / old way): {ratio:.1f}x   old-way errors: {len(errors)}")
    for error in errors[:5]:
        print("  old-way error:", error)
    return {
        "bench": "hold_vs_three_phase",
        "items": items,
        "latency_s": LATENCY,
        "pool_size": POOL_SIZE,
        "concurrency": CONCURRENCY,
        "batch": BATCH,
        "old_items_per_s": round(old["items_per_s"], 1),
        "runner_items_per_s": round(runner_median["items_per_s"], 1),
        "runner_items_per_s_rounds": [round(r["items_per_s"], 1) for r in runs],
        "ratio": round(ratio, 1),
        "old_peak_connections": old["peak_connections"],
        "runner_peak_connections": max(r["peak_connections"] for r in runs),
        "old_p99_hold_ms": round(old["p99_hold_ms"], 1),
        "runner_p99_hold_ms": round(statistics.median(r["p99_hold_ms"] for r in runs), 1),
        "old_errors": len(errors),
    }


LATENCY = 0.5


def main() -> None:
    global LATENCY
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per HTTP call")
    parser.add_argument("--rounds", type=int, default=3, help="runner rounds (median reported)")
    args = parser.parse_args()
    LATENCY = args.latency

    async def go(server: tuple[str, int]) -> dict[str, object]:
        async with fresh_database() as url:
            return await bench(url, server, args.items, args.rounds)

    with latency_server(args.latency) as server:
        result = asyncio.run(go(server))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
