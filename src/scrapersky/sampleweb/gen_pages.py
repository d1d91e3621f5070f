"""The page inventory of a generated site: every HTML page it serves, with its URL path.

pageset = plan_pages(random.Random("1:42:pages"), ident)
[p.path for p in pageset.pages][:3]  # ["/", "/about/", "/services/"]
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass, field

from .gen_identity import Identity
from .gen_vocab import LANGUAGES


@dataclass
class PagePlan:
    path: str
    title: str
    role: str  # home, about, services, service, contact, team, legal, privacy, faq, blog,
    # post, product, translation
    lang: str  # html lang of the page
    images: tuple[str, ...] = ()
    alternates: tuple[tuple[str, str], ...] = ()  # (hreflang, path)
    news_title: str | None = None
    service: str | None = None


@dataclass
class PageSet:
    pages: list[PagePlan]
    by_role: dict[str, PagePlan] = field(default_factory=dict)
    second_lang: str | None = None


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _fmt(template: str, ident: Identity, service: str, n: int) -> str:
    return template.format(
        name=ident.name,
        city=ident.city,
        service=service,
        service_lc=service[0].lower() + service[1:],
        trade=ident.trade.name,
        trade_lc=ident.trade.name.lower(),
        year=2018 + n % 7,
        n=n,
        count=3 + n % 9,
    )


class _Paths:
    """URL paths in the style of the site's platform, unique within the site."""

    def __init__(self, ident: Identity) -> None:
        self.platform = ident.platform
        self.used: set[str] = {"/"}
        self.suffixes: dict[str, int] = {}

    def make(self, *segments: str) -> str:
        path = "/" + "/".join(segments)
        if self.platform.trailing_slash:
            path += "/"
        elif self.platform.key == "static":
            path += ".html"
        return self._unique(path)

    def _unique(self, path: str) -> str:
        candidate = path
        while candidate in self.used:
            n = self.suffixes[path] = self.suffixes.get(path, 1) + 1
            if path.endswith("/"):
                candidate = f"{path[:-1]}-{n}/"
            elif "." in path.rsplit("/", 1)[-1]:
                base, ext = path.rsplit(".", 1)
                candidate = f"{base}-{n}.{ext}"
            else:
                candidate = f"{path}-{n}"
        self.used.add(candidate)
        return candidate

    def core(self, slug: str) -> str:
        if self.platform.key == "shopify":
            return self._unique(f"/pages/{slug}")
        return self.make(slug)

    def post(self, blog_slug: str, slug: str) -> str:
        key = self.platform.key
        if key == "shopify":
            return self._unique(f"/blogs/news/{slug}")
        if key == "wix":
            return self._unique(f"/post/{slug}")
        if key in ("wordpress", "woocommerce", "ghost"):
            return self.make(slug)
        if key == "hugo":
            return self.make("posts", slug)
        return self.make(blog_slug, slug)

    def product(self, slug: str) -> str:
        key = self.platform.key
        if key == "shopify":
            return self._unique(f"/products/{slug}")
        if key == "woocommerce":
            return self.make("product", slug)
        if key == "wix":
            return self._unique(f"/product-page/{slug}")
        return self.make("shop", slug)

    def image(self, slug: str, k: int, rng: random.Random) -> str:
        key = self.platform.key
        if key in ("wordpress", "woocommerce"):
            year, month = rng.randrange(2019, 2025), rng.randrange(1, 13)
            return f"/wp-content/uploads/{year}/{month:02d}/{slug}-{k}.png"
        if key == "shopify":
            return f"/cdn/shop/files/{slug}-{k}.png"
        if key == "ghost":
            return f"/content/images/{slug}-{k}.png"
        return f"/images/{slug}-{k}.png"


def _extra_page_count(rng: random.Random) -> int:
    if rng.random() < 0.02:
        return rng.randrange(1000, 4000)
    return min(190, int(math.exp(rng.uniform(0.0, math.log(190.0)))))


