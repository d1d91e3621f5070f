"""Hostile sitemaps, discovered and imported end to end through the real ScraperAPI backend:
billion laughs, XXE, a gzip bomb, a 60 MB file, a 1,000-deep index chain, an index cycle, an
index listing itself, 100,000 children, a 10 MB single line, invalid UTF-8, NUL bytes and a
slow drip. Each ends with a recorded error or a capped result, nothing crashes, a good site in
the same run is imported in full, and the Python heap of this process stays bounded.

The sample web runs in a subprocess (``scrapersky sampleweb serve``) over files generated into
a temporary ``sites/<host>/<path>`` tree, so that the memory measured here is the pipeline's
alone, not the server's copy of a 60 MB body.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from scrapersky.db.engine import Database
from scrapersky.pipeline.stage import Stage
from scrapersky.settings import Settings
from tests.integration.test_sitemap_stages import (
    API_KEY,
    domain_rows,
    page_rows,
    run_sitemap_stages,
    select_domains,
    sitemap_rows,
)
from tests.support.database import PROJECT_ROOT, make_test_settings

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

MIB = 1024 * 1024
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {NS}>\n'.encode()
CHILDREN_CAP = 200  # sitemap_max_children for this run (100,000 children are listed)
CHAIN_FILES = 1000
RESIDENT_BOUND = 128 * MIB  # growth of this process's resident size during the run


def urls(host: str, *paths: str) -> bytes:
    return b"".join(f"<url><loc>https://{host}{p}</loc></url>\n".encode() for p in paths)


def sitemap_index(*locs: str) -> bytes:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>\n" for loc in locs)
    return f'<?xml version="1.0"?>\n<sitemapindex {NS}>\n{entries}</sitemapindex>\n'.encode()


def write(root: Path, host: str, path: str, body: bytes) -> None:
    target = root / "sites" / host / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)


def robots(root: Path, host: str, *paths: str) -> None:
    lines = "".join(f"Sitemap: https://{host}{p}\n" for p in paths)
    write(root, host, "/robots.txt", f"User-agent: *\nDisallow:\n{lines}".encode())


def build_sites(root: Path) -> None:
    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    write(root, "billion-laughs.com", "/sitemap.xml", (
        f'<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY lol0 "lol">{laughs}]>\n'
        f"<urlset {NS}><url><loc>https://billion-laughs.com/&lol9;</loc></url>"
        "<url><loc>https://billion-laughs.com/ok</loc></url></urlset>"
    ).encode())  # fmt: skip
    robots(root, "billion-laughs.com", "/sitemap.xml")

    write(root, "xxe-site.com", "/sitemap.xml", (
        '<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        f"<urlset {NS}><url><loc>https://xxe-site.com/&xxe;</loc></url>"
        "<url><loc>https://xxe-site.com/ok</loc></url></urlset>"
    ).encode())  # fmt: skip
    robots(root, "xxe-site.com", "/sitemap.xml")

    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    spaces = b" " * MIB
    bomb = [deflate.compress(HEAD + urls("gzip-bomb.com", "/a", "/b"))]
    bomb += [deflate.compress(spaces) for _ in range(300)]  # 300 MB inflated
    bomb.append(deflate.compress(b"</urlset>\n") + deflate.flush())
    write(root, "gzip-bomb.com", "/sitemap.xml.gz", b"".join(bomb))
    robots(root, "gzip-bomb.com", "/sitemap.xml.gz")

    with _open(root, "big-file.com", "/sitemap.xml") as out:
        out.write(HEAD)
        block = b"".join(
            f"<url><loc>https://big-file.com/p/{n:07d}</loc></url>\n".encode()
            for n in range(20_000)
        )
        for _ in range(60 * MIB // len(block) + 1):
            out.write(block)  # the same 20,000 URLs over and over: 60 MB
        out.write(b"</urlset>\n")
    robots(root, "big-file.com", "/sitemap.xml")

    for n in range(CHAIN_FILES):
        write(root, "deep-chain.com", f"/chain-{n}.xml",
              sitemap_index(f"https://deep-chain.com/chain-{n + 1}.xml"))  # fmt: skip
    robots(root, "deep-chain.com", "/chain-0.xml")

    write(root, "index-cycle.com", "/a.xml", sitemap_index("https://index-cycle.com/b.xml"))
    write(root, "index-cycle.com", "/b.xml", sitemap_index(
        "https://index-cycle.com/a.xml", "https://index-cycle.com/leaf.xml"))  # fmt: skip
    write(root, "index-cycle.com", "/leaf.xml", HEAD + urls("index-cycle.com", "/x") + b"</urlset>")
    robots(root, "index-cycle.com", "/a.xml")

    write(root, "self-index.com", "/self.xml", sitemap_index(
        "https://self-index.com/self.xml", "https://self-index.com/leaf.xml"))  # fmt: skip
    write(root, "self-index.com", "/leaf.xml", HEAD + urls("self-index.com", "/y") + b"</urlset>")
    robots(root, "self-index.com", "/self.xml")

    write(root, "many-children.com", "/sitemap_index.xml", sitemap_index(
        *(f"https://many-children.com/c-{n}.xml" for n in range(100_000))))  # fmt: skip
    robots(root, "many-children.com", "/sitemap_index.xml")

    write(root, "long-line.com", "/sitemap.txt", b"https://long-line.com/a\n"
          + b"x" * (10 * MIB) + b"\nhttps://long-line.com/b\n")  # fmt: skip
    robots(root, "long-line.com", "/sitemap.txt")

    write(root, "bad-utf8.com", "/sitemap.xml", HEAD + urls("bad-utf8.com", "/ok")
          + b"<url><loc>https://bad-utf8.com/caf\xe9\xff</loc></url>\n</urlset>\n")  # fmt: skip
    robots(root, "bad-utf8.com", "/sitemap.xml")

    write(root, "nul-bytes.com", "/sitemap.xml", HEAD + urls("nul-bytes.com", "/first")
          + b"\x00\x00\x00" + urls("nul-bytes.com", "/after-nul") + b"</urlset>\n")  # fmt: skip
    robots(root, "nul-bytes.com", "/sitemap.xml")

    # a body sent 64 bytes every 0.5 s: it cannot finish within the 3 s time limit
    write(root, "slow-drip.com", "/robots.txt", (
        b"User-agent: *\nDisallow:\n"
        b"Sitemap: https://slow-drip.com/_fault/drip?bytes=100000&interval=0.5&chunk=64\n"
    ))  # fmt: skip

    write(root, "good-site.com", "/sitemap.xml",
          HEAD + urls("good-site.com", "/", "/about", "/contact") + b"</urlset>\n")  # fmt: skip

    robots(root, "good-site.com", "/sitemap.xml")


GOOD_PAGES = {
    "https://good-site.com/",
    "https://good-site.com/about",
    "https://good-site.com/contact",
}


class _open:  # noqa: N801 - a tiny context manager that creates parent folders
    def __init__(self, root: Path, host: str, path: str) -> None:
        self.target = root / "sites" / host / path.lstrip("/")

    def __enter__(self) -> Any:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.target.open("wb")
        return self.handle

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``scrapersky sampleweb serve`` over the generated tree, in its own process."""
    root = tmp_path_factory.mktemp("hostile-web")
    build_sites(root)
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapersky", "sampleweb", "serve", "--corpus", str(root),
         "--port", "0", "--api-key", API_KEY],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("sample web on http://"), line
        yield line.split()[3] + "/"
    finally:
        process.terminate()
        process.wait(10)


