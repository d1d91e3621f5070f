"""extract_metadata edge cases: charsets, broken and huge pages, URLs, tech, social, JSON-LD."""

from __future__ import annotations

import codecs
import random

import pytest

from scrapersky.web.html_decode import MAX_NESTING, decode_html, nesting_depth
from scrapersky.web.html_meta import extract_metadata, normalize_language
from scrapersky.web.social import social_profile
from scrapersky.web.tech import detect_tech

BASE = "https://www.acme-widgets.com/"


def page(head: str = "", body: str = "", html_attrs: str = "") -> str:
    return f"<!doctype html><html{html_attrs}><head>{head}</head><body>{body}</body></html>"


# --- charsets ----------------------------------------------------------------------------


def test_windows_1252_page_declared_in_meta_charset() -> None:
    title = "Café Crème \u2013 €5 “menu”"  # en dash, euro and curly quotes: 0x96 0x80 0x93 0x94
    html = page(f'<meta charset="windows-1252"><title>{title}</title>')
    meta = extract_metadata(html.encode("cp1252"), BASE)
    assert meta.title == title


def test_iso_8859_1_declared_by_http_equiv_reads_as_windows_1252() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    body = "<p>Prix : 5€ \u2013 écrivez à café@acme-widgets.com</p>"
    meta = extract_metadata(page(head + "<title>Déjà vu</title>", body).encode("cp1252"), BASE)
    assert meta.title == "Déjà vu"
    assert meta.emails == []  # "café" is not an ASCII local part: no half-address either
    text, codec = decode_html(page(head, body).encode("cp1252"))
    assert codec == "cp1252"
    assert "5€ \u2013 écrivez" in text


def test_content_type_header_wins_over_meta_and_bom_wins_over_both() -> None:
    html = page('<meta charset="utf-8"><title>Grüße</title>').encode("iso-8859-1")
    meta = extract_metadata(html, BASE, headers={"Content-Type": "text/html; charset=ISO-8859-1"})
    assert meta.title == "Grüße"
    bom_page = codecs.BOM_UTF8 + page("<title>Grüße</title>").encode("utf-8")
    meta = extract_metadata(bom_page, BASE, headers={"content-type": "text/html; charset=koi8-r"})
    assert meta.title == "Grüße"


def test_utf16_with_bom() -> None:
    meta = extract_metadata(page("<title>Ünïcödé</title>").encode("utf-16"), BASE)
    assert meta.title == "Ünïcödé"


def test_undeclared_bytes_utf8_with_one_bad_byte_stays_utf8() -> None:
    raw = page("<title>Smørrebrød</title>", "<p>bad \xff byte</p>").encode("utf-8")
    raw = raw.replace(b"\xc3\xbf", b"\xff")
    assert extract_metadata(raw, BASE).title == "Smørrebrød"


@pytest.mark.parametrize("label", ["base64", "rot13", "zlib", "no-such-charset", "utf-16"])
def test_hostile_or_unknown_meta_charset_falls_back_to_utf8(label: str) -> None:
    raw = page(f'<meta charset="{label}"><title>Zürich</title>').encode("utf-8")
    assert extract_metadata(raw, BASE).title == "Zürich"


# --- broken, empty and huge input ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"\x00\x01\x02\xff\xfe garbage \x00",
        b"<html><head><title>Unclosed",
        b"<<<>>><title>>x</title><meta content><link rel><a href>",
        b"<div>" * 20_000 + b"deep",
        b"</html></body><title>late</title>",
        bytes(random.Random(7).getrandbits(8) for _ in range(50_000)),
        b'<script type="application/ld+json">{"@type": "Organization", "logo": {{{</script>',
        b'<html lang="{{ page.lang }}"><link rel=canonical href="javascript:alert(1)">',
    ],
)
def test_broken_input_never_raises(raw: bytes) -> None:
    meta = extract_metadata(raw, BASE)
    assert meta.canonical_url is None
    assert meta.language is None
    assert meta.jsonld is None
    assert meta.emails == []


def test_unclosed_tags_still_yield_fields() -> None:
    raw = (
        b'<html lang=de><head><title>Kaputt</title><meta name=description content="Noch da">'
        b'<body><p>Mail: team@acme-widgets.com<div><a href="tel:+49 30 1234567"><table><td>'
    )
    meta = extract_metadata(raw, "https://acme-widgets.de/")
    assert meta.language == "de"
    assert meta.title == "Kaputt"
    assert meta.description == "Noch da"
    assert meta.emails == ["team@acme-widgets.com"]
    assert meta.phones == ["+49301234567"]


