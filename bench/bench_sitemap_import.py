"""Sitemap import into Postgres: our record path vs raw asyncpg COPY of the same rows.

    .venv/bin/python bench/bench_sitemap_import.py                    # about a minute
    .venv/bin/python bench/bench_sitemap_import.py --rows 200000 --rounds 5

"ours" is exactly what the import stage runs in phase 3: ``SitemapImportStage.record_success``
(the on-site filter, chunked ``INSERT ... SELECT FROM unnest(...) ON CONFLICT (domain_id, url)
DO UPDATE ... WHERE sitemap_file_id IS NULL``, the sitemap_files update, the domain counters)
in one ``transaction()`` per file, as the runner does with ``batch_size=1``: ``--rows`` split
into files of ``--file-rows`` URLs. "copy" is ``asyncpg.copy_records_to_table`` of the same
rows into ``pages_copy``, created ``LIKE pages INCLUDING ALL`` plus the same two foreign keys,
so both maintain the same indexes and checks; one COPY per file, one transaction each.
Variants alternate over ``--rounds`` rounds on emptied tables; medians are reported. Also
measured: a re-import of rows already there (every row a conflict), and the longest record
transaction (the bound a big file puts on phase 3). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import URL

from _stage_db import _connect_kwargs, fresh_database
from scrapersky.db.engine import Database
from scrapersky.db.transaction import transaction
from scrapersky.pipeline.stage import ClaimedItem
from scrapersky.pipeline.stages.sitemap_import import ImportResult, PageColumns, build
from scrapersky.settings import load_settings

DOMAIN = "bench-site.com"
COLUMNS = ["domain_id", "sitemap_file_id", "url", "lastmod", "changefreq", "priority", "extras"]


def make_files(rows: int, file_rows: int) -> list[PageColumns]:
    """Page rows like a real urlset: dates, changefreq, priority, an image on every 10th."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    files = []
    for first in range(0, rows, file_rows):
        numbers = range(first, min(rows, first + file_rows))
        urls = sorted(f"https://{DOMAIN}/catalogue/item-{n:08d}.html" for n in numbers)
        files.append(
            PageColumns(
                urls=urls,
                hosts=[DOMAIN] * len(urls),
                lastmods=[start + timedelta(minutes=n) for n in numbers],
                changefreqs=["weekly"] * len(urls),
                priorities=[0.5] * len(urls),
                extras=[
                    json.dumps({"images": [{"loc": f"https://{DOMAIN}/img/{n}.jpg"}]})
                    if n % 10 == 0
                    else None
                    for n in numbers
                ],
            )
        )
    return files


async def setup(url: URL, files: int) -> tuple[int, list[int]]:
    conn = await asyncpg.connect(**_connect_kwargs(url))  # type: ignore[arg-type]
    try:
        domain_id = await conn.fetchval(
            "INSERT INTO domains (domain) VALUES ($1) RETURNING id", DOMAIN
        )
        file_ids = [
            await conn.fetchval(
                "INSERT INTO sitemap_files (domain_id, url, discovered_via, import_status) "
                "VALUES ($1, $2, 'robots', 'processing') RETURNING id",
                domain_id,
                f"https://{DOMAIN}/sitemap-{n}.xml",
            )
            for n in range(files)
        ]
        await conn.execute(
            "CREATE TABLE pages_copy (LIKE pages INCLUDING ALL);"
            "ALTER TABLE pages_copy ADD FOREIGN KEY (domain_id) REFERENCES domains (id) "
            "ON DELETE CASCADE, ADD FOREIGN KEY (sitemap_file_id) REFERENCES sitemap_files (id) "
            "ON DELETE SET NULL"
        )
    finally:
        await conn.close()
    return int(domain_id), [int(i) for i in file_ids]


async def reset(url: URL) -> None:
    conn = await asyncpg.connect(**_connect_kwargs(url))  # type: ignore[arg-type]
    try:
        await conn.execute("TRUNCATE pages, pages_copy CASCADE")
        await conn.execute("UPDATE domains SET page_count = 0")
        await conn.execute("VACUUM ANALYZE pages")
        await conn.execute("VACUUM ANALYZE pages_copy")
    finally:
        await conn.close()


