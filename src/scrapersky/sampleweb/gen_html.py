"""HTML of a generated site's pages: homepage metadata, contact pages, decoys, filler pages.

html = render_page(site, site.pageset.by_role["home"])
status_html = render_error(site, 404)
"""

from __future__ import annotations

import json
import random
from html import escape

from .gen_pages import PagePlan
from .gen_site import CF_SCRIPT, Site, locality
from .gen_vocab import LANGUAGES

_BASE_CSS = (
    "*{box-sizing:border-box}body{margin:0;font:16px/1.6 system-ui,sans-serif;color:#222}"
    "header,footer{padding:1rem 2rem;background:#f4f4f2}nav ul{list-style:none;display:flex;"
    "gap:1rem;margin:0;padding:0}main{max-width:60rem;margin:0 auto;padding:2rem}"
    ".services{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem}"
)


def _esc(text: str) -> str:
    return escape(text, quote=True)


def _sentences(
    site: Site, rng: random.Random, count: int, lang_sentences: tuple[str, ...] = ()
) -> str:
    ident = site.ident
    pool = lang_sentences or ident.lang.sentences
    out = []
    for _ in range(count):
        service = rng.choice(ident.trade.services)
        out.append(
            rng.choice(pool).format(
                name=ident.name,
                city=ident.city,
                year=ident.founded,
                service=service,
                service_lc=service[0].lower() + service[1:],
                trade=ident.trade.name,
                trade_lc=ident.trade.name.lower(),
            )
        )
    return _esc(" ".join(out))


def _css(rng: random.Random) -> str:
    rules = [
        f".c{i}{{margin:{rng.randrange(0, 40)}px {rng.randrange(0, 40)}px;"
        f"color:#{rng.randrange(0x1000000):06x};border-radius:{rng.randrange(0, 12)}px}}"
        for i in range(rng.randrange(30, 220))
    ]
    return _BASE_CSS + "".join(rules)


def _jsonld(site: Site, rng: random.Random) -> str:
    ident, head, base = site.ident, site.head, site.ident.base_url
    logo_url = site.url(head.logo_path)
    node: dict[str, object] = {"@type": head.jsonld_type, "name": ident.name, "url": base + "/"}
    node["logo"] = {"@type": "ImageObject", "url": logo_url} if head.logo_object else logo_url
    node["address"] = {
        "@type": "PostalAddress",
        "streetAddress": site.street,
        "postalCode": site.postcode,
        "addressLocality": ident.city,
        "addressCountry": ident.country.region,
    }
    if site.social:
        node["sameAs"] = list(site.social.values())
    jsonld = site.contacts.jsonld
    if "telephone" in jsonld:
        node["telephone"] = jsonld["telephone"]
        node["contactPoint"] = {
            "@type": "ContactPoint",
            "telephone": jsonld["telephone"],
            "contactType": "customer service",
        }
    if "email" in jsonld:
        node["email"] = jsonld["email"]
    doc: dict[str, object]
    if head.jsonld_graph:
        website = {
            "@type": "WebSite",
            "@id": f"{base}/#website",
            "url": base + "/",
            "name": ident.name,
        }
        doc = {
            "@context": "https://schema.org",
            "@graph": [website, {"@id": f"{base}/#org", **node}],
        }
    else:
        doc = {"@context": "https://schema.org", **node}
    text = json.dumps(doc, ensure_ascii=False, indent=rng.choice((None, 2)))
    return f'<script type="application/ld+json">{text}</script>'


