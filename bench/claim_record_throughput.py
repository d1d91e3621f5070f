"""Claim + record throughput of the runner with no-op work, in real worker processes.

    .venv/bin/python bench/claim_record_throughput.py               # about 2-3 minutes
    .venv/bin/python bench/claim_record_throughput.py --rows 40000 --batches 10 100 --workers 1 4

For each (batch size, worker count): W ``scrapersky worker`` processes run a stage whose
work() returns at once, so all that is measured is phase 1 + phase 3 - one claim and one
record transaction per batch, fenced by lease token - plus the worker's loop. The workers
start first and idle (polling every 50 ms); then ``--rows`` rows are inserted in one
transaction. Throughput is rows / (last record's now() - the insert's now()), both taken
from the server's clock, so interpreter start-up is not counted. Each worker runs
``concurrency = 2 x batch`` (the claim of the next batch overlaps the record of the last).
Configurations are interleaved over ``--rounds`` rounds and the median is reported (a shared
machine's load swings single runs by a third). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL

from _stage_db import ROOT, _connect_kwargs, fresh_database
from scrapersky.pipeline.registry import QUEUES
from scrapersky.pipeline.stage import BaseStage, ClaimedItem, StageSpec, Success
from scrapersky.settings import Settings

BENCH_DIR = Path(__file__).resolve().parent


class NoopStage(BaseStage[None]):
    def __init__(self) -> None:
        self.spec = StageSpec.on(QUEUES["metadata"], name="noop", lease_s=120, item_timeout_s=60)

    async def work(self, item: ClaimedItem) -> Success[None]:
        return Success(None)


def noop_stage(settings: Settings) -> NoopStage:
    """``scrapersky worker --stage-factory claim_record_throughput:noop_stage``"""
    return NoopStage()


IN_FLIGHT_BATCHES = 2  # per worker: the claim of the next overlaps the record of the last


def spawn(url: URL, batch: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPERSKY_")}
    env.update(
        {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "SCRAPERSKY_AUTO_MIGRATE": "0",
            "SCRAPERSKY_WORKER_POLL_INTERVAL_S": "0.05",
            "SCRAPERSKY_DIAGNOSTIC_MAX_FILES": "0",
            "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(ROOT / "src")]),
        }
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scrapersky",
                "worker",
                "--stage-factory",
                "claim_record_throughput:noop_stage",
                "--batch-size",
                str(batch),
                "--concurrency",
                str(IN_FLIGHT_BATCHES * batch),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def one_run(url: URL, rows: int, batch: int, workers: int, tmp: Path) -> float:
    conn = await asyncpg.connect(**_connect_kwargs(url))
    logs = [tmp / f"b{batch}-w{workers}-{n}.log" for n in range(workers)]
    procs = [spawn(url, batch, log) for log in logs]
    try:
        await conn.execute("TRUNCATE domains CASCADE")
        deadline = time.monotonic() + 120
        while not all("worker_started" in log.read_text() for log in logs if log.exists()):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("workers did not start: " + logs[0].read_text()[-2000:])
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # every worker is polling
        started = await conn.fetchval(
            "WITH i AS (INSERT INTO domains (domain) "
            "SELECT 'n' || g || '.test' FROM generate_series(1, $1) g) SELECT now()",
            rows,
        )
        while True:
            await asyncio.sleep(0.25)
            done = await conn.fetchval(
                "SELECT count(*) FROM domains WHERE metadata_status = 'completed'"
            )
            if done == rows:
                break
            if any(p.poll() is not None for p in procs):
                raise RuntimeError("a worker died: " + logs[0].read_text()[-2000:])
        finished = await conn.fetchval("SELECT max(metadata_finished_at) FROM domains")
        processing = await conn.fetchval(
            "SELECT count(*) FROM domains WHERE metadata_status <> 'completed'"
        )
        assert processing == 0
        return float(rows / (finished - started).total_seconds())
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        await conn.close()


async def bench(
    rows: int, batches: Sequence[int], workers: Sequence[int], rounds: int, logs: Path | None
) -> dict[str, object]:
    rates: dict[str, list[float]] = {f"batch{b}_workers{w}": [] for b in batches for w in workers}
    with tempfile.TemporaryDirectory(prefix="sky-bench-") as scratch:
        tmp = logs or Path(scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        async with fresh_database() as url:
            for round_number in range(1, rounds + 1):  # configurations interleaved per round
                for batch in batches:
                    for count in workers:
                        rate = await one_run(url, rows, batch, count, tmp)
                        rates[f"batch{batch}_workers{count}"].append(rate)
                        print(
                            f"round {round_number}  batch {batch:>4}  workers {count}  "
                            f"{rows} rows  {rate:8.0f} rows/s",
                            flush=True,
                        )
    medians = {key: round(statistics.median(values)) for key, values in rates.items()}
    for key, value in medians.items():
        print(f"median {key}: {value} rows/s")
    return {
        "bench": "claim_record_throughput",
        "rows": rows,
        "rounds": rounds,
        "rows_per_s": medians,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batches", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=3, help="median of this many runs each")
    parser.add_argument("--logs", type=Path, help="keep the workers' logs in this directory")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}  load average: {os.getloadavg()[0]:.2f}")
    result = asyncio.run(bench(args.rows, args.batches, args.workers, args.rounds, args.logs))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
