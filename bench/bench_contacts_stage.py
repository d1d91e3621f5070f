"""Contacts scan stage end to end (pages/s at the scraping API's latency) and the extractor on
large pages.

    .venv/bin/python bench/bench_contacts_stage.py            # about 2 minutes on 2 cores
    .venv/bin/python bench/bench_contacts_stage.py --pages 400 --latency 1

1. End to end: the sample web runs in a SUBPROCESS (``scrapersky sampleweb serve --sites N
   --latency 2.5``); the homepage and contact pages of generated sites without a planted
   fault are inserted as pages and selected; the stage runs in this process through the real
   runner (concurrency 100, pool 5, fair claiming across domains, per-host limit 4) until
   idle. Two rounds on separate sites: robots.txt respected (every domain costs one more
   call, so the ceiling is concurrency / latency x pages / (pages + domains)) and not
   (ceiling concurrency / latency).
2. Extractor: ``extract_contacts`` (what work() runs in a thread) on the biggest homepages of
   the shared corpus and on a generated 5 MB page; median of rounds, MB of HTML per second.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import URL

from _stage_db import ROOT, fresh_database
from bench_metadata_stage import bench_settings, healthy_hosts, run_stage, sampleweb_process
from scrapersky.db.engine import Database, set_database
from scrapersky.db.enums import CurationStatus
from scrapersky.db.queries.pages import PageFilter
from scrapersky.db.schema import contacts, domains, pages
from scrapersky.db.transaction import transaction
from scrapersky.guard.runtime import STATS, configure_guard
from scrapersky.sampleweb.generated import GeneratedSites
from scrapersky.services.intake import add_domains
from scrapersky.services.page_curation import curate_pages
from scrapersky.settings import Settings
from scrapersky.web.contacts import extract_contacts

SEED = 43
BIG_CORPUS_PAGES = (
    "trackboxoffice.com/index.html",
    "thegentlemenbrunch.com/index.html",
    "backbonejs.org/index.html",
)


async def seed_pages(sites: GeneratedSites, hosts: list[str]) -> int:
    await add_domains(hosts, source="bench")
    async with transaction() as session:
        ids = dict(
            (
                await session.execute(
                    select(domains.c.domain, domains.c.id).where(domains.c.domain.in_(hosts))
                )
            ).all()
        )
        rows = [
            {"domain_id": ids[host], "url": url}
            for host in hosts
            for url in dict.fromkeys(
                [sites.truth(host).base_url + "/", *sites.truth(host).contact_page_urls]
            )
        ]
        await session.execute(insert(pages), rows)
    await curate_pages(CurationStatus.SELECTED, PageFilter(domain_ids=list(ids.values())))
    return len(rows)


async def scan_round(
    label: str, sites: GeneratedSites, hosts: list[str], settings: Settings, args: Any
) -> dict[str, Any]:
    page_count = await seed_pages(sites, hosts)
    elapsed, totals = await run_stage("contacts_scan", settings, args.concurrency)
    async with transaction() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(contacts)
            .join(domains, domains.c.id == contacts.c.domain_id)
            .where(domains.c.domain.in_(hosts))
        )
        complete = await session.scalar(
            select(func.count())
            .select_from(pages)
            .join(domains, domains.c.id == pages.c.domain_id)
            .where(domains.c.domain.in_(hosts), pages.c.scan_status == "complete")
        )
    rate = (totals.succeeded + totals.failed + totals.requeued) / elapsed
    robots_calls = len(hosts) if settings.respect_robots else 0
    calls_per_page = (page_count + robots_calls) / page_count
    ceiling = args.concurrency / (args.latency * calls_per_page)
    result = {
        "mode": label,
        "pages": page_count,
        "domains": len(hosts),
        "complete": int(complete or 0),
        "contacts": int(found or 0),
        "seconds": round(elapsed, 1),
        "pages_per_s": round(rate, 1),
        "api_calls_per_page": round(calls_per_page, 2),
        "ceiling_per_s": round(ceiling, 1),
        "of_ceiling": round(rate / ceiling, 2),
        "peak_db_connections": STATS.peak_in_use,
        "p99_hold_ms": round(STATS.percentile(99) * 1000, 1),
    }
    print(
        f"{label:<11} {result['pages_per_s']:>5} pages/s  ceiling {result['ceiling_per_s']:>5}"
        f" ({result['of_ceiling']:.0%})  {result['complete']}/{page_count} pages of "
        f"{len(hosts)} domains complete, {result['contacts']} contacts, {result['seconds']}s, "
        f"peak connections {result['peak_db_connections']}, p99 hold {result['p99_hold_ms']} ms"
    )
    return result


async def end_to_end(url: URL, base_url: str, args: Any) -> list[dict[str, Any]]:
    configure_guard(strict=False, hold_warn_s=600)
    sites = GeneratedSites(seed=SEED, count=args.sites, cache_size=args.sites)
    respect = bench_settings(base_url, args.concurrency, args.pool_size)
    ignore = bench_settings(base_url, args.concurrency, args.pool_size, respect_robots=False)
    database = Database(respect, url)
    set_database(database)
    try:
        first = healthy_hosts(sites, args.domains)
        second = healthy_hosts(sites, args.domains, args.domains)
        return [
            await scan_round("robots on", sites, first, respect, args),
            await scan_round("robots off", sites, second, ignore, args),
        ]
    finally:
        set_database(None)
        await database.dispose()


def large_pages(sites: GeneratedSites) -> dict[str, bytes]:
    corpus = Path(os.environ.get("SCRAPERSKY_CORPUS_DIR") or ROOT.parent / "shared" / "corpus")
    out = {}
    for relative in BIG_CORPUS_PAGES:
        path = corpus / "sites" / relative
        if path.is_file():
            out[relative.split("/")[0]] = path.read_bytes()
    truth = sites.truth(sites.hosts()[0])
    contact = sites.get(truth.domain, "/" + truth.contact_page_urls[0].split("/", 3)[3])
    assert contact is not None
    body = contact.body
    out["generated 5 MB"] = body * (5 * 1024 * 1024 // len(body) + 1)
    return out


def extractor_throughput(sites: GeneratedSites, rounds: int) -> dict[str, Any]:
    results = {}
    for name, body in large_pages(sites).items():
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            found = extract_contacts(body, f"https://{name.split()[0]}/")
            timings.append(time.perf_counter() - started)
        seconds = statistics.median(timings)
        mb = len(body) / 1e6
        results[name] = {
            "mb": round(mb, 2),
            "ms": round(seconds * 1000, 1),
            "mb_per_s": round(mb / seconds, 1),
            "found": len(found.emails) + len(found.phones),
        }
        print(
            f"extract_contacts {name:<24} {mb:6.2f} MB  {seconds * 1000:7.1f} ms  "
            f"{mb / seconds:6.1f} MB/s  {results[name]['found']} contacts"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=300, help="sites whose pages are scanned")
    parser.add_argument("--latency", type=float, default=2.5, help="seconds per API call")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--pool-size", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5, help="extractor rounds (median)")
    args = parser.parse_args()
    args.sites = int(args.domains * 2 / 0.85) + 10  # two rounds of healthy sites

    async def go(base_url: str) -> list[dict[str, Any]]:
        async with fresh_database() as url:
            return await end_to_end(url, base_url, args)

    with sampleweb_process(args.sites, SEED, args.latency) as base_url:
        on, off = asyncio.run(go(base_url))
    extractor = extractor_throughput(GeneratedSites(seed=SEED, count=args.sites), args.rounds)
    print(
        json.dumps(
            {
                "bench": "contacts_stage",
                "latency_s": args.latency,
                "concurrency": args.concurrency,
                "pool_size": args.pool_size,
                "pages_per_s": on["pages_per_s"],
                "ceiling_per_s": on["ceiling_per_s"],
                "of_ceiling": on["of_ceiling"],
                "pages_per_s_no_robots": off["pages_per_s"],
                "ceiling_per_s_no_robots": off["ceiling_per_s"],
                "of_ceiling_no_robots": off["of_ceiling"],
                "peak_db_connections": max(on["peak_db_connections"], off["peak_db_connections"]),
                "rounds": [on, off],
                "extractor_mb_per_s": {k: v["mb_per_s"] for k, v in extractor.items()},
                "extractor": extractor,
            }
        )
    )


if __name__ == "__main__":
    main()
