"""Emails and phone numbers on one HTML page: a pure function over its bytes or text.

    found = extract_contacts(body, "https://www.example.fr/contact", default_region="US")
    found.emails, found.phones  # ["info@example.fr"], ["+33142685300"]

Where we look, in this order (duplicates keep their first place):
- ``mailto:``, ``tel:`` and WhatsApp (``wa.me/<number>``) links; e-mail addresses in link
  query strings (``?to=a@b.com``);
- Cloudflare-protected addresses (``data-cfemail`` and ``/cdn-cgi/l/email-protection#hex``);
- JSON-LD: ``email`` and ``telephone`` values, and addresses written in its text;
- the visible text (no script, style, template, noscript or svg), at most ``MAX_TEXT_CHARS``
  characters: on a bigger page its first 1.8 M and its last ``TAIL_CHARS`` (the footer), after
  undoing the bracketed obfuscations ``[at]``, ``(at)``, ``{at}``, ``[dot]``, ``(dot)``.
  Unbracketed `` at `` / `` dot `` is left alone: in prose it is nearly always a word.
HTML entities (``&#64;``, ``&#x40;``) are decoded by the parser before any of this. Attribute
values other than links (``placeholder``, ``<meta name=author>``) are not read.
Emails are lower-cased and must pass ``clean_email``; phones follow ``scrapersky.web.phones``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import idna
from selectolax.lexbor import LexborHTMLParser

from scrapersky.web.domains import registrable_domain
from scrapersky.web.html_decode import decode_html, parse_html
from scrapersky.web.jsonld import iter_values, parse_jsonld
from scrapersky.web.phones import phone_from_tel, phone_region, phones_in_text

MAX_TEXT_CHARS = 2_000_000  # visible text scanned for emails and phones: head + tail
TAIL_CHARS = 200_000  # of those, taken from the end of the page
MAX_EMAILS = 100
MAX_PHONES = 50
MAX_AT_SIGNS = 20_000  # '@' characters examined in text before giving up

ASSET_EXTENSIONS = frozenset(
    {
        "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "avif", "heic",
        "css", "js", "mjs", "map", "json", "xml", "txt", "pdf", "zip", "gz", "rar", "mp3", "mp4",
        "m4a", "webm", "mov", "avi", "woff", "woff2", "ttf", "otf", "eot", "php", "asp", "aspx",
        "html", "htm",
    }
)  # fmt: skip
PLACEHOLDER_DOMAINS = frozenset(
    {
        "example.com", "example.org", "example.net", "domain.com", "email.com", "yourdomain.com",
        "yoursite.com", "yourcompany.com", "yourwebsite.com", "mydomain.com", "mysite.com",
        "mycompany.com", "website.com", "company.com", "test.com", "sample.com", "placeholder.com",
        "sentry.io", "sentry-cdn.com", "wixpress.com", "address.com", "emailaddress.com",
    }
)  # fmt: skip
PLACEHOLDER_LOCALS = frozenset(
    {
        "you", "your", "yourname", "your.name", "youremail", "your.email", "your-email",
        "your_email", "yourmail", "someone", "somebody", "username", "user", "name", "firstname",
        "lastname", "firstname.lastname", "first.last", "john.doe", "jane.doe", "johndoe",
        "janedoe", "jdoe", "test", "example",
    }
)  # fmt: skip

_LOCAL_TAIL = re.compile(r"[a-z0-9._%+-]{1,64}$", re.I)
_DOMAIN_HEAD = re.compile(
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,10}(?:xn--[a-z0-9-]{1,59}|[^\W\d_]{2,63})", re.I
)
_HASHED_LOCAL = re.compile(
    r"^(?:[0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
_LDH_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
# Applied after whitespace runs are collapsed to one space, so no pattern starts with \s*.
_BRACKETED_AT = re.compile(rf" ?{_OPEN} ?(?:at|@) ?{_CLOSE} ?", re.I)
_BRACKETED_DOT = re.compile(rf" ?{_OPEN} ?(?:dot|\.) ?{_CLOSE} ?", re.I)
_WHITESPACE = re.compile(r"\s+")
_CF_HREF = re.compile(r"/cdn-cgi/l/email-protection#([0-9a-f]{4,512})", re.I)
_HIDDEN_TAGS = ["script", "style", "template", "noscript", "svg"]


@dataclass(frozen=True, slots=True)
class ContactsFound:
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_contacts(
    html: bytes | str,
    page_url: str,
    *,
    default_region: str = "US",
    content_type: str | None = None,
) -> ContactsFound:
    """Emails and E.164 phones published on one page. Never raises on bad HTML."""
    text = decode_html(html, content_type)[0] if isinstance(html, bytes) else html
    tree = parse_html(text)
    html_node = tree.css_first("html")
    language = html_node.attributes.get("lang") if html_node is not None else None
    region = phone_region(page_url, language, default_region)
    return contacts_from_tree(tree, region)


def contacts_from_tree(
    tree: LexborHTMLParser, region: str, jsonld_docs: list[Any] | None = None
) -> ContactsFound:
    """The work behind ``extract_contacts``. It strips scripts and styles from ``tree``."""
    emails: dict[str, None] = {}
    phones: dict[str, None] = {}
    for node in tree.css("[href]"):
        href = (node.attributes.get("href") or "").strip()
        if href[:4].lower() == "tel:":
            _add(phones, [phone_from_tel(href, region)], MAX_PHONES)
        elif "wa.me/" in href or "whatsapp.com/send" in href:
            _add(phones, [phone_from_whatsapp(href)], MAX_PHONES)
        else:
            _add(emails, emails_in_href(href), MAX_EMAILS)
    for node in tree.css("[data-cfemail]"):
        _add(emails, [decode_cfemail(node.attributes.get("data-cfemail") or "")], MAX_EMAILS)
    docs = parse_jsonld(tree) if jsonld_docs is None else jsonld_docs
    _add(
        emails,
        (clean_email(value.removeprefix("mailto:")) for value in iter_values(docs, "email")),
        MAX_EMAILS,
    )
    _add(
        phones,
        (phone_from_tel(value, region) for value in iter_values(docs, "telephone")),
        MAX_PHONES,
    )
    for script in tree.css('script[type="application/ld+json"]'):
        _add(emails, emails_in_text((script.text() or "")[:MAX_TEXT_CHARS]), MAX_EMAILS)
    tree.strip_tags(_HIDDEN_TAGS)
    root = tree.body or tree.root
    visible = _scan_window(root.text(separator=" ") if root is not None else "")
    _add(emails, emails_in_text(visible), MAX_EMAILS)
    _add(phones, phones_in_text(visible, region, MAX_PHONES), MAX_PHONES)
    return ContactsFound(emails=list(emails), phones=list(phones))


def emails_in_href(href: str) -> list[str | None]:
    """Addresses in a ``mailto:`` link, a Cloudflare link, or a link's query string."""
    if href[:7].lower() == "mailto:":
        addresses = unquote(href[7:].split("?", 1)[0])
        return [clean_email(part) for part in re.split(r"[,;]", addresses)]
    cf = _CF_HREF.search(href)
    if cf:
        return [decode_cfemail(cf.group(1))]
    if "@" in href and "?" in href:
        try:
            query = urlsplit(href).query
        except ValueError:
            return []
        return [clean_email(value) for _, value in parse_qsl(query) if "@" in value]
    return []


