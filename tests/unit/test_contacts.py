"""extract_contacts / clean_email / classify_email / phone helpers on hand-written pages."""

from __future__ import annotations

import random

import pytest

from scrapersky.web.contacts import (
    MAX_TEXT_CHARS,
    clean_email,
    decode_cfemail,
    extract_contacts,
)
from scrapersky.web.email_types import classify_email, free_email_providers
from scrapersky.web.phones import phone_from_tel, phone_region

URL = "https://www.acme-widgets.com/contact"


def cf_encode(email: str, key: int = 0x5A) -> str:
    """Cloudflare's scheme: a key byte, then every UTF-8 byte of the address XOR the key."""
    return f"{key:02x}" + "".join(f"{byte ^ key:02x}" for byte in email.encode("utf-8"))


def emails(body: str, url: str = URL) -> list[str]:
    return extract_contacts(f"<html><body>{body}</body></html>", url).emails


def phones(body: str, url: str = URL, region: str = "US") -> list[str]:
    html = f"<html><body>{body}</body></html>"
    return extract_contacts(html, url, default_region=region).phones


# --- emails: where they are found ---------------------------------------------------------


def test_mailto_link_with_query_and_percent_encoding() -> None:
    body = '<a href="mailto:Sales%40Acme-Widgets.com?subject=Hi">write</a>'
    assert emails(body) == ["sales@acme-widgets.com"]


def test_mailto_with_two_addresses() -> None:
    assert emails('<a href="mailto:a@acme-widgets.com,b@acme-widgets.com">x</a>') == [
        "a@acme-widgets.com",
        "b@acme-widgets.com",
    ]


def test_plain_text_email_and_trailing_sentence_dot() -> None:
    assert emails("<p>Write to info@acme-widgets.com.</p>") == ["info@acme-widgets.com"]


@pytest.mark.parametrize(
    "written",
    [
        "jane [at] acme-widgets [dot] com",
        "jane(at)acme-widgets(dot)com",
        "jane {at} acme-widgets {dot} com",
        "jane [ at ] acme-widgets [ dot ] com",
        "jane[at]acme-widgets.com",
        "jane (AT) acme-widgets (DOT) com",
        "jane[@]acme-widgets[.]com",
        "jane&#64;acme-widgets.com",
        "jane&#x40;acme-widgets&#46;com",
    ],
)
def test_obfuscated_forms(written: str) -> None:
    assert emails(f"<p>Mail: {written} today</p>") == ["jane@acme-widgets.com"]


def test_text_of_adjacent_elements_is_not_glued_together() -> None:
    body = "<div><b>Contact</b></div><div>info@acme-widgets.com</div><td>Sales</td><td>x</td>"
    assert emails(body) == ["info@acme-widgets.com"]


def test_unbracketed_at_and_dot_in_prose_are_not_emails() -> None:
    assert emails("<p>Meet jane at acme dot com booth, or see us at noon dot com.</p>") == []


def test_cloudflare_data_cfemail_is_decoded() -> None:
    encoded = cf_encode("hello@acme-widgets.com")
    body = f'<a href="#"><span class="__cf_email__" data-cfemail="{encoded}">[email]</span></a>'
    assert emails(body) == ["hello@acme-widgets.com"]


def test_cloudflare_email_protection_link_is_decoded() -> None:
    hex_text = cf_encode("press@acme-widgets.com", key=0x13)
    body = f'<a href="/cdn-cgi/l/email-protection#{hex_text}">email us</a>'
    assert emails(body) == ["press@acme-widgets.com"]


def test_cfemail_garbage_is_ignored() -> None:
    assert decode_cfemail("zz-not-hex") is None
    assert decode_cfemail("") is None
    assert decode_cfemail("5a") is None
    assert decode_cfemail("5a" + "ff" * 3) is None  # decodes to bytes that are not UTF-8


def test_email_in_link_query_string() -> None:
    body = '<a href="https://mail.google.com/mail/?view=cm&to=owner@acme-widgets.com">mail</a>'
    assert emails(body) == ["owner@acme-widgets.com"]


def test_json_ld_email_and_telephone() -> None:
    body = """<script type="application/ld+json">
    {"@type": "LocalBusiness", "email": "mailto:desk@acme-widgets.com",
     "telephone": "(415) 555-2671"}
    </script>"""
    found = extract_contacts(f"<html><body>{body}</body></html>", URL)
    assert found.emails == ["desk@acme-widgets.com"]
    assert found.phones == ["+14155552671"]


def test_scripts_styles_and_attributes_are_not_scanned() -> None:
    body = """
    <script>var dsn = "ops@acme-widgets.com";</script>
    <style>/* css@acme-widgets.com */</style>
    <input type="email" placeholder="someone@acme-widgets.com">
    <meta name="author" content="designer@acme-widgets.com">
    """
    assert emails(body) == []


