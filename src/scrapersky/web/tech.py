"""What a site is built with, from our own small rule table (no third-party fingerprint data).

    detect_tech(generators=["WordPress 6.4.2"], assets=["/wp-content/themes/x.css"])
    # [{"name": "WordPress", "version": "6.4.2", "evidence": "meta generator"}]

Evidence, strongest first: ``<meta name="generator">`` (gives a version), response headers,
cookies, asset URLs (script/link/img), and markers in the raw HTML. One entry per technology,
with the first evidence found; ``implies`` adds the platform a plug-in needs (Elementor ->
WordPress). A generator no rule knows is reported as it is (``"Everest Forms 1.7.1"`` ->
name ``Everest Forms``, version ``1.7.1``). Output follows the order of ``RULES``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_GENERIC = 10
Tech = dict[str, str | None]


@dataclass(frozen=True, slots=True)
class TechRule:
    name: str
    generator: str | None = None  # regex searched in each generator value; (?P<version>) optional
    headers: tuple[tuple[str, str], ...] = ()  # (header name, regex on its value)
    cookies: tuple[str, ...] = ()  # regex on cookie names
    assets: tuple[str, ...] = ()  # substrings of asset URLs (case-sensitive)
    html: tuple[str, ...] = ()  # substrings of the raw HTML
    implies: tuple[str, ...] = ()


_V = r"(?:\s*v?\.?\s*(?P<version>\d+(?:\.\d+)*))?"
RULES: tuple[TechRule, ...] = (
    TechRule("WordPress", generator=rf"^WordPress{_V}", assets=("/wp-content/", "/wp-includes/"),
             headers=(("link", r"api\.w\.org"), ("x-pingback", r"xmlrpc\.php")),
             html=('rel="https://api.w.org/"',), cookies=(r"^wordpress_", r"^wp-settings-")),
    TechRule("WooCommerce", generator=rf"^WooCommerce{_V}", assets=("/plugins/woocommerce/",),
             cookies=(r"^woocommerce_", r"^wp_woocommerce_session_"), implies=("WordPress",)),
    TechRule("Elementor", generator=rf"^Elementor{_V}", assets=("/plugins/elementor/",),
             html=('class="elementor',), implies=("WordPress",)),
    TechRule("Divi", generator=rf"^Divi{_V}", assets=("/themes/Divi/",), implies=("WordPress",)),
    TechRule("Yoast SEO", html=("optimized with the Yoast SEO plugin",), implies=("WordPress",)),
    TechRule("Shopify", assets=("cdn.shopify.com/", "/cdn/shop/"),
             html=("Shopify.theme", "Shopify.shop", 'name="shopify-digital-wallet"'),
             headers=(("x-shopify-stage", ""), ("x-shopid", ""), ("powered-by", r"Shopify")),
             cookies=(r"^_shopify_[sy]$",)),
    TechRule("Wix", generator=r"^Wix\.com",
             assets=("static.wixstatic.com", "static.parastorage.com",
                     "/_partials/wix-thunderbolt/"),
             html=("X-Wix-Meta-Site-Id",),
             headers=(("x-wix-request-id", ""),), cookies=(r"^svSession$",)),
    TechRule("Squarespace", generator=r"Squarespace",
             assets=("static1.squarespace.com", "assets.squarespace.com", "squarespace-cdn.com",
                     "/universal/scripts-compressed/"),
             html=("Static.SQUARESPACE_CONTEXT", "<!-- This is Squarespace. -->"),
             headers=(("server", r"Squarespace"),)),
    TechRule("Webflow", generator=r"^Webflow", html=("data-wf-site=", "data-wf-page="),
             assets=("assets.website-files.com", "cdn.prod.website-files.com", "/webflow.js")),
    TechRule("Drupal", generator=rf"^Drupal{_V}", html=("data-drupal-", "Drupal.settings"),
             headers=(("x-drupal-cache", ""), ("x-drupal-dynamic-cache", ""),
                      ("x-generator", r"Drupal")),
             assets=("/sites/default/files/", "/core/misc/drupal.js", "/misc/drupal.js"),
             cookies=(r"^S?SESS[0-9a-f]{32}$",)),
    TechRule("Joomla", generator=rf"^Joomla!?{_V}", assets=("/media/jui/", "/media/system/js/")),
    TechRule("Ghost", generator=rf"^Ghost{_V}", headers=(("x-ghost-cache-status", ""),)),
    TechRule("Hugo", generator=rf"^Hugo{_V}"),
    TechRule("Jekyll", generator=rf"^Jekyll{_V}"),
    TechRule("Hexo", generator=rf"^Hexo{_V}"),
    TechRule("Eleventy", generator=rf"^Eleventy{_V}"),
    TechRule("Docusaurus", generator=rf"^Docusaurus{_V}"),
    TechRule("Nikola", generator=r"^Nikola\b"),
    TechRule("MkDocs", generator=r"^mkdocs-(?P<version>\d+(?:\.\d+)*)"),
    TechRule("Material for MkDocs", generator=r"mkdocs-material-(?P<version>\d+(?:\.\d+)*)"),
    TechRule("Astro", generator=rf"^Astro{_V}", html=("data-astro-cid",), assets=("/_astro/",)),
    TechRule("Next.js", html=('id="__NEXT_DATA__"',), assets=("/_next/static/",),
             headers=(("x-powered-by", r"Next\.js"), ("x-nextjs-cache", "")), implies=("React",)),
    TechRule("Nuxt", html=("window.__NUXT__",), assets=("/_nuxt/",)),
    TechRule("Gatsby", generator=rf"^Gatsby{_V}", html=('id="___gatsby"',), implies=("React",)),
    TechRule("React", html=("data-reactroot", "data-reactid"),
             assets=("/react-dom.", "/react.production.min.js", "/react-dom@")),
    TechRule("jQuery", assets=("/jquery.min.js", "/jquery.js", "/jquery-", "/jquery/")),
    TechRule("Bootstrap", assets=("/bootstrap.min.css", "/bootstrap.min.js", "/bootstrap.css",
                                  "/bootstrap.bundle")),
    TechRule("Google Tag Manager", html=("googletagmanager.com/gtm.js",),
             assets=("googletagmanager.com/gtm.js",)),
    TechRule("Google Analytics", html=("googletagmanager.com/gtag/js", "google-analytics.com/"),
             assets=("googletagmanager.com/gtag/js", "google-analytics.com/"),
             cookies=(r"^_ga$",)),
    TechRule("Cloudflare", headers=(("cf-ray", ""), ("server", r"^cloudflare")),
             assets=("/cdn-cgi/",), cookies=(r"^__cf_bm$", r"^cf_clearance$")),
    TechRule("Vercel", headers=(("x-vercel-id", ""), ("server", r"^Vercel"))),
    TechRule("Netlify", headers=(("x-nf-request-id", ""), ("server", r"^Netlify"))),
    TechRule("GitHub Pages", headers=(("server", r"^GitHub\.com"),)),
    TechRule("PHP", headers=(("x-powered-by", r"PHP/?(?P<version>\d+(?:\.\d+)*)?"),)),
    TechRule("ASP.NET", headers=(("x-powered-by", r"ASP\.NET"), ("x-aspnet-version", ""))),
    TechRule("Express", headers=(("x-powered-by", r"^Express"),)),
    TechRule("Nginx", headers=(("server", r"^nginx(?:/(?P<version>\d+(?:\.\d+)*))?"),)),
    TechRule("Apache", headers=(("server", r"^Apache(?:/(?P<version>\d+(?:\.\d+)*))?"),)),
    TechRule("LiteSpeed", headers=(("server", r"^LiteSpeed"),)),
)  # fmt: skip
_BY_NAME = {rule.name: rule for rule in RULES}
_GENERATOR_PATTERNS = {
    rule.name: re.compile(rule.generator, re.I) for rule in RULES if rule.generator
}
_GENERIC = re.compile(r"^(?P<name>[^\d(]{2,60}?)[\s-]+v?\.?(?P<version>\d+(?:\.\d+)+)\b")


def detect_tech(
    generators: Iterable[str] = (),
    assets: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    cookies: Iterable[str] = (),
    html: str = "",
) -> list[Tech]:
    """Technologies found, as ``{"name", "version", "evidence"}`` dicts in ``RULES`` order."""
    found: dict[str, Tech] = {}
    generic: list[Tech] = []
    for value in generators:
        if not _match_generator(value, found):
            generic.append(_generic_generator(value))
    lowered_headers = {key.lower(): value for key, value in (headers or {}).items()}
    cookie_names = [_cookie_name(cookie) for cookie in cookies]
    asset_list = list(assets)
    for rule in RULES:
        if rule.name in found:
            continue
        evidence = (
            _match_headers(rule, lowered_headers)
            or _match_cookies(rule, cookie_names)
            or _match_assets(rule, asset_list)
            or _match_html(rule, html)
        )
        if evidence is not None:
            found[rule.name] = {"name": rule.name, "version": evidence[1], "evidence": evidence[0]}
    for tech in list(found.values()):
        for implied in _BY_NAME[str(tech["name"])].implies:
            found.setdefault(
                implied,
                {"name": implied, "version": None, "evidence": f"implied by {tech['name']}"},
            )
    ordered = [found[rule.name] for rule in RULES if rule.name in found]
    known = {str(tech["name"]).lower() for tech in ordered}
    extra = [tech for tech in generic if str(tech["name"]).lower() not in known]
    return ordered + extra[:MAX_GENERIC]


def _match_generator(value: str, found: dict[str, Tech]) -> bool:
    matched = False
    for name, pattern in _GENERATOR_PATTERNS.items():
        match = pattern.search(value)
        if match is None:
            continue
        matched = True
        if name not in found:
            version = match.groupdict().get("version")
            found[name] = {"name": name, "version": version, "evidence": "meta generator"}
    return matched


def _generic_generator(value: str) -> Tech:
    value = value.strip()[:100]
    match = _GENERIC.match(value)
    if match is None:
        return {"name": value, "version": None, "evidence": "meta generator"}
    return {
        "name": match["name"].strip(),
        "version": match["version"],
        "evidence": "meta generator",
    }


def _match_headers(rule: TechRule, headers: dict[str, str]) -> tuple[str, str | None] | None:
    for name, pattern in rule.headers:
        value = headers.get(name)
        if value is None:
            continue
        match = re.search(pattern, value, re.I)
        if match is not None:
            return f"header {name}", match.groupdict().get("version")
    return None


def _match_cookies(rule: TechRule, cookie_names: list[str]) -> tuple[str, None] | None:
    for pattern in rule.cookies:
        for name in cookie_names:
            if re.search(pattern, name):
                return f"cookie {name}", None
    return None


def _match_assets(rule: TechRule, assets: list[str]) -> tuple[str, None] | None:
    for marker in rule.assets:
        if any(marker in url for url in assets):
            return f"asset {marker}", None
    return None


def _match_html(rule: TechRule, html: str) -> tuple[str, None] | None:
    for marker in rule.html:
        if marker in html:
            return f"html {marker}", None
    return None


def _cookie_name(cookie: str) -> str:
    """``"name=value; Path=/"`` (a Set-Cookie line) or a bare name -> the name."""
    return cookie.split(";", 1)[0].split("=", 1)[0].strip()
