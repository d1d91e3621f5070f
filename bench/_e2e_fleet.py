"""The processes of the end-to-end benchmark and what watches them (bench_pipeline_e2e.py).

    with sampleweb_process(sites=1000, latency=2.5) as web: stats = await web.stats()
    fleet = Fleet.start("new", database_url, web.base_url, data_dir); await fleet.stop()

- The sample web in its own process: what ``scrapersky sampleweb serve --sites --seed
  --latency --api-key`` builds, plus its request counters as one JSON line for each line read
  on stdin. The CLI has no stats endpoint, and the workers' ``scrapersky_fetch_requests_total``
  counts only ``Fetcher.fetch()`` - not robots.txt loads nor streamed sitemap reads - so the
  server is the one place that sees every scraping-API call.
- Two real ``scrapersky worker`` processes with the environment the issue prescribes.
- Samplers: ``pg_stat_activity`` every 100 ms; RSS and each worker's /metrics every 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import URL

from _held_session import FACTORIES
from _stage_db import ROOT, _connect_kwargs

API_KEY = "bench-e2e-key"
SEED = 42
WORKERS = 2
POOL_SIZE = 5
STAGES = ("metadata", "sitemap_discovery", "sitemap_import", "contacts_scan")
BENCH_APP = "scrapersky-bench"  # the benchmark's own connections, left out of the peaks
Metrics = list[tuple[str, dict[str, str], float]]


# --- the sample web -----------------------------------------------------------------------------


def serve_sampleweb(sites: int, seed: int, latency: str) -> None:
    """Child process: serve until stdin closes; answer each stdin line with the counters."""
    from scrapersky.sampleweb import CompositeSource, SampleWeb
    from scrapersky.sampleweb.generated import GeneratedSites

    async def run() -> None:
        source = CompositeSource([GeneratedSites(seed=seed, count=sites)])
        web = SampleWeb(source, latency=latency, api_key=API_KEY)
        await web.start()
        print(f"sample web on {web.base_url}", flush=True)
        while await asyncio.to_thread(sys.stdin.readline):
            by_status = {str(code): n for code, n in web.stats.by_status.items()}
            counters = {"requests": web.stats.requests, "api": web.stats.by_kind["api"]}
            print(json.dumps({**counters, "by_status": by_status}), flush=True)
        await web.stop()

    asyncio.run(run())


class SampleWebProcess:
    def __init__(self, proc: subprocess.Popen[str], base_url: str) -> None:
        self.proc = proc
        self.base_url = base_url

    def _stats(self) -> dict[str, Any]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    async def stats(self) -> dict[str, Any]:
        return await asyncio.to_thread(self._stats)


@contextmanager
def sampleweb_process(sites: int, latency: float) -> Iterator[SampleWebProcess]:
    command = [sys.executable, __file__, "--sites", str(sites), "--latency", str(latency)]
    proc = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("sample web on "):
            raise SystemExit(f"sample web did not start: {line!r}")
        yield SampleWebProcess(proc, line.split()[-1])
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # the child's stdin loop ends: it stops serving
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- the workers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker_env(
    database_url: URL, base_url: str, data_dir: Path, extra: dict[str, str]
) -> dict[str, str]:
    """This environment minus any SCRAPERSKY_* / DATABASE_URL of the caller's, plus the issue's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith("SCRAPERSKY_") and k.upper() != "DATABASE_URL"
    }
    return env | {
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "SCRAPERSKY_FETCH_BACKEND": "scraperapi",
        "SCRAPERSKY_SCRAPERAPI_ENDPOINT": base_url + "/",
        "SCRAPERSKY_SCRAPERAPI_KEY": API_KEY,
        "SCRAPERSKY_SSRF_ALLOW": '["127.0.0.1"]',
        "SCRAPERSKY_AUTO_ADVANCE": "true",
        "SCRAPERSKY_POOL_SIZE": str(POOL_SIZE),
        "SCRAPERSKY_POOL_MAX_OVERFLOW": "0",
        # The old design queues for the pool instead of failing: its best case.
        "SCRAPERSKY_POOL_TIMEOUT_S": "600",
        "SCRAPERSKY_STRICT_GUARD": "false",  # the old design must warn, not fail its items
        "SCRAPERSKY_AUTO_MIGRATE": "false",  # the benchmark migrated the fresh database
        "SCRAPERSKY_WORKER_GRACE_S": "5",  # only shortens the old design's stop
        "SCRAPERSKY_DATA_DIR": str(data_dir),  # diagnostics go to the run's temp directory
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        **{f"SCRAPERSKY_{name.upper()}": value for name, value in extra.items()},
    }


