"""SSRF guard: odd IP forms, private ranges, resolution-time checks, redirect hops."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from scrapersky.sampleweb import MemorySource, Resource
from scrapersky.web.fetch import Fetcher
from scrapersky.web.ssrf import (
    BlockedAddress,
    SSRFPolicy,
    describe_non_public,
    parse_ip_literal,
    parse_ipv4_loose,
)
from tests.support.sampleweb import direct_settings, proxy_settings, running_sampleweb


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("10.0.0.1.", "10.0.0.1"),
        ("3232235521", "192.168.0.1"),
        ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"),
        ("8.8.8.8", "8.8.8.8"),
    ],
)
def test_loose_ipv4_forms_parse_like_a_resolver(host: str, expected: str) -> None:
    assert parse_ipv4_loose(host) == ipaddress.IPv4Address(expected)
    # the C library agrees (inet_aton accepts the same forms)
    assert socket.inet_ntoa(socket.inet_aton(host.rstrip("."))) == expected


@pytest.mark.parametrize("host", ["example.com", "cafe.be", "abc.1", "09.1.1.1", "1.2.3.4.5"])
def test_names_are_not_ipv4(host: str) -> None:
    assert parse_ipv4_loose(host) is None


def test_out_of_range_ipv4_is_refused() -> None:
    with pytest.raises(ValueError, match="out-of-range"):
        parse_ipv4_loose("1.2.3.256")
    assert "out-of-range" in (SSRFPolicy().precheck("1.2.3.256") or "")


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("2130706433", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("0x7f.1", "loopback"),
        ("127.1", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:127.0.0.1]", "IPv4-mapped"),
        ("[::ffff:8.8.8.8]", "IPv4-mapped"),
        ("169.254.169.254", "cloud metadata"),
        ("[fd00:ec2::254]", "cloud metadata"),
        ("0.0.0.0", "unspecified"),
        ("[::]", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "CGNAT"),
        ("100.127.255.254", "CGNAT"),
        ("169.254.1.1", "link-local"),
        ("[fe80::1]", "link-local"),
        ("[fc00::1]", "private"),
        ("224.0.0.1", "multicast"),
        ("[ff02::1]", "multicast"),
        ("[2002:7f00:1::]", "embedded non-public IPv4"),
        ("[64:ff9b::a00:1]", "embedded non-public IPv4"),
        ("localhost", "this machine"),
        ("LOCALHOST.", "this machine"),
        ("api.localhost", "this machine"),
        ("metadata.google.internal", "metadata"),
    ],
)
def test_precheck_refuses(host: str, reason: str) -> None:
    refusal = SSRFPolicy().precheck(host)
    assert refusal is not None
    assert reason in refusal


@pytest.mark.parametrize("host", ["example.com", "8.8.8.8", "[2606:4700::1111]", "100.128.0.1"])
def test_precheck_lets_public_targets_through(host: str) -> None:
    assert SSRFPolicy().precheck(host) is None


def test_allow_list_takes_hosts_ips_and_cidrs() -> None:
    policy = SSRFPolicy(["127.0.0.0/8", "internal.test", "10.0.0.5", "::1"])
    assert policy.precheck("127.0.0.9") is None
    assert policy.precheck("0x7f.1") is None  # same address, odd spelling
    assert policy.precheck("internal.test") is None
    assert policy.precheck("10.0.0.5") is None
    assert policy.precheck("[::1]") is None
    assert policy.precheck("10.0.0.6") is not None
    assert policy.precheck("localhost") is not None


def test_every_address_kind_is_described() -> None:
    assert describe_non_public(ipaddress.ip_address("93.184.216.34")) is None
    assert describe_non_public(ipaddress.ip_address("192.0.2.1")) == "private"  # TEST-NET
    assert parse_ip_literal("[::ffff:10.0.0.1]") == ipaddress.ip_address("::ffff:10.0.0.1")


async def test_resolution_is_checked_for_names_that_resolve_privately() -> None:
    name = socket.gethostname()
    addresses = {info[4][0] for info in socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)}
    if all(describe_non_public(ipaddress.ip_address(a)) is None for a in addresses):
        pytest.skip(f"{name} resolves to public addresses here")
    with pytest.raises(BlockedAddress, match="resolves to"):
        await SSRFPolicy().resolve(name, 80)
    # allow-listing the name (or its address) lets it through
    assert await SSRFPolicy([name]).resolve(name, 80)


async def test_fetch_blocks_a_name_resolving_to_loopback_before_connecting() -> None:
    name = socket.gethostname()
    resolved = {info[4][0] for info in socket.getaddrinfo(name, 80)}
    if not any(ipaddress.ip_address(a).is_loopback for a in resolved):
        pytest.skip(f"{name} does not resolve to loopback here")
    async with running_sampleweb() as web, Fetcher(direct_settings(web, ssrf_allow=[])) as f:
        result = await f.fetch(f"http://{name}:{web.port}/_fault/status/200", check_robots=False)
    assert result.error == "blocked"
    assert "resolves to" in (result.message or "")
    assert web.stats.requests == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost/",
        "http://0.0.0.0/",
        "http://100.64.1.1/",
        "http://192.168.0.1/",
    ],
)
async def test_fetch_refuses_private_targets(url: str) -> None:
    async with Fetcher(direct_settings(ssrf_allow=[])) as fetcher:
        result = await fetcher.fetch(url)
    assert result.error == "blocked"
    assert result.status is None
    assert result.message is not None
    assert "SSRF" in result.message


async def test_redirect_from_allowed_host_to_private_is_blocked_at_the_hop() -> None:
    async with running_sampleweb() as web, Fetcher(direct_settings(web)) as fetcher:
        for target in ["http://10.0.0.1/", "http://localhost/", "http://169.254.169.254/"]:
            start = f"{web.base_url}/_fault/redirect?to={target}"
            result = await fetcher.fetch(start, check_robots=False)
            assert result.error == "blocked", target
            assert result.redirects == (start,)
            assert result.final_url == target
        # a hop to another loopback address that is not on the allow-list
        start = f"{web.base_url}/_fault/redirect?to=http://127.0.0.2:{web.port}/"
        result = await fetcher.fetch(start, check_robots=False)
        assert result.error == "blocked"


async def test_proxy_backend_refuses_private_literals_but_not_unresolvable_names() -> None:
    site = {"/": Resource(b"<html>remote</html>", "text/html")}
    async with (
        running_sampleweb(MemorySource({"far-away.test": site})) as web,
        Fetcher(proxy_settings(web)) as fetcher,
    ):
        blocked = await fetcher.fetch("http://10.0.0.1/")
        remote = await fetcher.fetch("http://far-away.test/")
    assert blocked.error == "blocked"
    assert remote.ok, remote.message  # the proxy resolves it; we do not need to
    assert remote.body == b"<html>remote</html>"


async def test_the_proxy_host_itself_must_pass_the_guard() -> None:
    async with running_sampleweb() as web:
        settings = proxy_settings(web, ssrf_allow=[])
        async with Fetcher(settings) as fetcher:
            result = await fetcher.fetch("http://example.com/", check_robots=False)
    assert result.error == "blocked"
    assert web.stats.requests == 0