def test_order_is_links_then_text_and_duplicates_are_dropped() -> None:
    body = "<p>TEXT@acme-widgets.com</p>"
    body += '<a href="mailto:link@acme-widgets.com">link@acme-widgets.com</a>'
    body += "<p>Text@Acme-Widgets.com</p>"
    assert emails(body) == ["link@acme-widgets.com", "text@acme-widgets.com"]


# --- emails: false positives -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "logo@2x.png",
        "image@3x.jpg",
        "hero@2x.webp",
        "icon@1.5x.svg",
        "banner@2x.zip",  # .zip is a real TLD, still an asset name
        "user@example.com",
        "info@example.org",
        "hello@example.co.uk",
        "you@yourdomain.com",
        "someone@acme-widgets.com",  # placeholder local part
        "your.name@acme-widgets.com",
        "admin@domain.com",
        "aos@2.3.1",
        "respond.js@1.4.2",
        "d41d8cd98f00b204e9800998ecf8427e@o12345.ingest.sentry.io",
        "605a7baede844d278b89dc95ae0a9123@sentry-next.wixpress.com",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90@acme-widgets.com",  # hashed local on a real domain
        "name@localhost",
        "name@intranet",
        "name@acme.invalidtld",
        "a..b@acme-widgets.com",
        "name@-bad-.com",
    ],
)
def test_false_positive_is_rejected(text: str) -> None:
    assert clean_email(text) is None
    assert emails(f"<p>{text}</p>") == []


def test_idn_email_domain_is_stored_as_punycode() -> None:
    assert clean_email("info@straße.de") == "info@xn--strae-oqa.de"
    assert emails("<p>contact: info@bücher.de</p>") == ["info@xn--bcher-kva.de"]


def test_many_at_signs_and_a_huge_line_are_bounded() -> None:
    hostile = "@" * 300_000 + "a" * 300_000 + "@" + "b." * 1000
    assert emails(f"<p>{hostile}</p>") == []


# --- phones ------------------------------------------------------------------------------


def test_tel_links_become_e164() -> None:
    body = '<a href="tel:+1-541-363-8817">call</a> <a href="tel:(613)%20301-1311">call</a>'
    assert phones(body) == ["+15413638817", "+16133011311"]


def test_tel_link_extension_and_garbage() -> None:
    body = (
        '<a href="tel:+14155552671;ext=12">a</a><a href="tel:call-us">b</a><a href="tel:12">c</a>'
    )
    assert phones(body) == ["+14155552671"]


def test_whatsapp_link() -> None:
    body = '<a href="https://wa.me/447911123456">chat</a>'
    body += '<a href="https://api.whatsapp.com/send?phone=+33612345678&text=hi">chat</a>'
    assert phones(body) == ["+447911123456", "+33612345678"]


def test_text_numbers_use_the_site_region() -> None:
    text = "<p>Appelez le 01 42 68 53 00 ou le 06 60 23 00 06.</p>"
    assert phones(text, url="https://www.boulangerie.fr/") == ["+33142685300", "+33660230006"]
    assert phones("<p>Call 020 7946 0958</p>", url="https://shop.example-shop.co.uk/") == [
        "+442079460958"
    ]


def test_region_falls_back_to_page_language_then_default() -> None:
    html = '<html lang="fr-FR"><body><p>Tél. 01 42 68 53 00</p></body></html>'
    assert extract_contacts(html, "https://atelier.github.io/").phones == ["+33142685300"]
    html = "<html><body><p>Tel. 030 123456789</p></body></html>"
    assert extract_contacts(html, "https://x.com/", default_region="DE").phones == [
        "+4930123456789"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Founded in 2019, renovated 2021-2023.",
        "Prices from $1,299.00 to $2,499.99 and $5551234567.",
        "Ship to Beverly Hills, CA 90210 or 10001-4356.",
        "Order #20240611123456 confirmed",
        "ISBN 978-3-16-148410-0",
        "Invoice 4155552671",  # a bare run of digits with no separator
        "Coordinates 46.330686255356085, 6.271325753995643",
    ],
)
def test_years_prices_zip_codes_and_ids_are_not_phones(text: str) -> None:
    assert phones(f"<p>{text}</p>") == []


def test_same_number_written_twice_is_one_phone() -> None:
    body = '<a href="tel:+15413638817">+1 541-363-8817</a><p>or (541) 363-8817</p>'
    assert phones(body, url="https://adultstherapy.com/") == ["+15413638817"]


