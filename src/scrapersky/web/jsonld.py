"""JSON-LD on a page: parse every block safely and summarise the Organization/LocalBusiness.

    docs = parse_jsonld(tree)  # tree: a selectolax LexborHTMLParser
    organization_summary(docs, "https://example.com/")  # {"type": "LocalBusiness", ...} | None

Blocks that are not valid JSON are skipped (one retry with control characters allowed and
HTML comment or CDATA wrappers removed). Nodes are the top-level objects, lists and every
``@graph`` member. The summary comes from the organisation-like node with the most contact
data: any type ending in Organization, Business, Store or Group, or one of the
LocalBusiness subtypes listed below. ``@id`` references are followed one level for the logo.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

MAX_BLOCK_CHARS = 1_000_000
MAX_BLOCKS = 50
MAX_NODES = 5_000

_ORG_SUFFIXES = ("Organization", "Business", "Store", "Group", "Corporation")
_ORG_TYPES = frozenset(
    {
        "Organization", "Corporation", "NGO", "LocalBusiness", "ProfessionalService",
        "GeneralContractor", "HomeAndConstructionBusiness", "Restaurant", "CafeOrCoffeeShop",
        "BarOrPub", "Bakery", "Hotel", "LodgingBusiness", "Dentist", "Physician", "Attorney",
        "LegalService", "Notary", "AccountingService", "FinancialService", "InsuranceAgency",
        "RealEstateAgent", "TravelAgency", "AutoRepair", "AutoDealer", "Plumber", "Electrician",
        "RoofingContractor", "HousePainter", "Locksmith", "MovingCompany", "HVACBusiness",
        "BeautySalon", "HairSalon", "DaySpa", "NailSalon", "HealthClub", "MedicalClinic",
        "Hospital", "Pharmacy", "Optician", "VeterinaryCare", "ChildCare", "School",
        "CollegeOrUniversity", "Library", "Museum", "Church", "Airline", "Consortium",
        "FundingScheme", "Project", "ResearchProject", "Winery", "Brewery", "Florist",
        "EmploymentAgency", "RecyclingCenter", "SelfStorage", "TouristInformationCenter",
    }
)  # fmt: skip
_GENERIC_TYPES = frozenset({"Thing", "Organization", "LocalBusiness"})
_NOT_ORG_TYPES = frozenset({"ProductGroup", "OfferGroup"})
_WRAPPERS = re.compile(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$")
_CONTACT_KEYS = ("name", "sameAs", "contactPoint", "address", "telephone", "email", "logo", "url")


def parse_jsonld(tree: LexborHTMLParser) -> list[Any]:
    """Every parseable JSON-LD document on the page, in order."""
    docs: list[Any] = []
    for node in tree.css('script[type="application/ld+json"]')[:MAX_BLOCKS]:
        text = node.text(deep=True) or ""
        if not text.strip() or len(text) > MAX_BLOCK_CHARS:
            continue
        doc = _loads(text)
        if doc is not None:
            docs.append(doc)
    return docs


def iter_nodes(docs: list[Any]) -> Iterator[dict[str, Any]]:
    """Top-level objects and ``@graph`` members, nested graphs included (bounded)."""
    stack: list[Any] = list(reversed(docs))
    seen = 0
    while stack and seen < MAX_NODES:
        item = stack.pop()
        seen += 1
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list | dict):
                stack.append(graph)


def iter_values(docs: list[Any], key: str) -> Iterator[str]:
    """Every string value stored under ``key`` anywhere in the documents (bounded)."""
    stack: list[Any] = list(docs)
    seen = 0
    while stack and seen < MAX_NODES * 4:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            for name, value in item.items():
                if name == key:
                    yield from _strings(value)
                if isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def organization_summary(docs: list[Any], base_url: str) -> dict[str, Any] | None:
    """``{type, name, url, logo, sameAs, contactPoint, address, telephone, email}`` or None."""
    by_id = {node["@id"]: node for node in iter_nodes(docs) if isinstance(node.get("@id"), str)}
    candidates = [node for node in iter_nodes(docs) if _is_organization(node)]
    if not candidates:
        return None
    best = max(candidates, key=lambda node: sum(1 for key in _CONTACT_KEYS if node.get(key)))
    summary: dict[str, Any] = {
        "type": _type_name(best),
        "name": _first_string(best.get("name")),
        "url": _url(best.get("url"), base_url),
        "logo": organization_logo(best, by_id, base_url),
        "sameAs": _urls(best.get("sameAs"), base_url),
        "contactPoint": [_contact_point(cp) for cp in _dicts(best.get("contactPoint"))],
        "address": _address(best.get("address")),
        "telephone": _first_string(best.get("telephone")),
        "email": _first_string(best.get("email")),
    }
    return summary


def organization_logo(
    node: dict[str, Any], by_id: dict[str, dict[str, Any]], base_url: str
) -> str | None:
    logo = node.get("logo")
    if isinstance(logo, list) and logo:
        logo = logo[0]
    if isinstance(logo, dict):
        if "url" not in logo and "contentUrl" not in logo and isinstance(logo.get("@id"), str):
            logo = by_id.get(logo["@id"], {})
        logo = logo.get("url") or logo.get("contentUrl")
    return _url(logo, base_url)


def _loads(text: str) -> Any:
    for candidate in (text, _WRAPPERS.sub("", text)):
        try:
            return json.loads(candidate, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type")
    names = value if isinstance(value, list) else [value]
    return [name.rsplit("/", 1)[-1] for name in names if isinstance(name, str)]


def _is_organization(node: dict[str, Any]) -> bool:
    return any(
        name in _ORG_TYPES or (name.endswith(_ORG_SUFFIXES) and name not in _NOT_ORG_TYPES)
        for name in _types(node)
    )


def _type_name(node: dict[str, Any]) -> str | None:
    """The most specific type given: ``["Organization", "Dentist"]`` -> ``Dentist``."""
    types = _types(node)
    specific = [name for name in types if name not in _GENERIC_TYPES]
    chosen = specific or types
    return chosen[0] if chosen else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.strip():
            yield value.strip()
    elif isinstance(value, list):
        for item in value[:100]:
            if isinstance(item, str) and item.strip():
                yield item.strip()


def _dicts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value[:20] if isinstance(item, dict)]
    return []


def _first_string(value: Any) -> str | None:
    return next(_strings(value), None)


def _url(value: Any, base_url: str) -> str | None:
    text = _first_string(value)
    return resolve_url(base_url, text) if text is not None else None


def resolve_url(base_url: str, href: str) -> str | None:
    """``href`` made absolute; None unless http(s) on a plausible host.

    A host without a dot (other than ``localhost``) comes from a broken relative path such as
    ``//wp-content/logo.png`` and is refused.
    """
    if len(href) > 2048:
        return None
    try:
        url = urljoin(base_url, href.strip())
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # "http://[bad" and friends
        return None
    if parts.scheme not in ("http", "https"):
        return None
    if "." not in host and ":" not in host and host != "localhost":
        return None
    return url


def _urls(value: Any, base_url: str) -> list[str]:
    return [url for url in (_url(item, base_url) for item in _strings(value)) if url]


def _contact_point(node: dict[str, Any]) -> dict[str, Any]:
    keys = ("contactType", "telephone", "email", "url", "areaServed", "availableLanguage")
    return {key: node[key] for key in keys if isinstance(node.get(key), str | list)}


def _address(value: Any) -> dict[str, str] | str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, str):
        return value.strip() or None
    if not isinstance(value, dict):
        return None
    keys = ("streetAddress", "addressLocality", "addressRegion", "postalCode", "addressCountry")
    address: dict[str, str] = {}
    for key in keys:
        part = value.get(key)
        if isinstance(part, dict):
            part = part.get("name")
        if isinstance(part, str | int) and str(part).strip():
            address[key] = str(part).strip()
    return address or None
