"""The sample web: a small, fast HTTP/1.1 server on 127.0.0.1 for demos, tests and benchmarks.

    async with SampleWeb(DirectorySource(corpus), api_key="k") as web:
        web.site_url("blosc.org", "/robots.txt")  # http://127.0.0.1:PORT/_site/blosc.org/robots.txt

One server, four ways in (the first that matches wins):

- scraping API: ``GET /?api_key=K&url=<http(s) target>[&render=&country_code=&premium=]``
  answers like ScraperAPI: 200 + the target's body (``sa-final-url`` header), 404/410 when
  the target is missing, 403 for a wrong key, 429 over ``api_max_concurrency``, 500 when
  the target fails (5xx, reset, ...). The API follows the target's redirects itself.
- HTTP proxy: an absolute-form request line ``GET http://host/path HTTP/1.1``.
- site prefix: ``/_site/<host>/<path>`` serves that host; Location headers keep the prefix.
- origin: the ``Host`` header names the site (for names that resolve to 127.0.0.1).

Faults (see :mod:`scrapersky.sampleweb.faults`): server-wide ``latency``, per-host ``faults``,
and ``/_fault/...`` paths on every host. Plain asyncio streams: keep-alive, no TLS, so
``CONNECT`` (https through the proxy shape) answers 501.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from urllib.parse import parse_qsl, urljoin, urlsplit

from scrapersky.sampleweb.faults import (
    BIG_BLOCK,
    Fault,
    Latency,
    Reply,
    fault_path_reply,
    host_fault_reply,
    text_reply,
)
from scrapersky.sampleweb.sources import Resource, SiteSource

MAX_HEAD = 64 * 1024
MAX_REQUEST_BODY = 1024 * 1024
API_MAX_HOPS = 10
FINAL_URL_HEADER = "sa-final-url"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_REASONS = {s.value: s.phrase for s in HTTPStatus}


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


@dataclass
class Stats:
    """What the server saw; tests assert on it."""

    requests: int = 0
    connections: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    api_params: deque[dict[str, str]] = field(default_factory=lambda: deque(maxlen=100))
    paths: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=1000))
    headers: deque[dict[str, str]] = field(default_factory=lambda: deque(maxlen=100))


def parse_head(head: bytes) -> Request | None:
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        return None
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return Request(method, target, version, headers)


class SampleWeb:
    def __init__(
        self,
        source: SiteSource,
        *,
        faults: Mapping[str, Fault] | None = None,
        latency: str | float | Latency | None = None,
        api_key: str | None = None,
        api_max_concurrency: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
    ) -> None:
        self.source = source
        self.faults = {h.lower(): f for h, f in (faults or {}).items()}
        self.latency = None if latency is None else Latency.parse(latency)
        self.api_key = api_key
        self.api_max_concurrency = api_max_concurrency
        self.host = host
        self.port = port
        self.stats = Stats()
        self._rng = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._api_in_flight = 0

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/"

    @property
    def proxy_url(self) -> str:
        return self.base_url

    def site_url(self, host: str, path: str = "/") -> str:
        return f"{self.base_url}/_site/{host}{path}"

    async def start(self) -> SampleWeb:
        self._server = await asyncio.start_server(
            self._connection, self.host, self.port, limit=MAX_HEAD, backlog=2048
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    async def __aenter__(self) -> SampleWeb:
        return await self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # --- connection handling ------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.stats.connections += 1
        try:
            first = await reader.read(1)
            if not first:
                return
            if first == b"\x16":  # a TLS ClientHello: answer in plain HTTP, as nginx does
                reply = text_reply(400, "plain HTTP port: this server has no TLS\n")
                await self._send(writer, reply, head_only=False, keep_alive=False)
                return
            while True:
                try:
                    head = first + await reader.readuntil(b"\r\n\r\n")
                    first = b""
                except asyncio.LimitOverrunError:
                    await self._send(writer, text_reply(431), head_only=False, keep_alive=False)
                    return
                request = parse_head(head[:-4])
                if request is None:
                    await self._send(writer, text_reply(400), head_only=False, keep_alive=False)
                    return
                length = int(request.headers.get("content-length", "0") or 0)
                if length > MAX_REQUEST_BODY:
                    await self._send(writer, text_reply(413), head_only=False, keep_alive=False)
                    return
                if length:
                    await reader.readexactly(length)
                reply = await self._route(request)
                keep = request.keep_alive and reply.reset_after is None
                if not await self._send(writer, reply, request.method == "HEAD", keep):
                    return
                if not keep:
                    return
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # stop(): asyncio's stream callback must not see a cancelled handler
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _send(
        self, writer: asyncio.StreamWriter, reply: Reply, head_only: bool, keep_alive: bool
    ) -> bool:
        """Write a reply; False when the connection is gone (reset on purpose or by the peer)."""
        self.stats.by_status[reply.status] += 1
        if reply.delay_s > 0:
            await asyncio.sleep(reply.delay_s)
        if reply.reset_after == 0:
            _reset(writer)
            return False
        size = reply.size if reply.size is not None else len(reply.body)
        lines = [
            f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {size}",
            "Connection: keep-alive" if keep_alive else "Connection: close",
            "Server: scrapersky-sampleweb",
        ]
        lines += [f"{name}: {value}" for name, value in reply.headers]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if head_only:
            writer.write(head)
        elif reply.reset_after is not None:
            writer.write(head + reply.body[: reply.reset_after])
            await writer.drain()
            _reset(writer)
            return False
        elif reply.drip is not None:
            writer.write(head)
            chunk, interval = reply.drip
            for start in range(0, len(reply.body), chunk):
                await writer.drain()
                await asyncio.sleep(interval)
                writer.write(reply.body[start : start + chunk])
        elif reply.size is not None:
            writer.write(head)
            sent = 0
            while sent < reply.size:
                piece = BIG_BLOCK[: reply.size - sent]
                writer.write(piece)
                sent += len(piece)
                await writer.drain()
        else:
            writer.write(head + reply.body)
        await writer.drain()
        return True

    # --- routing --------------------------------------------------------------------------

    async def _route(self, request: Request) -> Reply:
        self.stats.requests += 1
        self.stats.headers.append(request.headers)
        delay = self.latency.sample(self._rng) if self.latency else 0.0
        reply = await self._route_kind(request)
        reply.delay_s += delay
        return reply

    async def _route_kind(self, request: Request) -> Reply:
        if request.method == "CONNECT":
            self.stats.by_kind["connect"] += 1
            return text_reply(501, "CONNECT is not supported: the sample web has no TLS\n")
        if request.method not in ("GET", "HEAD"):
            return text_reply(405)
        target = request.target
        if target.startswith(("http://", "https://")):
            self.stats.by_kind["proxy"] += 1
            parts = urlsplit(target)
            return self._target(parts.hostname or "", parts.path or "/", parts.query)
        path, _, query = target.partition("?")
        if path == "/" and "api_key=" in query:
            self.stats.by_kind["api"] += 1
            return await self._api(dict(parse_qsl(query)))
        if path.startswith("/_site/"):
            self.stats.by_kind["site"] += 1
            host, _, rest = path[len("/_site/") :].partition("/")
            reply = self._target(host, "/" + rest, query)
            location = reply.location
            if location is not None and location.startswith("/") and not location.startswith("//"):
                prefixed = f"/_site/{host}{location}"
                reply.headers = [
                    (n, prefixed if n.lower() == "location" else v) for n, v in reply.headers
                ]
            return reply
        self.stats.by_kind["origin"] += 1
        host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
        return self._target(host, path, query)

    def _target(self, host: str, path: str, query: str) -> Reply:
        """What ``host`` answers for ``path`` (faults applied, latency in ``delay_s``)."""
        host = host.lower()
        self.stats.paths.append((host, path))
        params = dict(parse_qsl(query)) if query else {}
        fault = self.faults.get(host)
        reply = fault_path_reply(path, params) if path.startswith("/_fault/") else None
        if reply is None and fault is not None:
            reply = host_fault_reply(fault, path)
        if reply is None:
            reply = _from_resource(self.source.get(host, path))
        if fault is not None:
            spec = fault.latency_spec()
            if spec is not None:
                reply.delay_s += spec.sample(self._rng)
            if fault.drip_interval_s is not None and reply.size is None:
                reply.drip = (64, fault.drip_interval_s)
        if "_latency" in params:
            with contextlib.suppress(ValueError):
                reply.delay_s += Latency.parse(params["_latency"]).sample(self._rng)
        if params.get("_status", "").isdigit():
            reply = text_reply(int(params["_status"]))
        return reply

    async def _api(self, params: dict[str, str]) -> Reply:
        self.stats.api_params.append({k: v for k, v in params.items() if k != "api_key"})
        if self.api_key is not None and params.get("api_key") != self.api_key:
            return text_reply(403, "Invalid API key, or you have exhausted the API credits.\n")
        url = params.get("url", "")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return text_reply(400, "url must be an http:// or https:// URL\n")
        fault = self.faults.get(parts.hostname.lower())
        if fault is not None and fault.api_status is not None:
            return text_reply(fault.api_status)
        limit = self.api_max_concurrency
        if limit is not None and self._api_in_flight >= limit:
            return text_reply(429, "Too many concurrent requests for your plan.\n")
        self._api_in_flight += 1
        try:
            for _ in range(API_MAX_HOPS + 1):
                parts = urlsplit(url)
                reply = self._target(parts.hostname or "", parts.path or "/", parts.query)
                if reply.delay_s > 0:
                    await asyncio.sleep(reply.delay_s)
                    reply.delay_s = 0.0
                location = reply.location
                if reply.status in _REDIRECTS and location:
                    url = urljoin(url, location)
                    continue
                break
            else:
                return text_reply(500, "Request failed: too many redirects.\n")
        finally:
            self._api_in_flight -= 1
        if reply.reset_after is not None or (
            reply.status >= 400 and reply.status not in (404, 410)
        ):
            return text_reply(500, "Request failed after retries. You will not be charged.\n")
        if reply.status < 400:
            reply.status = 200
        reply.headers = [*reply.headers, (FINAL_URL_HEADER, url)]
        return reply


def _from_resource(resource: Resource | None) -> Reply:
    if resource is None:
        return text_reply(404)
    return Reply(resource.status, resource.body, resource.content_type, list(resource.headers))


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST instead of a FIN (SO_LINGER 0), as a crashing server would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