@pytest.mark.parametrize(
    "bomb",
    [b"<div>" * 200_000, b"<SPAN class=x><b>" * 100_000, b"<font><table><ul>" * 70_000],
)
def test_nesting_bomb_is_flattened_and_its_text_still_read(bomb: bytes) -> None:
    raw = b"<html><head><title>Bomb</title></head><body>" + bomb + b"<p>deep@acme-widgets.com"
    assert nesting_depth(raw.decode()) > MAX_NESTING
    meta = extract_metadata(raw, BASE)
    assert meta.title == "Bomb"
    assert meta.emails == ["deep@acme-widgets.com"]


def test_ordinary_nesting_is_parsed_as_is() -> None:
    depth = 500
    html = page(
        "<title>Nested</title>", "<div>" * depth + "<span data-x=1>x</span>" + "</div>" * depth
    )
    assert nesting_depth(html) == depth + 1
    assert extract_metadata(html, BASE).title == "Nested"


def test_five_megabyte_page_completes_and_finds_planted_contacts() -> None:
    rng = random.Random(42)
    words = ["lorem", "ipsum", "2024", "price", "$19.99", "order", "88213", "zip", "90210", "now"]
    paragraph = "<p>" + " ".join(rng.choice(words) for _ in range(60)) + "</p>\n"
    filler = paragraph * (5 * 1024 * 1024 // len(paragraph) + 1)
    body = "<p>Contact: sales@acme-widgets.com or +1 415-555-2671</p>" + filler
    raw = page("<title>Big</title>", body).encode("utf-8")
    assert len(raw) > 5 * 1024 * 1024

    meta = extract_metadata(raw, BASE)

    assert meta.title == "Big"
    assert meta.emails == ["sales@acme-widgets.com"]
    assert meta.phones == ["+14155552671"]


# --- fields and their fallbacks ------------------------------------------------------------


def test_title_description_and_language_fallbacks() -> None:
    head = """<title>
        Acme   Widgets
    </title>
    <meta property="og:description" content="From OG">
    <meta name="description" content="  ">"""
    meta = extract_metadata(page(head), BASE, headers={"Content-Language": "en-gb, fr"})
    assert meta.title == "Acme Widgets"
    assert meta.description == "From OG"
    assert meta.language == "en-GB"

    meta = extract_metadata(page('<meta property="og:title" content="OG title">'), BASE)
    assert meta.title == "OG title"

    svg_only = page('<meta property="og:title" content="OG">', "<svg><title>Icon</title></svg>")
    assert extract_metadata(svg_only, BASE).title == "OG"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("en", "en"),
        ("EN-us", "en-US"),
        ("zh-hans-cn", "zh-Hans-CN"),
        ("es-419", "es-419"),
        ("fr_FR", "fr-FR"),
        ("de-DE, en;q=0.5", "de-DE"),
        ("{{ lang }}", None),
        ("english", None),
        ("", None),
    ],
)
def test_normalize_language(raw: str, expected: str | None) -> None:
    assert normalize_language(raw) == expected


def test_urls_resolve_against_base_href() -> None:
    head = """<base href="/static/v2/">
    <link rel="canonical" href="../../about/">
    <link rel="icon" href="data:image/png;base64,AAAA">
    <link rel="shortcut icon" href="favicon.ico">
    <link rel="apple-touch-icon" sizes="120x120" href="small.png">
    <link rel="apple-touch-icon" sizes="180x180" href="big.png">
    <meta property="og:image" content="/hero.jpg">"""
    meta = extract_metadata(page(head), BASE)
    assert meta.canonical_url == "https://www.acme-widgets.com/about/"
    assert meta.favicon_url == "https://www.acme-widgets.com/static/v2/favicon.ico"
    assert meta.logo_url == "https://www.acme-widgets.com/static/v2/big.png"