def _platform_markers(site: Site, rng: random.Random) -> list[str]:
    key, handle = site.ident.platform.key, site.ident.domain.split(".")[0]
    if key in ("wordpress", "woocommerce"):
        return [f'<link rel="https://api.w.org/" href="{site.ident.base_url}/wp-json/">']
    if key == "shopify":
        return [
            '<meta name="shopify-digital-wallet" '
            f'content="/{rng.randrange(10**8)}/digital_wallets/dialog">',
            f'<script>var Shopify = Shopify || {{}};Shopify.shop = "{handle}.myshopify.com";'
            f'Shopify.theme = {{"name":"Dawn","id":{rng.randrange(10**11)}}};</script>',
        ]
    if key == "wix":
        return [f'<meta http-equiv="X-Wix-Meta-Site-Id" content="{rng.randrange(10**12):x}">']
    if key == "squarespace":
        return [
            f"<!-- This is Squarespace. --><!-- {handle} -->",
            "<script>Static.SQUARESPACE_CONTEXT = "
            f'{{"websiteId":"{rng.randrange(10**12):x}"}};</script>',
        ]
    if key == "drupal":
        return [
            '<script type="application/json" data-drupal-selector="drupal-settings-json">'
            '{"path":{"baseUrl":"/","currentLanguage":"' + site.ident.lang.code + '"}}</script>'
        ]
    if key == "nextjs":
        return [
            '<script id="__NEXT_DATA__" type="application/json">'
            f'{{"props":{{"pageProps":{{}}}},"page":"/","buildId":"{rng.randrange(10**9):x}"}}</script>'
        ]
    return []


def _head(site: Site, page: PagePlan, rng: random.Random) -> str:
    ident, head = site.ident, site.head
    home = page.role == "home"
    parts = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(page.title)}</title>",
    ]
    if home:
        if head.description:
            parts.append(f'<meta name="description" content="{_esc(head.description)}">')
        if head.canonical:
            parts.append(f'<link rel="canonical" href="{site.url("/")}">')
    else:
        parts.append(f'<meta name="description" content="{_esc(page.title)}">')
        parts.append(f'<link rel="canonical" href="{site.url(page.path)}">')
    if ident.platform.generator:
        parts.append(f'<meta name="generator" content="{_esc(ident.platform.generator)}">')
    sizes = ' sizes="32x32"' if "32" in head.favicon_href else ""
    parts.append(f'<link rel="{head.favicon_rel}" href="{_esc(head.favicon_href)}"{sizes}>')
    if home and head.apple_touch:
        parts.append(f'<link rel="apple-touch-icon" href="{head.apple_touch}">')
    if home and site.layout.html_link:
        kind = "text/plain" if site.layout.html_link.endswith(".txt") else "application/xml"
        parts.append(
            f'<link rel="sitemap" type="{kind}" title="Sitemap" href="{site.layout.html_link}">'
        )
    if home and head.og:
        locale = ident.country.html_lang.replace("-", "_")
        og = {
            "og:type": "website",
            "og:site_name": ident.name,
            "og:title": ident.name,
            "og:description": head.description or ident.name,
            "og:url": site.url("/"),
            "og:image": site.url(head.logo_path),
            "og:locale": locale,
        }
        parts += [f'<meta property="{k}" content="{_esc(v)}">' for k, v in og.items()]
        parts.append('<meta name="twitter:card" content="summary_large_image">')
    if home and head.yoast:
        parts.append(
            "<!-- This site is optimized with the Yoast SEO plugin v21.9 - "
            "https://yoast.com/wordpress/plugins/seo/ -->"
        )
    parts += [f'<link rel="stylesheet" href="{_esc(s)}" media="all">' for s in head.styles]
    parts += [f'<script src="{_esc(s)}" defer></script>' for s in head.scripts]
    parts += _platform_markers(site, rng)
    if home:
        parts.append(f"<style>{_css(rng)}</style>")
        parts.append(_jsonld(site, rng))
        if site.contacts.sentry_dsn:
            parts.append(
                f'<script>window.Sentry&&Sentry.init({{dsn:"{site.contacts.sentry_dsn}"}});</script>'
            )
    if site.contacts.cloudflare:
        parts.append(f'<script data-cfasync="false" src="{CF_SCRIPT}"></script>')
    return "\n".join(parts)


def _header(site: Site) -> str:
    roles = site.pageset.by_role
    logo = site.head.logo_path
    logo2x = logo.rsplit("/", 1)[0] + "/logo@2x.png"
    nav = "".join(
        f'<li><a href="{roles[r].path}">{_esc(site.ident.lang.ui[r])}</a></li>'
        for r in ("home", "about", "services", "blog", "team", "faq", "contact")
        if r in roles
    )
    return (
        f'<header class="site-header"><a class="logo" href="/"><img src="{logo}" '
        f'srcset="{logo2x} 2x" alt="{_esc(site.ident.name)}" width="180" height="60"></a>'
        f"<nav><ul>{nav}</ul></nav></header>"
    )


