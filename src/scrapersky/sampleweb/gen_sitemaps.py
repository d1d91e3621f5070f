"""How a generated site exposes its pages: sitemap files, robots.txt rules and discovery route.

layout = plan_sitemaps(random.Random("1:42:sitemaps"), ident, pageset, fault=None, quirk=None)
[(f.path, f.kind, f.discovered_via) for f in layout.files]
"""

from __future__ import annotations

import random

from . import gen_truth as t
from .gen_files import Builder, Entry, FilePlan, Layout, RobotsPlan, chunks, ext_of
from .gen_identity import Identity
from .gen_pages import PagePlan, PageSet

WELL_KNOWN_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml", "/sitemap.txt")
QUIRKS = ("relative_locs", "cdata", "empty_urlset", "child_404", "whitespace_locs", "utf8_bom")


def _recipe(
    b: Builder,
    flavour: str,
    core: list[PagePlan],
    posts: list[PagePlan],
    products: list[PagePlan],
    feed: str | None,
) -> tuple[list[FilePlan], str]:
    """Root files and the discovery mode, in the style of the site's platform."""
    rng = b.rng
    if feed:
        posts = []
    if flavour == "wp":
        kids = [b.file("/wp-sitemap-posts-page-1.xml", "urlset", "wp", core)]
        for n, chunk in enumerate(chunks(posts, 2000), 1):
            kids.append(b.file(f"/wp-sitemap-posts-post-{n}.xml", "urlset", "wp", chunk))
        for n, chunk in enumerate(chunks(products, 2000), 1):
            kids.append(b.file(f"/wp-sitemap-posts-product-{n}.xml", "urlset", "wp", chunk))
        mode = "robots" if rng.random() < 0.8 else "well_known"
        return [b.index("/wp-sitemap.xml", "wp", kids)], mode
    if flavour == "yoast":
        kids = [b.file("/page-sitemap.xml", "urlset", "yoast", core, "offset", ext_of(core))]
        for name, section in (("post", posts), ("product", products)):
            for n, chunk in enumerate(chunks(section, 1000), 1):
                path = f"/{name}-sitemap{n if n > 1 else ''}.xml"
                kids.append(b.file(path, "urlset", "yoast", chunk, "offset", ext_of(chunk)))
        mode = "robots" if rng.random() < 0.7 else "well_known"
        return [b.index("/sitemap_index.xml", "yoast", kids)], mode
    if flavour == "shopify":
        kids = [
            b.file(
                f"/sitemap_pages_1.xml?from=1&to={len(core)}", "urlset", "shopify", core, "offset"
            )
        ]
        for n, chunk in enumerate(chunks(products, 1000), 1):
            query = f"?from={1000 * (n - 1) + 1}&to={1000 * (n - 1) + len(chunk)}"
            kids.append(
                b.file(
                    f"/sitemap_products_{n}.xml{query}",
                    "urlset",
                    "shopify",
                    chunk,
                    "offset",
                    ext_of(chunk),
                )
            )
        if posts:
            kids.append(b.file("/sitemap_blogs_1.xml", "urlset", "shopify", posts, "offset"))
        return [b.index("/sitemap.xml", "shopify", kids)], "robots"
    if flavour == "wix":
        kids = [b.file("/pages-sitemap.xml", "urlset", "wix", core, "date", ext_of(core))]
        if posts:
            kids.append(
                b.file("/blog-posts-sitemap.xml", "urlset", "wix", posts, "date", ext_of(posts))
            )
        if products:
            kids.append(
                b.file(
                    "/store-products-sitemap.xml",
                    "urlset",
                    "wix",
                    products,
                    "date",
                    ext_of(products),
                )
            )
        return [b.index("/sitemap.xml", "wix", kids)], "robots"
    if flavour == "ghost":
        kids = [b.file("/sitemap-pages.xml", "urlset", "ghost", core, "fraction", ext_of(core))]
        if posts:
            kids.append(
                b.file("/sitemap-posts.xml", "urlset", "ghost", posts, "fraction", ext_of(posts))
            )
        mode = "robots" if rng.random() < 0.6 else "well_known"
        return [b.index("/sitemap.xml", "ghost", kids)], mode
    if flavour == "squarespace":
        pages = core + posts + products
        return [
            b.file(
                "/sitemap.xml",
                "urlset",
                "squarespace",
                pages,
                "date",
                ext_of(pages),
                changefreq=True,
                priority=True,
            )
        ], "robots"
    if flavour == "hugo":
        pages = core + posts
        mode = "well_known" if rng.random() < 0.6 else "robots"
        return [
            b.file(
                "/sitemap.xml",
                "urlset",
                "hugo",
                pages,
                "offset",
                ext_of(pages, False),
                changefreq=rng.random() < 0.5,
                priority=rng.random() < 0.5,
            )
        ], mode
    return _generic(b, core, posts, products)