def plan_pages(rng: random.Random, ident: Identity) -> PageSet:
    lang, ui, name = ident.lang, ident.lang.ui, ident.name
    paths = _Paths(ident)
    sep = rng.choice((" | ", " \u2013 ", " - "))
    services = list(ident.trade.services)
    home_title = rng.choice(
        (
            f"{name}{sep}{services[0]}",
            f"{name}{sep}{services[0]} & {services[1]} in {ident.city}"
            if lang.code == "en"
            else f"{name}{sep}{ident.city}",
            name
            + sep
            + ui["tagline"].format(trade=ident.trade.name, city=ident.city, year=ident.founded),
        )
    )
    pages = [PagePlan("/", home_title, "home", ident.country.html_lang)]
    by_role = {"home": pages[0]}

    def add_core(role: str, slug: str, title: str) -> PagePlan:
        page = PagePlan(paths.core(slug), f"{title}{sep}{name}", role, ident.country.html_lang)
        pages.append(page)
        by_role[role] = page
        return page

    add_core("about", rng.choice(lang.paths["about"]), ui["about"])
    services_slug = rng.choice(lang.paths["services"])
    add_core("services", services_slug, ui["services"])
    for service in rng.sample(services, rng.randrange(3, len(services) + 1)):
        page = PagePlan(
            paths.core(f"{services_slug}/{slugify(service)}")
            if ident.platform.key != "shopify"
            else paths.core(slugify(service)),
            f"{service}{sep}{name}",
            "service",
            ident.country.html_lang,
            service=service,
        )
        pages.append(page)
    add_core("contact", rng.choice(lang.paths["contact"]), ui["contact"])
    if rng.random() < 0.6:
        add_core("team", rng.choice(lang.paths["team"]), ui["team"])
    legal_required = ident.country.region in ("DE", "AT", "CH", "FR", "BE", "ES")
    if legal_required or rng.random() < 0.25:
        add_core("legal", lang.paths["legal"][0], ui["legal"])
    add_core("privacy", lang.paths["privacy"][0], ui["privacy"])
    if rng.random() < 0.5:
        add_core("faq", lang.paths["faq"][0], ui["faq"])

    extra = _extra_page_count(rng)
    n_products = int(extra * rng.uniform(0.5, 0.9)) if ident.platform.shop else 0
    n_posts = extra - n_products
    blog_slug = rng.choice(lang.paths["blog"])
    if n_posts:
        add_core("blog", blog_slug, ui["blog"])
    news = rng.random() < 0.15
    titles: dict[str, int] = {}
    for n in range(1, n_posts + 1):
        title = _fmt(rng.choice(lang.post_titles), ident, rng.choice(services), n)
        seen = titles[title] = titles.get(title, 0) + 1
        if seen > 1:
            title = f"{title} ({seen})"
        slug = slugify(title)
        images = tuple(paths.image(slug, k, rng) for k in range(1, rng.choice((0, 1, 1, 2)) + 1))
        pages.append(
            PagePlan(
                paths.post(blog_slug, slug),
                title,
                "post",
                ident.country.html_lang,
                images=images,
                news_title=title if news else None,
            )
        )
    variants = ("Classic", "Deluxe", "Mini", "Family", "Gift", "Premium", "Large", "Small")
    for n in range(1, n_products + 1):
        title = f"{rng.choice(services)} \u2013 {rng.choice(variants)} {n}"
        slug = slugify(title)
        images = tuple(paths.image(slug, k, rng) for k in range(1, rng.randrange(1, 4)))
        pages.append(
            PagePlan(paths.product(slug), title, "product", ident.country.html_lang, images=images)
        )

    second_lang = None
    if rng.random() < 0.12:
        second_lang = "fr" if lang.code == "en" else "en"
        _add_translations(pages, by_role, second_lang, ident)
    return PageSet(pages, by_role, second_lang)


def _add_translations(
    pages: list[PagePlan], by_role: dict[str, PagePlan], code: str, ident: Identity
) -> None:
    """Mirror the core pages under /<code>/, linked both ways with hreflang alternates."""
    other = LANGUAGES[code]
    primary = ident.country.html_lang.split("-")[0]
    suffix = "/" if ident.platform.trailing_slash else ""
    for role, page in list(by_role.items()):
        if role in ("blog", "faq"):
            continue
        if role == "home":
            path = f"/{code}/"
        else:
            slug = other.paths.get(role, (role,))[0]
            path = f"/{code}/{slug}{suffix}"
        alternates = ((primary, page.path), (code, path), ("x-default", page.path))
        page.alternates = alternates
        pages.append(
            PagePlan(
                path,
                f"{other.ui[role]} \u2013 {ident.name}",
                "translation",
                code,
                alternates=alternates,
            )
        )
