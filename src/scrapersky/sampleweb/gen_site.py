"""One generated site, fully planned: identity, pages, sitemaps, contacts, head and routes.

site = build_site(seed=1, index=42, width=4, scheme="https", fault=None, quirk=None)
site.routes["/robots.txt"], site.url("/contact")
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import gen_truth as t
from .gen_contacts import ContactPlan, not_a_phone, plan_contacts
from .gen_files import Layout
from .gen_identity import Identity, build_identity, social_profiles
from .gen_pages import PageSet, plan_pages
from .gen_sitemaps import plan_sitemaps

_HOMEPAGE_FAULTS = {t.FAULT_HOMEPAGE_404: 404, t.FAULT_HOMEPAGE_500: 500}
CF_SCRIPT = "/cdn-cgi/scripts/5c5dd728/cloudflare-static/email-decode.min.js"


@dataclass
class HeadPlan:
    description: str | None
    canonical: bool
    favicon_rel: str
    favicon_href: str  # as written in the page (may be protocol-relative)
    favicon_url: str
    apple_touch: str | None
    logo_path: str
    og: bool
    jsonld_type: str
    jsonld_graph: bool
    logo_object: bool
    share_links: bool
    styles: list[str]
    scripts: list[str]
    yoast: bool


@dataclass
class Site:
    seed: int
    ident: Identity
    pageset: PageSet
    layout: Layout
    contacts: ContactPlan
    social: dict[str, str]
    head: HeadPlan
    fault: str | None
    street: str
    postcode: str
    routes: dict[str, tuple[str, object]]  # path -> (kind, payload)

    def url(self, path: str) -> str:
        return self.ident.base_url + path


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _postcode(rng: random.Random, region: str) -> str:
    def d(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    def up() -> str:
        return rng.choice("ABCDEFGHJKLMNPRSTUWY")

    if region == "GB":
        return f"{up()}{up()}{rng.randrange(1, 20)} {d(1)}{up()}{up()}"
    if region == "CA":
        return f"{up()}{d(1)}{up()} {d(1)}{up()}{d(1)}"
    if region == "IE":
        return f"{up()}{d(2)} {up()}{d(1)}{up()}{d(1)}"
    if region == "NL":
        return f"{rng.randrange(1000, 9999)} {up()}{up()}"
    if region in ("AU", "NZ", "BE", "AT", "CH"):
        return str(rng.randrange(1000, 9999))
    return d(5)


def _address(rng: random.Random, ident: Identity) -> tuple[str, str]:
    """Street line and postcode that no phone extractor can mistake for a number."""
    while True:
        number, street_name = rng.randrange(1, 240), rng.choice(ident.lang.streets)
        street = ident.lang.street_format.format(number=number, street=street_name)
        postcode = _postcode(rng, ident.country.region)
        if not_a_phone(f"{street}\n{locality(ident, postcode)}", ident.country.region):
            return street, postcode


def locality(ident: Identity, postcode: str) -> str:
    if ident.lang.code == "en":
        return f"{ident.city} {postcode}"
    return f"{postcode} {ident.city}"


def _assets(rng: random.Random, ident: Identity) -> tuple[list[str], list[str], str]:
    """Stylesheets, scripts and logo path in the platform's own layout."""
    key, handle = ident.platform.key, ident.domain.split(".")[0]
    year, month = rng.randrange(2019, 2024), rng.randrange(1, 13)
    if key in ("wordpress", "woocommerce"):
        theme = rng.choice(("astra", "generatepress", "kadence", "twentytwentyfour", "oceanwp"))
        ver = ident.platform.generator.split()[-1] if ident.platform.generator else "6.4.3"
        styles = [
            f"/wp-content/themes/{theme}/style.css?ver={ver}",
            f"/wp-includes/css/dist/block-library/style.min.css?ver={ver}",
        ]
        if key == "woocommerce":
            styles.append("/wp-content/plugins/woocommerce/assets/css/woocommerce.css?ver=8.5.2")
        scripts = [
            "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
            f"/wp-content/themes/{theme}/assets/js/navigation.js?ver={ver}",
        ]
        return styles, scripts, f"/wp-content/uploads/{year}/{month:02d}/logo.png"
    theme_id = rng.randrange(100, 180)
    table = {
        "shopify": ([f"/cdn/shop/t/{theme_id}/assets/base.css?v={rng.randrange(10**9)}"],
                    [f"/cdn/shop/t/{theme_id}/assets/global.js?v={rng.randrange(10**9)}"],
                    "/cdn/shop/files/logo.png"),
        "wix": ([], [f"/_partials/wix-thunderbolt/dist/main.{_hex(rng, 8)}.bundle.min.js"],
                f"/media/{_hex(rng, 6)}_{_hex(rng, 16)}/logo.png"),
        "squarespace": ([f"/static/versioned-site-css/{_hex(rng, 24)}/site.css"],
                        ["/universal/scripts-compressed/common.js"], "/s/logo.png"),
        "hugo": ([f"/css/main.min.{_hex(rng, 12)}.css"], [], "/images/logo.png"),
        "ghost": ([f"/assets/built/screen.css?v={_hex(rng, 10)}"],
                  [f"/assets/built/casper.js?v={_hex(rng, 10)}"], "/content/images/logo.png"),
        "joomla": (["/media/templates/site/cassiopeia/css/template.min.css"],
                   ["/media/system/js/core.min.js"], "/images/logo.png"),
        "drupal": ([f"/sites/default/files/css/css_{_hex(rng, 20)}.css"],
                   ["/core/misc/drupal.js?v=10.2.1"], "/sites/default/files/logo.png"),
        "webflow": ([f"/css/{handle}.webflow.css"], ["/js/webflow.js"], "/images/logo.png"),
        "nextjs": ([f"/_next/static/css/{_hex(rng, 16)}.css"],
                   [f"/_next/static/chunks/main-{_hex(rng, 16)}.js"], "/logo.png"),
    }  # fmt: skip
    default = (
        ["/css/style.css"],
        ["/js/main.js"],
        rng.choice(("/assets/logo.png", "/img/logo.png")),
    )
    styles, scripts, logo = table.get(key, default)
    return list(styles), list(scripts), logo


