"""Fair claiming (``fair_by="domain_id"``, the contacts scan) on a big queue: claim time and
how many domains consecutive claims reach, the previous statement against the current one.

    .venv/bin/python bench/bench_fair_claim.py                 # about 1 minute on 2 cores
    .venv/bin/python bench/bench_fair_claim.py --domains 1000 --pages 100 --history 400

A fresh database gets ``--domains`` domains with ``--pages`` due pages each (queued, due now,
inserted domain by domain), then - second scenario - ``--history`` completed pages per domain
more (a table that has been scanned before). Each claim of ``--batch`` rows runs in its own
transaction and is rolled back, so every timed claim sees the same queue; the two statements
alternate claim by claim (side by side, same run) and the median of ``--claims`` is reported.
Coverage: ``--coverage`` consecutive claims in one transaction (each sees the rows the last
one took as processing), and the number of distinct domains they reached.

- before: one ``row_number() OVER (PARTITION BY domain_id ...)`` over every due row, then
  every due row joined back and sorted by (rank, due time, id); every claim starts again from
  the same lowest ids;
- after: ``claim_batch`` as it is (``db/queries/stage.py``): the due rows' distinct domains
  (hash aggregate), the next ``batch`` of them in this runner's rotation, only their rows
  ranked.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import statistics
import time
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from _stage_db import fresh_database
from scrapersky.db.engine import Database
from scrapersky.db.queries.stage import FairRotation, StageTarget, claim_batch
from scrapersky.pipeline.registry import QUEUES
from scrapersky.settings import load_settings

TARGET: StageTarget = dataclasses.replace(QUEUES["contacts_scan"], fair_by="domain_id")

# The fair claim as it was before rotation (db/queries/stage.py at the first commit).
BEFORE = text(
    "WITH expired AS MATERIALIZED (SELECT id FROM pages WHERE scan_status = 'processing' "
    "AND scan_lease_expires_at < now() ORDER BY scan_lease_expires_at "
    "FOR NO KEY UPDATE SKIP LOCKED LIMIT :n), "
    "ranked AS MATERIALIZED (SELECT id, row_number() OVER (PARTITION BY domain_id "
    "ORDER BY scan_next_attempt_at, id) AS rn, scan_next_attempt_at AS due_at FROM pages "
    "WHERE scan_status = 'queued' AND scan_next_attempt_at <= now()), "
    "queued AS MATERIALIZED (SELECT q.id FROM pages AS q JOIN ranked r ON r.id = q.id "
    "WHERE q.scan_status = 'queued' AND q.scan_next_attempt_at <= now() "
    "ORDER BY r.rn, r.due_at, q.id FOR NO KEY UPDATE OF q SKIP LOCKED "
    "LIMIT :n - (SELECT count(*) FROM expired)) "
    "UPDATE pages AS t SET scan_status = 'processing', scan_lease_token = :token, "
    "scan_lease_expires_at = now() + make_interval(secs => :lease_s), "
    "scan_attempts = t.scan_attempts + 1, updated_at = now() "
    "WHERE t.id = ANY(ARRAY(SELECT id FROM expired UNION ALL SELECT id FROM queued)) "
    "RETURNING t.id, t.domain_id"
)


async def claim_before(session: AsyncSession, batch: int) -> list[int]:
    params = {"n": batch, "token": uuid.uuid4(), "lease_s": 60.0}
    return [int(row.domain_id) for row in await session.execute(BEFORE, params)]


async def claim_after(session: AsyncSession, batch: int, rotation: FairRotation) -> list[int]:
    rows = await claim_batch(
        session, TARGET, limit=batch, token=uuid.uuid4(), lease_s=60.0, rotation=rotation
    )
    return [int(row.values["domain_id"]) for row in rows]


async def seed(database: Database, domains: int, pages: int) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO domains (domain) "
                "SELECT 'd' || g || '.test' FROM generate_series(1, :n) g"
            ),
            {"n": domains},
        )
        await conn.execute(
            text(
                "INSERT INTO pages (domain_id, url, scan_status) SELECT d.id, "
                "'https://' || d.domain || '/p' || g, 'queued' FROM domains d "
                "CROSS JOIN generate_series(1, :n) g ORDER BY d.id, g"
            ),
            {"n": pages},
        )


async def add_history(database: Database, per_domain: int) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO pages (domain_id, url, scan_status, scan_attempts) SELECT d.id, "
                "'https://' || d.domain || '/old' || g, 'complete', 1 FROM domains d "
                "CROSS JOIN generate_series(1, :n) g"
            ),
            {"n": per_domain},
        )


async def analyze(database: Database) -> None:
    async with database.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE pages"))


async def timed_claims(database: Database, batch: int, claims: int) -> dict[str, list[float]]:
    """Claim times in ms, the two statements alternating; each claim rolled back."""
    rotation = FairRotation()
    times: dict[str, list[float]] = {"before": [], "after": []}
    for i in range(claims * 2 + 2):
        which = "before" if i % 2 == 0 else "after"
        async with database.engine.connect() as conn:
            trans = await conn.begin()
            session = AsyncSession(bind=conn)
            started = time.perf_counter()
            if which == "before":
                got = await claim_before(session, batch)
            else:
                got = await claim_after(session, batch, rotation)
            elapsed = (time.perf_counter() - started) * 1000
            await session.close()
            await trans.rollback()
        assert len(got) == batch, (which, len(got))
        if i >= 2:  # the first of each warms the caches
            times[which].append(elapsed)
    return times


async def coverage(database: Database, batch: int, claims: int) -> dict[str, Any]:
    """Distinct domains reached by consecutive claims (one transaction, rolled back)."""
    out: dict[str, Any] = {}
    for which in ("before", "after"):
        rotation = FairRotation()
        per_claim: list[list[int]] = []
        async with database.engine.connect() as conn:
            trans = await conn.begin()
            session = AsyncSession(bind=conn)
            for _ in range(claims):
                if which == "before":
                    per_claim.append(await claim_before(session, batch))
                else:
                    per_claim.append(await claim_after(session, batch, rotation))
            await session.close()
            await trans.rollback()
        every = [d for claimed in per_claim for d in claimed]
        out[which] = {"rows": len(every), "distinct_domains": len(set(every))}
    return out


def summary(times: dict[str, list[float]]) -> dict[str, float]:
    return {which: round(statistics.median(values), 2) for which, values in times.items()}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=100, help="due pages per domain")
    parser.add_argument("--history", type=int, default=400, help="completed pages per domain")
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--claims", type=int, default=15, help="timed claims per statement")
    parser.add_argument("--coverage", type=int, default=10, help="consecutive claims")
    args = parser.parse_args()

    async with fresh_database() as url:
        database = Database(load_settings(auto_migrate=False, pool_size=2), url)
        try:
            await seed(database, args.domains, args.pages)
            await analyze(database)
            due = args.domains * args.pages
            print(f"{due:,} due pages over {args.domains:,} domains, batch {args.batch}")
            plain = summary(await timed_claims(database, args.batch, args.claims))
            reach = await coverage(database, args.batch, args.coverage)
            print(f"  claim median: before {plain['before']} ms, after {plain['after']} ms")
            for which, seen in reach.items():
                print(
                    f"  {which}: {args.coverage} consecutive claims reached "
                    f"{seen['distinct_domains']} domains ({seen['rows']} rows)"
                )
            await add_history(database, args.history)
            await analyze(database)
            total = due + args.domains * args.history
            print(f"plus {args.history} completed pages per domain ({total:,} pages in all)")
            history = summary(await timed_claims(database, args.batch, args.claims))
            print(f"  claim median: before {history['before']} ms, after {history['after']} ms")
        finally:
            await database.dispose()
    print(
        json.dumps(
            {
                "bench": "fair_claim",
                "due_pages": due,
                "domains": args.domains,
                "batch": args.batch,
                "claim_ms_before": plain["before"],
                "claim_ms_after": plain["after"],
                "speedup": round(plain["before"] / plain["after"], 1),
                "claim_ms_before_with_history": history["before"],
                "claim_ms_after_with_history": history["after"],
                "domains_in_10_claims_before": reach["before"]["distinct_domains"],
                "domains_in_10_claims_after": reach["after"]["distinct_domains"],
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
