"""extract_metadata on every homepage of the shared corpus, against values read from the files.

Each row names a corpus file and what a person reading its HTML finds there. Keys left out of a
row mean "nothing": no generator, no JSON-LD organisation, no social profile, no email, no phone
- so a false positive on any page fails. ``tech`` lists technologies (name -> version) that must
be among those detected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scrapersky.web.html_meta import HomepageMetadata, extract_metadata

WP = "/wp-content/uploads"
GENTLEMEN: dict[str, Any] = {
    "title": "The Gentlemen's Brunch | A Christmas Tradition Serving the Community with a Smile",
    "language": "en-US",
    "description_startswith": "01. Gentlemen's BrunchGentlemen, you know what time it is",
    "canonical": "https://thegentlemenbrunch.com/",
    "favicon": f"https://thegentlemenbrunch.com{WP}/2021/12/cropped-favicon-32x32-1-32x32.png",
    "generator_startswith": "WordPress 6.7.2",
    "tech": {"WordPress": "6.7.2"},
}

CORPUS_HOMEPAGES: list[tuple[str, dict[str, Any]]] = [
    ("0install.net/index.html", {
        "title": "Zero Install", "language": "en",
        "description_startswith": "A decentralised cross-platform software installation system.",
        "canonical": "https://0install.net/", "favicon": "https://0install.net/logo/favicon.ico",
        "social": {"github": "https://github.com/0install"},
    }),
    ("1000kit.github.io/index.html", {
        "title": "Redirect Notice", "language": None, "description_startswith": None,
        "canonical": "https://1000kit.github.io/index/current/index.html", "favicon": None,
    }),
    ("360muslimexperts.com/index.html", {
        "title": "Home - 360 Muslim Experts", "language": "en-US",
        "description_startswith": "360 Muslim Experts connects professionals in Pakistan",
        "canonical": "https://360muslimexperts.com/index.html",
        "favicon": f"https://360muslimexperts.com{WP}/2024/12/cropped-cropped-360-logo-vector-new-sq-100x100.png",
        "generator_startswith": "WordPress 6.8.2",
        "tech": {"WordPress": "6.8.2", "WooCommerce": "10.0.4", "Elementor": "3.27.6"},
        "jsonld_type": "EducationalOrganization", "jsonld_name": "360 Muslim Experts",
        "social": {
            "facebook": "https://www.facebook.com/360MuslimExpertsPak",
            "instagram": "https://www.instagram.com/360_muslimexperts/",
            "x": "https://x.com/360muslimexpert",
            "youtube": "https://www.youtube.com/c/360MuslimExperts",
        },
        "phones": ["+923356222019"],  # JSON-LD contactPoint and a WhatsApp link
    }),
    ("734583594.github.io/mirrors.xjtu.edu.cn/index.html", {
        "title": "Home Page", "language": "zh-Hans", "description_startswith": None,
        "canonical": None, "favicon": None, "generator_startswith": "Gatsby 4.9.3",
        "tech": {"Gatsby": "4.9.3"},
    }),
    ("adultstherapy.com/index.html", {
        "title": "Adults and Couples Therapy of Oregon: Evidence-Based", "language": "en-US",
        "description_startswith": "Expert evidence-based therapy in Oregon",
        "canonical": "https://adultstherapy.com/",
        "favicon": f"https://adultstherapy.com{WP}/2022/10/cropped-Adults_and_Couples_Therapy_of_Oregon-1-32x32.png",
        "generator_startswith": "WordPress 6.7.1", "tech": {"WordPress": "6.7.1"},
        "jsonld_type": "HealthAndBeautyBusiness",
        "jsonld_name": "Adults and Couples Therapy of Oregon: Evidence-Based",
        "emails": ["elaine@adultstherapy.com"], "phones": ["+15413638817"],
    }),
    ("afiiif.github.io/kode-wilayah-dan-pos/index.html", {
        "title": "Cari kode wilayah dan kode pos dengan lebih mudah!", "language": "en",
        "description_startswith": "Cari kode wilayah, kode pos, atau nama wilayah administrasi",
        "canonical": "https://kode-wilayah-dan-pos.pages.dev/",
        "favicon": "https://afiiif.github.io/kode-wilayah-dan-pos/favicons/android-icon-192x192.png",
        "tech": {"Next.js": None},
    }),
    ("backbonejs.org/index.html", {
        "title": "Backbone.js", "language": None, "description_startswith": None,
        "canonical": "http://backbonejs.org", "favicon": None,
        "social": {"x": "http://twitter.com/evilchelu"},
    }),
    ("bdmamonotharhoma.co.il/index.html", {
        "title": "בית הדין לממונות | חומת שמואל", "language": "he",
        "description_startswith": "בית הדין לממונות חומת שמואל \u2013 עמוד נחיתה רשמי",
        "canonical": None, "favicon": None,
        "emails": ["bdmamonot.harhoma@gmail.com"], "phones": ["+972505994081"],
    }),
    ("blosc.org/index.html", {
        "title": "Blosc Main Blog Page", "language": "en",
        "description_startswith": "Blosc, an extremely fast, multi-threaded, meta-compressor",
        "canonical": "http://blosc.org/", "favicon": "https://blosc.org/blosc-favicon_16x16.png",
        "generator_startswith": "Nikola", "tech": {"Nikola": None},
        "emails": ["blosc@blosc.org"],
    }),
    ("capitalcitycontractors.ca/index.html", {
        "title": "Ottawa Painting, Drywall & Renovation Services | Capital City Contractors",
        "language": "en-CA",
        "description_startswith": "Capital City Contractors provides painting, drywall",
        "canonical": "https://capitalcitycontractors.ca/",
        "favicon": "https://capitalcitycontractors.ca/favicon-simple.svg",
        "jsonld_type": "GeneralContractor", "jsonld_name": "Capital City Contractors",
        "social": {
            "facebook": "https://www.facebook.com/profile.php?id=61553561804552",
            "instagram": "https://www.instagram.com/capitalcitycontractors_/",
        },
        "emails": ["info@capitalcitycontractors.ca"], "phones": ["+16133011311"],
    }),
    ("chai2010.cn/index.html", {
        "title": "chai2010 的博客", "language": "zh-CN",
        "description_startswith": "chai2010 的博客",
        "canonical": "https://chai2010.cn/", "favicon": "https://chai2010.cn/favicon-32x32.png",
        "generator_startswith": "Hugo 0.30.2", "tech": {"Hugo": "0.30.2"},
    }),
    ("coronavirus-bulgaria.org/index.html", {
        "title": "COVID-19 България | Информационен уебсайт за коронавируса в България",
        "language": "bg",  # no <html lang>: og:locale="bg"
        "description_startswith": "Актуална информация и графики",
        "canonical": "https://coronavirus-bulgaria.org",
        "favicon": "https://coronavirus-bulgaria.org/static/favicon/android-icon-192x192.png",
        "tech": {"Next.js": None},
    }),
    ("flink.apache.org/index.html", {
        "title": "Apache Flink® — Stateful Computations over Data Streams | Apache Flink",
        "language": "en", "description_startswith": "Recent Flink blogs Apache Flink CDC 3.2.0",
        "canonical": "https://flink.apache.org/", "favicon": "https://flink.apache.org/favicon.png",
        "generator_startswith": "Hugo 0.124.1", "tech": {"Hugo": "0.124.1"},
        "social": {"x": "https://twitter.com/apacheflink"},
    }),
    ("gd-terrasses.fr/index.html", {
        "title": "GD Terrasses - Création, Rénovation & Entretien de Terrasses en Bois",
        "language": "fr", "description_startswith": "GD Terrasses offre des services",
        "canonical": "https://gd-terrasses.fr/",
        "favicon": "https://gd-terrasses.fr/assets/img/favicon/favicon-32x32.png",
        "emails": ["contact@gd-terrasses.fr"],
        "phones": ["+33660230006"],  # "+33 6 60 23 00 06" in the text
    }),
    ("hydehandcrafted.com/index.html", {
        "title": "hyde Hand·Crafted",  # undeclared windows-1252 byte 0xB7
        "language": None, "description_startswith": "hyde Hand·Crafted provides hand crocheted",
        "canonical": None, "favicon": "https://hydehandcrafted.com/favicon.ico",
    }),
    ("iloveforensics.com/index.html", {
        "title": "0x157 - ?", "language": "en", "description_startswith": "0x157 - ?",
        "canonical": None, "favicon": "https://iloveforensics.com/favicon/favicon-light-32.png",
        "generator_startswith": "Astro v4.9.2", "tech": {"Astro": "4.9.2"},
        "social": {"github": "https://github.com/0x157"},
    }),
    ("ozarks.cgnnews.net/index.html", {
        "title": "The Ozark Gazette | Ozark News, Weather, Sports and Traffic", "language": "en",
        "description_startswith": "The Ozark Gazette delivers local news",
        "canonical": "https://ozarks.cgnnews.net/", "favicon": "https://ozarks.cgnnews.net/favicon.ico",
        "social": {"youtube": "https://www.youtube.com/@CookGlobalNews"},
    }),
    ("pedramazimini-pixel.github.io/sitemap-hosting/index.html", {
        "title": "Sitemap Mirror", "language": "en", "description_startswith": None,
        "canonical": None, "favicon": None,
    }),
    ("phillyvotebymail.org/index.html", {
        "title": "Vote Philly!", "language": "en-US", "description_startswith": None,
        "canonical": None,
        "favicon": f"https://phillyvotebymail.org{WP}/2020/10/cropped-favicon-2-32x32.jpg",
        "generator_startswith": "WordPress 5.5.1",
        "tech": {"WordPress": "5.5.1", "Elementor": None, "Everest Forms": "1.7.1"},
        "social": {
            "facebook": "https://www.facebook.com/phillyvotebymail",
            "x": "https://twitter.com/phillyvotemail",
            "instagram": "https://www.instagram.com/phillyvotebymail/",
        },
    }),
    ("silverprice.win/index.html", {
        "title": "SilverPrice.win - Live Silver, Gold & Metal Prices", "language": "en",
        "description_startswith": "Live precious metal prices - Silver, Gold, Platinum",
        "canonical": "https://silverprice.win/", "favicon": "https://silverprice.win/favicon.ico",
    }),
    ("streamhouseassociation.org/index.html", {
        "title": "Stream House Community", "language": "en-US",
        "description_startswith": "Official Community Information", "canonical": None,
        "favicon": "https://streamhouseassociation.org/wp-content/themes/CustomDesign/favicon.ico",
        "tech": {"WordPress": None},  # static export: only /wp-content/ asset paths tell
    }),
    ("theflightline.news/index.html", {
        "title": "The Flightline — Pensacola, FL", "language": "en",
        "description_startswith": "Pensacola's civic news source.", "canonical": None,
        "favicon": "https://theflightline.news/favicon.ico",
        "emails": ["theflightline@protonmail.com"],  # placeholder="you@email.com" is not read
    }),
    ("thegentlemenbrunch.com/index.html", GENTLEMEN),
    ("thegentlemenbrunch.com/sitemap.xml/index.html", GENTLEMEN),
    ("thegentlemenbrunch.com/sitemap_index.xml/index.html", GENTLEMEN),
    ("trackboxoffice.com/index.html", {
        "title": "Track BO - Pan India collection reports", "language": "en",
        "description_startswith": "Track BO or trackboxoffice.com is a webiste", "canonical": None,
        "favicon": "https://trackboxoffice.com/images/icon-1.ico",
        "social": {"x": "https://twitter.com/TrackBO_"},
        "emails": ["boxofficetrackindia@gmail.com"],  # in a Gmail compose link: ?to=...
    }),
    ("voooova.github.io/svoy-teatr/index.html", {
        "title": "Свой", "language": "ru", "description_startswith": "Независимый театр в Москве.",
        "canonical": "https://voooova.github.io/svoy-teatr/",
        "favicon": "https://voooova.github.io/svoy-teatr/favicon.ico",
        "tech": {"Astro": None}, "jsonld_type": "TheaterGroup", "jsonld_name": "Театр «Свой»",
        "emails": ["svoytheatr@gmail.com"],
    }),
    ("www.altcointrading.net/index.html", {
        "title": "AltcoinTrading.NET - ATNET Trading strategies, crypto trading glossary, OPSEC "
        "primers, airdrops & early opportunities. Value is where the crowd isn't.",
        "language": "en", "description_startswith": "ATNET cryptocurrency trading strategies",
        "canonical": "https://www.altcointrading.net/",
        "favicon": "https://www.altcointrading.net/img/favicon.ico",
        "logo": "https://res.cloudinary.com/atnetcloud/image/upload/v1605065641/_branding/atnet-logo.png",
        "jsonld_type": "Organization", "jsonld_name": "AltcoinTrading.NET",
        "social": {
            "linkedin": "https://www.linkedin.com/company/altcointradingnet/",
            "x": "https://twitter.com/altcointrading_",
            "facebook": "https://www.facebook.com/Altcoin-Trading-World-Network-201445543927265/",
        },
        "phones": ["+595216207326"],  # JSON-LD "telephone": "+595 21 620 7326"
    }),
    ("www.energypricestoday.com/index.html", {
        "title": "Oil Prices Today, Gas Prices by State, Energy Geopolitics | EnergyPricesToday",
        "language": "en", "description_startswith": "Today's oil prices, U.S. gas prices by state",
        "canonical": "https://www.energypricestoday.com/",
        "favicon": "https://www.energypricestoday.com/images/favicon.ico?v=2",
        "logo": "https://www.energypricestoday.com/images/logo.png",
        "jsonld_type": "NewsMediaOrganization", "jsonld_name": "EnergyPricesToday.com",
    }),
    ("www.jardins-de-la-chaudeau.fr/index.html", {
        "title": "AMAP des jardins de la Chaudeau \u2013 Pour une alimentation saine, durable et "
        "respectueuse",
        "language": "fr-FR", "description_startswith": None, "canonical": None,
        "favicon": "https://www.jardins-de-la-chaudeau.fr/wp-content/uploads/2017/02/cropped-LOGO-1-32x32.png",
        "generator_startswith": "WordPress 6.9.4", "tech": {"WordPress": "6.9.4"},
        "emails": ["contact@jardins-de-la-chaudeau.fr"],  # plain text, no mailto
    }),
    ("www.likeabossa.com/index.html", {
        "title": "Like a Bossa - Live Jazz and Latin Band", "language": "en",
        "description_startswith": "Like A Bossa is a band that plays live jazz", "canonical": None,
        "favicon": "https://www.likeabossa.com/favicon.ico",
        "social": {  # pinterest.com/source/... is not a profile
            "facebook": "https://www.facebook.com/dan.caspers",
            "linkedin": "https://www.linkedin.com/in/danielcaspers",
            "github": "https://github.com/DanielCaspers",
        },
    }),
    ("www.mkdocs.org/index.html", {
        "title": "MkDocs", "language": "en",
        "description_startswith": "Project documentation with Markdown.",
        "canonical": "https://www.mkdocs.org/", "favicon": "https://www.mkdocs.org/img/favicon.ico",
        "social": {"x": "https://twitter.com/starletdreaming"},
    }),
    ("www.propertycleanupllc.com/index.html", {
        "title": "Yard Cleanup and Pressure Washing in Alpharetta, GA | Property Cleanup",
        "language": "en-US", "description_startswith": "We'll deep clean and pressure wash",
        "canonical": "https://www.propertycleanupllc.com/",
        "favicon": f"https://www.propertycleanupllc.com{WP}/2020/07/fav-icon-PC.png",
        "logo": f"https://www.propertycleanupllc.com{WP}/2020/09/property-cleanup-logo.png",
        "generator_startswith": "Divi v.4.25.0",
        "tech": {"WordPress": "6.5.3", "Divi": "4.25.0", "Cloudflare": None},
        "jsonld_type": "Organization", "jsonld_name": "Property Cleanup LLC",
        "social": {"facebook": "https://www.facebook.com/propertycleanupllc"},
        "emails": ["service@propertycleanupllc.com"], "phones": ["+17703353900"],
    }),
    ("www.python-httpx.org/index.html", {
        "title": "HTTPX", "language": "en",
        "description_startswith": "A next-generation HTTP client for Python.",
        "canonical": "https://www.python-httpx.org/",
        "favicon": "https://www.python-httpx.org/assets/images/favicon.png",
        "generator_startswith": "mkdocs-1.6.1",
        "tech": {"MkDocs": "1.6.1", "Material for MkDocs": "9.5.47"},
    }),
    ("www.xn--saint-gilles-vieux-march-yfc.net/index.html", {
        "title": "saint-gilles-vieux-marché.net", "language": "fr-FR",
        "description_startswith": None,
        "canonical": "https://www.xn--saint-gilles-vieux-march-yfc.net/", "favicon": None,
        "generator_startswith": "WordPress 6.5.8", "tech": {"WordPress": "6.5.8"},
    }),
]  # fmt: skip


def _base_url(relative: str) -> str:
    host, _, rest = relative.partition("/")
    folder = rest.rsplit("/", 1)[0] + "/" if "/" in rest else ""
    return f"https://{host}/{folder}"


def _extract(corpus_dir: Path, relative: str) -> HomepageMetadata:
    path = corpus_dir / "sites" / relative
    return extract_metadata(path.read_bytes(), _base_url(relative))


def test_table_covers_every_corpus_homepage(corpus_dir: Path) -> None:
    on_disk = {
        str(path.relative_to(corpus_dir / "sites"))
        for path in corpus_dir.glob("sites/**/index.html")
    }
    assert on_disk == {relative for relative, _ in CORPUS_HOMEPAGES}


@pytest.mark.parametrize(
    ("relative", "expected"), CORPUS_HOMEPAGES, ids=[r for r, _ in CORPUS_HOMEPAGES]
)
def test_corpus_homepage(corpus_dir: Path, relative: str, expected: dict[str, Any]) -> None:
    meta = _extract(corpus_dir, relative)

    assert meta.title == expected["title"]
    assert meta.language == expected["language"]
    assert meta.canonical_url == expected["canonical"]
    assert meta.favicon_url == expected["favicon"]
    if expected["description_startswith"] is None:
        assert meta.description is None
    else:
        assert meta.description is not None
        assert meta.description.startswith(expected["description_startswith"])
    generator = expected.get("generator_startswith")
    if generator is None:
        assert meta.generator is None
    else:
        assert meta.generator is not None
        assert meta.generator.startswith(generator)
    detected = {tech["name"]: tech["version"] for tech in meta.tech}
    for name, version in expected.get("tech", {}).items():
        assert name in detected, f"{name} not detected in {sorted(detected)}"
        assert detected[name] == version
    if "logo" in expected:
        assert meta.logo_url == expected["logo"]
    if expected.get("jsonld_type") is None:
        assert meta.jsonld is None
    else:
        assert meta.jsonld is not None
        assert meta.jsonld["type"] == expected["jsonld_type"]
        assert meta.jsonld["name"] == expected["jsonld_name"]
    assert meta.social == expected.get("social", {})
    assert meta.emails == expected.get("emails", [])
    assert meta.phones == expected.get("phones", [])


def test_to_dict_is_json_ready(corpus_dir: Path) -> None:
    import json

    meta = _extract(corpus_dir, "adultstherapy.com/index.html")
    data = json.loads(json.dumps(meta.to_dict()))
    assert data["jsonld"]["address"] == {
        "addressLocality": "Klamath Falls",
        "addressRegion": "OR",
        "postalCode": "97601",
        "addressCountry": "US",
    }
    assert data["tech"][0] == {
        "name": "WordPress",
        "version": "6.7.1",
        "evidence": "meta generator",
    }


def test_cloudflare_protected_email_on_corpus_page(corpus_dir: Path) -> None:
    """The page's only data-cfemail decodes to the same address as its mailto link."""
    from scrapersky.web.contacts import decode_cfemail

    html = (corpus_dir / "sites/www.propertycleanupllc.com/index.html").read_text("utf-8")
    marker = 'data-cfemail="'
    start = html.index(marker) + len(marker)
    assert decode_cfemail(html[start : html.index('"', start)]) == "service@propertycleanupllc.com"
