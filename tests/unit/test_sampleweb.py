"""The sample web itself: the corpus as GitHub Pages serves it, the API and proxy shapes, faults."""

from __future__ import annotations

import asyncio
import gzip
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from scrapersky.cli import app
from scrapersky.sampleweb import (
    CompositeSource,
    DirectorySource,
    Fault,
    Latency,
    MemorySource,
    Resource,
    SampleWeb,
)
from scrapersky.sampleweb.corpus import read_manifest
from scrapersky.sampleweb.sources import content_type_for
from tests.support.sampleweb import corpus_or_skip, running_sampleweb

README_TYPES = {
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".gz": "application/gzip",
    ".rss": "application/rss+xml",
    ".html": "text/html",
    "": "text/html",
}


@pytest.fixture
def corpus() -> Path:
    return corpus_or_skip()


@pytest.fixture
async def web(corpus: Path) -> AsyncIterator[SampleWeb]:
    faults = {
        "slow.test": Fault(latency=0.3),
        "broken.test": Fault(status=503),
        "gone.test": Fault(reset=True),
        "loop.test": Fault(redirect_loop=True),
        "bomb.test": Fault(gzip_bomb_mb=10),
        "drip.test": Fault(drip_interval_s=0.01),
    }
    source = CompositeSource(
        [
            MemorySource({"shop.test": {"/": Resource(b"shop", "text/html")}}),
            DirectorySource(corpus),
        ]
    )
    async with running_sampleweb(source, faults=faults, api_key="k-123") as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


def test_directory_source_serves_every_manifest_file(corpus: Path) -> None:
    source = DirectorySource(corpus)
    rows = read_manifest(corpus)
    assert len(rows) > 200
    assert set(source.hosts()) == {row.host for row in rows}
    for row in rows:
        resource = source.get(row.host, row.served_path)
        assert resource is not None, row
        assert resource.status == 200
        assert len(resource.body) == row.bytes
        expected = README_TYPES.get(Path(row.served_path).suffix, "?")
        assert resource.content_type == expected, row.served_path


def test_directory_source_github_pages_behaviour(corpus: Path) -> None:
    source = DirectorySource(corpus)
    moved = source.get("thegentlemenbrunch.com", "/sitemap.xml")
    assert moved is not None
    assert (moved.status, dict(moved.headers)) == (301, {"Location": "/sitemap.xml/"})
    page = source.get("thegentlemenbrunch.com", "/sitemap.xml/")
    assert page is not None
    assert page.content_type == "text/html"
    assert (
        page.body == (corpus / "sites/thegentlemenbrunch.com/sitemap.xml/index.html").read_bytes()
    )
    home = source.get("blosc.org", "/")
    assert home is not None
    assert home.body.lstrip().lower().startswith(b"<!doctype")
    assert source.get("blosc.org", "/no/such/file.xml") is None
    assert source.get("no-such-host.test", "/") is None


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("blosc.org", "/../flink.apache.org/index.html"),
        ("blosc.org", "/%2e%2e/flink.apache.org/index.html"),
        ("blosc.org", "/./index.html"),
        ("blosc.org", "/..%2f..%2fMANIFEST.tsv"),
        ("blosc.org", "/index.html%00.txt"),
        ("..", "/MANIFEST.tsv"),
        ("../sites", "/blosc.org/index.html"),
        ("blosc.org/../flink.apache.org", "/index.html"),
    ],
)
def test_directory_source_refuses_path_traversal(corpus: Path, host: str, path: str) -> None:
    assert DirectorySource(corpus).get(host, path) is None


def test_content_types() -> None:
    for name, expected in [
        ("a.xml", "application/xml"),
        ("CNAME", "text/html"),
        ("x.bin", "application/octet-stream"),
    ]:
        assert content_type_for(name) == expected


def test_composite_source_first_match_wins() -> None:
    first = MemorySource({"a.test": {"/": Resource(b"first", "text/html")}})
    second = MemorySource(
        {
            "a.test": {"/": Resource(b"second", "text/html"), "/x": Resource(b"x", "text/plain")},
            "b.test": {},
        }
    )
    both = CompositeSource([first, second])
    assert both.hosts() == ["a.test", "b.test"]
    assert both.get("a.test", "/") == Resource(b"first", "text/html")
    assert both.get("a.test", "/x") == Resource(b"x", "text/plain")
    assert both.get("a.test", "/y") is None