def test_logo_precedence_and_broken_protocol_relative_urls() -> None:
    ld = """<script type="application/ld+json">{"@graph": [
        {"@type": "ImageObject", "@id": "#logo", "url": "/brand/logo.svg"},
        {"@type": ["Organization", "Dentist"], "name": "Acme Dental", "logo": {"@id": "#logo"},
         "sameAs": ["https://www.facebook.com/acmedental", "https://www.instagram.com/acme.dental/"],
         "contactPoint": [{"@type": "ContactPoint", "telephone": "+1-415-555-2671",
                           "contactType": "reservations"}],
         "address": {"@type": "PostalAddress", "streetAddress": "1 Main St",
                     "addressLocality": "Springfield", "postalCode": 12345}}]}</script>"""
    head = ld + '<meta property="og:image" content="/og.png">'
    meta = extract_metadata(page(head), BASE)
    assert meta.logo_url == "https://www.acme-widgets.com/brand/logo.svg"
    assert meta.jsonld == {
        "type": "Dentist",
        "name": "Acme Dental",
        "url": None,
        "logo": "https://www.acme-widgets.com/brand/logo.svg",
        "sameAs": ["https://www.facebook.com/acmedental", "https://www.instagram.com/acme.dental/"],
        "contactPoint": [{"contactType": "reservations", "telephone": "+1-415-555-2671"}],
        "address": {
            "streetAddress": "1 Main St",
            "addressLocality": "Springfield",
            "postalCode": "12345",
        },
        "telephone": None,
        "email": None,
    }
    assert meta.phones == ["+14155552671"]
    assert meta.social == {
        "facebook": "https://www.facebook.com/acmedental",
        "instagram": "https://www.instagram.com/acme.dental/",
    }
    # "//wp-content/..." (a broken static export) resolves to a host called "wp-content": refused
    broken = '<link rel="apple-touch-icon" href="//wp-content/x.png">'
    broken += '<meta property="og:image" content="/og.png">'
    assert extract_metadata(page(broken), BASE).logo_url == "https://www.acme-widgets.com/og.png"


def test_invalid_json_ld_block_is_skipped_and_valid_one_used() -> None:
    head = """<script type="application/ld+json">{"@type": "Organization", "name": "X",}</script>
    <script type="application/ld+json"><!--
    {"@type": "LocalBusiness", "name": "Acme\tShop", "email": "shop@acme-widgets.com"}
    --></script>"""
    meta = extract_metadata(page(head), BASE)
    assert meta.jsonld is not None
    assert meta.jsonld["name"] == "Acme\tShop"
    assert meta.emails == ["shop@acme-widgets.com"]


# --- social ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.facebook.com/acmewidgets/",
            ("facebook", "https://www.facebook.com/acmewidgets/"),
        ),
        (
            "https://m.facebook.com/acmewidgets?ref=bookmarks",
            ("facebook", "https://m.facebook.com/acmewidgets"),
        ),
        (
            "https://facebook.com/profile.php?id=123&sk=about",
            ("facebook", "https://facebook.com/profile.php?id=123"),
        ),
        ("https://twitter.com/acme?ref_src=twsrc", ("x", "https://twitter.com/acme")),
        ("https://x.com/acme", ("x", "https://x.com/acme")),
        (
            "https://www.linkedin.com/company/acme-widgets/",
            ("linkedin", "https://www.linkedin.com/company/acme-widgets/"),
        ),
        ("https://www.youtube.com/@acme", ("youtube", "https://www.youtube.com/@acme")),
        (
            "https://www.youtube.com/channel/UC123abc",
            ("youtube", "https://www.youtube.com/channel/UC123abc"),
        ),
        ("https://www.tiktok.com/@acme", ("tiktok", "https://www.tiktok.com/@acme")),
        ("https://github.com/acme", ("github", "https://github.com/acme")),
        ("https://www.pinterest.com/acme/", ("pinterest", "https://www.pinterest.com/acme/")),
        ("https://www.facebook.com/sharer/sharer.php?u=https://acme.com", None),
        ("https://www.facebook.com/share.php?u=x", None),
        ("https://www.facebook.com/tr?id=1827378347888391&ev=PageView", None),
        ("https://twitter.com/intent/tweet?text=hi", None),
        ("https://twitter.com/share?url=x", None),
        ("https://twitter.com/acme/status/123456", None),
        ("https://www.linkedin.com/shareArticle?mini=true&url=x", None),
        ("https://www.linkedin.com/sharing/share-offsite/?url=x", None),
        ("https://pinterest.com/pin/create/button/?url=x", None),
        ("https://www.pinterest.com/source/likeabossa.com/", None),
        ("https://www.youtube.com/watch?v=jDDaplaOz7Q", None),
        ("https://www.youtube.com/embed/", None),
        ("https://www.instagram.com/p/Cabc123/", None),
        ("https://github.com/apache/flink", None),  # a repository, not a profile
        ("https://facebook.com.evil.example/acme", None),
        ("javascript:alert(1)", None),
        ("https://[broken", None),
    ],
)
def test_social_profile(url: str, expected: tuple[str, str] | None) -> None:
    assert social_profile(url) == expected


# --- tech ------------------------------------------------------------------------------------


def names(techs: list[dict[str, str | None]]) -> dict[str, str | None]:
    return {str(tech["name"]): tech["version"] for tech in techs}


