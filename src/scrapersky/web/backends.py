"""How a request reaches a site: directly, through an HTTP proxy, or through ScraperAPI.

    backend = make_backend(settings, SSRFPolicy(settings.ssrf_allow))
    request = backend.build_request("https://example.com/", {"Accept": "text/html"})

Every backend owns one httpx client whose TCP connections go through the SSRF guard's
:class:`~scrapersky.web.ssrf.GuardedBackend` (for proxy and ScraperAPI that guards the
proxy/API host; the target is then checked by name only, since it is fetched remotely).
Secrets (the API key, proxy credentials) are redacted from every message and log line.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Literal
from urllib.parse import quote

import httpcore
import httpx

from scrapersky.exceptions import ConfigurationError
from scrapersky.settings import Settings
from scrapersky.web.ssrf import BlockedAddress, GuardedBackend, SSRFPolicy

ErrorCategory = Literal[
    "timeout",
    "dns",
    "connect",
    "tls",
    "http_4xx",
    "http_5xx",
    "too_large",
    "blocked",
    "robots",
    "rate_limited",
    "credits",
    "invalid_url",
    "redirect_loop",
    "decode",
]
Outcome = tuple[ErrorCategory | None, str | None]

# Query parameters and URL passwords that are secrets wherever they appear.
_SECRET_PARAM = re.compile(
    r"(?i)\b(api[_-]?key|apikey|access[_-]?token|token|password|secret)=([^&\s#\"'<>]+)"
)
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]*):([^@\s/]+)@")
_KNOWN_SECRETS: set[str] = set()
_REDACTED_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.proxy",
    "scrapersky.web",
    "scrapersky.web.fetch",
)


def redact(text: str) -> str:
    """``text`` with API keys, tokens, passwords and every registered secret replaced by ***."""
    text = _SECRET_PARAM.sub(r"\1=***", text)
    text = _URL_PASSWORD.sub(r"\1:***@", text)
    for secret in _KNOWN_SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def register_secret(secret: str | None) -> None:
    """Redact this exact value (and its URL-encoded form) everywhere from now on."""
    if secret and len(secret) >= 4:
        _KNOWN_SECRETS.update({secret, quote(secret, safe="")})


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with :func:`redact` (installed on the web loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    for name in _REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


# Connections per httpcore pool. httpcore's pool does work proportional to its size on every
# request (it polls each idle connection), so one pool of 200 connections is several times
# slower than 50 pools of 4 (bench/bench_fetch.py). Requests go to the least busy pool,
# trying the host's "home" pool first so keep-alive connections get reused.
SHARD_CONNECTIONS = 4
MAX_SHARDS = 64


def _pool(
    ssl_context: ssl.SSLContext, network: GuardedBackend, proxy: str | None, size: int
) -> Any:
    """One httpcore pool whose TCP connects go through the SSRF guard."""
    pool_args: dict[str, Any] = {
        "ssl_context": ssl_context,
        "max_connections": size,
        "max_keepalive_connections": size,
        "keepalive_expiry": 30.0,
        "network_backend": network,
    }
    if proxy is None:
        return httpcore.AsyncConnectionPool(**pool_args)
    spec = httpx.Proxy(url=proxy)
    if spec.url.scheme not in ("http", "https"):
        raise ConfigurationError(
            f"SCRAPERSKY_PROXY_URL: only http:// and https:// proxies are supported, "
            f"not {redact(proxy)}"
        )
    return httpcore.AsyncHTTPProxy(
        proxy_url=httpcore.URL(
            scheme=spec.url.raw_scheme,
            host=spec.url.raw_host,
            port=spec.url.port,
            target=spec.url.raw_path,
        ),
        proxy_auth=spec.raw_auth,
        proxy_headers=spec.headers.raw,
        proxy_ssl_context=spec.ssl_context,
        **pool_args,
    )


class _Shard(httpx.AsyncHTTPTransport):
    """httpx's own transport around a pool we built (no second SSL context)."""

    def __init__(self, pool: Any) -> None:  # super().__init__ would build a pool we discard
        self._pool = pool


