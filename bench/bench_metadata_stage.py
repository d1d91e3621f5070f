"""Metadata stage end to end: domains/s through the ScraperAPI backend at the API's latency.

    .venv/bin/python bench/bench_metadata_stage.py            # about 2 minutes on 2 cores
    .venv/bin/python bench/bench_metadata_stage.py --domains 400 --latency 1

The sample web runs in a SUBPROCESS (``scrapersky sampleweb serve --sites N --latency 2.5``)
and answers every scraping-API call after the latency (2.5 s: ScraperAPI's typical). The
stage runs in this process through the real runner (claim, work with no connection, record)
with concurrency 100 and a pool of 5 connections, on a fresh database, until idle. Only
generated sites without a planted fault are used, so every domain costs exactly one homepage
call, plus one robots.txt call when robots are respected.

Two rounds, side by side on the same server: robots.txt respected (the default: 2 API calls
per domain) and not (1 call). Each is compared with its ceiling, concurrency / (latency x
calls per domain). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import URL

from _stage_db import ROOT, fresh_database
from scrapersky.db.engine import Database, set_database
from scrapersky.db.schema import domains
from scrapersky.db.transaction import transaction
from scrapersky.guard.runtime import STATS, configure_guard
from scrapersky.pipeline.registry import build_stage
from scrapersky.pipeline.worker import run_worker
from scrapersky.sampleweb.generated import GeneratedSites
from scrapersky.services.intake import add_domains
from scrapersky.settings import Settings, load_settings

API_KEY = "bench-key"
SEED = 42


@contextmanager
def sampleweb_process(sites: int, seed: int, latency: float) -> Iterator[str]:
    """``scrapersky sampleweb serve`` in a subprocess; yields its base URL."""
    command = [
        *(sys.executable, "-m", "scrapersky", "sampleweb", "serve"),
        *("--sites", str(sites), "--seed", str(seed), "--port", "0"),
        *("--latency", str(latency), "--api-key", API_KEY),
    ]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        match = re.search(r"sample web on (http://\S+)", line)
        if match is None:
            raise SystemExit(f"sample web did not start: {line!r}")
        yield match.group(1)
    finally:
        server.terminate()
        server.wait(10)


def healthy_hosts(sites: GeneratedSites, count: int, skip: int = 0) -> list[str]:
    """``count`` hosts of sites without a planted fault, after the first ``skip`` of them."""
    hosts = [sites.domain_at(i) for i in range(sites.count) if sites.fault_at(i) is None]
    if len(hosts) < skip + count:
        raise SystemExit(f"only {len(hosts)} healthy generated sites; raise --sites")
    return hosts[skip : skip + count]


def bench_settings(base_url: str, concurrency: int, pool_size: int, **extra: Any) -> Settings:
    return load_settings(
        fetch_backend="scraperapi",
        scraperapi_endpoint=base_url + "/",
        scraperapi_key=API_KEY,
        ssrf_allow=["127.0.0.1"],
        fetch_concurrency=max(100, concurrency),
        pool_size=pool_size,
        pool_max_overflow=0,
        strict_guard=False,
        hold_warn_s=600,
        worker_poll_interval_s=0.05,
        diagnostic_max_files=0,
        auto_migrate=False,
        **extra,
    )


async def run_stage(name: str, settings: Settings, concurrency: int) -> tuple[float, Any]:
    stage = build_stage(name, settings)
    stage.spec = stage.spec.replace(concurrency=concurrency)
    STATS.reset()
    started = time.perf_counter()
    totals = await run_worker(
        [stage], settings=settings, exit_when_idle=True, install_signals=False
    )
    return time.perf_counter() - started, totals[name]


async def metadata_round(
    label: str, hosts: list[str], settings: Settings, args: argparse.Namespace, calls: int
) -> dict[str, Any]:
    await add_domains(hosts, source="bench")
    elapsed, totals = await run_stage("metadata", settings, args.concurrency)
    async with transaction() as session:
        completed = await session.scalar(
            select(func.count())
            .select_from(domains)
            .where(domains.c.domain.in_(hosts), domains.c.metadata_status == "completed")
        )
    processed = totals.succeeded + totals.failed + totals.requeued
    rate = processed / elapsed
    ceiling = args.concurrency / (args.latency * calls)
    row = {
        "mode": label,
        "domains": len(hosts),
        "completed": int(completed or 0),
        "seconds": round(elapsed, 1),
        "domains_per_s": round(rate, 1),
        "api_calls_per_domain": calls,
        "ceiling_per_s": round(ceiling, 1),
        "of_ceiling": round(rate / ceiling, 2),
        "peak_db_connections": STATS.peak_in_use,
        "p99_hold_ms": round(STATS.percentile(99) * 1000, 1),
    }
    print(
        f"{label:<14} {row['domains_per_s']:>6} domains/s  ceiling {row['ceiling_per_s']:>5}"
        f"  ({row['of_ceiling']:.0%})  {row['completed']}/{len(hosts)} completed in "
        f"{row['seconds']}s  peak connections {row['peak_db_connections']}"
        f"  p99 hold {row['p99_hold_ms']} ms"
    )
    return row


async def bench(url: URL, base_url: str, args: argparse.Namespace) -> dict[str, Any]:
    configure_guard(strict=False, hold_warn_s=600)
    sites = GeneratedSites(seed=SEED, count=args.sites)
    respect = bench_settings(base_url, args.concurrency, args.pool_size)
    ignore = bench_settings(base_url, args.concurrency, args.pool_size, respect_robots=False)
    database = Database(respect, url)
    set_database(database)
    try:
        rounds = [
            await metadata_round("robots on", healthy_hosts(sites, args.domains), respect, args, 2),
            await metadata_round(
                "robots off", healthy_hosts(sites, args.domains, args.domains), ignore, args, 1
            ),
        ]
    finally:
        set_database(None)
        await database.dispose()
    on, off = rounds
    return {
        "bench": "metadata_stage",
        "latency_s": args.latency,
        "concurrency": args.concurrency,
        "pool_size": args.pool_size,
        "domains": args.domains,
        "domains_per_s": on["domains_per_s"],
        "ceiling_per_s": on["ceiling_per_s"],
        "of_ceiling": on["of_ceiling"],
        "domains_per_s_no_robots": off["domains_per_s"],
        "ceiling_per_s_no_robots": off["ceiling_per_s"],
        "of_ceiling_no_robots": off["of_ceiling"],
        "peak_db_connections": max(r["peak_db_connections"] for r in rounds),
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=800, help="domains per round")
    parser.add_argument("--latency", type=float, default=2.5, help="seconds per API call")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--pool-size", type=int, default=5)
    args = parser.parse_args()
    args.sites = int(args.domains * 2 / 0.85) + 10  # two rounds of healthy sites

    async def go(base_url: str) -> dict[str, Any]:
        async with fresh_database() as url:
            return await bench(url, base_url, args)

    with sampleweb_process(args.sites, SEED, args.latency) as base_url:
        result = asyncio.run(go(base_url))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