def test_tech_from_generators_with_versions_and_unknown_generators() -> None:
    found = detect_tech(
        generators=[
            "WordPress 6.4.2",
            "Drupal 10 (https://www.drupal.org)",
            "Joomla! - Open Source Content Management",
            "Ghost 5.75",
            "Jekyll v4.3.2",
            "Wix.com Website Builder",
            "Some Plugin 2.1.0",
        ]
    )
    assert names(found) == {
        "WordPress": "6.4.2",
        "Drupal": "10",
        "Joomla": None,
        "Ghost": "5.75",
        "Jekyll": "4.3.2",
        "Wix": None,
        "Some Plugin": "2.1.0",
    }
    assert found[0] == {"name": "WordPress", "version": "6.4.2", "evidence": "meta generator"}


def test_tech_from_headers_cookies_assets_and_html() -> None:
    found = detect_tech(
        headers={
            "Server": "cloudflare",
            "X-Powered-By": "Next.js",
            "X-Shopify-Stage": "production",
        },
        cookies=["_shopify_y=abc; Path=/; HttpOnly", "__cf_bm"],
        assets=[
            "https://static1.squarespace.com/static/x.css",
            "/wp-content/plugins/elementor/a.js",
        ],
        html='<html data-wf-site="64a1"><div id="___gatsby"></div>',
    )
    evidence = {str(tech["name"]): tech["evidence"] for tech in found}
    assert evidence == {
        "WordPress": "asset /wp-content/",
        "Elementor": "asset /plugins/elementor/",
        "Shopify": "header x-shopify-stage",
        "Squarespace": "asset static1.squarespace.com",
        "Webflow": "html data-wf-site=",
        "Next.js": "header x-powered-by",
        "React": "implied by Next.js",
        "Gatsby": 'html id="___gatsby"',
        "Cloudflare": "header server",
    }


def test_a_plugin_implies_its_platform() -> None:
    assert detect_tech(generators=["Elementor 3.27.6"]) == [
        {"name": "WordPress", "version": None, "evidence": "implied by Elementor"},
        {"name": "Elementor", "version": "3.27.6", "evidence": "meta generator"},
    ]


def test_tech_in_extract_metadata_uses_headers_and_cookies() -> None:
    html = page('<script src="https://cdn.shopify.com/s/files/1/theme.js"></script>')
    meta = extract_metadata(html, BASE, headers={"server": "nginx/1.25.3"}, cookies=["_shopify_s"])
    assert names(meta.tech) == {"Shopify": None, "Nginx": "1.25.3"}
    assert meta.generator is None


def test_no_tech_on_a_plain_page() -> None:
    assert extract_metadata(page("<title>Plain</title>", "<p>Hello</p>"), BASE).tech == []


# --- hostile values everywhere -----------------------------------------------------------------

HOSTILE_VALUES = [
    "http://[bad",
    "https://[::1",
    "javascript:alert(1)",
    "//",
    "",
    "mailto:",
    "mailto:%ZZ@@",
    "tel:+",
    "tel:[123",
    "https://wa.me/[12",
    "/cdn-cgi/l/email-protection#zz",
    "https://x.com/" + "a" * 5000,
    "\x00\ufffd\u202e",
    "data:image/png;base64,AAAA",
    "https://www.facebook.com/profile.php?id=",
    "{{ url }}",
]
TEMPLATES = [
    '<base href="{v}">',
    '<link rel="canonical" href="{v}">',
    '<link rel="icon apple-touch-icon" href="{v}" sizes="{v}">',
    '<meta property="og:image" content="{v}">',
    '<meta name="generator" content="{v}">',
    '<html lang="{v}">',
    '<a href="{v}">{v}</a>',
    '<span data-cfemail="{v}">x</span>',
    '<script type="application/ld+json">{{"@type": "Organization", "url": "{v}", "logo": '
    '{{"@id": "{v}"}}, "sameAs": ["{v}"], "email": "{v}", "telephone": "{v}", '
    '"address": ["{v}"], "contactPoint": "{v}"}}</script>',
]


def test_hostile_values_in_every_place_never_raise() -> None:
    rng = random.Random(11)
    for _ in range(300):
        parts = [
            rng.choice(TEMPLATES).format(v=rng.choice(HOSTILE_VALUES).replace('"', "&quot;"))
            for _ in range(rng.randint(1, 8))
        ]
        html = "".join(parts)
        for base in (BASE, "http://[bad/", ""):
            meta = extract_metadata(
                html, base, headers={"Content-Type": "text/html; charset=\ufffd"}
            )
            for url in (meta.canonical_url, meta.favicon_url, meta.logo_url):
                assert url is None or url.startswith(("http://", "https://"))
            assert all("@" in email for email in meta.emails)