def _head(rng: random.Random, ident: Identity, layout: Layout) -> HeadPlan:
    styles, scripts, logo = _assets(rng, ident)
    key = ident.platform.key
    if key in ("wordpress", "woocommerce"):
        folder = logo.rsplit("/", 1)[0]
        favicon_rel, favicon_href = "icon", f"{folder}/cropped-favicon-32x32.png"
        apple = f"{folder}/cropped-favicon-180x180.png"
    elif key == "shopify":
        favicon_rel = "icon"
        favicon_href = (
            f"//{ident.canonical_host}/cdn/shop/files/favicon.png"
            f"?crop=center&height=32&v={rng.randrange(10**9)}&width=32"
        )
        apple = None
    else:
        favicon_rel = rng.choice(("icon", "icon", "shortcut icon"))
        favicon_href = rng.choice(
            ("/favicon.ico", "/favicon.ico", "/favicon.png", "/favicon-32x32.png")
        )
        apple = "/apple-touch-icon.png" if rng.random() < 0.7 else None
    scheme = ident.base_url.split(":", 1)[0]
    favicon_url = (
        f"{scheme}:{favicon_href}"
        if favicon_href.startswith("//")
        else ident.base_url + favicon_href
    )
    services = ident.trade.services
    description = None
    if rng.random() < 0.9:
        description = (
            rng.choice(ident.lang.sentences).format(
                name=ident.name,
                city=ident.city,
                year=ident.founded,
                service=services[0],
                service_lc=services[0].lower(),
                trade_lc=ident.trade.name.lower(),
            )
            + f" {services[1]}, {services[2]} \u2013 {ident.city}."
        )
    jsonld_type = (
        ident.trade.schema_type
        if rng.random() < 0.7
        else rng.choice(("Organization", "LocalBusiness"))
    )
    yoast = any(f.flavour == "yoast" for f in layout.files)
    return HeadPlan(
        description=description,
        canonical=rng.random() < 0.85,
        favicon_rel=favicon_rel,
        favicon_href=favicon_href,
        favicon_url=favicon_url,
        apple_touch=apple,
        logo_path=logo,
        og=rng.random() < 0.8,
        jsonld_type=jsonld_type,
        jsonld_graph=yoast or rng.random() < 0.15,
        logo_object=rng.random() < 0.4,
        share_links=rng.random() < 0.3,
        styles=styles,
        scripts=scripts,
        yoast=yoast,
    )


def build_site(
    seed: int, index: int, width: int, scheme: str, fault: str | None, quirk: str | None
) -> Site:
    ident = build_identity(seed, index, width, scheme)
    stream = f"{seed}:{index}"
    pageset = plan_pages(random.Random(f"{stream}:pages"), ident)
    if fault in _HOMEPAGE_FAULTS:  # hreflang sets must not point at the broken homepage
        for page in pageset.pages:
            page.alternates = tuple(a for a in page.alternates if a[1] != "/")
    layout = plan_sitemaps(random.Random(f"{stream}:sitemaps"), ident, pageset, fault, quirk)
    served_home = fault not in _HOMEPAGE_FAULTS
    contacts = plan_contacts(random.Random(f"{stream}:contacts"), ident, pageset, served_home)
    rng = random.Random(f"{stream}:head")
    social = social_profiles(rng, ident)
    head = _head(rng, ident, layout)
    street, postcode = _address(rng, ident)
    routes = _routes(ident, pageset, layout, contacts, head, fault)
    return Site(
        seed, ident, pageset, layout, contacts, social, head, fault, street, postcode, routes
    )


def _routes(
    ident: Identity,
    pageset: PageSet,
    layout: Layout,
    contacts: ContactPlan,
    head: HeadPlan,
    fault: str | None,
) -> dict[str, tuple[str, object]]:
    routes: dict[str, tuple[str, object]] = {}

    def add(path: str, kind: str, payload: object) -> None:
        path = path.split("?", 1)[0]
        if path in routes and routes[path][0] != kind:
            raise RuntimeError(f"{ident.domain}: {path} is both {routes[path][0]} and {kind}")
        routes[path] = (kind, payload)

    for page in pageset.pages:
        add(page.path, "page", page)
        for image in page.images:
            add(image, "asset", "png")
    if fault in _HOMEPAGE_FAULTS:
        routes["/"] = ("error", _HOMEPAGE_FAULTS[fault])
    for file in layout.files:
        if file.status == 200:
            add(file.route, "sitemap", file)
    if layout.robots.status == 200:
        add("/robots.txt", "robots", layout.robots)
    elif layout.robots.status >= 500:
        routes["/robots.txt"] = ("error", layout.robots.status)
    logo = head.logo_path
    add(logo, "asset", "png")
    add(logo.rsplit("/", 1)[0] + "/logo@2x.png", "asset", "png")
    if head.favicon_href.startswith("//"):
        add("/" + head.favicon_href[2:].split("/", 1)[1], "asset", "png")
    else:
        add(head.favicon_href, "asset", "ico" if head.favicon_href.endswith(".ico") else "png")
    if head.apple_touch:
        add(head.apple_touch, "asset", "png")
    for style in head.styles:
        add(style, "asset", "css")
    for script in head.scripts:
        add(script, "asset", "js")
    if contacts.cloudflare:
        add(CF_SCRIPT, "asset", "cfjs")
    return routes