def hostile_settings(api_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "fetch_backend": "scraperapi",
        "scraperapi_endpoint": api_url,
        "scraperapi_key": API_KEY,
        "scraperapi_timeout_s": 30.0,
        "ssrf_allow": ["127.0.0.1"],
        "per_host_concurrency": 8,
        "worker_poll_interval_s": 0.05,
        "diagnostic_dir": tmp_path / "diagnostics",
        "auto_advance": True,
        "sitemap_max_children": CHILDREN_CAP,
    }
    values.update(overrides)
    return make_test_settings(**values)


def fast_retries(stage: Stage[Any]) -> None:
    stage.spec = stage.spec.replace(max_attempts=2, backoff_base_s=0.0, backoff_jitter=0.0)


async def test_hostile_sitemaps_end_in_a_recorded_error_or_a_capped_result(
    db: Database, api_url: str, tmp_path: Path
) -> None:
    names = [
        "billion-laughs.com", "xxe-site.com", "gzip-bomb.com", "big-file.com", "deep-chain.com",
        "index-cycle.com", "self-index.com", "many-children.com", "long-line.com",
        "bad-utf8.com", "nul-bytes.com", "good-site.com",
    ]  # fmt: skip
    ids = await select_domains(names)
    async with ResidentSampler() as memory:
        await run_sitemap_stages(hostile_settings(api_url, tmp_path), timeout_s=240)
    grown = memory.peak - memory.baseline
    print(f"resident size grew by at most {grown / MIB:.0f} MB")  # shown with pytest -s
    files = await sitemap_rows()
    doms = await domain_rows()
    pages_of = {name: set(await page_rows(ids[name])) for name in names}

    def file(url: str) -> dict[str, Any]:
        return dict(files[url])

    def found(host: str) -> set[str]:
        return pages_of[host]

    assert all(d["sitemap_analysis_status"] == "submitted" for d in doms.values()), {
        n: d["sitemap_error"]
        for n, d in doms.items()
        if d["sitemap_analysis_status"] != "submitted"
    }
    assert not [u for u, f in files.items() if f["import_status"] in ("queued", "processing")]

    laughs = file("https://billion-laughs.com/sitemap.xml")
    assert laughs["import_status"] == "complete"
    assert "DOCTYPE" in laughs["notes"]
    assert "https://billion-laughs.com/ok" in found("billion-laughs.com")
    assert all("lol" not in url and len(url) < 100 for url in found("billion-laughs.com"))

    xxe = file("https://xxe-site.com/sitemap.xml")
    assert xxe["import_status"] == "complete"
    assert "DOCTYPE" in xxe["notes"]
    assert "https://xxe-site.com/ok" in found("xxe-site.com")
    assert all("root:" not in url and "passwd" not in url for url in found("xxe-site.com"))

    bomb = file("https://gzip-bomb.com/sitemap.xml.gz")
    assert (bomb["import_status"], bomb["truncated"], bomb["compressed"]) == (
        "complete",
        True,
        True,
    )
    assert "gzip bomb: more than 50 MB uncompressed" in bomb["notes"]
    assert bomb["bytes"] <= 50 * MIB
    assert found("gzip-bomb.com") == {"https://gzip-bomb.com/a", "https://gzip-bomb.com/b"}

    big = file("https://big-file.com/sitemap.xml")
    assert (big["import_status"], big["truncated"], big["url_count"]) == ("complete", True, 20_000)
    assert "file too large: more than 50 MB" in big["notes"]
    assert len(found("big-file.com")) == 20_000 == doms["big-file.com"]["page_count"]

    chain = {u: f for u, f in files.items() if "deep-chain.com" in u}
    assert sorted(f["depth"] for f in chain.values()) == [0, 1, 2, 3, 4, 5]
    assert "depth limit 5 reached: 1 children not followed" in file(
        "https://deep-chain.com/chain-5.xml")["notes"]  # fmt: skip

    assert "1 children already known" in file("https://index-cycle.com/b.xml")["notes"]
    assert found("index-cycle.com") == {"https://index-cycle.com/x"}
    assert "1 children already known" in file("https://self-index.com/self.xml")["notes"]
    assert found("self-index.com") == {"https://self-index.com/y"}

    many = file("https://many-children.com/sitemap_index.xml")
    assert many["import_status"] == "complete"
    assert many["child_count"] == CHILDREN_CAP
    assert f"99,800 children beyond the limit of {CHILDREN_CAP}" in many["notes"]
    kids = [f for u, f in files.items() if u.startswith("https://many-children.com/c-")]
    assert len(kids) == CHILDREN_CAP
    assert all(k["import_status"] == "error" and k["import_attempts"] == 1 for k in kids)

    long_line = file("https://long-line.com/sitemap.txt")
    assert long_line["import_status"] == "complete"
    assert "longer than 64 KB" in long_line["notes"]
    assert found("long-line.com") == {"https://long-line.com/a", "https://long-line.com/b"}

    bad = file("https://bad-utf8.com/sitemap.xml")
    assert bad["import_status"] == "complete"
    assert bad["notes"]
    assert "https://bad-utf8.com/ok" in found("bad-utf8.com")
    assert all("\ufffd" not in url for url in found("bad-utf8.com"))

    nul = file("https://nul-bytes.com/sitemap.xml")
    assert nul["import_status"] == "complete"
    assert "malformed XML" in nul["notes"]
    assert "https://nul-bytes.com/first" in found("nul-bytes.com")

    assert found("good-site.com") == GOOD_PAGES
    assert grown < RESIDENT_BOUND, f"peak resident size grew by {grown / MIB:.0f} MB"


