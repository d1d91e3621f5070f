"""Fault injection for the sample web: what a broken site or a slow scraping API looks like.

    Fault(latency="uniform:2,3")            # per host, or server-wide
    GET /_fault/gzip-bomb?mb=100            # per request, on any host and through any shape

Special paths (on every host, also as the target of the API and proxy shapes):

    /_fault/status/<code>                   answer with that status
    /_fault/latency?s=S                     answer 200 after S seconds
    /_fault/reset[?after=N]                 TCP reset (after N body bytes of a longer body)
    /_fault/drip?bytes=N&interval=S&chunk=C body sent C bytes every S seconds
    /_fault/big?mb=N                        an N MB body
    /_fault/gzip-bomb?mb=N                  N MB of zeros, gzip-encoded (also deflate-, br-bomb)
    /_fault/redirect?to=URL[&status=302]    redirect anywhere (SSRF tests)
    /_fault/redirect-loop                   redirects to itself
    /_fault/redirect-chain?n=K              K redirects, then 200

Any path also takes ``?_latency=SPEC`` and ``?_status=CODE``.
"""

from __future__ import annotations

import functools
import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Literal
from urllib.parse import urlencode

import brotli

MB = 1024 * 1024
MAX_FAULT_MB = 4096.0
_ZEROS = bytes(MB)
_BIG_BLOCK = (b"<p>" + b"sample web filler text " * 40 + b"</p>\n") * 64

LatencyKind = Literal["fixed", "uniform", "normal", "exp"]


@dataclass(frozen=True)
class Latency:
    """A delay distribution: ``"2.5"``, ``"uniform:2,3"``, ``"normal:2.5,0.3"``, ``"exp:1"``."""

    kind: LatencyKind
    a: float
    b: float = 0.0

    @classmethod
    def parse(cls, spec: str | float | Latency) -> Latency:
        if isinstance(spec, Latency):
            return spec
        if isinstance(spec, int | float):
            return cls("fixed", float(spec))
        kind, _, args = spec.strip().partition(":")
        try:
            if not args:
                return cls("fixed", float(kind))
            numbers = [float(x) for x in args.split(",")]
            if kind == "uniform" and len(numbers) == 2:
                return cls("uniform", min(numbers), max(numbers))
            if kind == "normal" and len(numbers) == 2:
                return cls("normal", numbers[0], numbers[1])
            if kind == "exp" and len(numbers) == 1:
                return cls("exp", numbers[0])
        except ValueError:
            pass
        raise ValueError(
            f"bad latency {spec!r}: use seconds ('2.5'), 'uniform:2,3', 'normal:2.5,0.3' or 'exp:1'"
        )

    def sample(self, rng: random.Random) -> float:
        if self.kind == "uniform":
            value = rng.uniform(self.a, self.b)
        elif self.kind == "normal":
            value = rng.gauss(self.a, self.b)
        elif self.kind == "exp":
            value = rng.expovariate(1 / self.a) if self.a > 0 else 0.0
        else:
            value = self.a
        return max(0.0, value)


@dataclass(frozen=True)
class Fault:
    """Faults planted on a host (``SampleWeb(faults={"slow.test": Fault(latency=3)})``)."""

    latency: str | float | None = None
    status: int | None = None  # every path answers this status
    reset: bool = False  # every request gets a TCP reset
    drip_interval_s: float | None = None  # bodies sent 64 bytes per interval
    body_mb: float | None = None  # every path answers an oversized body
    gzip_bomb_mb: float | None = None
    redirect_loop: bool = False
    redirect_to: str | None = None
    api_status: int | None = None  # through the API shape, the API itself answers this

    def latency_spec(self) -> Latency | None:
        return None if self.latency is None else Latency.parse(self.latency)


