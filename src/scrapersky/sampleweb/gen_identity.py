"""Who a generated site is: name, host, country, platform, phones, emails, social profiles.

ident = build_identity(seed=1, index=42, width=4, scheme="https")
ident.domain, ident.platform.key  # ("bluefinch-plumbing-0042.com", "wordpress")
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import phonenumbers

from .gen_vocab import (
    AGENCIES,
    COUNTRIES,
    FREE_PROVIDERS_BY_LANG,
    LANGUAGES,
    SOCIAL_PLATFORMS,
    UNKNOWN_LOCALS,
    Country,
    Language,
    NameWord,
    Trade,
)


@dataclass(frozen=True)
class Platform:
    key: str
    generator: str | None
    tech: tuple[str, ...]
    trailing_slash: bool
    shop: bool


# key, weight, generator templates, tech, trailing slash, shop
_PLATFORMS: tuple[tuple[str, int, tuple[str | None, ...], tuple[str, ...], bool, bool], ...] = (
    ("wordpress", 26, ("WordPress 6.3.2", "WordPress 6.4.3", "WordPress 6.5.2"),
     ("WordPress", "jQuery"), True, False),
    ("woocommerce", 8, ("WordPress 6.4.3", "WordPress 6.5.2"),
     ("WordPress", "WooCommerce", "jQuery"), True, True),
    ("shopify", 8, (None,), ("Shopify",), False, True),
    ("wix", 8, ("Wix.com Website Builder",), ("Wix",), False, False),
    ("squarespace", 7, (None,), ("Squarespace",), False, False),
    ("hugo", 6, ("Hugo 0.121.1", "Hugo 0.123.7"), ("Hugo",), True, False),
    ("ghost", 4, ("Ghost 5.75", "Ghost 5.82"), ("Ghost",), True, False),
    ("joomla", 4, ("Joomla! - Open Source Content Management",), ("Joomla",), False, False),
    ("drupal", 4, ("Drupal 10 (https://www.drupal.org)",), ("Drupal",), False, False),
    ("webflow", 5, ("Webflow",), ("Webflow",), False, False),
    ("nextjs", 5, (None,), ("Next.js", "React"), False, False),
    ("static", 15, (None,), (), False, False),
)  # fmt: skip


@dataclass(frozen=True)
class Identity:
    index: int
    country: Country
    lang: Language
    trade: Trade
    word: NameWord
    name: str
    domain: str
    canonical_host: str
    base_url: str
    platform: Platform
    city: str
    founded: int


def _pick_country(rng: random.Random) -> Country:
    return rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]


def site_domain(seed: int, index: int, width: int) -> str:
    """The registrable host of site ``index``; cheap, so a 10,000-site list is instant."""
    rng = random.Random(f"{seed}:{index}:name")
    country = _pick_country(rng)
    lang = LANGUAGES[country.lang]
    trade = rng.choice(lang.trades)
    word = rng.choice(lang.words)
    if word.compound:
        label = f"{word.slug}{trade.slug}"
    elif lang.trade_first:
        label = f"{trade.slug}-{word.slug}"
    else:
        label = f"{word.slug}-{trade.slug}"
    return f"{label}-{index:0{width}d}.{country.suffix}"


def build_identity(seed: int, index: int, width: int, scheme: str) -> Identity:
    rng = random.Random(f"{seed}:{index}:name")
    country = _pick_country(rng)
    lang = LANGUAGES[country.lang]
    trade = rng.choice(lang.trades)
    word = rng.choice(lang.words)
    if word.compound:
        name = f"{word.display}{trade.name.lower()}"
    elif lang.trade_first:
        name = f"{trade.name} {word.display}"
    else:
        name = f"{word.display} {trade.name}"
    domain = site_domain(seed, index, width)
    more = random.Random(f"{seed}:{index}:identity")
    # Every site answers on www.<domain> too, but its own links all use the bare domain, so
    # relative URLs resolve the same wherever a crawler starts.
    canonical_host = domain
    key, _, generators, tech, slash, shop = more.choices(
        _PLATFORMS, weights=[p[1] for p in _PLATFORMS]
    )[0]
    platform = Platform(key, more.choice(generators), tech, slash, shop)
    return Identity(
        index=index,
        country=country,
        lang=lang,
        trade=trade,
        word=word,
        name=name,
        domain=domain,
        canonical_host=canonical_host,
        base_url=f"{scheme}://{canonical_host}",
        platform=platform,
        city=more.choice(country.cities),
        founded=more.randrange(1962, 2020),
    )


def make_phone(rng: random.Random, region: str, mobile: bool, taken: set[str]) -> str:
    """A phone number valid for ``region`` (per phonenumbers), as E.164, not in ``taken``."""
    kind = (
        phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
    )
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:  # pragma: no cover - every region we use has examples
        raise ValueError(f"phonenumbers has no example number for {region}")
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    prefix_len = len(str(example.country_code)) + 1
    national = e164[prefix_len:]
    keep = max(2, len(national) // 2 - 1)
    for _ in range(200):
        tail = "".join(rng.choice("0123456789") for _ in range(len(national) - keep))
        candidate = phonenumbers.parse(e164[:prefix_len] + national[:keep] + tail)
        value = phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
        if (
            value not in taken
            and phonenumbers.is_valid_number(candidate)
            and phonenumbers.region_code_for_number(candidate) == region
        ):
            taken.add(value)
            return value
    raise RuntimeError(f"could not draw a valid {region} phone number")  # pragma: no cover


def free_email(rng: random.Random, ident: Identity) -> str:
    first = rng.choice(ident.lang.first_names)
    last = rng.choice(ident.lang.last_names)
    provider = rng.choice(FREE_PROVIDERS_BY_LANG[ident.lang.code])
    style = rng.randrange(3)
    if style == 0:
        local = f"{first}.{last}{rng.randrange(10, 9999)}"
    elif style == 1:
        local = f"{ident.word.slug.replace('-', '')}{ident.trade.slug.replace('-', '')}"
    else:
        local = f"{first[0]}{last}{rng.randrange(1960, 2005)}"
    return f"{local}@{provider}"


def unknown_email(rng: random.Random) -> tuple[str, str]:
    """(agency display name, address at the agency's domain)."""
    agency, domain = rng.choice(AGENCIES)
    return agency, f"{rng.choice(UNKNOWN_LOCALS)}@{domain}"


def social_profiles(rng: random.Random, ident: Identity) -> dict[str, str]:
    handle = ident.domain.split(".")[0].rsplit("-", 1)[0]
    compact = handle.replace("-", "")
    count = rng.choice((0, 1, 2, 2, 3, 3, 4, 5))
    chosen = [p for p in SOCIAL_PLATFORMS if p in rng.sample(SOCIAL_PLATFORMS, count)]
    urls = {
        "facebook": f"https://www.facebook.com/{compact}",
        "instagram": f"https://www.instagram.com/{handle.replace('-', '.')}/",
        "linkedin": f"https://www.linkedin.com/company/{handle}",
        "x": rng.choice(("https://x.com/", "https://twitter.com/")) + compact[:15],
        "youtube": f"https://www.youtube.com/@{compact}",
        "tiktok": f"https://www.tiktok.com/@{compact}",
        "pinterest": f"https://www.pinterest.com/{compact}/",
    }
    return {platform: urls[platform] for platform in chosen}