def _generic(
    b: Builder, core: list[PagePlan], posts: list[PagePlan], products: list[PagePlan]
) -> tuple[list[FilePlan], str]:
    rng = b.rng
    mode = rng.choice(("robots", "robots", "well_known", "html_link"))
    shape = rng.choice(("urlset", "index", "index", "text"))
    style = rng.choice(("none", "date", "z", "offset", "fraction", "minutes", "mixed"))
    cf, prio = rng.random() < 0.3, rng.random() < 0.3
    pages = core + posts + products
    if shape == "text":
        path = {
            "well_known": "/sitemap.txt",
            "html_link": "/urllist.txt",
            "robots": rng.choice(("/sitemap.txt", "/urllist.txt", "/sitemaps/pages.txt")),
        }[mode]
        return [b.file(path, "text", "plain", pages)], mode
    if shape == "urlset":
        path = {
            "well_known": "/sitemap.xml",
            "html_link": rng.choice(("/site-map.xml", "/sitemaps/main.xml")),
            "robots": rng.choice(("/sitemap.xml", "/sitemap-main.xml", "/sitemaps/sitemap.xml")),
        }[mode]
        return [b.file(path, "urlset", "plain", pages, style, ext_of(pages), cf, prio)], mode
    path = {
        "well_known": rng.choice(("/sitemap.xml", "/sitemap_index.xml")),
        "html_link": "/sitemaps/index.xml",
        "robots": rng.choice(("/sitemap.xml", "/sitemap_index.xml", "/sitemaps/sitemap-index.xml")),
    }[mode]
    gzip = rng.random() < 0.5
    size = rng.choice((250, 500, 1000, 2000))
    kids = []
    for name, section in (("pages", core), ("posts", posts), ("products", products)):
        parts = chunks(section, size)
        for n, chunk in enumerate(parts, 1):
            suffix = f"-{n}" if len(parts) > 1 else ""
            zipped = gzip and (name != "pages" or rng.random() < 0.5)
            child_path = f"/sitemaps/{name}{suffix}.xml" + (".gz" if zipped else "")
            child = b.file(child_path, "urlset", "plain", chunk, style, ext_of(chunk), cf, prio)
            if zipped:
                child.gzip = True
                child.content_type = "application/gzip"
            kids.append(child)
    return [b.index(path, "plain", kids)], mode


_FLAVOURS = {
    "wordpress": ("wp", "yoast"), "woocommerce": ("yoast",), "shopify": ("shopify",),
    "wix": ("wix",), "ghost": ("ghost",), "squarespace": ("squarespace",), "hugo": ("hugo",),
}  # fmt: skip
_DISALLOW = {
    "wordpress": ["/wp-admin/"], "woocommerce": ["/wp-admin/", "/cart/", "/checkout/"],
    "shopify": ["/admin", "/cart", "/orders", "/checkouts/", "/checkout", "/account"],
    "ghost": ["/ghost/", "/p/", "/email/"], "drupal": ["/core/", "/admin/", "/user/login"],
    "joomla": ["/administrator/", "/cache/", "/tmp/"],
}  # fmt: skip