def _contact_block(site: Site, path: str) -> str:
    items = site.contacts.items.get(path, [])
    lines = "".join(
        f'<li><span class="label">{_esc(label)}:</span> {html}</li>' for label, html in items
    )
    notes = "".join(f"<p>{note}</p>" for note in site.contacts.notes.get(path, []))
    return (f'<ul class="contact-details">{lines}</ul>' if lines else "") + notes


def _decoys(site: Site, path: str) -> str:
    ui, out = site.ident.lang.ui, []
    for text, _, decoy_path, reason in site.contacts.decoys:
        if decoy_path != path:
            continue
        if reason == "company registration number":
            out.append(f'<p class="company-registration">{_esc(text)}</p>')
        elif reason == "example address in a code sample":
            out.append(
                f"<h3>{_esc(ui['faq_email_q'])}</h3><p>{_esc(ui['faq_email_a'])}</p>"
                f"<pre><code>{text}</code></pre>"
            )
        elif reason == "form placeholder":
            out.append(
                '<form class="contact-form" action="#" method="post">'
                f"<label>{_esc(ui['form_email'])} "
                f'<input type="email" name="email" placeholder="{text}"></label>'
                '<textarea name="message" rows="5"></textarea>'
                f"<button>{_esc(ui['send'])}</button></form>"
            )
    return "".join(out)


def _address(site: Site) -> str:
    return f"<address>{_esc(site.street)}<br>{_esc(locality(site.ident, site.postcode))}</address>"


def _home_main(site: Site, rng: random.Random) -> str:
    ident, ui, roles = site.ident, site.ident.lang.ui, site.pageset.by_role
    services = [p for p in site.pageset.pages if p.role == "service"]
    cards = "".join(
        f'<article class="c{i}"><h3><a href="{p.path}">{_esc(p.service or p.title)}</a></h3>'
        f"<p>{_sentences(site, rng, rng.randrange(1, 4))}</p></article>"
        for i, p in enumerate(services)
    )
    posts = [p for p in site.pageset.pages if p.role == "post"][:3]
    latest = "".join(f'<li><a href="{p.path}">{_esc(p.title)}</a></li>' for p in posts)
    quotes = "".join(
        f"<blockquote><p>{_sentences(site, rng, rng.randrange(1, 3))}</p>"
        f"<cite>{_esc(rng.choice(ident.lang.first_names).title())}</cite></blockquote>"
        for _ in range(rng.randrange(3, 10))
    )
    about = _sentences(site, rng, rng.randrange(2, 6))
    tagline = ui["tagline"].format(trade=ident.trade.name, city=ident.city, year=ident.founded)
    shares = ""
    if site.head.share_links:
        url = site.url("/")
        shares = (
            f'<div class="share"><a href="https://www.facebook.com/sharer/sharer.php?u={url}">'
            f'Facebook</a> <a href="https://twitter.com/intent/tweet?url={url}">X</a></div>'
        )
    return (
        f'<section class="hero"><h1>{_esc(ident.name)}</h1><p>{_esc(tagline)}</p>'
        f'<a class="button" href="{roles["contact"].path}">{_esc(ui["contact"])}</a></section>'
        f'<section><h2>{_esc(ui["services"])}</h2><div class="services">{cards}</div></section>'
        f"<section><h2>{_esc(ui['about'])}</h2><p>{about}</p></section>"
        + (f"<section><h2>{_esc(ui['blog'])}</h2><ul>{latest}</ul></section>" if latest else "")
        + f"<section><h2>{_esc(ui['testimonials'])}</h2>{quotes}</section>"
        f"<section><h2>{_esc(ui['hours'])}</h2><p>{_esc(ui['hours_text'])}</p></section>{shares}"
    )