@dataclass
class Fleet:
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    handles: list[IO[bytes]] = field(default_factory=list)

    @classmethod
    def start(cls, design: str, env: dict[str, str], data_dir: Path) -> Fleet:
        """``WORKERS`` workers on every stage: registered (new) or held-session (old)."""
        stages: list[str] = []
        if design == "old":
            for name in STAGES:
                stages += ["--stage-factory", FACTORIES[name]]
        fleet = cls()
        for number in range(WORKERS):
            port = free_port()
            log = data_dir / f"{design}-worker-{number}.log"
            handle = log.open("wb")
            command = [sys.executable, "-m", "scrapersky", "worker", "--metrics-port", str(port)]
            command += ["--log-level", "WARNING", *stages]
            fleet.procs.append(
                subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=handle)
            )
            fleet.ports.append(port)
            fleet.logs.append(log)
            fleet.handles.append(handle)
        return fleet

    def cpu_seconds(self) -> list[float]:
        return [sum(psutil.Process(p.pid).cpu_times()[:2]) for p in self.procs]

    async def stop(self) -> list[int]:
        """SIGTERM (drain), then wait; SIGKILL after a minute. Returns the exit codes."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes: list[int] = []
        for proc in self.procs:
            try:
                codes.append(await asyncio.to_thread(proc.wait, 60))
            except subprocess.TimeoutExpired:
                proc.kill()
                codes.append(await asyncio.to_thread(proc.wait))
        for handle in self.handles:
            handle.close()
        return codes

    def count_in_logs(self, text: str) -> int:
        return sum(log.read_text(errors="replace").count(text) for log in self.logs)

    def log_tails(self, lines: int = 15) -> str:
        return "\n".join(
            f"== {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            for log in self.logs
        )


# --- the workers' metrics -----------------------------------------------------------------------


async def scrape(client: httpx.AsyncClient, port: int) -> Metrics:
    """Every sample a worker's /metrics shows, as (name, labels, value); [] if not up yet."""
    try:
        response = await client.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    except httpx.HTTPError:
        return []
    families = text_string_to_metric_families(response.text)
    return [(s.name, dict(s.labels), float(s.value)) for f in families for s in f.samples]


def total(samples: Metrics, name: str, **labels: str) -> float:
    return sum(
        v for n, lab, v in samples if n == name and all(lab.get(k) == w for k, w in labels.items())
    )


def hold_p99_ms(samples: Metrics) -> tuple[float | None, int]:
    """The upper bound (ms) of the hold-histogram bucket holding the 99th percentile (summed
    over the workers), and the number of holds."""
    buckets: dict[float, float] = defaultdict(float)
    for name, labels, value in samples:
        if name == "scrapersky_db_connection_hold_seconds_bucket":
            buckets[float(labels["le"])] += value
    count = buckets.get(float("inf"), 0.0)
    if not count:
        return None, 0
    bound = next(le for le in sorted(buckets) if buckets[le] >= 0.99 * count)
    return bound * 1000, int(count)


# --- samplers -----------------------------------------------------------------------------------


@dataclass
class Peaks:
    pg_in_use: int = 0
    pg_in_use_sum: int = 0
    pg_idle_in_transaction: int = 0
    pg_samples: int = 0
    rss: list[int] = field(default_factory=list)
    gauge_in_use: list[int] = field(default_factory=list)
    in_flight_peak: int = 0
    in_flight: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def in_flight_means(self) -> dict[str, dict[str, float]]:
        """Per stage: mean work() calls in flight over the run, and over the samples in which
        the stage had any (its busy time)."""
        means = {}
        for stage, values in self.in_flight.items():
            busy = [v for v in values if v > 0]
            means[stage] = {
                "run": round(sum(values) / max(len(values), 1), 1),
                "busy": round(sum(busy) / max(len(busy), 1), 1),
                "busy_share": round(len(busy) / max(len(values), 1), 2),
            }
        return means


async def sample_database(url: URL, peaks: Peaks, stop: asyncio.Event) -> None:
    """The workers' backends (application_name 'scrapersky') inside a transaction, every 100 ms."""
    server = {"application_name": BENCH_APP}
    conn = await asyncpg.connect(**_connect_kwargs(url), server_settings=server)
    query = """
        SELECT count(*) FILTER (WHERE state = 'active' OR state LIKE 'idle in transaction%'),
               count(*) FILTER (WHERE state LIKE 'idle in transaction%')
        FROM pg_stat_activity WHERE datname = $1 AND application_name = 'scrapersky'"""
    try:
        while not stop.is_set():
            in_use, idle_in_transaction = await conn.fetchrow(query, url.database)
            peaks.pg_in_use = max(peaks.pg_in_use, in_use)
            peaks.pg_in_use_sum += in_use
            peaks.pg_idle_in_transaction = max(peaks.pg_idle_in_transaction, idle_in_transaction)
            peaks.pg_samples += 1
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


async def sample_workers(fleet: Fleet, peaks: Peaks, stop: asyncio.Event) -> None:
    """Peak RSS (psutil), the in-use connection gauge and work() in flight, every 0.5 s."""
    procs = [psutil.Process(p.pid) for p in fleet.procs]
    peaks.rss = [0] * len(procs)
    peaks.gauge_in_use = [0] * len(procs)
    async with httpx.AsyncClient(trust_env=False) as client:
        while not stop.is_set():
            in_flight = dict.fromkeys(STAGES, 0.0)
            for index, (proc, port) in enumerate(zip(procs, fleet.ports, strict=True)):
                try:
                    peaks.rss[index] = max(peaks.rss[index], proc.memory_info().rss)
                except psutil.Error:
                    continue
                samples = await scrape(client, port)
                in_use = int(total(samples, "scrapersky_db_connections_in_use"))
                peaks.gauge_in_use[index] = max(peaks.gauge_in_use[index], in_use)
                for name, labels, value in samples:
                    if name == "scrapersky_stage_in_flight" and labels["stage"] in in_flight:
                        in_flight[labels["stage"]] += value
            for stage, value in in_flight.items():
                peaks.in_flight[stage].append(value)
            peaks.in_flight_peak = max(peaks.in_flight_peak, int(sum(in_flight.values())))
            await asyncio.sleep(0.5)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the sample web for bench_pipeline_e2e.py")
    parser.add_argument("--sites", type=int, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--latency", default="2.5")
    args = parser.parse_args()
    serve_sampleweb(args.sites, args.seed, args.latency)
