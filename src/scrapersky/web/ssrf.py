"""SSRF guard: refuse to connect to private, loopback, link-local, CGNAT or metadata addresses.

    policy = SSRFPolicy(allow=["127.0.0.0/8"])
    policy.precheck("0x7f.1")  # "0x7f.1 is a loopback address (127.0.0.1)"

Two checks. :meth:`SSRFPolicy.precheck` looks at the host name alone, before anything is
sent (IP literals in every form a resolver accepts, ``localhost`` names). :class:`GuardedBackend`
is an httpcore network backend that resolves the host itself at connect time, refuses the
connection if ANY address is not public, and connects to the address it checked: there is no
second lookup a rebinding DNS server could answer differently. TLS still verifies the
certificate against the host name (httpcore passes it as the SNI / server_hostname).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

from scrapersky.exceptions import FetchRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Names that mean "this machine" or a cloud metadata service whatever DNS says.
BLOCKED_NAMES = frozenset(
    {
        "localhost",
        "localhost.localdomain",
        "ip6-localhost",
        "ip6-loopback",
        "metadata",
        "metadata.google.internal",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4ISH = re.compile(r"^[0-9a-fA-FxX.]+$")
MAX_ADDRESSES_TRIED = 4


class BlockedAddress(FetchRefused):
    """The target resolves to an address the SSRF guard refuses."""

    code = "ssrf_blocked"


def parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address written any way a resolver accepts it (WHATWG URL IPv4 parser).

    ``2130706433``, ``0177.0.0.1``, ``0x7f.1`` and ``127.1`` are all 127.0.0.1. Returns None
    when the host is not an IPv4 address; raises ValueError when it looks like one but is
    out of range (``1.2.3.256``), which a URL parser must treat as an invalid host.
    """
    text = host[:-1] if host.endswith(".") else host
    if not text or not _IPV4ISH.match(text):
        return None
    parts = text.split(".")
    if len(parts) > 4 or "" in parts:
        return None
    numbers: list[int] = []
    for part in parts:
        try:
            if part[:2].lower() == "0x":
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part[0] == "0":
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None  # a name like "cafe.be" or "0x.9z", not a number
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host!r} is an out-of-range IPv4 address")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes by itself (IPv6 with or without brackets, any IPv4)."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in bare:
        try:
            return ipaddress.IPv6Address(bare)
        except ValueError:
            return None
    return parse_ipv4_loose(bare)


def describe_non_public(ip: IPAddress) -> str | None:
    """Why an address is refused ("loopback", "private", ...), or None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "IPv4-mapped IPv6"
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and describe_non_public(embedded):
            return "IPv6 with an embedded non-public IPv4"
    checks = (
        (ip in METADATA_ADDRESSES, "cloud metadata"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "CGNAT (shared address space)"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "non-global"),
    )
    for matched, reason in checks:
        if matched:
            return reason
    return None


class SSRFPolicy:
    """Which hosts and addresses may be contacted; ``allow`` exempts hosts, IPs and CIDRs."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.allowed_names: set[str] = set()
        self.allowed_networks: list[IPNetwork] = []
        for entry in allow:
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                self.allowed_networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self.allowed_names.add(entry.rstrip("."))

    def allows_name(self, host: str) -> bool:
        return host.lower().rstrip(".").strip("[]") in self.allowed_names

    def allows_ip(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allowed_networks)

    def refusal(self, ip: IPAddress) -> str | None:
        if self.allows_ip(ip):
            return None
        return describe_non_public(ip)

    def precheck(self, host: str) -> str | None:
        """A reason to refuse ``host`` without resolving it, or None."""
        name = host.lower().rstrip(".")
        if self.allows_name(name):
            return None
        try:
            ip = parse_ip_literal(name)
        except ValueError as exc:
            return str(exc)
        if ip is not None:
            reason = self.refusal(ip)
            return None if reason is None else f"{host} is a {reason} address ({ip})"
        if name in BLOCKED_NAMES or name.endswith(".localhost"):
            return f"{host} names this machine or a metadata service"
        return None

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses to connect to; raises BlockedAddress or socket.gaierror."""
        reason = self.precheck(host)
        if reason is not None:
            raise BlockedAddress(f"refused: {reason}")
        literal = parse_ip_literal(host)
        if literal is not None:
            return [str(literal)]
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self.allows_name(host):
            for address in addresses:
                why = self.refusal(ipaddress.ip_address(address.split("%", 1)[0]))
                if why is not None:
                    raise BlockedAddress(f"refused: {host} resolves to {address} ({why})")
        return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves, checks and pins every TCP connection."""

    def __init__(self, policy: SSRFPolicy, inner: httpcore.AsyncNetworkBackend | None = None):
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.policy.resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"DNS lookup for {host} timed out") from exc
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"DNS lookup failed for {host}: {exc.strerror}") from exc
        last_error: Exception | None = None
        for address in addresses[:MAX_ADDRESSES_TRIED]:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("refused: unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
