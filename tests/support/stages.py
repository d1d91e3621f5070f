"""Test stages for the runner and worker tests, and the loopback server they fetch from.

- ``SlowServer``: a real HTTP server on 127.0.0.1 (own thread and event loop) answering
  ``GET /item/<id>?delay=<s>&status=<code>`` after the delay.
- ``ProbeStage``: the metadata queue on ``domains``; work() GETs the server (or sleeps),
  proves it holds no connection and no transaction, and appends start/end events to a
  per-process JSON-lines file; record_success writes ``domains.title`` and one ``contacts``
  row per successful attempt (value = lease token), so a duplicate record would show.
- ``probe_stage(settings)``: the factory ``scrapersky worker --stage-factory`` calls; it reads
  its configuration from ``SKY_PROBE_*`` environment variables.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import event, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from scrapersky.db.engine import get_database
from scrapersky.db.schema import contacts, domains
from scrapersky.db.transaction import transaction
from scrapersky.guard.runtime import assert_no_transaction
from scrapersky.pipeline.registry import QUEUES
from scrapersky.pipeline.stage import BaseStage, ClaimedItem, Failure, StageSpec, Success
from scrapersky.settings import Settings

# --- the loopback server -------------------------------------------------------------------


class SlowServer:
    """HTTP/1.1 keep-alive server on 127.0.0.1 that answers after ``?delay=`` seconds."""

    def __init__(self, default_delay_s: float = 0.0) -> None:
        self.default_delay_s = default_delay_s
        self.port = 0
        self.requests = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SlowServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("slow server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self._server = server
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                target = request.split(b" ", 2)[1].decode()
                parts = urlsplit(target)
                query = parse_qs(parts.query)
                delay = float(query.get("delay", [self.default_delay_s])[0])
                status = int(query.get("status", ["200"])[0])
                self.requests += 1
                if delay:
                    await asyncio.sleep(delay)
                body = f"ok {parts.path.rsplit('/', 1)[-1]}".encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n"
                    "Content-Type: text/plain\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


# --- proof that work() holds no connection -------------------------------------------------


class TaskConnections:
    """Which asyncio task checked out each pooled connection (pool checkout/checkin events)."""

    def __init__(self) -> None:
        self._owners: dict[int, asyncio.Task[Any] | None] = {}
        self._engine: AsyncEngine | None = None

    def attach(self, engine: AsyncEngine) -> None:
        self._engine = engine
        event.listen(engine.sync_engine.pool, "checkout", self._checkout)
        event.listen(engine.sync_engine.pool, "checkin", self._checkin)

    def detach(self) -> None:
        if self._engine is not None:
            event.remove(self._engine.sync_engine.pool, "checkout", self._checkout)
            event.remove(self._engine.sync_engine.pool, "checkin", self._checkin)
            self._engine = None

    def _checkout(self, dbapi_conn: Any, record: Any, proxy: Any) -> None:
        try:
            owner = asyncio.current_task()
        except RuntimeError:
            owner = None
        self._owners[id(record)] = owner

    def _checkin(self, dbapi_conn: Any, record: Any) -> None:
        self._owners.pop(id(record), None)

    def held_by_current_task(self) -> int:
        me = asyncio.current_task()
        return sum(1 for owner in self._owners.values() if owner is me)


# --- the probe stage -----------------------------------------------------------------------


@dataclass
class ProbeConfig:
    url: str | None = None  # SlowServer base URL; None: sleep instead of fetching
    delay_s: float = 0.0
    events_dir: str | None = None
    fail: str = ""  # "", always, fatal, crash, first, hang, txn, hold, bad_record
    batch_size: int = 10
    concurrency: int = 10
    lease_s: float = 30.0
    item_timeout_s: float = 20.0
    max_attempts: int = 3
    backoff_base_s: float = 0.0
    backoff_max_s: float = 0.0
    queue: str = "metadata"  # or sitemap_discovery: the other stage on domains

    @classmethod
    def from_env(cls) -> ProbeConfig:
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"SKY_PROBE_{f.name.upper()}")
            if raw is None:
                continue
            kind = type(getattr(cls(), f.name))
            values[f.name] = raw if f.name in ("url", "events_dir", "queue") else kind(raw)
        return cls(**values)

    def env(self) -> dict[str, str]:
        return {
            f"SKY_PROBE_{f.name.upper()}": str(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) is not None
        }


@dataclass
class ProbeStage(BaseStage[str]):
    config: ProbeConfig = field(default_factory=ProbeConfig)
    tracker: TaskConnections = field(default_factory=TaskConnections)
    calls: int = 0
    closed: bool = False
    max_in_flight: int = 0
    _in_flight: int = 0
    _client: httpx.AsyncClient | None = None
    _events_fd: int | None = None
    _called: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        c = self.config
        self.spec = StageSpec.on(
            QUEUES[c.queue],
            name="probe" if c.queue == "metadata" else f"probe_{c.queue}",
            batch_size=c.batch_size,
            concurrency=c.concurrency,
            lease_s=c.lease_s,
            item_timeout_s=c.item_timeout_s,
            max_attempts=c.max_attempts,
            backoff_base_s=c.backoff_base_s,
            backoff_max_s=c.backoff_max_s,
        )

    async def setup(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
        )
        self.tracker.attach(get_database().engine)
        if self.config.events_dir:
            path = Path(self.config.events_dir) / f"events-{os.getpid()}.jsonl"
            self._events_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    async def aclose(self) -> None:
        self.closed = True
        if self._client is not None:
            await self._client.aclose()
        self.tracker.detach()
        if self._events_fd is not None:
            os.close(self._events_fd)

    def _event(self, kind: str, item: ClaimedItem, **extra: Any) -> None:
        if self._events_fd is None:
            return
        line = {
            "event": kind,
            "stage": self.spec.name,
            "id": item.id,
            "attempt": item.attempt,
            "token": str(item.lease_token),
            "pid": os.getpid(),
            "t": time.time(),
            **extra,
        }
        os.write(self._events_fd, (json.dumps(line) + "\n").encode())

    async def wait_for_calls(self, count: int) -> None:
        """Return once work() has been entered ``count`` times."""
        while self.calls < count:
            self._called.clear()
            await self._called.wait()

    async def work(self, item: ClaimedItem) -> Success[str] | Failure:
        self.calls += 1
        self._called.set()
        self._in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return await self._work(item)
        finally:
            self._in_flight -= 1

    async def _work(self, item: ClaimedItem) -> Success[str] | Failure:
        self._event("start", item)
        fail = self.config.fail
        if fail == "txn":  # the anti-pattern: network I/O inside a transaction
            async with transaction():
                assert_no_transaction(f"GET {self.config.url}")
        if fail == "hold":  # negative control: the tracker must see this connection
            async with transaction() as session:
                await session.execute(select(1))
                return self._check_no_connection() or Success("not detected")
        assert_no_transaction(f"GET {self.config.url}/item/{item.id}")  # raises in strict mode
        if (held := self._check_no_connection()) is not None:
            return held
        delay = 3600.0 if fail == "hang" else self.config.delay_s
        if self.config.url:
            assert self._client is not None
            status = 503 if fail in ("always", "fatal") else 200
            response = await self._client.get(
                f"{self.config.url}/item/{item.id}", params={"delay": delay, "status": status}
            )
            body = response.text
        else:
            await asyncio.sleep(delay)
            response = None
            body = f"ok {item.id}"
        self._event("end", item)
        if fail == "crash":
            raise ValueError(f"probe crashed on item {item.id}")
        if fail == "first" and item.attempt == 1:
            return Failure("flaky", f"first attempt of {item.id} fails")
        if response is not None and response.status_code >= 400:
            return Failure(
                f"http_{response.status_code}",
                f"HTTP {response.status_code} from {self.config.url}",
                retryable=fail != "fatal",
                diagnostic=response.content,
            )
        if fail == "bad_record" and item.id % 2 == 0:
            return Success("x" * 10 + "\x00")  # Postgres text cannot hold NUL: record fails
        return Success(body)

    def _check_no_connection(self) -> Failure | None:
        held = self.tracker.held_by_current_task()
        if held:
            return Failure("held_connection", f"work() holds {held} connection(s)", False)
        return None

    async def record_success(
        self, session: AsyncSession, items: Sequence[tuple[ClaimedItem, str]]
    ) -> None:
        for item, result in items:
            statement = update(domains).where(domains.c.id == item.id).values(title=result)
            await session.execute(statement)
        await session.execute(
            insert(contacts)
            .values(
                [
                    {"domain_id": i.id, "kind": "email", "value": f"{i.lease_token}@probe.test"}
                    for i, _ in items
                ]
            )
            .on_conflict_do_nothing()
        )


def probe_stage(settings: Settings) -> ProbeStage:
    """Factory for ``scrapersky worker --stage-factory tests.support.stages:probe_stage``."""
    return ProbeStage(ProbeConfig.from_env())


def read_events(directory: Path) -> list[dict[str, Any]]:
    events = []
    for path in sorted(directory.glob("events-*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                events.append(json.loads(line))
    return events


# --- seeding and inspecting the probe queue ---------------------------------------------


async def seed_domains(count: int, *, prefix: str = "probe") -> list[int]:
    """Insert ``count`` domains (metadata_status pending, due now); return their ids."""
    async with transaction() as session:
        result = await session.execute(
            insert(domains)
            .values([{"domain": f"{prefix}-{i}.test"} for i in range(count)])
            .returning(domains.c.id)
        )
        return [int(row[0]) for row in result]


async def probe_rows() -> dict[int, dict[str, Any]]:
    """Every domain's metadata stage columns and its probe result rows."""
    async with transaction() as session:
        rows = (
            await session.execute(
                select(
                    domains.c.id,
                    domains.c.metadata_status,
                    domains.c.metadata_attempts,
                    domains.c.metadata_lease_token,
                    domains.c.metadata_lease_expires_at,
                    domains.c.metadata_next_attempt_at,
                    domains.c.metadata_error,
                    domains.c.metadata_error_category,
                    domains.c.metadata_finished_at,
                    domains.c.title,
                )
            )
        ).mappings()
        result = {
            int(r["id"]): {**r, "status": str(r["metadata_status"]), "contacts": 0} for r in rows
        }
        counted = await session.execute(
            select(contacts.c.domain_id, func.count()).group_by(contacts.c.domain_id)
        )
        for domain_id, count in counted:
            result[int(domain_id)]["contacts"] = int(count)
        return result
