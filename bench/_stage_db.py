"""Shared by the stage-runner benchmarks: a fresh migrated database, and a loopback server.

    async with fresh_database() as url: ...        # dropped afterwards
    with latency_server(0.5) as (host, port): ...   # GET /<anything> answers after 0.5 s
    status, body = await loopback_get(host, port, "/item/7")

The database server is ``SCRAPERSKY_BENCH_DATABASE_URL`` or ``DATABASE_URL`` when set,
otherwise an embedded PostgreSQL in ``.scrapersky/bench/pgdata``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from scrapersky.db.embedded import start_embedded
from scrapersky.db.engine import Database
from scrapersky.db.migrate import upgrade
from scrapersky.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def server_url() -> URL:
    raw = os.environ.get("SCRAPERSKY_BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not raw:
        raw = start_embedded(ROOT / ".scrapersky" / "bench" / "pgdata")
    return make_url(raw).set(drivername="postgresql+asyncpg")


def _connect_kwargs(url: URL) -> dict[str, object]:
    host = url.query.get("host") or url.host
    return {
        "user": url.username or "postgres",
        "password": url.password or None,
        "database": url.database or "postgres",
        "host": host if isinstance(host, str) else (host[0] if host else None),
        "port": url.port,
    }


async def _admin(url: URL, statement: str) -> None:
    conn = await asyncpg.connect(**_connect_kwargs(url.set(database="postgres")))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_database() -> AsyncIterator[URL]:
    """A new database on the bench server, migrated to head; dropped on exit."""
    admin = server_url()
    name = f"sky_bench_{uuid.uuid4().hex[:10]}"
    await _admin(admin, f'CREATE DATABASE "{name}"')
    url = admin.set(database=name)
    try:
        database = Database(load_settings(auto_migrate=False, pool_size=2), url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()
        yield url
    finally:
        await _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_SERVER = textwrap.dedent(
    """
    import asyncio, sys
    DELAY = float(sys.argv[1])
    async def handle(reader, writer):
        try:
            while True:
                request = await reader.readuntil(b"\\r\\n\\r\\n")
                await asyncio.sleep(DELAY)
                body = request.split(b" ", 2)[1]
                head = b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body)
                writer.write(head + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()
    asyncio.run(main())
    """
)


@contextmanager
def latency_server(delay_s: float) -> Iterator[tuple[str, int]]:
    """An HTTP server in a subprocess (its own core) answering every GET after ``delay_s``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(delay_s)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(10)


async def loopback_get(host: str, port: int, path: str) -> tuple[int, bytes]:
    """A minimal HTTP/1.1 GET (one connection per call). The benchmark measures connection
    handling, not a client library: httpx's pool spends O(connections x waiting requests)
    per state change at 100 concurrent requests, which swamps both variants alike."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await reader.readexactly(length)
    finally:
        writer.close()