async def ours(
    database: Database, domain_id: int, file_ids: list[int], files: list[PageColumns]
) -> tuple[float, float]:
    """Seconds for the whole import, and the longest single record transaction."""
    stage = build(load_settings(auto_migrate=False))
    longest = 0.0
    started = time.perf_counter()
    for file_id, pages in zip(file_ids, files, strict=True):
        item = ClaimedItem(
            file_id, 1, uuid.uuid4(), {"domain_id": domain_id, "url": "x", "depth": 0}
        )
        result = ImportResult(
            final_url=f"https://{DOMAIN}/sitemap.xml",
            kind="urlset",
            pages=pages,
            children=(),
            has_lastmod=True,
            bytes=len(pages.urls) * 200,
            compressed=False,
            truncated=False,
            lastmod_invalid=0,
            notes=(),
        )
        one = time.perf_counter()
        async with transaction(database) as session:
            await stage.record_success(session, [(item, result)])
        longest = max(longest, time.perf_counter() - one)
    return time.perf_counter() - started, longest


async def copy(url: URL, domain_id: int, file_ids: list[int], files: list[PageColumns]) -> float:
    conn = await asyncpg.connect(**_connect_kwargs(url))  # type: ignore[arg-type]
    try:
        started = time.perf_counter()
        for file_id, pages in zip(file_ids, files, strict=True):
            records = list(
                zip(
                    [domain_id] * len(pages.urls),
                    [file_id] * len(pages.urls),
                    pages.urls,
                    pages.lastmods,
                    pages.changefreqs,
                    pages.priorities,
                    pages.extras,
                    strict=True,
                )
            )
            async with conn.transaction():
                await conn.copy_records_to_table("pages_copy", records=records, columns=COLUMNS)
        return time.perf_counter() - started
    finally:
        await conn.close()


async def count(database: Database, table: str) -> int:
    async with transaction(database) as session:
        return int((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--file-rows", type=int, default=50_000, help="URLs per sitemap file")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = make_files(args.rows, args.file_rows)
    timings: dict[str, list[float]] = {"ours": [], "copy": [], "reimport": [], "longest": []}
    async with fresh_database() as url:
        domain_id, file_ids = await setup(url, len(files))
        database = Database(load_settings(auto_migrate=False, pool_size=2), url)
        try:
            for round_no in range(args.rounds):
                await reset(url)
                order = ["ours", "copy"] if round_no % 2 == 0 else ["copy", "ours"]
                for variant in order:
                    if variant == "ours":
                        seconds, longest = await ours(database, domain_id, file_ids, files)
                        timings["ours"].append(seconds)
                        timings["longest"].append(longest)
                        again, _ = await ours(database, domain_id, file_ids, files)
                        timings["reimport"].append(again)
                    else:
                        timings["copy"].append(await copy(url, domain_id, file_ids, files))
                assert await count(database, "pages") == args.rows
                assert await count(database, "pages_copy") == args.rows
                print(
                    f"round {round_no + 1}: ours {timings['ours'][-1]:.2f}s, "
                    f"copy {timings['copy'][-1]:.2f}s, re-import {timings['reimport'][-1]:.2f}s"
                )
        finally:
            await database.dispose()
    median = {name: statistics.median(values) for name, values in timings.items()}
    ours_rate = args.rows / median["ours"]
    copy_rate = args.rows / median["copy"]
    reimport_rate = args.rows / median["reimport"]
    ratio = ours_rate / copy_rate
    print(f"{args.rows:,} rows in files of {args.file_rows:,}, median of {args.rounds} rounds")
    print(f"  ours (record_success, unnest upsert): {ours_rate:>10,.0f} rows/s")
    print(f"  raw asyncpg COPY:                     {copy_rate:>10,.0f} rows/s")
    print(f"  ratio ours / COPY:                    {ratio:>10.2f}x (target >= 0.5x)")
    print(f"  re-import (all conflicts):            {reimport_rate:>10,.0f} rows/s")
    print(f"  longest record transaction:           {median['longest']:>10.2f}s per file")
    print(
        json.dumps(
            {
                "bench": "sitemap_import",
                "rows": args.rows,
                "file_rows": args.file_rows,
                "ours_rows_per_s": round(ours_rate),
                "copy_rows_per_s": round(copy_rate),
                "ratio": round(ratio, 2),
                "reimport_rows_per_s": round(reimport_rate),
                "longest_record_s": round(median["longest"], 3),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
