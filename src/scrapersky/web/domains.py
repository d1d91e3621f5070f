"""Domain normalisation: turn what a user typed into the one host name we store.

    normalize_domain("HTTPS://User:pw@WWW.Example.COM:8080/path")  # "example.com"
    try_normalize("straße.de")  # ("xn--strae-oqa.de", None)

Rules, in order: trim; drop scheme, credentials, path, query, fragment and port; lowercase;
drop one trailing dot; map IDN labels to ASCII with IDNA UTS-46 (non-transitional, so
``straße`` keeps its ß as ``xn--strae-oqa``); check every label; drop a leading ``www.``
when what remains is still a registrable site; require a registrable name under a public
suffix. Other subdomains are kept (``ozarks.cgnnews.net`` stays as is): users add hosts, and
two hosts under one registrable domain can be two different sites.

The public-suffix list is the snapshot bundled with tldextract (never fetched), with the
PSL's private section on, so ``1000kit.github.io`` is a site while bare ``github.io`` is a
public suffix and is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import idna
import tldextract

from scrapersky.exceptions import InputError

MAX_INPUT_CHARS = 2048
MAX_HOST_CHARS = 253
MAX_LABEL_CHARS = 63

# No network fetch, no disk cache: the bundled PSL snapshot only.
_PSL = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
_LDH_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_PORT = re.compile(r":\d{0,5}$")
_PATH_START = re.compile(r"[/?#\\]")
_SPACE = re.compile(r"\s")
_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_SPECIAL_USE = ("localhost", "local", "localdomain", "internal", "test", "invalid", "example")


@dataclass(frozen=True, slots=True)
class DomainRow:
    """One row of a bulk import: what was typed and what became of it."""

    raw: str
    domain: str | None
    status: Literal["ok", "duplicate", "rejected"]
    reason: str | None = None


def normalize_domain(raw: str) -> str:
    """The stored form of ``raw``; raises InputError with a human reason when it is not a site."""
    domain, reason = try_normalize(raw)
    if domain is None:
        raise InputError(f"{raw.strip()[:100]!r}: {reason}")
    return domain


def try_normalize(raw: str) -> tuple[str | None, str | None]:
    """``(domain, None)`` on success, ``(None, reason)`` otherwise. Never raises."""
    host, reason = _extract_host(raw)
    if host is None:
        return None, reason
    host, reason = _to_ascii(host)
    if host is None:
        return None, reason
    reason = _check_labels(host)
    if reason is not None:
        return None, reason
    parts = _PSL.extract_str(host)
    if not parts.suffix:
        return None, f"{host!r} is not under a known public suffix"
    if not parts.domain:
        return None, f"{host!r} is a public suffix, not a registrable domain"
    if parts.subdomain == "www" or parts.subdomain.startswith("www."):
        host = host[4:]  # what remains still ends in domain + suffix: a site
    return host, None


def normalize_many(raws: Iterable[str]) -> list[DomainRow]:
    """Normalise a bulk import. Repeats of an earlier row are ``duplicate``, not errors."""
    seen: set[str] = set()
    rows: list[DomainRow] = []
    for raw in raws:
        domain, reason = try_normalize(raw)
        if domain is None:
            rows.append(DomainRow(raw, None, "rejected", reason))
        elif domain in seen:
            rows.append(DomainRow(raw, domain, "duplicate", f"duplicate of {domain}"))
        else:
            seen.add(domain)
            rows.append(DomainRow(raw, domain, "ok"))
    return rows


def registrable_domain(host: str) -> str | None:
    """The registrable domain (eTLD+1, PSL private section included) of a host, or None.

    ``registrable_domain("mail.example.co.uk") == "example.co.uk"``;
    ``registrable_domain("1000kit.github.io") == "1000kit.github.io"``.
    """
    host = host.strip().rstrip(".").lower()
    if not host or len(host) > MAX_INPUT_CHARS:
        return None
    if not host.isascii():
        ascii_host, _ = _to_ascii(host)
        if ascii_host is None:
            return None
        host = ascii_host
    return _registrable(host)


def _registrable(host: str) -> str | None:
    result = _PSL.extract_str(host)
    if not result.suffix or not result.domain:
        return None
    return f"{result.domain}.{result.suffix}"


def _extract_host(raw: str) -> tuple[str | None, str | None]:
    text = raw.strip()
    if not text:
        return None, "empty"
    if len(text) > MAX_INPUT_CHARS:
        return None, f"too long ({len(text)} characters)"
    text = _SCHEME.sub("", text, count=1)
    if text.startswith("//"):
        text = text[2:]
    text = _PATH_START.split(text, maxsplit=1)[0]
    text = text.rsplit("@", 1)[-1]
    if text.startswith("[") or text.count(":") > 1:
        return None, "IP address literal, not a domain"
    text = _PORT.sub("", text)
    text = text.strip().rstrip(".")
    if not text:
        return None, "empty host"
    if _SPACE.search(text):
        return None, "contains whitespace"
    return text.lower(), None


def _to_ascii(host: str) -> tuple[str | None, str | None]:
    if host.isascii():
        for label in host.split("."):
            if label.startswith("xn--"):
                try:
                    idna.decode(label)
                except (idna.IDNAError, UnicodeError):
                    return None, f"invalid punycode label {label!r}"
        return host, None
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii"), None
    except (idna.IDNAError, UnicodeError) as exc:
        return None, f"invalid internationalised name ({exc})"


def _check_labels(host: str) -> str | None:
    if len(host) > MAX_HOST_CHARS:
        return f"name longer than {MAX_HOST_CHARS} characters"
    labels = host.split(".")
    if _is_ip_literal(labels[-1]):
        return "IP address literal, not a domain"
    if labels[-1] in _SPECIAL_USE:
        return f"special-use name ({labels[-1]}), not a public site"
    if _HOST.match(host):
        return None  # the common case, checked in one pass
    for label in labels:
        if not label:
            return "empty label (two dots in a row)"
        if len(label) > MAX_LABEL_CHARS:
            return f"label longer than {MAX_LABEL_CHARS} characters"
        if not _LDH_LABEL.match(label):
            return f"invalid label {label!r} (letters, digits and inner hyphens only)"
    return None


def _is_ip_literal(last_label: str) -> bool:
    # No TLD is numeric, so 1.2.3.4, 127.1, 2130706433 and 0x7f.1 are all addresses.
    # IPv6 literals never get here: more than one colon is refused while reading the host.
    if last_label.isdigit():
        return True
    return last_label.startswith("0x") and all(c in "0123456789abcdef" for c in last_label[2:])
