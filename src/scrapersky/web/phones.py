"""Phone numbers found on a page, as E.164 strings (``+15413638817``), via ``phonenumbers``.

    region = phone_region("https://shop.example.co.il/", "he", "US")  # "IL"
    phone_from_tel("tel:613-301-1311", "CA")  # "+16133011311"

Region for numbers written without a country code: the site's country-code TLD (``.fr`` ->
FR, ``.co.il`` -> IL, ``.uk`` -> GB; vanity ccTLDs such as ``.io``, ``.co``, ``.tv`` and
``.me`` do not count), else the region subtag of the page language (``fr-FR`` -> FR), else
the caller's default. ``tel:`` links are trusted: a *possible* number is kept. Text is
scanned with ``PhoneNumberMatcher`` at leniency VALID, and only around digit runs that could
be a number at all, so megabytes of prose cost little; at most ``MAX_CANDIDATES`` matcher
calls per page, so a wall of numbers costs bounded time. A text match that is one bare run of
8+ digits with no ``+``, bracket or separator (an order number, a timestamp) is dropped, as is
anything next to a currency sign.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import phonenumbers

from scrapersky.web.domains import registrable_domain

_VANITY_CCTLDS = frozenset(
    {
        "io",
        "co",
        "tv",
        "me",
        "ai",
        "fm",
        "ws",
        "cc",
        "to",
        "nu",
        "sh",
        "ac",
        "gg",
        "la",
        "so",
        "vc",
        "ly",
    }
)
_TLD_TO_REGION = {
    "uk": "GB",
    "xn--p1ai": "RU",
    "su": "RU",
    "xn--fiqs8s": "CN",
    "xn--fiqz9s": "CN",
    "xn--j6w193g": "HK",
    "xn--3e0b707e": "KR",
    "xn--wgbh1c": "EG",
    "xn--mgbaam7a8h": "AE",
    "xn--90ais": "BY",
    "xn--j1amh": "UA",
    "xn--h2brj9c": "IN",
}
# A run that might be a phone number: digits with the separators people write.
_CANDIDATE = re.compile(
    r"[+(\uff0b]?[0-9\uff10-\uff19][0-9\uff10-\uff19 ().\-/\u00a0\u2010-\u2015]{5,24}[0-9]"
)
_CURRENCY = frozenset("$€£¥₹₽₪¢")
_SEPARATORS = frozenset(" ()-./+\u00a0")
CONTEXT_CHARS = 3
MAX_CANDIDATES = 1000  # matcher calls per page: at most about 0.5 s


def phone_region(page_url: str, language: str | None, default: str) -> str:
    """The region used to read numbers written without a country code."""
    try:
        host = (urlsplit(page_url).hostname or "").rstrip(".")
    except ValueError:
        host = ""
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if tld and registrable_domain(host) is not None:
        region = _TLD_TO_REGION.get(tld)
        if region is None and len(tld) == 2 and tld.isalpha() and tld not in _VANITY_CCTLDS:
            region = tld.upper()
        if region in phonenumbers.SUPPORTED_REGIONS:
            return region
    if language:
        for subtag in re.split(r"[-_]", language)[1:]:
            if len(subtag) == 2 and subtag.upper() in phonenumbers.SUPPORTED_REGIONS:
                return subtag.upper()
    default = default.upper()
    return default if default in phonenumbers.SUPPORTED_REGIONS else "US"


def phone_from_tel(href: str, region: str) -> str | None:
    """E.164 for a ``tel:`` link (or a bare number from structured data), else None."""
    value = unquote(href.strip())
    if value[:4].lower() == "tel:":
        value = value[4:]
    value = re.split(r"[;,]|\bext\b", value, maxsplit=1, flags=re.I)[0].strip()
    if not value or len(value) > 40 or sum(ch.isdigit() for ch in value) < 5:
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones_in_text(text: str, region: str, limit: int) -> Iterator[str]:
    """E.164 numbers written in running text, in order of appearance (may repeat).

    A digit run that yields nothing is tried once more without its last and without its first
    space-separated group: text from neighbouring elements can run into a number
    (``+61 412 194 033 9 Queen St``). At most ``MAX_CANDIDATES`` matcher calls are made, so
    a page that is a wall of numbers costs a bounded time (the rest is not read for phones).
    """
    found = 0
    tried: set[str] = set()
    for candidate in _CANDIDATE.finditer(text):
        start, end = candidate.span()
        before = text[max(0, start - CONTEXT_CHARS) : start]
        if before.rstrip()[-1:] in _CURRENCY:
            continue
        windows = [text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS]]
        groups = candidate.group().split()
        if len(groups) > 2:
            windows += [" ".join(groups[:-1]), " ".join(groups[1:])]
        for window in windows:
            if window in tried:
                continue
            if len(tried) >= MAX_CANDIDATES:
                return
            tried.add(window)
            numbers = _valid_numbers(window, region)
            for number in numbers:
                yield number
                found += 1
                if found >= limit:
                    return
            if numbers:
                break


def _valid_numbers(window: str, region: str) -> list[str]:
    return [
        phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        for match in phonenumbers.PhoneNumberMatcher(
            window, region, leniency=phonenumbers.Leniency.VALID
        )
        if _looks_written_as_phone(match.raw_string)
    ]


def _looks_written_as_phone(raw: str) -> bool:
    if raw.startswith(("+", "(", "\uff0b")):
        return True
    digits = sum(ch.isdigit() for ch in raw)
    return digits < 8 or any(ch in _SEPARATORS for ch in raw)