class _Release(httpx.AsyncByteStream):
    """A response body that tells its shard when it is closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class ShardedTransport(httpx.AsyncBaseTransport):
    """Several small guarded pools behind one httpx transport."""

    def __init__(self, settings: Settings, policy: SSRFPolicy, proxy: str | None) -> None:
        connections = settings.fetch_concurrency + 8  # + robots.txt fetches
        count = min(MAX_SHARDS, math.ceil(connections / SHARD_CONNECTIONS))
        self.size = math.ceil(connections / count)
        ssl_context = httpx.create_ssl_context()
        network = GuardedBackend(policy)
        self.shards = [_Shard(_pool(ssl_context, network, proxy, self.size)) for _ in range(count)]
        self.busy = [0] * count

    def _pick(self, host: bytes) -> int:
        count = len(self.shards)
        home = zlib.crc32(host) % count
        for step in range(count):
            index = (home + step) % count
            if self.busy[index] < self.size:
                return index
        return min(range(count), key=self.busy.__getitem__)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = self._pick(request.url.raw_host)
        self.busy[index] += 1
        try:
            response = await self.shards[index].handle_async_request(request)
        except BaseException:
            self.busy[index] -= 1
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Release(response.stream, functools.partial(self._release, index))
        return response

    def _release(self, index: int) -> None:
        self.busy[index] -= 1

    async def aclose(self) -> None:
        for shard in self.shards:
            await shard.aclose()


def classify_exception(exc: BaseException) -> tuple[ErrorCategory, str]:
    """The category and a plain message for an exception raised while fetching."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    detail = str(exc) or type(exc).__name__
    tls = any(isinstance(e, ssl.SSLError) for e in chain)
    errnos = [e.errno for e in chain if isinstance(e, OSError) and isinstance(e.errno, int)]
    if errnos and not tls:
        # "Connection refused" says more than "All connection attempts failed"
        reason = os.strerror(errnos[-1])
        detail = detail if reason in detail else f"{detail} ({reason})"
    if isinstance(exc, BlockedAddress):
        return "blocked", exc.message
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"{type(exc).__name__}: {detail}"
    if any(isinstance(e, socket.gaierror) for e in chain) or "Name or service not" in detail:
        return "dns", detail
    if tls:
        return "tls", f"TLS failure: {detail}"
    if isinstance(exc, httpx.ProxyError):
        return "connect", f"the proxy refused the request: {detail}"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "invalid_url", detail
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "connect", f"connection reset by the server: {detail}"
    return "connect", f"cannot connect: {detail}"


def status_error(status: int, reason: str) -> Outcome:
    """The error category and message for a site's own HTTP status (direct and proxy)."""
    if status < 400:
        return None, None
    if status == 429:
        return "rate_limited", f"HTTP 429 {reason}: the site asks us to slow down; retry later"
    if status < 500:
        return "http_4xx", f"HTTP {status} {reason}"
    return "http_5xx", f"HTTP {status} {reason}"


class Backend:
    """Direct: requests go straight to the site, resolved and checked by the SSRF guard."""

    name = "direct"
    follows_redirects = False  # True when the remote side follows them (ScraperAPI)

    def __init__(self, settings: Settings, policy: SSRFPolicy, proxy: str | None = None):
        self.settings = settings
        self.total_timeout_s = settings.fetch_total_timeout_s
        timeout = httpx.Timeout(
            connect=settings.fetch_connect_timeout_s,
            read=settings.fetch_read_timeout_s,
            write=settings.fetch_read_timeout_s,
            pool=settings.fetch_total_timeout_s,
        )
        self.transport = ShardedTransport(settings, policy, proxy)
        self.client = httpx.AsyncClient(
            transport=self.transport,
            timeout=self.client_timeout(timeout),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate, br"},
            follow_redirects=False,
            trust_env=False,
        )

    def client_timeout(self, timeout: httpx.Timeout) -> httpx.Timeout:
        return timeout

    def build_request(self, target: httpx.URL, headers: Mapping[str, str]) -> httpx.Request:
        return self.client.build_request("GET", target, headers=headers)

    def classify(self, response: httpx.Response) -> Outcome:
        return status_error(response.status_code, response.reason_phrase)

    def final_url(self, response: httpx.Response, target: str) -> str:
        return target


