"""`scrapersky run` (API + UI + workers in one process) and the curate commands, as real
processes against a test database and the sample web."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.engine import URL

from scrapersky.sampleweb.generated import GeneratedSites
from scrapersky.sampleweb.server import SampleWeb
from tests.support.sampleweb import running_sampleweb

pytestmark = pytest.mark.acceptance

API_KEY = "run-test-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(db_url: URL, web: SampleWeb) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url.render_as_string(hide_password=False).replace("+asyncpg", ""),
        "SCRAPERSKY_FETCH_BACKEND": "scraperapi",
        "SCRAPERSKY_SCRAPERAPI_ENDPOINT": web.api_url,
        "SCRAPERSKY_SCRAPERAPI_KEY": API_KEY,
        "SCRAPERSKY_SSRF_ALLOW": '["127.0.0.1"]',
        "SCRAPERSKY_WORKER_POLL_INTERVAL_S": "0.2",
        "SCRAPERSKY_WORKER_GRACE_S": "5",
        "SCRAPERSKY_LOG_LEVEL": "WARNING",
    }


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


async def cli(env: dict[str, str], *args: str) -> Ran:
    """Run the CLI without blocking the loop: the sample web serves from this loop."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scrapersky", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return Ran(int(proc.returncode or 0), out.decode(), err.decode())


async def wait_for(predicate: object, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.3)
    raise AssertionError("condition not met in time")


async def test_run_serves_the_api_and_works_the_queue(db_url: URL) -> None:
    sites = GeneratedSites(seed=5, count=3, faults_fraction=0.0)
    async with running_sampleweb(sites, api_key=API_KEY) as web:
        env = environment(db_url, web)
        port = free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "scrapersky", "run", "--port", str(port), "-s", "metadata",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:

                async def api_up() -> bool:
                    try:
                        return (await client.get("/readyz")).status_code == 200
                    except httpx.TransportError:
                        return False

                await wait_for(api_up)
                added = await client.post("/api/domains", json={"domains": sites.hosts()})
                assert added.status_code == 200, added.text
                assert added.json()["accepted"] == 3

                async def all_enriched() -> bool:
                    items = (await client.get("/api/domains")).json()["items"]
                    return len(items) == 3 and all(
                        item["metadata_status"] == "completed" for item in items
                    )

                await wait_for(all_enriched)
                titles = {
                    i["domain"]: i["title"]
                    for i in (await client.get("/api/domains")).json()["items"]
                }
                for host in sites.hosts():
                    assert titles[host] == sites.truth(host).homepage.title
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        assert proc.returncode == 0, err.decode()[-2000:]


async def test_pages_and_sitemaps_curate_commands(db_url: URL) -> None:
    sites = GeneratedSites(seed=5, count=2, faults_fraction=0.0)
    host = sites.hosts()[0]
    async with running_sampleweb(sites, api_key=API_KEY) as web:
        env = environment(db_url, web)
        assert (await cli(env, "domains", "add", host)).returncode == 0
        assert (await cli(env, "domains", "curate", "--status", "selected", host)).returncode == 0
        ran = await cli(env, "worker", "-s", "sitemap_discovery", "--exit-when-idle")
        assert ran.returncode == 0, ran.stderr[-2000:]

        selected = await cli(
            env, "sitemaps", "curate", "--status", "selected", "--domain", host, "--json"
        )
        assert selected.returncode == 0, selected.stderr
        discovered = {
            s.url for s in sites.truth(host).sitemaps if s.discovered_via != "index_child"
        }
        assert json.loads(selected.stdout)["updated"] == len(discovered)

        ran = await cli(env, "worker", "-s", "sitemap_import", "--exit-when-idle")
        assert ran.returncode == 0, ran.stderr[-2000:]
        picked = await cli(
            env, "pages", "curate", "--status", "selected", "--domain", host,
            "--url", "*/contact*", "--json",
        )  # fmt: skip
        assert picked.returncode == 0, picked.stderr
        contact_like = [p.url for p in sites.truth(host).pages if "/contact" in p.url]
        assert json.loads(picked.stdout) == {
            "updated": len(contact_like),
            "queued": len(contact_like),
        }
        unknown = await cli(env, "pages", "curate", "--status", "selected", "--domain", "nope.com")
        assert unknown.returncode == 2
        assert "unknown domain(s): nope.com" in unknown.stderr
