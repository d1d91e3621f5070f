"""Deterministic generated small-business websites with full ground truth (a SiteSource).

    sites = GeneratedSites(seed=7, count=10_000)
    sites.get(sites.hosts()[0], "/robots.txt"), sites.truth(sites.hosts()[0]).homepage.title

Every site is derived on demand from ``random.Random(f"{seed}:{index}:...")`` and kept in a
bounded LRU, so construction is instant for any count and memory stays flat. Same seed and
count -> byte-identical output. Each site answers on ``<domain>`` and ``www.<domain>``.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from . import gen_truth as t
from .gen_assets import asset
from .gen_files import FilePlan
from .gen_html import render_error, render_page
from .gen_identity import site_domain
from .gen_pages import PagePlan
from .gen_site import Site, build_site
from .gen_site_truth import site_truth
from .gen_sitemaps import QUIRKS
from .gen_xml import file_body, render_robots
from .sources import Resource

_HTML = "text/html; charset=utf-8"
_QUIRK_PERIOD = 16  # sites with index % 16 < len(QUIRKS) carry one sitemap quirk


@dataclass(frozen=True)
class _Entry:
    site: Site
    truth: t.SiteTruth


class GeneratedSites:
    """``count`` generated sites; ``faults_fraction`` of them are deliberately broken."""

    def __init__(
        self,
        seed: int,
        count: int,
        *,
        faults_fraction: float = 0.1,
        scheme: str = "https",
        cache_size: int = 64,
    ) -> None:
        if count < 0:
            raise ValueError(f"count must be >= 0, got {count}")
        if not 0.0 <= faults_fraction <= 1.0:
            raise ValueError(f"faults_fraction must be within [0, 1], got {faults_fraction}")
        if scheme not in ("http", "https"):
            raise ValueError(f"scheme must be 'http' or 'https', got {scheme!r}")
        if cache_size < 1:
            raise ValueError(f"cache_size must be >= 1, got {cache_size}")
        self.seed = seed
        self.count = count
        self.faults_fraction = faults_fraction
        self.scheme = scheme
        self._width = max(4, len(str(max(count - 1, 0))))
        self._cache_size = cache_size
        self._cache: OrderedDict[int, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._hosts: list[str] | None = None

    # -- SiteSource -------------------------------------------------------------------------

    def hosts(self) -> list[str]:
        """The registrable domain of every site, in index order (``www.`` variants also serve)."""
        if self._hosts is None:
            self._hosts = [self.domain_at(i) for i in range(self.count)]
        return list(self._hosts)

    def get(self, host: str, path: str) -> Resource | None:
        index = self.index_of(host)
        if index is None:
            return None
        site = self._entry(index).site
        route = site.routes.get(path)
        if route is None:
            return None
        kind, payload = route
        if kind == "page":
            assert isinstance(payload, PagePlan)
            return Resource(render_page(site, payload), _HTML)
        if kind == "sitemap":
            assert isinstance(payload, FilePlan)
            return Resource(
                file_body(payload, site.ident.base_url, site.ident), payload.content_type
            )
        if kind == "robots":
            body = render_robots(site.layout.robots, site.ident.base_url)
            return Resource(body, "text/plain; charset=utf-8")
        if kind == "error":
            assert isinstance(payload, int)
            return Resource(render_error(site, payload), _HTML, status=payload)
        assert isinstance(payload, str)
        body, content_type = asset(payload)
        return Resource(body, content_type, headers=(("Cache-Control", "max-age=86400"),))

    # -- ground truth -----------------------------------------------------------------------

    def truth(self, host: str) -> t.SiteTruth:
        index = self.index_of(host)
        if index is None:
            raise KeyError(f"{host!r} is not one of these generated sites")
        return self._entry(index).truth

    def truth_at(self, index: int) -> t.SiteTruth:
        if not 0 <= index < self.count:
            raise IndexError(f"site index {index} out of range 0..{self.count - 1}")
        return self._entry(index).truth

    def iter_truth(self) -> Iterator[t.SiteTruth]:
        """Every site's truth in index order (builds each site; about 1 ms per site)."""
        for index in range(self.count):
            yield self._entry(index).truth

    def total_pages(self) -> int:
        return sum(len(truth.pages) for truth in self.iter_truth())

    def total_contacts(self) -> int:
        return sum(len(truth.contacts) for truth in self.iter_truth())

    # -- lookup -----------------------------------------------------------------------------

    def domain_at(self, index: int) -> str:
        return site_domain(self.seed, index, self._width)

    def index_of(self, host: str) -> int | None:
        """The site index serving ``host`` (port, case, trailing dot and ``www.`` ignored)."""
        name = host.strip().lower().rsplit(":", 1)[0] if ":" in host else host.strip().lower()
        name = name.rstrip(".").removeprefix("www.")
        digits = name.split(".", 1)[0].rpartition("-")[2]
        if len(digits) != self._width or not digits.isdigit():
            return None
        index = int(digits)
        if index >= self.count or self.domain_at(index) != name:
            return None
        return index

    def fault_at(self, index: int) -> str | None:
        draw = random.Random(f"{self.seed}:{index}:fault").random()
        if draw < self.faults_fraction:
            return t.FAULT_KINDS[index % len(t.FAULT_KINDS)]
        return None

    def cache_info(self) -> tuple[int, int]:
        """(sites currently cached, cache capacity)."""
        return len(self._cache), self._cache_size

    def _entry(self, index: int) -> _Entry:
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
        fault = self.fault_at(index)
        slot = index % _QUIRK_PERIOD
        quirk = QUIRKS[slot] if fault is None and slot < len(QUIRKS) else None
        site = build_site(self.seed, index, self._width, self.scheme, fault, quirk)
        entry = _Entry(site, site_truth(site))
        with self._lock:
            self._cache[index] = entry
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return entry