def _main(site: Site, page: PagePlan, rng: random.Random) -> str:
    ui, role = site.ident.lang.ui, page.role
    if role == "home":
        return _home_main(site, rng)
    heading = page.service or (
        page.title if role in ("post", "product", "blog") else ui.get(role, page.title)
    )
    parts = [f"<h1>{_esc(heading if role != 'translation' else page.title)}</h1>"]
    if role == "translation":
        other = LANGUAGES[page.lang]
        parts.append(f"<p>{_sentences(site, rng, 2, other.sentences)}</p>")
    elif role in ("contact", "legal"):
        parts.append(f"<p>{_sentences(site, rng, 1)}</p>")
        if role == "legal":
            parts.append(f"<p><strong>{_esc(site.ident.name)}</strong></p>")
        parts.append(_contact_block(site, page.path) + _address(site))
        parts.append(f"<h2>{_esc(ui['hours'])}</h2><p>{_esc(ui['hours_text'])}</p>")
    elif role == "team":
        parts.append(f"<p>{_esc(ui['team_intro'].format(name=site.ident.name))}</p>")
        parts.append(_contact_block(site, page.path))
    elif role == "services":
        services = [p for p in site.pageset.pages if p.role == "service"]
        parts.append(
            "<ul>"
            + "".join(f'<li><a href="{p.path}">{_esc(p.service or "")}</a></li>' for p in services)
            + "</ul>"
        )
    elif role == "blog":
        posts = [p for p in site.pageset.pages if p.role == "post"][:20]
        parts.append(
            "<ul>"
            + "".join(f'<li><a href="{p.path}">{_esc(p.title)}</a></li>' for p in posts)
            + "</ul>"
        )
    else:
        parts.append(f"<p>{_sentences(site, rng, rng.randrange(2, 7))}</p>")
        if role == "product":
            parts.append(
                f'<p class="price">{rng.randrange(5, 400)},{rng.choice(("00", "50", "95"))}</p>'
            )
        parts += [f'<img src="{image}" alt="" loading="lazy">' for image in page.images]
        if role not in ("post", "product"):
            parts.append(_contact_block(site, page.path))
    parts.append(_decoys(site, page.path))
    return "".join(parts)


def _footer(site: Site, page: PagePlan) -> str:
    ident, ui, home = site.ident, site.ident.lang.ui, page.role == "home"
    social = "".join(
        f'<li><a href="{url}" rel="noopener" target="_blank">{name.title()}</a></li>'
        for name, url in site.social.items()
    )
    parts = [
        f'<div class="footer-address"><strong>{_esc(ident.name)}</strong>{_address(site)}</div>'
    ]
    if home:
        parts.append(_contact_block(site, "/"))
    if social:
        parts.append(f'<div class="social"><p>{_esc(ui["follow"])}</p><ul>{social}</ul></div>')
    years = site.contacts.copyright if home else "2024"
    parts.append(f'<p class="copyright">© {years} {_esc(ident.name)}. {_esc(ui["rights"])}</p>')
    if home:
        parts.append(f'<p class="site-version">v{site.contacts.build_version}</p>')
        parts.append(_decoys(site, "/"))
    return "<footer>" + "".join(parts) + "</footer>"


def render_page(site: Site, page: PagePlan) -> bytes:
    rng = random.Random(f"{site.seed}:{site.ident.index}:{page.path}")
    attrs = f'lang="{page.lang}"'
    if site.ident.platform.key == "webflow":
        attrs += f' data-wf-domain="{site.ident.canonical_host}"'
        attrs += f' data-wf-site="{rng.randrange(10**12):x}"'
    body = _header(site) + f"<main>{_main(site, page, rng)}</main>" + _footer(site, page)
    if site.ident.platform.key == "nextjs":
        body = f'<div id="__next">{body}</div>'
    return (
        f"<!DOCTYPE html>\n<html {attrs}>\n<head>\n{_head(site, page, rng)}\n</head>\n"
        f'<body class="{page.role}">\n{body}\n</body>\n</html>\n'
    ).encode()


def render_error(site: Site, status: int) -> bytes:
    if status >= 500:
        return (
            b"<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>"
            b"<body><h1>Internal Server Error</h1></body></html>\n"
        )
    title = _esc(site.ident.lang.ui["not_found"])
    return (
        f'<!DOCTYPE html>\n<html lang="{site.ident.country.html_lang}">\n'
        f'<head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body>{_header(site)}<main><h1>{title}</h1></main></body>\n</html>\n"
    ).encode()
