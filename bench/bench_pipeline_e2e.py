"""End to end: generated sites through all four stages, 2 worker processes, 2.5 s per API call.

    .venv/bin/python bench/bench_pipeline_e2e.py                 # 1,000 sites: about 15 minutes
    .venv/bin/python bench/bench_pipeline_e2e.py --sites 10000 --old-window 0 \\
        --set sitemap_import_concurrency=50                      # any setting, for both designs

The sample web (``--sites`` generated sites, planted faults included) runs in a subprocess
and answers every scraping-API call after ``--latency`` seconds. Each design gets a fresh
database with the sites added by the real intake service, then 2 real ``scrapersky worker``
processes (every stage, auto-advance, pool 5, scraperapi backend pointed at the sample web;
``bench/_e2e_fleet.py``):

- new design: the registered stages, until the pipeline is idle (every row handed to a stage
  done or failed, seen twice in a row), then SIGTERM;
- old design: the same stages with the session held across each ``work()``
  (``bench/_held_session.py``) for ``--old-window`` seconds - at 5 connections per worker it
  would take about an hour for 1,000 sites - measured over that window.

Reported: domains finished, pages imported (checked against the sites' ground truth) and
scanned, scraping-API requests counted by the sample web, requests/s against the concurrency
ceiling, peak connections in use, p99 connection hold (bucket resolution), peak RSS per
worker. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import func, select

from _e2e_fleet import (
    BENCH_APP,
    POOL_SIZE,
    SEED,
    STAGES,
    WORKERS,
    Fleet,
    Peaks,
    SampleWebProcess,
    hold_p99_ms,
    sample_database,
    sample_workers,
    sampleweb_process,
    scrape,
    total,
    worker_env,
)
from _stage_db import fresh_database
from scrapersky.db.engine import Database, set_database
from scrapersky.db.queries.summary import PipelineSummary, pipeline_summary
from scrapersky.db.schema import contacts, domains, pages, sitemap_files
from scrapersky.db.transaction import transaction
from scrapersky.demo.pipeline import is_idle, progress_of
from scrapersky.services.intake import add_domains
from scrapersky.settings import load_settings

OUTCOMES = ("succeeded", "requeued", "failed", "released", "deferred", "lease_lost")
SHOWN_OUTCOMES = ("succeeded", "requeued", "failed", "deferred")
WAITING = ("queued", "processing")  # a row in retry backoff is queued


async def finished_domains() -> int:
    """Domains no stage will touch again: metadata done or failed, discovery not waiting, and
    no sitemap file or page of theirs waiting."""
    busy_files = select(sitemap_files.c.domain_id).where(sitemap_files.c.import_status.in_(WAITING))
    busy_pages = select(pages.c.domain_id).where(pages.c.scan_status.in_(WAITING))
    query = (
        select(func.count())
        .select_from(domains)
        .where(
            domains.c.metadata_status.in_(("completed", "error")),
            domains.c.sitemap_analysis_status.not_in(WAITING),
            domains.c.id.not_in(busy_files),
            domains.c.id.not_in(busy_pages),
        )
    )
    async with transaction() as session:
        return int(await session.scalar(query) or 0)


async def table_counts() -> dict[str, int]:
    queries = {
        "pages_imported": select(func.count()).where(pages.c.sitemap_file_id.is_not(None)),
        "pages_scanned": select(func.count()).where(pages.c.scan_status.in_(("complete", "error"))),
        "contacts": select(func.count()).select_from(contacts),
    }
    async with transaction() as session:
        return {name: int(await session.scalar(q) or 0) for name, q in queries.items()}


async def summary_now() -> PipelineSummary:
    async with transaction() as session:
        return await pipeline_summary(session)


async def watch(
    design: str, fleet: Fleet, web: SampleWebProcess, args: argparse.Namespace, api_before: int
) -> dict[str, Any]:
    """Poll until idle (new) or the window's end (old); everything at that moment."""
    started = time.monotonic()
    limit = args.old_window if design == "old" else args.max_seconds
    idle_polls, idle_at, last_print, last_curve = 0, 0.0, 0.0, 0.0
    curve: list[tuple[float, int]] = []
    window: dict[str, float] = {}
    while True:
        await asyncio.sleep(args.poll)
        elapsed = time.monotonic() - started
        if any(p.poll() is not None for p in fleet.procs):
            raise SystemExit(f"a {design} worker exited early:\n{fleet.log_tails()}")
        summary = await summary_now()
        idle_polls = idle_polls + 1 if is_idle(summary) else 0
        idle_at = idle_at if idle_polls > 1 else elapsed  # the first of the idle polls
        if elapsed - last_curve >= 5 * args.poll:
            curve.append((elapsed, await finished_domains()))
            last_curve = elapsed
        if design == "new" and not window and elapsed >= args.old_window > 0:
            api = (await web.stats())["api"] - api_before
            window = {"t": elapsed, "api": api, "finished": await finished_domains()}
        if elapsed - last_print >= 15:
            api = (await web.stats())["api"] - api_before
            stages = "  ".join(
                f"{p.stage} {p.done + p.failed}/{p.total}" for p in progress_of(summary)
            )
            print(
                f"  [{design}] {elapsed:5.0f} s  {stages}  api {api} ({api / elapsed:.1f}/s)",
                flush=True,
            )
            last_print = elapsed
        if (design == "new" and idle_polls >= 2) or elapsed >= limit:
            break
    async with httpx.AsyncClient(trust_env=False) as client:
        samples = [s for port in fleet.ports for s in await scrape(client, port)]
    return {
        "elapsed_s": idle_at if idle_polls >= 2 else elapsed,
        "idle": idle_polls >= 2,
        "api_requests": (await web.stats())["api"] - api_before,
        "finished_domains": await finished_domains(),
        **await table_counts(),
        "failures_by_category": summary.failures_by_category,
        "samples": samples,
        "curve": curve,
        "window": window,
    }