async def test_site_prefix_shape(web: SampleWeb, client: httpx.AsyncClient, corpus: Path) -> None:
    response = await client.get(web.site_url("blosc.org", "/robots.txt"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain"
    assert response.content == (corpus / "sites/blosc.org/robots.txt").read_bytes()
    moved = await client.get(web.site_url("thegentlemenbrunch.com", "/sitemap.xml"))
    assert moved.status_code == 301
    assert moved.headers["location"] == "/_site/thegentlemenbrunch.com/sitemap.xml/"
    followed = await client.get(web.base_url + moved.headers["location"])
    assert (followed.status_code, followed.headers["content-type"]) == (200, "text/html")
    missing = await client.get(web.site_url("blosc.org", "/nope.xml"))
    assert missing.status_code == 404
    gz = await client.get(web.site_url("www.mkdocs.org", "/sitemap.xml.gz"))
    assert gz.headers["content-type"] == "application/gzip"
    assert b"<urlset" in gzip.decompress(gz.content)  # a real gzip file, not transfer-encoded


async def test_origin_shape_by_host_header(web: SampleWeb, client: httpx.AsyncClient) -> None:
    response = await client.get(f"{web.base_url}/", headers={"Host": "shop.test"})
    assert (response.status_code, response.content) == (200, b"shop")
    assert web.stats.by_kind["origin"] == 1


async def test_proxy_shape(web: SampleWeb, corpus: Path) -> None:
    async with httpx.AsyncClient(proxy=web.proxy_url, timeout=10) as proxied:
        response = await proxied.get("http://blosc.org/robots.txt")
        assert response.content == (corpus / "sites/blosc.org/robots.txt").read_bytes()
        with pytest.raises(httpx.ProxyError):
            await proxied.get("https://blosc.org/robots.txt")  # CONNECT: no TLS here
    assert web.stats.by_kind["proxy"] == 1
    assert web.stats.by_kind["connect"] == 1


async def test_api_shape(web: SampleWeb, client: httpx.AsyncClient, corpus: Path) -> None:
    def api(url: str, key: str = "k-123", **extra: str) -> str:
        return str(httpx.URL(web.api_url, params={"api_key": key, "url": url, **extra}))

    ok = await client.get(api("https://blosc.org/robots.txt", render="true", country_code="us"))
    assert ok.status_code == 200
    assert ok.content == (corpus / "sites/blosc.org/robots.txt").read_bytes()
    assert ok.headers["sa-final-url"] == "https://blosc.org/robots.txt"
    assert web.stats.api_params[-1] == {
        "url": "https://blosc.org/robots.txt",
        "render": "true",
        "country_code": "us",
    }
    followed = await client.get(api("http://thegentlemenbrunch.com/sitemap.xml"))
    assert followed.status_code == 200
    assert followed.headers["sa-final-url"] == "http://thegentlemenbrunch.com/sitemap.xml/"
    assert (await client.get(api("http://blosc.org/missing"))).status_code == 404
    assert (await client.get(api("http://blosc.org/", key="wrong"))).status_code == 403
    assert (await client.get(api("ftp://blosc.org/"))).status_code == 400
    assert (await client.get(api("http://broken.test/"))).status_code == 500
    assert (await client.get(api("http://gone.test/"))).status_code == 500
    assert (await client.get(api("http://loop.test/"))).status_code == 500
    assert (await client.get(api("http://x.test/_fault/status/410"))).status_code == 410


async def test_api_key_optional(corpus: Path, client: httpx.AsyncClient) -> None:
    async with running_sampleweb(DirectorySource(corpus)) as open_web:
        url = httpx.URL(
            open_web.api_url, params={"api_key": "anything", "url": "http://blosc.org/"}
        )
        assert (await client.get(url)).status_code == 200


async def test_fault_paths(web: SampleWeb, client: httpx.AsyncClient) -> None:
    base = web.base_url
    assert (await client.get(f"{base}/_fault/status/418")).status_code == 418
    started = time.perf_counter()
    assert (await client.get(f"{base}/_fault/latency?s=0.3")).status_code == 200
    assert time.perf_counter() - started >= 0.3
    big = await client.get(f"{base}/_fault/big?bytes=3000000")
    assert len(big.content) == 3_000_000
    raw = await client.get(f"{base}/_fault/gzip-bomb?mb=64", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert int(raw.headers["content-length"]) < 100_000  # small on the wire
    started = time.perf_counter()
    drip = await client.get(f"{base}/_fault/drip?bytes=100&chunk=20&interval=0.05")
    assert drip.content == b"d" * 100
    assert time.perf_counter() - started >= 0.25
    to = await client.get(f"{base}/_fault/redirect?to=http://10.0.0.1/&status=307")
    assert (to.status_code, to.headers["location"]) == (307, "http://10.0.0.1/")
    loop = await client.get(f"{base}/_fault/redirect-loop")
    assert loop.headers["location"] == "/_fault/redirect-loop"
    chain = await client.get(f"{base}/_fault/redirect-chain?n=2", follow_redirects=True)
    assert (chain.status_code, len(chain.history)) == (200, 2)
    assert (await client.get(web.site_url("blosc.org", "/?_status=502"))).status_code == 502
    started = time.perf_counter()
    await client.get(web.site_url("blosc.org", "/robots.txt?_latency=0.2"))
    assert time.perf_counter() - started >= 0.2


async def test_reset_faults(web: SampleWeb, client: httpx.AsyncClient) -> None:
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        await client.get(f"{web.base_url}/_fault/reset")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        await client.get(f"{web.base_url}/_fault/reset?after=100")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        await client.get(web.site_url("gone.test", "/"))


async def test_host_faults(web: SampleWeb, client: httpx.AsyncClient) -> None:
    started = time.perf_counter()
    assert (await client.get(web.site_url("slow.test", "/"))).status_code == 404
    assert time.perf_counter() - started >= 0.3
    assert (await client.get(web.site_url("broken.test", "/"))).status_code == 503
    loop = await client.get(web.site_url("loop.test", "/a"))
    assert loop.headers["location"] == "/_site/loop.test/a"
    bomb = await client.get(web.site_url("bomb.test", "/"))
    assert bomb.headers["content-encoding"] == "gzip"
    assert len(bomb.content) == 10 * 1024 * 1024
    dripped = await client.get(web.site_url("drip.test", "/_fault/status/200"))
    assert dripped.status_code == 200


async def test_server_wide_latency() -> None:
    async with running_sampleweb(latency="uniform:0.1,0.2") as slow, httpx.AsyncClient() as client:
        started = time.perf_counter()
        await client.get(f"{slow.base_url}/_fault/status/200")
    assert 0.1 <= time.perf_counter() - started < 1.0


async def test_keep_alive_head_and_stats(web: SampleWeb, client: httpx.AsyncClient) -> None:
    for _ in range(20):
        assert (await client.get(web.site_url("shop.test", "/"))).status_code == 200
    head = await client.head(web.site_url("blosc.org", "/robots.txt"))
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    assert web.stats.connections == 1
    assert web.stats.requests == 21
    assert web.stats.by_kind["site"] == 21
    assert web.stats.by_status[200] == 21
    refused = await client.post(web.site_url("shop.test", "/"))
    assert refused.status_code == 405


async def test_hundreds_of_concurrent_connections(web: SampleWeb) -> None:
    limits = httpx.Limits(max_connections=300)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        responses = await asyncio.gather(
            *(client.get(web.site_url("shop.test", "/") + f"?n={i}") for i in range(300))
        )
    assert all(r.status_code == 200 for r in responses)
    assert web.stats.connections >= 200


async def test_malformed_requests_get_clear_answers(web: SampleWeb) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
    writer.write(b"NONSENSE\r\n\r\n")
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 400")
    reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
    writer.write(b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n")
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 431")


@pytest.mark.parametrize(
    ("spec", "low", "high"),
    [("2.5", 2.5, 2.5), ("uniform:2,3", 2, 3), ("normal:1,0.1", 0.3, 1.7), ("exp:0.5", 0, 20)],
)
def test_latency_specs(spec: str, low: float, high: float) -> None:
    latency = Latency.parse(spec)
    rng = random.Random(1)
    samples = [latency.sample(rng) for _ in range(200)]
    assert all(low <= s <= high for s in samples)


@pytest.mark.parametrize("spec", ["", "fast", "uniform:1", "normal:a,b", "gamma:1,2"])
def test_bad_latency_spec(spec: str) -> None:
    with pytest.raises(ValueError, match="bad latency"):
        Latency.parse(spec)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--corpus", "/no/such/dir"], "no sites/ folder"),
        (["--latency", "soon"], "bad latency"),
    ],
)
def test_cli_errors_clearly(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["sampleweb", "serve", "--port", "0", *args])
    assert result.exit_code == 1
    assert message in result.output.replace("\n", " ")
