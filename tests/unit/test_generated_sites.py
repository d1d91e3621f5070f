"""Generated sample sites: determinism, and everything served agrees with the ground truth.

The checks here re-derive each fact from the served bytes with independent code (lxml,
Protego, phonenumbers, tldextract, a cfemail decoder written here), never from the generator.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import re
import subprocess
import sys
import textwrap
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import phonenumbers
import pytest
import tldextract
from lxml import etree
from lxml import html as lxml_html
from protego import Protego

from scrapersky.sampleweb.gen_truth import FAULT_KINDS, SiteTruth
from scrapersky.sampleweb.generated import GeneratedSites
from scrapersky.sampleweb.sources import Resource, SiteSource

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
WELL_KNOWN = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml", "/sitemap.txt")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
DOT = r" ?(?:\[dot\]|\(dot\)) ?"
DOT_RE = re.compile(DOT)
OBFUSCATED_RE = re.compile(
    rf"([A-Za-z0-9._%+-]+) ?(?:\[at\]|\(at\)) ?([A-Za-z0-9-]+(?:{DOT}[A-Za-z0-9-]+)+)"
)
SERVICE = {"noreply", "no-reply", "postmaster", "mailer-daemon", "bounce", "donotreply"}
FREE = {
    "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "gmx.de", "web.de",
    "orange.fr", "free.fr", "laposte.net", "yandex.ru", "mail.ru", "proton.me", "protonmail.com",
    "aol.com", "live.com", "msn.com", "qq.com", "163.com",
}  # fmt: skip
TECH_MARKERS = {
    "WordPress": "/wp-content/", "WooCommerce": "/plugins/woocommerce/", "jQuery": "/jquery",
    "Shopify": "Shopify.shop", "Wix": "X-Wix-Meta-Site-Id", "Squarespace": "This is Squarespace",
    "Hugo": 'content="Hugo ', "Ghost": 'content="Ghost ', "Joomla": 'content="Joomla!',
    "Drupal": "data-drupal-selector", "Webflow": "data-wf-site", "Next.js": "__NEXT_DATA__",
    "React": 'id="__next"', "Yoast SEO": "Yoast SEO plugin", "Cloudflare": "/cdn-cgi/",
}  # fmt: skip
PSL = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@pytest.fixture(scope="module")
def sites() -> GeneratedSites:
    return GeneratedSites(seed=20240611, count=120, cache_size=128)


@pytest.fixture(scope="module")
def truths(sites: GeneratedSites) -> list[SiteTruth]:
    return list(sites.iter_truth())


@pytest.fixture(scope="module")
def broken() -> GeneratedSites:
    return GeneratedSites(seed=99, count=3 * len(FAULT_KINDS), faults_fraction=1.0)


def fetch(source: SiteSource, url: str) -> Resource | None:
    parts = urlsplit(url)
    assert parts.hostname is not None
    return source.get(parts.hostname, parts.path or "/")


def fetch_ok(source: SiteSource, url: str) -> Resource:
    resource = fetch(source, url)
    assert resource is not None, url
    assert resource.status == 200, url
    return resource


def xml_root(body: bytes) -> etree._Element:
    return etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))


def cf_decode(code: str) -> str:
    key = int(code[:2], 16)
    return "".join(chr(int(code[i : i + 2], 16) ^ key) for i in range(2, len(code), 2))


def visible_text(raw: bytes) -> str:
    doc = lxml_html.fromstring(raw)
    for node in doc.xpath("//script|//style"):
        node.drop_tree()
    return "\n".join(doc.itertext())


def parse_w3c(text: str) -> datetime:
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return datetime(int(text[:4]), int(text[5:]), 1, tzinfo=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sitemap_entries(kind: str, body: bytes, base: str) -> list[tuple[str, str | None]]:
    """(absolute URL, date text) per entry, read with lxml / line splitting."""
    if kind == "text":
        return [(line.strip(), None) for line in body.decode().splitlines() if line.strip()]
    root = xml_root(body)
    if kind == "urlset":
        assert root.tag == f"{SM}urlset"
        return [
            (urljoin(base, (u.findtext(f"{SM}loc") or "").strip()), u.findtext(f"{SM}lastmod"))
            for u in root.iter(f"{SM}url")
        ]
    if kind == "index":
        assert root.tag == f"{SM}sitemapindex"
        return [((s.findtext(f"{SM}loc") or "").strip(), None) for s in root.iter(f"{SM}sitemap")]
    if kind == "rss":
        assert root.tag == "rss"
        return [(i.findtext("link") or "", i.findtext("pubDate")) for i in root.iter("item")]
    assert kind == "atom"
    assert root.tag == f"{ATOM}feed"
    return [
        (e.find(f"{ATOM}link").get("href") or "", e.findtext(f"{ATOM}updated"))  # type: ignore[union-attr]
        for e in root.iter(f"{ATOM}entry")
    ]


# -- determinism and laziness -------------------------------------------------------------


def _sample_paths(source: GeneratedSites, host: str) -> list[str]:
    truth = source.truth(host)
    urls = [truth.homepage.url, truth.robots.url, *(s.url for s in truth.sitemaps)]
    urls += [*truth.page_urls[:6], *truth.contact_page_urls]
    return [urlsplit(u).path for u in urls]


def test_same_seed_gives_identical_bytes_and_truth() -> None:
    first = GeneratedSites(seed=5, count=40)
    second = GeneratedSites(seed=5, count=40, cache_size=1)  # rebuilt after every eviction
    assert first.hosts() == second.hosts()
    for host in first.hosts()[:12]:
        for path in _sample_paths(first, host):
            assert first.get(host, path) == second.get(host, path), (host, path)
        assert first.truth(host) == second.truth(host)


def test_different_seed_gives_different_sites() -> None:
    first, second = GeneratedSites(seed=5, count=20), GeneratedSites(seed=6, count=20)
    assert first.hosts() != second.hosts()
    bodies = [(s.get(s.hosts()[0], "/") or Resource(b"", "")).body for s in (first, second)]
    assert bodies[0] != bodies[1]


def test_output_does_not_depend_on_hash_randomisation() -> None:
    script = textwrap.dedent("""
        import hashlib
        from urllib.parse import urlsplit
        from scrapersky.sampleweb.generated import GeneratedSites
        s, h = GeneratedSites(seed=11, count=12), hashlib.sha256()
        for host in s.hosts():
            t = s.truth(host)
            for url in [t.homepage.url, t.robots.url, *(m.url for m in t.sitemaps)]:
                r = s.get(host, urlsplit(url).path)
                h.update(r.body if r else b"-")
            h.update(repr(t).encode())
        print(h.hexdigest())
    """)
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1
    assert len(next(iter(digests)).strip()) == len(hashlib.sha256().hexdigest())


def test_ten_thousand_sites_construct_lazily_with_unique_registrable_hosts() -> None:
    big = GeneratedSites(seed=1, count=10_000)
    assert big.cache_info()[0] == 0
    hosts = big.hosts()
    assert len(hosts) == len(set(hosts)) == 10_000
    for host in hosts:
        extracted = PSL(host)
        assert extracted.suffix, host
        assert extracted.top_domain_under_public_suffix == host
        assert PSL("www." + host).top_domain_under_public_suffix == host
    assert big.truth(hosts[-1]).domain == hosts[-1]
    assert big.cache_info()[0] == 1


def test_memory_stays_bounded_by_the_cache() -> None:
    source = GeneratedSites(seed=3, count=5_000, cache_size=8)
    hosts = source.hosts()
    tracemalloc.start()
    try:
        for host in hosts[::100]:
            source.get(host, "/")
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert source.cache_info() == (8, 8)
    assert current < 40 * 1024 * 1024


def test_unknown_hosts_and_paths_are_404_and_host_spellings_match() -> None:
    source = GeneratedSites(seed=2, count=30)
    host = source.hosts()[7]
    assert source.get("example.com", "/") is None
    assert source.get(host.replace("-0007", "-0031"), "/") is None  # index past count
    assert source.get(host.replace("-0007", "-0008"), "/") is None  # index of another site
    assert source.get(host, "/no-such-page") is None
    home = source.get(host, "/")
    for spelling in (f"www.{host}", host.upper(), f"{host}:8080", f"{host}."):
        assert source.get(spelling, "/") == home
    with pytest.raises(KeyError):
        source.truth("example.com")
    with pytest.raises(ValueError, match="faults_fraction"):
        GeneratedSites(seed=1, count=1, faults_fraction=1.5)


# -- sitemaps and robots ------------------------------------------------------------------


def test_every_sitemap_is_served_with_its_stated_kind_and_entries(
    sites: GeneratedSites, truths: list[SiteTruth]
) -> None:
    lastmod_forms: Counter[str] = Counter()
    for truth in truths:
        pages = {p.url: p for p in truth.pages}
        for sitemap in truth.sitemaps:
            resource = fetch(sites, sitemap.url)
            if sitemap.status == 404:
                assert resource is None
                assert not sitemap.ok
                continue
            assert resource is not None
            assert resource.status == 200
            assert resource.content_type == sitemap.content_type
            body = resource.body
            if sitemap.gzip:
                assert body[:2] == b"\x1f\x8b"
                assert "gzip" in resource.content_type
                body = gzip.decompress(body)
            if sitemap.kind is None:
                assert resource.content_type.startswith("text/html")
                assert b"<html" in body
                assert b"<urlset" not in body
                continue
            if not sitemap.ok:
                with pytest.raises(etree.XMLSyntaxError):
                    xml_root(body)
                assert body.count(b"</url>") == sitemap.url_count
                continue
            entries = sitemap_entries(sitemap.kind, body, sitemap.url)
            assert [url for url, _ in entries] == list(sitemap.urls), sitemap.url
            assert len(entries) == sitemap.url_count
            if sitemap.kind in ("urlset", "rss", "atom"):
                assert any(date for _, date in entries) == sitemap.has_lastmod
            for url, date in entries:
                page = pages.get(url)
                if page is None or page.sitemap_url != sitemap.url:
                    continue
                if sitemap.kind == "rss":
                    assert date is not None
                    assert parsedate_to_datetime(date) == page.lastmod
                elif date is None:
                    assert page.lastmod is None
                else:
                    assert parse_w3c(date.strip()) == page.lastmod, (url, date)
                    lastmod_forms[_form_of(date)] += 1
    assert set(lastmod_forms) >= {"date", "utc_z", "offset", "fraction", "minutes"}


def _form_of(text: str) -> str:
    if "T" not in text:
        return "date"
    time = text.split("T", 1)[1]
    if "." in time:
        return "fraction"
    if time.endswith("Z"):
        return "utc_z"
    return "minutes" if time.count(":") == 2 else "offset"


def test_robots_txt_states_the_truth(sites: GeneratedSites, truths: list[SiteTruth]) -> None:
    statuses: Counter[int] = Counter()
    for truth in truths:
        robots = truth.robots
        statuses[robots.status] += 1
        resource = fetch(sites, robots.url)
        if robots.status == 404:
            assert resource is None
            continue
        assert resource is not None
        assert resource.status == robots.status
        if robots.status != 200:
            continue
        parser = Protego.parse(resource.body.decode())
        assert [urljoin(robots.url, s) for s in parser.sitemaps] == list(robots.sitemap_urls)
        for page in truth.pages:
            assert parser.can_fetch(page.url, "ScraperSkyBot"), page.url
        for rule in robots.disallow:
            assert not parser.can_fetch(urljoin(robots.url, rule + "x"), "ScraperSkyBot")
    assert set(statuses) >= {200, 404}


def test_each_sitemap_is_discoverable_the_way_truth_says(
    sites: GeneratedSites, truths: list[SiteTruth]
) -> None:
    ways: Counter[str] = Counter()
    for truth in truths:
        by_url = {s.url: s for s in truth.sitemaps}
        home = fetch(sites, truth.homepage.url)
        links = []
        if home is not None and home.status == 200:
            doc = lxml_html.fromstring(home.body)
            links = [
                urljoin(truth.homepage.url, h) for h in doc.xpath('//link[@rel="sitemap"]/@href')
            ]
        for sitemap in truth.sitemaps:
            ways[sitemap.discovered_via] += 1
            if sitemap.discovered_via == "robots":
                assert sitemap.url in truth.robots.sitemap_urls
            elif sitemap.discovered_via == "well_known":
                assert urlsplit(sitemap.url).path in WELL_KNOWN
                assert not truth.robots.sitemap_urls
            elif sitemap.discovered_via == "html_link":
                assert links == [sitemap.url] == [truth.homepage.sitemap_link]
                assert not truth.robots.sitemap_urls
            else:
                assert sitemap.discovered_via == "index_child"
                assert sitemap.parent_url is not None
                assert sitemap.url in by_url[sitemap.parent_url].urls
        if truth.robots.status < 500:  # nothing but the stated sitemaps answers a probe
            for path in WELL_KNOWN:
                if fetch(sites, truth.base_url + path) is not None:
                    assert truth.base_url + path in by_url
    assert set(ways) == {"robots", "well_known", "html_link", "index_child"}


def test_formats_and_quirks_are_all_represented(truths: list[SiteTruth]) -> None:
    sitemaps = [s for t in truths for s in t.sitemaps]
    assert {s.kind for s in sitemaps} >= {"urlset", "index", "text", "rss", "atom"}
    assert any(s.gzip for s in sitemaps)
    assert {q for t in truths for q in t.quirks} == {
        "relative_locs", "cdata", "empty_urlset", "child_404", "whitespace_locs", "utf8_bom",
    }  # fmt: skip
    pages = [p for t in truths for p in t.pages]
    assert any(p.images for p in pages)
    assert any(p.alternates for p in pages)
    assert any(p.news_title for p in pages)
    assert any(p.changefreq for p in pages)
    assert any(p.priority is not None for p in pages)
    counts = sorted(len(t.pages) for t in truths if t.fault is None)
    assert counts[0] >= 5
    assert counts[-1] > 10 * counts[0]


def test_every_listed_page_and_asset_is_served(
    sites: GeneratedSites, truths: list[SiteTruth]
) -> None:
    for truth in truths:
        assert len({p.url for p in truth.pages}) == len(truth.pages)
        for page in truth.pages:
            resource = fetch_ok(sites, page.url)
            assert resource.content_type.startswith("text/html")
            assert resource.body.startswith(b"<!DOCTYPE html>")
            for image in page.images:
                assert fetch_ok(sites, image).body.startswith(b"\x89PNG")
            for _, alternate in page.alternates:
                fetch_ok(sites, alternate)
        for url in truth.partial_page_urls:
            fetch_ok(sites, url)


# -- homepage metadata -------------------------------------------------------------------


def _jsonld_node(doc: lxml_html.HtmlElement, node_type: str) -> dict[str, object]:
    for script in doc.xpath('//script[@type="application/ld+json"]/text()'):
        data = json.loads(script)
        for node in data.get("@graph", [data]):
            if node.get("@type") == node_type:
                return dict(node)
    raise AssertionError(f"no JSON-LD node of type {node_type}")


def test_homepage_metadata_matches_truth(sites: GeneratedSites, truths: list[SiteTruth]) -> None:
    generators, sizes = set(), []
    for truth in truths:
        home = truth.homepage
        if not home.ok:
            continue
        resource = fetch_ok(sites, home.url)
        sizes.append(len(resource.body))
        doc = lxml_html.fromstring(resource.body)
        assert doc.findtext(".//title") == home.title
        described = doc.xpath('//meta[@name="description"]/@content') or doc.xpath(
            '//meta[@property="og:description"]/@content'
        )
        assert (described or [None])[0] == home.description  # og:description is the fallback
        assert doc.get("lang") == home.language
        assert (doc.xpath('//meta[@name="generator"]/@content') or [None])[0] == home.generator
        assert (doc.xpath('//link[@rel="canonical"]/@href') or [None])[0] == home.canonical
        icons = doc.xpath('//link[contains(concat(" ", @rel, " "), " icon ")]/@href')
        assert [urljoin(home.url, icons[0])] == [home.favicon]
        apple = doc.xpath('//link[@rel="apple-touch-icon"]/@href')
        assert (urljoin(home.url, apple[0]) if apple else None) == home.apple_touch_icon
        for url in (home.favicon, home.logo, home.apple_touch_icon):
            if url:
                assert fetch_ok(sites, url).content_type.startswith("image/")
        node = _jsonld_node(doc, str(home.jsonld_type))
        assert node["name"] == home.jsonld_name
        logo = node["logo"]
        assert (logo["url"] if isinstance(logo, dict) else logo) == home.logo
        hrefs = set(doc.xpath("//a/@href"))
        assert set(home.social.values()) <= hrefs
        assert set(home.social.values()) == set(node.get("sameAs", []))  # type: ignore[arg-type]
        assert set(home.social_decoys) <= hrefs
        generators.add(home.generator)
        page = resource.body.decode()
        for name in home.tech:
            assert TECH_MARKERS[name] in page, (name, home.url)
    assert len(generators) >= 5
    assert min(sizes) >= 5_000
    assert max(sizes) <= 30_000


# -- contacts and decoys ----------------------------------------------------------------


def _decode_email(form: str, rendered: str) -> str:
    if form == "mailto":
        href = re.search(r'href="mailto:([^"]+)"', rendered)
        assert href is not None
        assert rendered.endswith(f">{href[1]}</a>")
        return href[1]
    if form == "cloudflare":
        codes = set(re.findall(r"(?:data-cfemail=\"|email-protection#)([0-9a-f]+)", rendered))
        assert "[email&#160;protected]" in rendered
        decoded = {cf_decode(code) for code in codes}
        assert len(decoded) == 1
        return decoded.pop()
    if form == "at_dot_brackets":
        return rendered.replace(" [at] ", "@").replace(" [dot] ", ".")
    if form == "at_dot_parens":
        return rendered.replace("(at)", "@").replace("(dot)", ".")
    if form == "jsonld":
        return str(json.loads(rendered))
    assert form in ("text", "entities")
    return html.unescape(rendered)


def _expected_email_type(email: str, site_domain: str) -> str:
    local, _, domain = email.rpartition("@")
    if local in SERVICE:
        return "service"
    if domain in FREE:
        return "free"
    if PSL(domain).top_domain_under_public_suffix == site_domain:
        return "corporate"
    return "unknown"


def _e164(text: str, region: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(text, region), phonenumbers.PhoneNumberFormat.E164
    )


def test_planted_emails_appear_in_their_form_and_decode(
    sites: GeneratedSites, truths: list[SiteTruth]
) -> None:
    forms: Counter[str] = Counter()
    types: Counter[str] = Counter()
    for truth in truths:
        assert len({c.value for c in truth.contacts}) == len(truth.contacts)
        for contact in truth.emails:
            assert contact.value == contact.value.lower()
            assert contact.email_type == _expected_email_type(contact.value, truth.domain)
            types[contact.email_type] += 1
            for placement in contact.placements:
                body = fetch_ok(sites, placement.page_url).body.decode()
                assert placement.rendered in body, (placement, truth.domain)
                assert _decode_email(placement.form, placement.rendered) == contact.value
                forms[placement.form] += 1
    assert set(types) == {"corporate", "free", "service", "unknown"}
    assert set(forms) >= {
        "mailto", "text", "entities", "at_dot_brackets", "at_dot_parens", "cloudflare", "jsonld",
    }  # fmt: skip


def test_planted_phones_are_valid_and_decode(
    sites: GeneratedSites, truths: list[SiteTruth]
) -> None:
    forms: Counter[str] = Counter()
    for truth in truths:
        for contact in truth.phones:
            number = phonenumbers.parse(contact.value)
            assert phonenumbers.is_valid_number(number)
            assert phonenumbers.region_code_for_number(number) == truth.region
            assert contact.email_type is None
            for placement in contact.placements:
                body = fetch_ok(sites, placement.page_url).body.decode()
                assert placement.rendered in body
                forms[placement.form] += 1
                if placement.form == "tel_link":
                    link = re.fullmatch(r'<a href="tel:([^"]+)">([^<]+)</a>', placement.rendered)
                    assert link is not None
                    assert (
                        _e164(link[1], truth.region)
                        == _e164(link[2], truth.region)
                        == contact.value
                    )
                elif placement.form == "jsonld":
                    assert _e164(json.loads(placement.rendered), truth.region) == contact.value
                else:
                    assert _e164(placement.rendered, truth.region) == contact.value
    assert set(forms) == {"tel_link", "text_national", "text_international", "jsonld"}


def test_pages_hold_exactly_the_planted_contacts_and_decoys(
    sites: GeneratedSites, truths: list[SiteTruth]
) -> None:
    """An extractor reading these pages finds the planted values, and only decoys besides."""
    reasons: Counter[str] = Counter()
    for truth in truths:
        pages = set(truth.contact_page_urls) | {d.page_url for d in truth.decoys}
        if truth.homepage.status == 200:
            pages.add(truth.homepage.url)
        for url in pages:
            raw = fetch_ok(sites, url).body
            text = html.unescape(raw.decode())
            found = set(EMAIL_RE.findall(text))
            found |= {cf_decode(c) for c in re.findall(r'data-cfemail="([0-9a-f]+)"', text)}
            found |= {
                f"{local}@{DOT_RE.sub('.', domain)}"
                for local, domain in OBFUSCATED_RE.findall(text)
            }
            planted = {c.value for c in truth.emails if url in c.page_urls}
            decoys = {d.text for d in truth.decoys if d.page_url == url and d.kind == "email"}
            assert found == planted | decoys, url
            assert not planted & decoys
            visible = visible_text(raw)
            numbers = {
                phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
                for m in phonenumbers.PhoneNumberMatcher(visible, truth.region)
            }
            shown = {
                c.value
                for c in truth.phones
                if any(p.page_url == url and p.form != "jsonld" for p in c.placements)
            }
            assert numbers == shown, url
            for decoy in truth.decoys:
                if decoy.page_url == url:
                    assert decoy.text in text
                    reasons[decoy.reason] += 1
    assert set(reasons) == {
        "retina image file name", "error-tracker DSN", "example address in a code sample",
        "form placeholder", "company registration number", "copyright year range", "version string",
    }  # fmt: skip


def test_contact_page_urls_are_listed_pages(truths: list[SiteTruth]) -> None:
    for truth in truths:
        if truth.fault is not None:
            continue
        assert truth.contact_page_urls
        assert set(truth.contact_page_urls) <= set(truth.page_urls)
        assert truth.homepage.url not in truth.contact_page_urls


def test_totals_add_up() -> None:
    source = GeneratedSites(seed=8, count=15)
    truths = list(source.iter_truth())
    assert source.total_pages() == sum(len(t.pages) for t in truths) > 0
    assert source.total_contacts() == sum(len(t.contacts) for t in truths) > 0


# -- deliberately broken sites -----------------------------------------------------------


def test_broken_sites_fail_the_way_truth_says(broken: GeneratedSites) -> None:
    truths = list(broken.iter_truth())
    assert {t.fault for t in truths} == set(FAULT_KINDS)
    for truth in truths:
        home = fetch(broken, truth.homepage.url)
        assert home is not None
        assert home.status == truth.homepage.status
        if truth.homepage.error:
            assert not truth.homepage.ok
            assert truth.homepage.title is None
            assert truth.homepage.error in truth.expected_errors
        fault = truth.fault
        if fault == "homepage_404":
            assert home.status == 404
            assert truth.homepage.url not in truth.page_urls
        elif fault == "homepage_500":
            assert home.status == 500
        elif fault == "robots_500":
            robots = fetch(broken, truth.robots.url)
            assert robots is not None
            assert robots.status == 500
            assert truth.sitemaps == ()
            assert truth.pages == ()
            assert truth.discovery_error == truth.homepage.error == "robots_disallow_all"
        elif fault == "sitemap_is_html":
            (sitemap,) = truth.sitemaps
            assert sitemap.kind is None
            assert sitemap.error == "not_a_sitemap"
            assert fetch_ok(broken, sitemap.url).content_type.startswith("text/html")
        elif fault == "sitemap_malformed":
            (sitemap,) = truth.sitemaps
            assert sitemap.error == "malformed_xml"
            with pytest.raises(etree.XMLSyntaxError):
                xml_root(fetch_ok(broken, sitemap.url).body)
            assert truth.partial_page_urls == sitemap.urls
            assert sitemap.urls
        elif fault == "sitemap_cycle":
            root = truth.sitemaps[0]
            assert root.kind == "index"
            assert "lists_itself" in root.quirks
            assert root.url in sitemap_entries_of(broken, root.url)
            assert "sitemap_cycle" in truth.expected_errors
            assert truth.pages
        else:
            assert fault == "no_sitemap"
            assert truth.sitemaps == ()
            assert truth.robots.sitemap_urls == ()
            assert truth.discovery_error == "no_sitemap"
            for path in WELL_KNOWN:
                assert fetch(broken, truth.base_url + path) is None
            assert b'rel="sitemap"' not in home.body


def sitemap_entries_of(source: GeneratedSites, url: str) -> list[str]:
    return [loc for loc, _ in sitemap_entries("index", fetch_ok(source, url).body, url)]


def test_faults_fraction_zero_means_no_faults() -> None:
    source = GeneratedSites(seed=4, count=40, faults_fraction=0.0)
    for truth in source.iter_truth():
        assert truth.fault is None
        assert truth.homepage.ok
        assert truth.pages
