"""Plans of sitemap files and robots.txt, and the builder that fills them with dated entries.

builder = Builder(random.Random("1:42:sitemaps"), ident)
urlset = builder.file("/sitemap.xml", "urlset", "plain", pages, style="offset")
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from .gen_identity import Identity
from .gen_pages import PagePlan

_EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = 6 * 365 * 24 * 3600
_UTC_OFFSETS = {
    "US": (-5, -6, -7), "GB": (0, 1), "AU": (8, 10, 11), "CA": (-4, -7), "IE": (0, 1),
    "NZ": (12, 13), "MX": (-6,), "FR": (1, 2), "BE": (1, 2), "DE": (1, 2), "AT": (1, 2),
    "CH": (1, 2), "ES": (1, 2), "NL": (1, 2),
}  # fmt: skip
_XML = "application/xml; charset=utf-8"


@dataclass
class Entry:
    page: PagePlan
    lastmod_text: str | None
    lastmod: datetime | None
    changefreq: str | None = None
    priority: str | None = None


@dataclass
class FilePlan:
    path: str  # may carry a query string
    kind: str | None  # urlset, index, text, rss, atom; None = an HTML page posing as sitemap
    flavour: str  # plain, wp, yoast, shopify, wix, ghost, squarespace, hugo
    content_type: str = _XML
    discovered_via: str = "robots"
    parent: FilePlan | None = None
    gzip: bool = False
    entries: list[Entry] = field(default_factory=list)
    children: list[FilePlan] = field(default_factory=list)
    ext: frozenset[str] = frozenset()  # image, news, hreflang
    status: int = 200
    broken: str | None = None  # html, truncated
    cut_after: int = 0
    lists_itself: bool = False
    quirks: list[str] = field(default_factory=list)

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]


@dataclass
class RobotsPlan:
    status: int = 200
    sitemap_paths: list[str] = field(default_factory=list)
    relative: bool = False
    at_start: bool = False
    directive: str = "Sitemap"
    crlf: bool = False
    disallow: list[str] = field(default_factory=list)
    allow: list[str] = field(default_factory=list)
    extra_group: bool = False


@dataclass
class Layout:
    files: list[FilePlan]
    robots: RobotsPlan
    html_link: str | None
    quirks: list[str]


class Dates:
    """Lastmod values in one W3C form per file (or mixed), with the instant they denote."""

    def __init__(self, rng: random.Random, region: str) -> None:
        self.rng = rng
        self.tz = timezone(timedelta(hours=rng.choice(_UTC_OFFSETS[region])))

    def instant(self) -> datetime:
        return _EPOCH + timedelta(seconds=self.rng.randrange(_SPAN_SECONDS))

    def lastmod(self, style: str) -> tuple[str | None, datetime | None]:
        rng = self.rng
        if style == "mixed":
            style = rng.choice(("none", "date", "z", "offset", "fraction", "minutes", "month"))
        if style == "none":
            return None, None
        moment = self.instant()
        if style == "date":
            day = moment.date()
            return day.isoformat(), _midnight(day)
        if style == "month":
            return f"{moment:%Y-%m}", datetime(moment.year, moment.month, 1, tzinfo=UTC)
        if style == "z":
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ"), moment
        local = moment.astimezone(self.tz)
        if style == "minutes":
            local = local.replace(second=0)
            return local.isoformat(timespec="minutes"), local
        if style == "fraction":
            local += timedelta(milliseconds=rng.randrange(1, 1000))
            text = local.isoformat(timespec="milliseconds")
            return (text.replace("+00:00", "Z") if rng.random() < 0.5 else text), local
        return local.isoformat(timespec="seconds"), local


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class Builder:
    def __init__(self, rng: random.Random, ident: Identity) -> None:
        self.rng = rng
        self.ident = ident
        self.dates = Dates(rng, ident.country.region)

    def file(
        self,
        path: str,
        kind: str,
        flavour: str,
        pages: list[PagePlan],
        style: str = "none",
        ext: frozenset[str] = frozenset(),
        changefreq: bool = False,
        priority: bool = False,
    ) -> FilePlan:
        content_type = {
            "text": "text/plain; charset=utf-8",
            "rss": "application/rss+xml; charset=utf-8",
            "atom": "application/atom+xml; charset=utf-8",
        }.get(kind, self.rng.choice((_XML, _XML, "text/xml; charset=UTF-8")))
        if kind in ("rss", "atom"):
            style = "z"
        entries = []
        for page in pages:
            text, moment = self.dates.lastmod(style)
            entry = Entry(page, text, moment)
            if changefreq:
                entry.changefreq = (
                    "daily"
                    if page.role == "home"
                    else self.rng.choice(("weekly", "monthly", "monthly", "yearly"))
                )
            if priority:
                entry.priority = (
                    "1.0"
                    if page.role == "home"
                    else self.rng.choice(("0.8", "0.7", "0.6", "0.5", "0.64"))
                )
            entries.append(entry)
        return FilePlan(path, kind, flavour, content_type, entries=entries, ext=ext)

    def index(self, path: str, flavour: str, children: list[FilePlan]) -> FilePlan:
        root = FilePlan(path, "index", flavour, self.rng.choice((_XML, "text/xml; charset=utf-8")))
        for child in children:
            child.parent = root
            child.discovered_via = "index_child"
        root.children = children
        return root


def chunks(pages: list[PagePlan], size: int) -> list[list[PagePlan]]:
    return [pages[i : i + size] for i in range(0, len(pages), size)]


def ext_of(pages: list[PagePlan], images: bool = True) -> frozenset[str]:
    found = set()
    if images and any(p.images for p in pages):
        found.add("image")
    if any(p.alternates for p in pages):
        found.add("hreflang")
    if any(p.news_title for p in pages):
        found.add("news")
    return frozenset(found)