async def run_design(
    design: str, web: SampleWebProcess, hosts: list[str], args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    print(f"--- {design} design: {len(hosts)} sites, {WORKERS} workers", flush=True)
    raw: dict[str, Any] = {"load_before": os.getloadavg()[0]}
    async with fresh_database() as url:
        database = Database(load_settings(auto_migrate=False, application_name=BENCH_APP), url)
        set_database(database)
        try:
            report = await add_domains(hosts, source="bench")
            assert report.accepted == len(hosts), report
            api_before = (await web.stats())["api"]
            psutil.cpu_percent()
            fleet = Fleet.start(design, worker_env(url, web.base_url, tmp, args.set), tmp)
            peaks, stop = Peaks(), asyncio.Event()
            samplers = [
                asyncio.create_task(sample_database(url, peaks, stop)),
                asyncio.create_task(sample_workers(fleet, peaks, stop)),
            ]
            try:
                raw |= await watch(design, fleet, web, args, api_before)
                raw["machine_cpu_percent"] = psutil.cpu_percent()
                raw["worker_cpu_s"] = fleet.cpu_seconds()
            finally:
                stop.set()
                await asyncio.gather(*samplers, return_exceptions=True)
                raw["exit_codes"] = await fleet.stop()
        finally:
            set_database(None)
            await database.dispose()
    raw["load_after"] = [round(x, 2) for x in os.getloadavg()[:2]]
    raw["network_in_transaction_warnings"] = fleet.count_in_logs("action=network_in_transaction")
    return figures(design, raw, peaks, args)


def fetch_slots(overrides: dict[str, str]) -> dict[str, int]:
    """Requests one worker can have in flight, per stage. Each stage owns a Fetcher whose
    semaphore is ``fetch_concurrency``, and each of its ``spec.concurrency`` work() calls waits
    on one request at a time, so a stage's slots are the smaller of the two."""
    from scrapersky.pipeline.registry import build_stage

    settings = load_settings(fetch_backend="scraperapi", scraperapi_key="k", **overrides)
    return {
        name: min(build_stage(name, settings).spec.concurrency, settings.fetch_concurrency)
        for name in STAGES
    }


def time_to(curve: list[tuple[float, int]], count: int) -> float | None:
    return next((round(t) for t, done in curve if done >= count), None)


def figures(
    design: str, raw: dict[str, Any], peaks: Peaks, args: argparse.Namespace
) -> dict[str, Any]:
    elapsed = raw["elapsed_s"]
    samples = raw["samples"]
    slots = fetch_slots(args.set)
    ceiling = WORKERS * sum(slots.values()) / args.latency
    p99, holds = hold_p99_ms(samples)
    rps = raw["api_requests"] / elapsed
    return {
        "design": design,
        "elapsed_s": round(elapsed, 1),
        "idle": raw["idle"],
        "finished_domains": raw["finished_domains"],
        "domains_per_s": round(raw["finished_domains"] / elapsed, 3),
        "pages_imported": raw["pages_imported"],
        "pages_per_s": round(raw["pages_imported"] / elapsed, 1),
        "pages_scanned": raw["pages_scanned"],
        "pages_scanned_per_s": round(raw["pages_scanned"] / elapsed, 2),
        "contacts": raw["contacts"],
        "api_requests": raw["api_requests"],
        "fetch_counter": int(total(samples, "scrapersky_fetch_requests_total")),
        "requests_per_s": round(rps, 2),
        "fetch_slots_per_worker": slots,
        "ceiling_requests_per_s": round(ceiling, 1),
        "ratio_to_ceiling": round(rps / ceiling, 3),
        "in_flight": peaks.in_flight_means(),
        "peak_in_flight": peaks.in_flight_peak,
        "peak_connections": peaks.pg_in_use,
        "mean_connections": round(peaks.pg_in_use_sum / max(peaks.pg_samples, 1), 2),
        "peak_idle_in_transaction": peaks.pg_idle_in_transaction,
        "peak_in_use_gauge_per_worker": peaks.gauge_in_use,
        "p99_hold_ms": p99,
        "connection_holds": holds,
        "hold_warnings": int(total(samples, "scrapersky_db_hold_warnings_total")),
        "network_in_transaction_warnings": raw["network_in_transaction_warnings"],
        "peak_rss_mb_per_worker": [round(r / 2**20, 1) for r in peaks.rss],
        "worker_cpu_s": [round(c, 1) for c in raw["worker_cpu_s"]],
        "machine_cpu_percent": raw["machine_cpu_percent"],
        "load": [round(raw["load_before"], 2), *raw["load_after"]],
        "stage_items": {
            stage: {
                o: int(total(samples, "scrapersky_stage_items_total", stage=stage, outcome=o))
                for o in OUTCOMES
            }
            for stage in STAGES
        },
        "failures_by_category": raw["failures_by_category"],
        "finished_at_s": {
            f"{share:.0%}": time_to(raw["curve"], int(share * args.sites))
            for share in (0.25, 0.5, 0.75, 0.9)
        },
        "window": raw["window"],
        "exit_codes": raw["exit_codes"],
    }


ROWS = (
    ("elapsed", "elapsed_s", "{} s"),
    ("domains finished (all four stages)", "finished_domains", "{}"),
    ("domains/s", "domains_per_s", "{}"),
    ("pages imported", "pages_imported", "{}"),
    ("pages imported/s", "pages_per_s", "{}"),
    ("pages scanned", "pages_scanned", "{}"),
    ("pages scanned/s", "pages_scanned_per_s", "{}"),
    ("contacts found", "contacts", "{}"),
    ("scraping-API requests", "api_requests", "{}"),
    ("  of which counted by fetch_requests_total", "fetch_counter", "{}"),
    ("requests/s", "requests_per_s", "{}"),
    ("concurrency ceiling, requests/s", "ceiling_requests_per_s", "{}"),
    ("ratio to ceiling", "ratio_to_ceiling", "{:.1%}"),
    ("peak work() in flight", "peak_in_flight", "{}"),
    ("peak connections in use (pg, 100 ms)", "peak_connections", "{}"),
    ("mean connections in use (pg)", "mean_connections", "{}"),
    ("peak idle in transaction (pg)", "peak_idle_in_transaction", "{}"),
    ("peak in-use gauge per worker (0.5 s)", "peak_in_use_gauge_per_worker", "{}"),
    ("p99 connection hold (bucket bound)", "p99_hold_ms", "<= {} ms"),
    ("connection holds", "connection_holds", "{}"),
    ("holds over 5 s (guard warnings)", "hold_warnings", "{}"),
    ("network-in-transaction warnings", "network_in_transaction_warnings", "{}"),
    ("peak RSS per worker", "peak_rss_mb_per_worker", "{} MB"),
    ("worker CPU", "worker_cpu_s", "{} s"),
    ("machine CPU busy", "machine_cpu_percent", "{} %"),
    ("load average (before; after 1m, 5m)", "load", "{}"),
)


def print_table(new: dict[str, Any], old: dict[str, Any] | None, window: float) -> None:
    runs = [run for run in (new, old) if run is not None]
    heads = ["new design (to idle)", f"old design ({window:g} s window)"][: len(runs)]
    print(f"\n{'':<40}" + "".join(f"{h:>32}" for h in heads))
    for label, key, fmt in ROWS:
        print(f"{label:<40}" + "".join(f"{fmt.format(run[key]):>32}" for run in runs))
    for run in runs:
        print(f"\n{run['design']} design, per stage: items succeeded/requeued/failed/deferred;")
        print("  work() in flight (2 workers): mean over the run / while busy (busy share)")
        for stage in STAGES:
            items = "/".join(str(run["stage_items"][stage][o]) for o in SHOWN_OUTCOMES)
            flight = run["in_flight"].get(stage, {})
            slots = f"{WORKERS}x{run['fetch_slots_per_worker'][stage]}"
            print(
                f"  {stage:<18} {items:<22} {flight.get('run')} / {flight.get('busy')} "
                f"({flight.get('busy_share', 0):.0%})  slots {slots}"
            )
        print("  failures:", run["failures_by_category"])
    print("new design, domains finished by (s):", new["finished_at_s"])


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    from scrapersky.sampleweb.generated import GeneratedSites

    sites = GeneratedSites(seed=SEED, count=args.sites)
    hosts = sites.hosts()
    # What a correct run imports: every page of every site whose homepage answers (auto-advance
    # moves only domains whose metadata completed), plus the complete entries of cut-off files.
    expected_pages = sum(
        len(t.pages) + len(t.partial_page_urls) for t in sites.iter_truth() if t.homepage_ok
    )
    with (
        tempfile.TemporaryDirectory(prefix="sky-e2e-") as tmp,
        sampleweb_process(args.sites, args.latency) as web,
    ):
        new = await run_design("new", web, hosts, args, Path(tmp))
        old = await run_design("old", web, hosts, args, Path(tmp)) if args.old_window else None
    print_table(new, old, args.old_window)
    per_domain = new["api_requests"] / args.sites
    print(f"pages imported {new['pages_imported']} of {expected_pages} in the ground truth")
    result: dict[str, Any] = {
        "bench": "pipeline_e2e",
        "sites": args.sites,
        "workers": WORKERS,
        "pool_size": POOL_SIZE,
        "latency_s": args.latency,
        "settings": args.set,
        "elapsed_s": new["elapsed_s"],
        "idle": new["idle"],
        "domains_per_s": new["domains_per_s"],
        "pages_per_s": new["pages_per_s"],
        "pages_scanned_per_s": new["pages_scanned_per_s"],
        "requests_per_s": new["requests_per_s"],
        "requests_per_domain": round(per_domain, 2),
        "ceiling_requests_per_s": new["ceiling_requests_per_s"],
        "ratio_to_ceiling": new["ratio_to_ceiling"],
        "peak_connections": new["peak_connections"],
        "mean_connections": new["mean_connections"],
        "p99_hold_ms": new["p99_hold_ms"],
        "peak_rss_mb_per_worker": new["peak_rss_mb_per_worker"],
        "pages_imported": new["pages_imported"],
        "expected_pages": expected_pages,
    }
    if old is not None:
        # The old design cannot finish in its window. Its domain rate: its measured request
        # rate over what a domain costs in requests (measured by the new design's full run).
        old_domains_per_s = old["requests_per_s"] / per_domain
        same = new["window"]
        result |= {
            "old_design_window_s": args.old_window,
            "old_design_requests_per_s": old["requests_per_s"],
            "old_design_domains_per_s": round(old_domains_per_s, 3),
            "old_design_finished_domains": old["finished_domains"],
            "old_design_peak_connections": old["peak_connections"],
            "old_design_peak_idle_in_transaction": old["peak_idle_in_transaction"],
            "old_design_p99_hold_ms": old["p99_hold_ms"],
            "speedup_vs_old": round(new["domains_per_s"] / old_domains_per_s, 1),
            "same_window_requests": [same.get("api"), old["api_requests"]],
            "same_window_finished_domains": [same.get("finished"), old["finished_domains"]],
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000, help="generated sites (all of them)")
    parser.add_argument("--latency", type=float, default=2.5, help="seconds per API call")
    parser.add_argument("--old-window", type=float, default=120.0, help="seconds (0: skip)")
    parser.add_argument("--max-seconds", type=float, help="time limit for the new design")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a worker setting"
    )
    args = parser.parse_args()
    args.set = dict(item.split("=", 1) for item in args.set)
    args.poll = 1.0 if args.sites <= 2000 else 2.0  # pipeline_summary reads every page row
    args.max_seconds = args.max_seconds or 900 + args.sites
    result = asyncio.run(bench(args))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