async def test_a_slow_drip_times_out_and_the_batch_goes_on(
    db: Database, api_url: str, tmp_path: Path
) -> None:
    ids = await select_domains(["slow-drip.com", "good-site.com"])
    settings = hostile_settings(api_url, tmp_path, scraperapi_timeout_s=2.0)
    started = time.monotonic()
    await run_sitemap_stages(settings, timeout_s=60, tweak=fast_retries)
    elapsed = time.monotonic() - started
    files = await sitemap_rows()

    drip = next(f for u, f in files.items() if "slow-drip.com" in u)
    assert (drip["import_status"], drip["import_error_category"]) == ("error", "timeout")
    assert drip["import_error"].startswith("download failed: total time limit reached")
    assert drip["import_attempts"] == 2
    assert "not retryable" in drip["import_error"]
    assert set(await page_rows(ids["good-site.com"])) == GOOD_PAGES
    assert elapsed < 20  # two attempts of at most 2 s each, not 100,000 bytes at 128 B/s


class ResidentSampler:
    """This process's resident size, sampled every 20 ms while the block runs (psutil)."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.baseline = self.peak = self.process.memory_info().rss
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self.process.memory_info().rss)
            await asyncio.sleep(0.02)

    async def __aenter__(self) -> ResidentSampler:
        gc.collect()
        self.baseline = self.peak = self.process.memory_info().rss
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