class ProxyBackend(Backend):
    """Through an HTTP proxy (https targets use CONNECT); the proxy host must pass the guard."""

    name = "proxy"


class ScraperApiBackend(Backend):
    """``GET <endpoint>?api_key=…&url=<target>``: the API fetches the target and its redirects."""

    name = "scraperapi"
    follows_redirects = True
    FINAL_URL_HEADER = "sa-final-url"

    def __init__(self, settings: Settings, policy: SSRFPolicy) -> None:
        if settings.scraperapi_key is None or not settings.scraperapi_key.get_secret_value():
            raise ConfigurationError(
                "SCRAPERSKY_SCRAPERAPI_KEY is required when SCRAPERSKY_FETCH_BACKEND=scraperapi"
            )
        self.api_key = settings.scraperapi_key.get_secret_value()
        register_secret(self.api_key)
        super().__init__(settings, policy)
        self.total_timeout_s = settings.scraperapi_timeout_s
        self.options: dict[str, str] = {}
        if settings.scraperapi_render:
            self.options["render"] = "true"
        if settings.scraperapi_country_code:
            self.options["country_code"] = settings.scraperapi_country_code
        if settings.scraperapi_premium:
            self.options["premium"] = "true"

    def client_timeout(self, timeout: httpx.Timeout) -> httpx.Timeout:
        api = self.settings.scraperapi_timeout_s
        return httpx.Timeout(connect=timeout.connect, read=api, write=api, pool=api)

    def build_request(self, target: httpx.URL, headers: Mapping[str, str]) -> httpx.Request:
        params = {"api_key": self.api_key, "url": str(target), **self.options}
        return self.client.build_request(
            "GET", self.settings.scraperapi_endpoint, params=params, headers=headers
        )

    def classify(self, response: httpx.Response) -> Outcome:
        status = response.status_code
        if status < 400:
            return None, None
        if status == 429:
            return "rate_limited", (
                "ScraperAPI 429: more concurrent requests than the plan allows; retry later"
            )
        if status in (401, 403):
            return "credits", (
                f"ScraperAPI {status}: API credits or plan exhausted (or the key is not valid); "
                "stop and check the account"
            )
        if status in (404, 410):
            return "http_4xx", f"HTTP {status}: the target page does not exist (via ScraperAPI)"
        if status == 500:
            return "http_5xx", (
                "ScraperAPI 500: the target could not be fetched after the API's own retries"
            )
        message = f"ScraperAPI {status} {response.reason_phrase}"
        return ("http_4xx" if status < 500 else "http_5xx"), message

    def final_url(self, response: httpx.Response, target: str) -> str:
        return response.headers.get(self.FINAL_URL_HEADER) or target


def make_backend(settings: Settings, policy: SSRFPolicy) -> Backend:
    """The backend ``settings.fetch_backend`` names, with its client; secrets registered."""
    install_log_redaction()
    if settings.fetch_backend == "scraperapi":
        return ScraperApiBackend(settings, policy)
    if settings.fetch_backend == "proxy":
        if not settings.proxy_url:
            raise ConfigurationError(
                "SCRAPERSKY_PROXY_URL is required when SCRAPERSKY_FETCH_BACKEND=proxy"
            )
        password = httpx.URL(settings.proxy_url).password
        register_secret(password or None)
        return ProxyBackend(settings, policy, proxy=settings.proxy_url)
    return Backend(settings, policy)