@pytest.mark.parametrize(
    ("url", "language", "region"),
    [
        ("https://www.boulangerie.fr/", None, "FR"),
        ("https://bdmamonotharhoma.co.il/", "he", "IL"),
        ("https://capitalcitycontractors.ca/", "en-CA", "CA"),
        ("https://shop.example-shop.co.uk/", None, "GB"),
        ("https://startup.io/", "en-GB", "GB"),  # .io is a vanity TLD: language decides
        ("https://voooova.github.io/svoy-teatr/", "ru", "US"),  # no region subtag: default
        ("https://www.xn--e1afmkfd.xn--p1ai/", None, "RU"),
        ("https://example-shop.com/", "fr-FR", "FR"),
    ],
)
def test_phone_region(url: str, language: str | None, region: str) -> None:
    assert phone_region(url, language, "US") == region


def test_phone_from_tel_needs_a_possible_number() -> None:
    assert phone_from_tel("tel:+972505994081", "US") == "+972505994081"
    assert phone_from_tel("tel:abc", "US") is None
    assert phone_from_tel("tel:+1 234", "US") is None


# --- size caps ---------------------------------------------------------------------------


def test_huge_text_is_scanned_at_head_and_tail_only() -> None:
    filler = "<p>" + "word " * (MAX_TEXT_CHARS // 5) + "</p>"
    body = f"<p>early@acme-widgets.com</p>{filler}<p>middle@acme-widgets.com</p>{filler}"
    body += "<footer>late@acme-widgets.com</footer>"
    html = f"<html><body>{body}</body></html>"
    assert extract_contacts(html, URL).emails == ["early@acme-widgets.com", "late@acme-widgets.com"]


def test_a_wall_of_numbers_is_bounded_and_links_still_count() -> None:
    rng = random.Random(3)
    wall = " ".join(f"{rng.randrange(1000)} {rng.randrange(10_000)}" for _ in range(150_000))
    html = f'<html><body><a href="tel:+14155552671">call</a><p>{wall}</p></body></html>'
    found = extract_contacts(html, URL)
    assert found.phones[0] == "+14155552671"
    assert len(found.phones) <= 50


def test_bytes_input_uses_the_declared_charset_and_to_dict() -> None:
    html = "<html><body><p>Écrivez à équipe: contact@acme-widgets.com</p></body></html>"
    found = extract_contacts(
        html.encode("cp1252"), URL, content_type="text/html; charset=windows-1252"
    )
    assert found.to_dict() == {"emails": ["contact@acme-widgets.com"], "phones": []}


# --- classification ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "site", "expected"),
    [
        ("noreply@acme-widgets.com", "acme-widgets.com", "service"),
        ("no-reply@mailer.acme-widgets.com", "acme-widgets.com", "service"),
        ("do-not-reply@acme-widgets.com", "acme-widgets.com", "service"),
        ("postmaster@gmail.com", "acme-widgets.com", "service"),  # service wins over free
        ("MAILER-DAEMON@acme-widgets.com", "acme-widgets.com", "service"),
        ("noreply+alerts@acme-widgets.com", "acme-widgets.com", "service"),
        ("jane@gmail.com", "acme-widgets.com", "free"),
        ("bdmamonot.harhoma@gmail.com", "bdmamonotharhoma.co.il", "free"),
        ("theflightline@protonmail.com", "theflightline.news", "free"),
        ("someone@yahoo.co.uk", "acme-widgets.co.uk", "free"),
        ("jane@gmail.com", "gmail.com", "free"),  # free wins over corporate
        ("info@acme-widgets.com", "acme-widgets.com", "corporate"),
        ("info@acme-widgets.com", "www.acme-widgets.com", "corporate"),
        ("sales@eu.acme-widgets.com", "shop.acme-widgets.com", "corporate"),
        ("info@example.co.uk", "www.example.co.uk", "corporate"),
        ("me@1000kit.github.io", "1000kit.github.io", "corporate"),
        ("me@other.github.io", "1000kit.github.io", "unknown"),  # github.io is a public suffix
        ("info@supplier.com", "acme-widgets.com", "unknown"),
        ("not-an-email", "acme-widgets.com", "unknown"),
        ("info@intranet", "acme-widgets.com", "unknown"),
    ],
)
def test_classify_email(email: str, site: str, expected: str) -> None:
    assert classify_email(email, site) == expected


def test_free_provider_list_is_loaded_and_clean() -> None:
    providers = free_email_providers()
    assert {"gmail.com", "outlook.com", "yahoo.com", "protonmail.com", "gmx.de"} <= providers
    assert all(domain == domain.strip().lower() and "." in domain for domain in providers)
    assert "zoho.com" not in providers  # business mail hosting is not "free"
