"""Fetch throughput: our Fetcher vs a bare httpx loop against the same sample web, same URLs.

    .venv/bin/python bench/bench_fetch.py                  # about a minute on 2 cores
    .venv/bin/python bench/bench_fetch.py --requests 5000 --rounds 5

The sample web runs in a SUBPROCESS (``scrapersky sampleweb serve --port 0``) so the server
does not share the client's event loop or core. It serves the shared corpus (files up to
64 KiB, through the ``/_site/<host>/`` prefix, i.e. the ``direct`` backend, 127.0.0.1
allow-listed). For each concurrency (50, 200) the three clients run interleaved rounds
(bare, small pools, ours, bare, ...) after one warm-up each; the median round is reported.

- bare: ``httpx.AsyncClient`` (keep-alive pool of the same size), ``await client.get(url)``
  then ``response.content``: no SSRF check, no caps, no robots, no politeness.
- bare, small pools: the same bare loop over ``concurrency / 4`` clients of 4 connections
  taken in turn, which is what the Fetcher's transport does (httpcore's per-request cost
  grows with pool size): the difference to "ours" is the cost of the safety layers alone.
- ours: ``Fetcher.fetch(url)`` with everything on: SSRF guard at connect, byte cap and capped
  decoding, robots.txt (cached per origin), per-host slot (per_host_concurrency set to the
  concurrency: one host here), total timeout, metrics.

Client CPU time per page is printed too: on a busy machine it is steadier than pages/s.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from scrapersky.sampleweb.corpus import read_manifest
from scrapersky.settings import load_settings
from scrapersky.web.backends import SHARD_CONNECTIONS
from scrapersky.web.fetch import Fetcher

ROOT = Path(__file__).resolve().parents[1]
MAX_FILE_BYTES = 64 * 1024


def corpus_dir() -> Path:
    return Path(os.environ.get("SCRAPERSKY_CORPUS_DIR") or ROOT.parent / "shared" / "corpus")


def start_server(corpus: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "scrapersky", "sampleweb", "serve", "--port", "0"]
    server = subprocess.Popen(
        [*command, "--corpus", str(corpus)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    match = re.search(r"sample web on (http://\S+)", line)
    if match is None:
        server.kill()
        raise SystemExit(f"sample web did not start: {line!r}")
    return server, match.group(1)


def urls_for(corpus: Path, base: str) -> list[str]:
    rows = [r for r in read_manifest(corpus) if r.bytes <= MAX_FILE_BYTES]
    return [f"{base}/_site/{r.host}{r.served_path}" for r in rows]


async def drive(
    urls: list[str], total: int, concurrency: int, get: Callable[[str], Awaitable[int]]
) -> tuple[float, int, int]:
    """``concurrency`` workers fetch ``total`` URLs; returns (seconds, ok count, bytes)."""
    next_index = 0
    ok = 0
    size = 0

    async def worker() -> None:
        nonlocal next_index, ok, size
        while next_index < total:
            url = urls[next_index % len(urls)]
            next_index += 1
            got = await get(url)
            if got >= 0:
                ok += 1
                size += got

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, ok, size


async def bare_round(urls: list[str], total: int, concurrency: int) -> tuple[float, int, int]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def get(url: str) -> int:
            response = await client.get(url)
            return len(response.content) if response.status_code == 200 else -1

        return await drive(urls, total, concurrency, get)


async def sharded_round(urls: list[str], total: int, concurrency: int) -> tuple[float, int, int]:
    """Bare httpx again, but with small pools like the Fetcher's (clients taken in turn)."""
    count = max(1, concurrency // SHARD_CONNECTIONS)
    limits = httpx.Limits(max_connections=SHARD_CONNECTIONS, max_keepalive_connections=4)
    clients = [httpx.AsyncClient(limits=limits, timeout=30) for _ in range(count)]
    turn = itertools.cycle(clients)

    async def get(url: str) -> int:
        response = await next(turn).get(url)
        return len(response.content) if response.status_code == 200 else -1

    try:
        return await drive(urls, total, concurrency, get)
    finally:
        for client in clients:
            await client.aclose()


async def ours_round(urls: list[str], total: int, concurrency: int) -> tuple[float, int, int]:
    settings = load_settings(
        fetch_backend="direct",
        ssrf_allow=["127.0.0.1"],
        fetch_concurrency=concurrency,
        per_host_concurrency=concurrency,
        per_host_delay_s=0,
        respect_robots=True,
    )
    async with Fetcher(settings) as fetcher:

        async def get(url: str) -> int:
            result = await fetcher.fetch(url)
            return len(result.body) if result.ok else -1

        return await drive(urls, total, concurrency, get)


async def measure(urls: list[str], total: int, rounds: int) -> dict[str, object]:
    figures: dict[str, object] = {}
    for concurrency in (50, 200):
        clients = {"bare": bare_round, "sharded": sharded_round, "ours": ours_round}
        for run in clients.values():
            await run(urls, total // 4, concurrency)  # warm-up
        rates: dict[str, list[float]] = {name: [] for name in clients}
        cpu: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(rounds):
            for name, run in clients.items():
                cpu_before = time.process_time()
                seconds, ok, size = await run(urls, total, concurrency)
                cpu[name].append((time.process_time() - cpu_before) / total * 1000)
                if ok != total:
                    raise SystemExit(f"{name}: only {ok}/{total} pages fetched")
                rates[name].append(total / seconds)
        bare, sharded, ours = (statistics.median(rates[name]) for name in clients)
        print(
            f"concurrency {concurrency:>3}: bare httpx {bare:6.0f} pages/s | "
            f"bare httpx, small pools {sharded:6.0f} | Fetcher {ours:6.0f} | "
            f"Fetcher/bare {ours / bare:.2f} | Fetcher/small pools {ours / sharded:.2f}"
        )
        cpu_ms = {name: statistics.median(values) for name, values in cpu.items()}
        print(
            "    client CPU per page (ms): "
            + ", ".join(f"{name} {value:.3f}" for name, value in cpu_ms.items())
        )
        print(
            f"    ({total} pages, {size / 1e6:.1f} MB per round; every round in pages/s: "
            + ", ".join(f"{n} {[round(r) for r in rates[n]]}" for n in clients)
            + ")"
        )
        figures[f"bare_pages_per_s_c{concurrency}"] = round(bare, 1)
        figures[f"bare_small_pools_pages_per_s_c{concurrency}"] = round(sharded, 1)
        figures[f"fetcher_pages_per_s_c{concurrency}"] = round(ours, 1)
        figures[f"ratio_c{concurrency}"] = round(ours / bare, 3)
        figures[f"ratio_vs_small_pools_c{concurrency}"] = round(ours / sharded, 3)
        for name, value in cpu_ms.items():
            figures[f"{name}_cpu_ms_per_page_c{concurrency}"] = round(value, 3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="pages per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per client (median)")
    args = parser.parse_args()
    corpus = corpus_dir()
    if not (corpus / "sites").is_dir():
        raise SystemExit(f"corpus not found at {corpus} (set SCRAPERSKY_CORPUS_DIR)")
    server, base = start_server(corpus)
    try:
        urls = urls_for(corpus, base)
        print(f"sample web (subprocess) at {base}; {len(urls)} corpus URLs <= 64 KiB")
        figures = asyncio.run(measure(urls, args.requests, args.rounds))
    finally:
        server.terminate()
        server.wait(timeout=10)
    ratio = min(float(str(figures["ratio_c50"])), float(str(figures["ratio_c200"])))
    print(json.dumps({"bench": "fetch", **figures, "min_ratio": ratio, "target_ratio": 0.8}))


if __name__ == "__main__":
    main()