@dataclass
class Reply:
    """What the server sends; the server turns it into bytes on the wire."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    size: int | None = None  # body is ``size`` bytes of filler, streamed
    drip: tuple[int, float] | None = None  # (chunk bytes, interval seconds)
    reset_after: int | None = None  # TCP reset after this many body bytes (0: no answer)
    delay_s: float = 0.0

    @property
    def location(self) -> str | None:
        for name, value in self.headers:
            if name.lower() == "location":
                return value
        return None


def text_reply(status: int, text: str | None = None) -> Reply:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Status"
    return Reply(status, (text or f"{status} {phrase}\n").encode())


def redirect_reply(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", "text/html", [("Location", location)])


@functools.lru_cache(maxsize=8)
def bomb(encoding: str, size: int) -> bytes:
    """``size`` zero bytes compressed with ``encoding`` (gzip, deflate or br), built in steps."""
    if encoding == "br":
        compressor = brotli.Compressor(quality=5)
        out = bytearray()
        for start in range(0, size, MB):
            out += compressor.process(_ZEROS[: min(MB, size - start)])
        return bytes(out + compressor.finish())
    wbits = 31 if encoding == "gzip" else 15
    deflater = zlib.compressobj(9, zlib.DEFLATED, wbits)
    chunks = [deflater.compress(_ZEROS[: min(MB, size - s)]) for s in range(0, size, MB)]
    return b"".join(chunks) + deflater.flush()


def _number(query: Mapping[str, str], name: str, default: float, cap: float) -> float:
    try:
        value = float(query.get(name, default))
    except ValueError:
        return default
    return min(max(value, 0.0), cap)


def bomb_reply(encoding: str, mb: float) -> Reply:
    body = bomb(encoding, int(min(mb, MAX_FAULT_MB) * MB))
    return Reply(200, body, "text/html", [("Content-Encoding", encoding)])


def fault_path_reply(path: str, query: Mapping[str, str]) -> Reply | None:
    """The reply for a ``/_fault/...`` path, or None when the path is not a fault."""
    name, _, rest = path.removeprefix("/_fault/").partition("/")
    if name == "status":
        try:
            code = int(rest)
        except ValueError:
            return text_reply(400, "use /_fault/status/<code>\n")
        reply = text_reply(code if 100 <= code <= 599 else 400, query.get("body"))
        if code == 429:
            reply.headers.append(("Retry-After", "1"))
        return reply
    if name == "latency":
        return replace(text_reply(200, "ok\n"), delay_s=_number(query, "s", 1.0, 3600))
    if name == "reset":
        after = int(_number(query, "after", 0, 100 * MB))
        return Reply(200, b"x" * (after * 2 + 1024), reset_after=after)
    if name == "drip":
        size = int(_number(query, "bytes", 1024, 100 * MB))
        chunk = max(1, int(_number(query, "chunk", 64, MB)))
        interval = _number(query, "interval", 0.1, 60)
        return Reply(200, b"d" * size, drip=(chunk, interval))
    if name == "big":
        if "bytes" in query:
            size = int(_number(query, "bytes", 0, MAX_FAULT_MB * MB))
        else:
            size = int(_number(query, "mb", 20, MAX_FAULT_MB) * MB)
        return Reply(200, b"", "text/html", size=size)
    if name in ("gzip-bomb", "deflate-bomb", "br-bomb"):
        return bomb_reply(name.removesuffix("-bomb"), _number(query, "mb", 100, MAX_FAULT_MB))
    if name == "redirect":
        status = int(_number(query, "status", 302, 308))
        return redirect_reply(query.get("to", "/"), status if 300 <= status <= 308 else 302)
    if name == "redirect-loop":
        return redirect_reply("/_fault/redirect-loop")
    if name == "redirect-chain":
        total, hop = int(_number(query, "n", 3, 1000)), int(_number(query, "i", 0, 1000))
        if hop >= total:
            return text_reply(200, f"end of a chain of {total} redirects\n")
        return redirect_reply("/_fault/redirect-chain?" + urlencode({"n": total, "i": hop + 1}))
    return None


def host_fault_reply(fault: Fault, path: str) -> Reply | None:
    """A reply that replaces the host's own answer, or None when the fault only modifies it."""
    if fault.reset:
        return Reply(200, reset_after=0)
    if fault.status is not None:
        return text_reply(fault.status)
    if fault.redirect_loop:
        return redirect_reply(path)
    if fault.redirect_to is not None:
        return redirect_reply(fault.redirect_to)
    if fault.gzip_bomb_mb is not None:
        return bomb_reply("gzip", fault.gzip_bomb_mb)
    if fault.body_mb is not None:
        return Reply(200, b"", "text/html", size=int(fault.body_mb * MB))
    return None


BIG_BLOCK = _BIG_BLOCK
