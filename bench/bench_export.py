"""Streaming contact export: 1M rows in bounded memory, no connection held between batches.

    .venv-bench/bin/python bench/bench_export.py [--rows 1000000] [--batch 5000]

Side by side in one run on the same table: the keyset export (one short transaction per
batch, services/exports.py) and the naive export (every row loaded in one transaction).
Prints rows/s, peak RSS growth and the longest connection hold of each, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import asyncpg
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stage_db import _connect_kwargs, fresh_database
from scrapersky.db.engine import Database, set_database
from scrapersky.db.queries.contacts import ContactFilter, list_contacts
from scrapersky.db.transaction import transaction
from scrapersky.guard.runtime import STATS, configure_guard
from scrapersky.services.exports import EXPORTS, encode_rows, export_chunks
from scrapersky.settings import load_settings

DOMAINS = 1000


async def fill(url: object, rows: int) -> None:
    conn = await asyncpg.connect(**_connect_kwargs(url))  # type: ignore[arg-type]
    try:
        await conn.execute(
            "INSERT INTO domains (domain) SELECT 'd' || g || '.com' FROM generate_series(1, $1) g",
            DOMAINS,
        )
        await conn.execute(
            "INSERT INTO contacts (domain_id, kind, value, email_type, source_url) "
            "SELECT (g % $2) + 1, 'email', 'user' || g || '@d' || (g % $2) || '.com', "
            "'corporate', 'https://d' || (g % $2) || '.com/contact' FROM generate_series(1, $1) g",
            rows,
            DOMAINS,
        )
        await conn.execute("VACUUM ANALYZE contacts")  # hint bits set: measure steady state
    finally:
        await conn.close()


def rss() -> int:
    return int(psutil.Process().memory_info().rss)


async def streaming(batch: int) -> dict[str, float]:
    STATS.reset()
    base = peak = rss()
    written = chunks = 0
    started = time.perf_counter()
    async for chunk in export_chunks("contacts", ContactFilter(), "csv", batch_size=batch):
        written += len(chunk)
        chunks += 1
        peak = max(peak, rss())
    elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "bytes": written,
        "transactions": chunks - 1,
        "peak_rss_growth_mb": (peak - base) / 2**20,
        "max_hold_s": max(STATS.holds or [0.0]),
    }


async def naive(rows: int) -> dict[str, float]:
    STATS.reset()
    base = rss()
    started = time.perf_counter()
    async with transaction() as session:
        everything = await list_contacts(session, ContactFilter(), sort="id", limit=rows + 1)
    data = encode_rows(everything, EXPORTS["contacts"].columns, "csv")
    peak = rss()
    elapsed = time.perf_counter() - started
    del everything
    return {
        "seconds": elapsed,
        "bytes": len(data),
        "transactions": 1,
        "peak_rss_growth_mb": (peak - base) / 2**20,
        "max_hold_s": max(STATS.holds or [0.0]),
    }


async def main() -> dict[str, object]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000)
    args = parser.parse_args()
    configure_guard(strict=False, hold_warn_s=3600)
    async with fresh_database() as url:
        print(f"filling {args.rows:,} contacts ...", flush=True)
        await fill(url, args.rows)
        database = Database(load_settings(auto_migrate=False, pool_size=2), url)
        set_database(database)
        try:
            stream = await streaming(args.batch)
            loaded = await naive(args.rows)
        finally:
            set_database(None)
            await database.dispose()
    for name, result in (("keyset stream", stream), ("one big query", loaded)):
        print(
            f"{name:14s} {args.rows / result['seconds']:>10,.0f} rows/s  "
            f"{result['bytes'] / 2**20:7.1f} MiB out  "
            f"peak RSS +{result['peak_rss_growth_mb']:7.1f} MiB  "
            f"{int(result['transactions']):4d} transactions  "
            f"longest hold {result['max_hold_s'] * 1000:8.1f} ms"
        )
    return {
        "bench": "export_contacts",
        "rows": args.rows,
        "batch": args.batch,
        "stream_rows_per_s": round(args.rows / stream["seconds"]),
        "stream_peak_rss_growth_mb": round(stream["peak_rss_growth_mb"], 1),
        "stream_longest_hold_ms": round(stream["max_hold_s"] * 1000, 1),
        "naive_rows_per_s": round(args.rows / loaded["seconds"]),
        "naive_peak_rss_growth_mb": round(loaded["peak_rss_growth_mb"], 1),
        "naive_longest_hold_ms": round(loaded["max_hold_s"] * 1000, 1),
        "memory_ratio_naive_over_stream": round(
            loaded["peak_rss_growth_mb"] / max(stream["peak_rss_growth_mb"], 1.0), 1
        ),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