def plan_sitemaps(
    rng: random.Random, ident: Identity, pageset: PageSet, fault: str | None, quirk: str | None
) -> Layout:
    b = Builder(rng, ident)
    listed = [p for p in pageset.pages if p.role != "home" or fault not in _HOMEPAGE_FAULTS]
    core = [p for p in listed if p.role not in ("post", "product")]
    posts = [p for p in listed if p.role == "post"]
    products = [p for p in listed if p.role == "product"]
    robots = RobotsPlan(disallow=list(_DISALLOW.get(ident.platform.key, [])))
    if ident.platform.key in ("wordpress", "woocommerce"):
        robots.allow = ["/wp-admin/admin-ajax.php"]
    elif not robots.disallow and rng.random() < 0.5:
        robots.disallow = rng.sample(
            ["/private/", "/search", "/tmp/", "/drafts/"], rng.randrange(1, 3)
        )
    robots.extra_group = rng.random() < 0.3
    robots.crlf = rng.random() < 0.1
    html_link = None
    files: list[FilePlan] = []
    applied: list[str] = []

    if fault == t.FAULT_NO_SITEMAP:
        robots.status = rng.choice((200, 404))
        roots, mode = [], "none"
    elif fault == t.FAULT_SITEMAP_HTML:
        html = FilePlan("/sitemap.xml", None, "plain", "text/html; charset=utf-8", broken="html")
        html.entries = [Entry(page, None, None) for page in core]
        roots = [html]
        mode = "robots"
    elif fault == t.FAULT_SITEMAP_MALFORMED:
        root = b.file("/sitemap.xml", "urlset", "plain", listed, "z")
        root.broken, root.cut_after = "truncated", rng.randrange(1, len(root.entries))
        roots, mode = [root], "robots"
    elif fault == t.FAULT_SITEMAP_CYCLE:
        roots, _ = _generic(b, core, posts, products)
        while roots[0].kind != "index":
            roots, _ = _generic(b, core, posts, products)
        roots[0].lists_itself, mode = True, "robots"
    else:
        feed = None
        if posts and rng.random() < 0.3:
            feed = rng.choice(("rss", "rss", "atom"))
        flavour = rng.choice(_FLAVOURS.get(ident.platform.key, ("plain",)))
        roots, mode = _recipe(b, flavour, core, posts, products, feed)
        if fault in _HOMEPAGE_FAULTS and mode == "html_link":
            mode = "robots"
        if feed:  # feeds are only ever announced in robots.txt, so the root is too
            mode = "robots"
            path = {"rss": rng.choice(("/feed/", "/rss.xml", "/index.xml")), "atom": "/atom.xml"}[
                feed
            ]
            roots.append(b.file(path, feed, "plain", posts))
        if quirk:
            applied = _apply_quirk(b, quirk, roots)
    for root in roots:
        root.discovered_via = mode if root is roots[0] else "robots"
    if mode == "none":
        pass
    elif mode == "robots":
        robots.sitemap_paths = [r.path for r in roots]
        robots.relative = rng.random() < 0.12  # not RFC 9309, but common: resolve against robots
        robots.at_start = rng.random() < 0.2
        robots.directive = rng.choice(("Sitemap",) * 8 + ("sitemap", "SITEMAP"))
    else:
        if rng.random() < 0.4:
            robots.status = 404
        if mode == "html_link":
            html_link = roots[0].path
    if fault == t.FAULT_ROBOTS_500:
        robots.status = 500
    for root in roots:
        files.extend(_walk(root))
    served = [p.path for p in listed] + [f.route for f in files]
    robots.disallow = [r for r in robots.disallow if not any(s.startswith(r) for s in served)]
    return Layout(files, robots, html_link, applied)


_HOMEPAGE_FAULTS = (t.FAULT_HOMEPAGE_404, t.FAULT_HOMEPAGE_500)


def _walk(root: FilePlan) -> list[FilePlan]:
    found = [root]
    for child in root.children:
        found.extend(_walk(child))
    return found


def _apply_quirk(b: Builder, quirk: str, roots: list[FilePlan]) -> list[str]:
    files = [f for root in roots for f in _walk(root)]
    index = next((f for f in files if f.kind == "index"), None)
    plain_urlsets = [f for f in files if f.kind == "urlset" and f.entries and not f.gzip]
    if quirk in ("relative_locs", "cdata", "whitespace_locs", "utf8_bom") and plain_urlsets:
        plain_urlsets[0].quirks.append(quirk)
        return [quirk]
    if quirk in ("empty_urlset", "child_404") and index is not None:
        path = "/sitemap-archive.xml" if quirk == "empty_urlset" else "/sitemap-legacy.xml"
        child = b.file(path, "urlset", index.flavour, [])
        child.status = 200 if quirk == "empty_urlset" else 404
        child.quirks.append(quirk)
        child.parent, child.discovered_via = index, "index_child"
        index.children.append(child)
        return [quirk]
    return []
