"""Pure helpers of sitemap discovery: where to look, in what order, and what counts.

    candidate_origins("example.com")           # ["https://example.com", "https://www.example.com"]
    on_site("https://shop.example.com/a", "example.com")   # True: a subdomain is the same site

No I/O here: the discovery stage (``pipeline.stages.sitemap_discovery``) fetches, these
functions decide. The order of ``WELL_KNOWN_PATHS`` is part of the contract (docs/sitemaps.md,
"Discovery and import"): the stage stops at the first path that answers with a sitemap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import idna

from scrapersky.web.domains import registrable_domain
from scrapersky.web.html_decode import parse_html
from scrapersky.web.sitemap_model import SitemapParseResult
from scrapersky.web.sitemap_urls import parse_robots_sitemaps, resolve_loc

# Main sitemap and index names first, then the gzip twin, platform names (WordPress core,
# Gatsby), the plain-text form, Yoast sections, news sitemaps and finally feeds.
WELL_KNOWN_PATHS: tuple[str, ...] = (
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap-index.xml",
    "/sitemapindex.xml",
    "/sitemap.xml.gz",
    "/wp-sitemap.xml",
    "/sitemap.txt",
    "/sitemap/sitemap-index.xml",
    "/post-sitemap.xml",
    "/page-sitemap.xml",
    "/sitemap_news.xml",
    "/news-sitemap.xml",
    "/rss.xml",
    "/atom.xml",
)
MAX_HOMEPAGE_LINKS = 5  # sitemap links taken from a homepage (each costs one request)

_SITEMAP_HREF = re.compile(r"sitemap[^/]*\.(?:xml|xml\.gz|txt)$", re.IGNORECASE)
_FEED_KINDS = frozenset({"urlset", "index", "rss", "atom"})


def host_of(url: str) -> str:
    """The lower-cased ASCII host of an absolute URL ("" when there is none)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return ""


def on_site(url: str, domain: str) -> bool:
    """True when ``url`` belongs to ``domain``: the host itself, ``www.`` or any subdomain.

    A sitemap or page on another host (a staging server, a mirror's origin, a CDN of another
    site) is "off-site": discovery records such a sitemap but does not import it, and the
    import stage skips such page URLs (they would be another site's pages in this domain).
    """
    host = host_of(url)
    return bool(host) and (host == domain or host.endswith("." + domain))


def candidate_origins(domain: str, hint_url: str | None = None) -> list[str]:
    """Origins to try, best first: the origin the homepage ended on (``hint_url``, when it is
    on the site), ``https://<domain>``, then ``https://www.<domain>`` for a registrable name
    (we store domains without ``www.``; many sites answer only there)."""
    origins: list[str] = []
    if hint_url and on_site(hint_url, domain):
        parts = urlsplit(hint_url)
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    origins.append(f"https://{domain}")
    if registrable_domain(domain) == domain:
        origins.append(f"https://www.{domain}")
    return list(dict.fromkeys(origins))


def http_twin(origin: str) -> str | None:
    """``http://host`` for ``https://host`` (tried when https cannot connect), else None."""
    return "http://" + origin.removeprefix("https://") if origin.startswith("https://") else None


def robots_sitemap_urls(declared: Iterable[str], robots_url: str) -> list[str]:
    """Absolute http(s) sitemap URLs from the raw values of robots.txt ``Sitemap:`` lines
    (relative values resolved against robots.txt, several per line split, junk dropped)."""
    lines = "\n".join(f"Sitemap: {value}" for value in declared)
    return parse_robots_sitemaps(lines, robots_url)


def homepage_sitemap_links(html: str, base_url: str, limit: int = MAX_HOMEPAGE_LINKS) -> list[str]:
    """``<link rel="sitemap" href>`` targets, then ``<a href>`` links whose file name says
    sitemap (``sitemap*.xml``, ``.xml.gz``, ``.txt``), resolved, de-duplicated, at most
    ``limit``. An HTML "site map" page (``/sitemap/``) is not a sitemap and is not taken."""
    tree = parse_html(html)
    base = base_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = resolve_loc(base_node.attributes.get("href") or "", base_url) or base_url
    found: dict[str, None] = {}
    for node in tree.css("link[rel][href]"):
        if "sitemap" in (node.attributes.get("rel") or "").lower().split():
            url = resolve_loc(node.attributes.get("href") or "", base)
            if url is not None:
                found.setdefault(url)
    for node in tree.css("a[href]"):
        url = resolve_loc(node.attributes.get("href") or "", base)
        if url is not None and _SITEMAP_HREF.search(urlsplit(url).path):
            found.setdefault(url)
    return list(found)[:limit]


def sniff_verdict(head: SitemapParseResult, saw_entry: bool) -> str | None:
    """None when the parsed start of a body is a sitemap; otherwise why it is not.

    XML sitemaps, indexes and feeds count from their root element (an empty ``<urlset>`` is
    a sitemap); a text body counts only once a line held a URL.
    """
    if head.kind in _FEED_KINDS:
        return None
    if head.kind == "text" and saw_entry:
        return None
    if head.kind == "text":
        return "not a sitemap: text without a URL at the start"
    return head.error or "not a sitemap"