def phone_from_whatsapp(href: str) -> str | None:
    """E.164 from ``wa.me/<number>`` or ``api.whatsapp.com/send?phone=<number>`` links."""
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.hostname not in ("wa.me", "api.whatsapp.com", "web.whatsapp.com", "whatsapp.com"):
        return None
    if parts.hostname == "wa.me":
        number = parts.path.strip("/")
    else:
        number = next((value for key, value in parse_qsl(parts.query) if key == "phone"), "")
    digits = "".join(ch for ch in number if ch.isdigit())
    return phone_from_tel("+" + digits, "ZZ") if 7 <= len(digits) <= 15 else None


def decode_cfemail(hex_text: str) -> str | None:
    """Undo Cloudflare's email obfuscation: the first byte is an XOR key for the rest."""
    try:
        data = bytes.fromhex(hex_text.strip()[:512])
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    try:
        decoded = bytes(byte ^ key for byte in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return clean_email(decoded)


def emails_in_text(text: str) -> list[str | None]:
    """Candidate addresses in running text, bracketed obfuscations undone."""
    if "@" not in text and "at" not in text.lower():
        return []
    text = _WHITESPACE.sub(" ", text)
    text = _BRACKETED_DOT.sub(".", _BRACKETED_AT.sub("@", text))
    found: list[str | None] = []
    position = text.find("@")
    examined = 0
    while position != -1 and examined < MAX_AT_SIGNS and len(found) < MAX_EMAILS * 4:
        examined += 1
        local = _LOCAL_TAIL.search(text, max(0, position - 64), position)
        domain = _DOMAIN_HEAD.match(text, position + 1, position + 255)
        if local and domain:
            found.append(clean_email(f"{local.group(0)}@{domain.group(0)}"))
        position = text.find("@", position + 1)
    return found


def clean_email(candidate: str) -> str | None:
    """The address lower-cased, or None when it is invalid, a placeholder, or an asset name.

    Rejected: bad syntax; a domain without a real public suffix; a file name such as
    ``logo@2x.png``; placeholder domains (example.com, yourdomain.com, ...) and locals
    (you@, your.name@, ...); error-tracker ingestion ids (sentry.io, wixpress.com) and
    other hashed locals (16+ hex digits or a UUID).
    """
    local, at, domain = candidate.strip().strip("<>\"'").rpartition("@")
    local = local.strip().strip(".").lower()
    domain = domain.strip().rstrip(".").lower()
    if not at or not local or not domain or len(local) > 64 or ".." in local:
        return None
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253 or not all(_LDH_LABEL.match(x) for x in labels):
        return None
    if labels[-1] in ASSET_EXTENSIONS or labels[-1].isdigit():
        return None
    registrable = registrable_domain(domain)
    if registrable is None or registrable in PLACEHOLDER_DOMAINS or labels[0] == "example":
        return None
    if local in PLACEHOLDER_LOCALS or _HASHED_LOCAL.match(local):
        return None
    return f"{local}@{domain}"


def _scan_window(text: str) -> str:
    """All of ``text`` up to ``MAX_TEXT_CHARS``; beyond that its head and its last
    ``TAIL_CHARS`` (footers are where contact details live)."""
    if len(text) <= MAX_TEXT_CHARS:
        return text
    return text[: MAX_TEXT_CHARS - TAIL_CHARS] + " \n " + text[-TAIL_CHARS:]


def _add(target: dict[str, None], values: Iterable[str | None], limit: int) -> None:
    for value in values:
        if len(target) >= limit:
            return
        if value:
            target.setdefault(value, None)
