"""Ground truth for the generated sample sites: what ScraperSky is expected to find.

truth = GeneratedSites(seed=1, count=10).truth("bluefinch-plumbing-0000.com")
truth.homepage.title, [(c.value, c.email_type) for c in truth.contacts]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

# Email classification, in the order the rule applies it.
SERVICE_LOCAL_PARTS: frozenset[str] = frozenset(
    {"noreply", "no-reply", "postmaster", "mailer-daemon", "bounce", "donotreply"}
)
FREE_EMAIL_PROVIDERS: frozenset[str] = frozenset(
    {
        "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "gmx.de",
        "web.de", "orange.fr", "free.fr", "laposte.net", "yandex.ru", "mail.ru", "proton.me",
        "protonmail.com", "aol.com", "live.com", "msn.com", "qq.com", "163.com",
    }
)  # fmt: skip

# Fault kinds a site can be generated with (SiteTruth.fault).
FAULT_HOMEPAGE_404 = "homepage_404"
FAULT_HOMEPAGE_500 = "homepage_500"
FAULT_ROBOTS_500 = "robots_500"
FAULT_SITEMAP_HTML = "sitemap_is_html"
FAULT_SITEMAP_MALFORMED = "sitemap_malformed"
FAULT_SITEMAP_CYCLE = "sitemap_cycle"
FAULT_NO_SITEMAP = "no_sitemap"
FAULT_KINDS: tuple[str, ...] = (
    FAULT_HOMEPAGE_404,
    FAULT_HOMEPAGE_500,
    FAULT_ROBOTS_500,
    FAULT_SITEMAP_HTML,
    FAULT_SITEMAP_MALFORMED,
    FAULT_SITEMAP_CYCLE,
    FAULT_NO_SITEMAP,
)

# Error kinds a correct pipeline reports (HomepageTruth.error, SitemapTruth.error,
# SiteTruth.discovery_error, SiteTruth.expected_errors).
ERROR_HTTP_404 = "http_404"
ERROR_HTTP_500 = "http_500"
ERROR_ROBOTS_DISALLOW_ALL = "robots_disallow_all"  # robots.txt 5xx -> RFC 9309 complete disallow
ERROR_NOT_A_SITEMAP = "not_a_sitemap"
ERROR_MALFORMED_XML = "malformed_xml"
ERROR_SITEMAP_CYCLE = "sitemap_cycle"
ERROR_NO_SITEMAP = "no_sitemap"


def classify_email(email: str, site_domain: str) -> str:
    """service, free, corporate or unknown - the rule ScraperSky applies, in that order.

    ``site_domain`` must be a registrable domain; an email domain equal to it or below it
    counts as corporate (exact for the domains these sites use).
    """
    local, _, domain = email.lower().rpartition("@")
    if local in SERVICE_LOCAL_PARTS:
        return "service"
    if domain in FREE_EMAIL_PROVIDERS:
        return "free"
    if domain == site_domain or domain.endswith("." + site_domain):
        return "corporate"
    return "unknown"


@dataclass(frozen=True)
class HomepageTruth:
    """What the metadata stage should extract; every field but url/ok/error is None when broken."""

    url: str
    ok: bool
    error: str | None
    status: int  # what the server answers for "/"
    title: str | None
    description: str | None
    language: str | None  # the <html lang> value, e.g. "en-GB"
    generator: str | None  # <meta name="generator"> content
    canonical: str | None
    favicon: str | None
    apple_touch_icon: str | None
    logo: str | None  # the JSON-LD logo URL
    social: Mapping[str, str]  # platform (facebook, instagram, linkedin, x, ...) -> profile URL
    social_decoys: tuple[str, ...]  # share/intent links that are not the site's profiles
    jsonld_type: str | None
    jsonld_name: str | None
    tech: tuple[str, ...]
    sitemap_link: str | None  # absolute href of <link rel="sitemap">, when present


@dataclass(frozen=True)
class PageTruth:
    """One page URL the sitemap import should record, with the entry's data."""

    url: str
    sitemap_url: str  # the file that lists it
    lastmod: datetime | None  # timezone-aware; date-only forms are midnight UTC
    changefreq: str | None
    priority: float | None
    images: tuple[str, ...] = ()
    alternates: tuple[tuple[str, str], ...] = ()  # (hreflang, href)
    news_title: str | None = None


@dataclass(frozen=True)
class SitemapTruth:
    """One sitemap file discovery should record, and how its import should end."""

    url: str  # absolute; may carry a query string (Shopify style)
    kind: str | None  # urlset, index, text, rss, atom; None when it is not a sitemap at all
    discovered_via: str  # robots, well_known, html_link, index_child
    parent_url: str | None
    status: int
    content_type: str
    gzip: bool  # body is a real gzip stream (application/gzip)
    ok: bool
    error: str | None
    url_count: int  # entries in the file: pages for urlset/text/rss/atom, children for index
    has_lastmod: bool
    urls: tuple[str, ...]  # entries (absolute) in file order; complete entries only if broken
    quirks: tuple[str, ...] = ()


@dataclass(frozen=True)
class RobotsTruth:
    url: str
    status: int  # 200, 404 (allow all) or 500 (disallow all)
    sitemap_urls: tuple[str, ...]  # Sitemap: lines, resolved to absolute URLs
    disallow: tuple[str, ...]  # Disallow: rules of the "User-agent: *" group


@dataclass(frozen=True)
class Placement:
    """Where and how a contact appears; ``rendered`` is an exact substring of the page HTML."""

    page_url: str
    form: str  # mailto, text, entities, at_dot_brackets, at_dot_parens, cloudflare, jsonld,
    # tel_link, text_national, text_international
    rendered: str


@dataclass(frozen=True)
class ContactTruth:
    value: str  # lower-case email, or E.164 phone
    kind: str  # email, phone
    email_type: str | None  # service, free, corporate, unknown (emails only)
    placements: tuple[Placement, ...]

    @property
    def page_urls(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.page_url for p in self.placements))


@dataclass(frozen=True)
class DecoyTruth:
    """Text that looks like a contact but must NOT be reported."""

    text: str  # exact substring of the page HTML
    kind: str  # email, phone
    page_url: str
    reason: str


@dataclass(frozen=True)
class SiteTruth:
    index: int
    domain: str  # registrable domain; the site also answers on www.<domain>
    base_url: str  # scheme://canonical-host, no trailing slash
    region: str
    language: str
    business_name: str
    platform: str
    fault: str | None
    discovery_error: str | None  # why discovery should find no usable sitemap, if so
    expected_errors: tuple[str, ...]  # every error kind a correct pipeline reports for the site
    homepage: HomepageTruth
    robots: RobotsTruth
    sitemaps: tuple[SitemapTruth, ...]
    pages: tuple[PageTruth, ...]  # unique URLs, from sitemaps that import cleanly
    partial_page_urls: tuple[str, ...]  # only in a broken file: a streaming import MAY keep them
    contact_page_urls: tuple[str, ...]  # pages other than "/" that carry planted contacts
    contacts: tuple[ContactTruth, ...]
    decoys: tuple[DecoyTruth, ...]
    quirks: tuple[str, ...]

    @property
    def page_urls(self) -> tuple[str, ...]:
        return tuple(page.url for page in self.pages)

    @property
    def homepage_ok(self) -> bool:
        return self.homepage.ok

    @property
    def emails(self) -> tuple[ContactTruth, ...]:
        return tuple(c for c in self.contacts if c.kind == "email")

    @property
    def phones(self) -> tuple[ContactTruth, ...]:
        return tuple(c for c in self.contacts if c.kind == "phone")
