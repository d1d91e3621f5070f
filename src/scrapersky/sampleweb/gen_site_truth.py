"""Derive a generated site's ground truth (SiteTruth) from its plan.

truth = site_truth(build_site(seed=1, index=42, width=4, scheme="https", fault=None, quirk=None))
truth.page_urls[:3], truth.sitemaps[0].discovered_via
"""

from __future__ import annotations

from types import MappingProxyType

from . import gen_truth as t
from .gen_files import FilePlan
from .gen_site import Site
from .gen_xml import index_children

_HOMEPAGE_ERRORS = {t.FAULT_HOMEPAGE_404: t.ERROR_HTTP_404, t.FAULT_HOMEPAGE_500: t.ERROR_HTTP_500}


def _sitemap_truth(site: Site, file: FilePlan) -> t.SitemapTruth:
    url = site.url(file.path)
    parent = site.url(file.parent.path) if file.parent else None
    urls: tuple[str, ...] = ()
    ok, error = True, None
    quirks = tuple(file.quirks)
    if file.status != 200:
        ok, error = False, t.ERROR_HTTP_404
    elif file.broken == "html":
        ok, error = False, t.ERROR_NOT_A_SITEMAP
    elif file.kind == "index":
        urls = tuple(site.url(child.path) for child in index_children(file))
        if file.lists_itself:
            quirks += ("lists_itself",)
    else:
        entries = file.entries[: file.cut_after] if file.broken else file.entries
        urls = tuple(site.url(entry.page.path) for entry in entries)
        if file.broken == "truncated":
            ok, error = False, t.ERROR_MALFORMED_XML
    if file.kind == "index":
        has_lastmod = any(e.lastmod_text for child in file.children for e in child.entries)
    else:
        has_lastmod = ok and file.kind != "text" and any(e.lastmod_text for e in file.entries)
    return t.SitemapTruth(
        url=url,
        kind=file.kind,
        discovered_via=file.discovered_via,
        parent_url=parent,
        status=file.status,
        content_type=file.content_type,
        gzip=file.gzip,
        ok=ok,
        error=error,
        url_count=len(urls),
        has_lastmod=has_lastmod,
        urls=urls,
        quirks=quirks,
    )


def _pages(site: Site, sitemaps: tuple[t.SitemapTruth, ...]) -> tuple[t.PageTruth, ...]:
    ok_urls = {s.url for s in sitemaps if s.ok}
    seen: dict[str, t.PageTruth] = {}
    for file in site.layout.files:
        if site.url(file.path) not in ok_urls or file.kind == "index":
            continue
        for entry in file.entries:
            page = entry.page
            url = site.url(page.path)
            if url in seen:
                continue
            seen[url] = t.PageTruth(
                url=url,
                sitemap_url=site.url(file.path),
                lastmod=entry.lastmod if file.kind != "text" else None,
                changefreq=entry.changefreq,
                priority=float(entry.priority) if entry.priority else None,
                images=tuple(site.url(i) for i in page.images) if "image" in file.ext else (),
                alternates=tuple((lang, site.url(p)) for lang, p in page.alternates)
                if "hreflang" in file.ext
                else (),
                news_title=page.news_title if "news" in file.ext else None,
            )
    return tuple(seen.values())


def _homepage(site: Site, error: str | None) -> t.HomepageTruth:
    ident, head, url = site.ident, site.head, site.url("/")
    status = {t.ERROR_HTTP_404: 404, t.ERROR_HTTP_500: 500}.get(error or "", 200)
    if error:
        return t.HomepageTruth(
            url,
            False,
            error,
            status,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            MappingProxyType({}),
            (),
            None,
            None,
            (),
            None,
        )
    tech = list(ident.platform.tech)
    if head.yoast:
        tech.append("Yoast SEO")
    if site.contacts.cloudflare:
        tech.append("Cloudflare")
    shares: tuple[str, ...] = ()
    if head.share_links:
        shares = (
            f"https://www.facebook.com/sharer/sharer.php?u={url}",
            f"https://twitter.com/intent/tweet?url={url}",
        )
    return t.HomepageTruth(
        url=url,
        ok=True,
        error=None,
        status=200,
        title=site.pageset.by_role["home"].title,
        # the extractor falls back to og:description, which carries the name when unset
        description=head.description or (ident.name if head.og else None),
        language=ident.country.html_lang,
        generator=ident.platform.generator,
        canonical=url if head.canonical else None,
        favicon=head.favicon_url,
        apple_touch_icon=site.url(head.apple_touch) if head.apple_touch else None,
        logo=site.url(head.logo_path),
        social=MappingProxyType(dict(site.social)),
        social_decoys=shares,
        jsonld_type=head.jsonld_type,
        jsonld_name=ident.name,
        tech=tuple(tech),
        sitemap_link=site.url(site.layout.html_link) if site.layout.html_link else None,
    )


def site_truth(site: Site) -> t.SiteTruth:
    ident, fault = site.ident, site.fault
    robots_blocked = fault == t.FAULT_ROBOTS_500
    discovery_error = None
    if robots_blocked:
        discovery_error = t.ERROR_ROBOTS_DISALLOW_ALL
    elif fault == t.FAULT_NO_SITEMAP:
        discovery_error = t.ERROR_NO_SITEMAP
    sitemaps = () if robots_blocked else tuple(_sitemap_truth(site, f) for f in site.layout.files)
    pages = _pages(site, sitemaps)
    listed = {p.url for p in pages}
    partial = tuple(
        u for s in sitemaps if s.kind != "index" and not s.ok for u in s.urls if u not in listed
    )
    home_error = _HOMEPAGE_ERRORS.get(fault or "")
    if robots_blocked:
        home_error = t.ERROR_ROBOTS_DISALLOW_ALL
    errors = [home_error, discovery_error, *(s.error for s in sitemaps)]
    if fault == t.FAULT_SITEMAP_CYCLE:
        errors.append(t.ERROR_SITEMAP_CYCLE)
    contacts = tuple(
        t.ContactTruth(
            value=c.value,
            kind=c.kind,
            email_type=c.email_type,
            placements=tuple(
                t.Placement(site.url(path), form, html) for path, form, html in c.placements
            ),
        )
        for c in site.contacts.contacts
    )
    contact_pages = [
        site.url(p.path)
        for p in site.pageset.pages
        if p.path != "/"
        and p.path in {path for c in site.contacts.contacts for path, _, _ in c.placements}
    ]
    robots = site.layout.robots
    robots_base = f"{ident.base_url.split(':', 1)[0]}://{ident.domain}"
    return t.SiteTruth(
        index=ident.index,
        domain=ident.domain,
        base_url=ident.base_url,
        region=ident.country.region,
        language=ident.lang.code,
        business_name=ident.name,
        platform=ident.platform.key,
        fault=fault,
        discovery_error=discovery_error,
        expected_errors=tuple(dict.fromkeys(e for e in errors if e)),
        homepage=_homepage(site, home_error),
        robots=t.RobotsTruth(
            url=f"{robots_base}/robots.txt",
            status=robots.status,
            sitemap_urls=tuple(site.url(p) for p in robots.sitemap_paths)
            if robots.status == 200
            else (),
            disallow=tuple(robots.disallow),
        ),
        sitemaps=sitemaps,
        pages=pages,
        partial_page_urls=partial,
        contact_page_urls=tuple(contact_pages),
        contacts=contacts,
        decoys=tuple(
            t.DecoyTruth(text, kind, site.url(path), reason)
            for text, kind, path, reason in site.contacts.decoys
        ),
        quirks=tuple(site.layout.quirks),
    )
