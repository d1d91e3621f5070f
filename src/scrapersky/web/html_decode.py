"""Bytes to text for HTML pages (charset chosen the way a browser would), text to a parse tree.

    text, charset = decode_html(body, content_type="text/html; charset=iso-8859-1")
    tree = parse_html(text)  # a selectolax LexborHTMLParser, safe on hostile nesting

Order: byte-order mark, then the HTTP Content-Type charset, then ``<meta charset>`` or
``<meta http-equiv="Content-Type">`` in the first 8 KB, then UTF-8. Labels follow the WHATWG
Encoding Standard where Python differs (``iso-8859-1``/``ascii`` mean windows-1252,
``gb2312`` means gb18030). Undeclared bytes that are not UTF-8 at all, with not one valid
multi-byte UTF-8 sequence in them, are legacy 8-bit text and decode as windows-1252, the
browsers' default for such pages; anything else undeclared decodes as UTF-8 with U+FFFD for
the bad bytes. Decoding never raises.

Parsing: Lexbor's tree building is quadratic in element nesting depth (40,000 unclosed
``<div>`` take seconds, a 5 MB page of them hours). ``parse_html`` measures the nesting of
container and formatting tags first (one regex pass) and, past ``MAX_NESTING``, drops those
tags - their text stays - before parsing. No real page comes near the limit.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from selectolax.lexbor import LexborHTMLParser

PRESCAN_BYTES = 8192
MAX_HTML_CHARS = 16 * 1024 * 1024  # parsed at most; the rest of a bigger page is ignored
MAX_NESTING = 2000  # open container/formatting elements before the page is flattened

_WHATWG_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "x-sjis": "shift_jis",
    "ks_c_5601-1987": "euc_kr",
    "unicode": "utf-8",
    "utf8": "utf-8",
}
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([a-zA-Z0-9_:.()+-]{1,40})", re.I)
_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_:.()+-]{1,40})", re.I)
# Elements that stay open until closed (no implied end tag), so unclosed ones nest.
_NESTING_TAG = re.compile(
    r"<(/?)(?:div|span|font|b|i|u|s|em|strong|small|big|center|section|article|aside|nav|main|"
    r"header|footer|ul|ol|dl|table|blockquote|form|fieldset|label|object|q|sub|sup)(?=[\s>/])",
    re.I,
)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def header_value(headers: Mapping[str, str] | None, name: str) -> str | None:
    """The value of one header, matching its name case-insensitively."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, python codec name used)``."""
    bom = _bom_codec(data)
    if bom is not None:
        return data.decode(bom, errors="replace"), bom
    for label, in_body in (
        (_content_type_charset(content_type), False),
        (_meta_charset(data), True),
    ):
        codec = _codec_for(label, in_body=in_body)
        if codec is not None:
            return data.decode(codec, errors="replace"), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _UTF8_MULTIBYTE.search(data) is None:
        return data.decode("cp1252", errors="replace"), "cp1252"
    return data.decode("utf-8", errors="replace"), "utf-8"


def parse_html(text: str) -> LexborHTMLParser:
    """The parse tree of the first ``MAX_HTML_CHARS`` of ``text``, flattened if nested past
    ``MAX_NESTING``."""
    text = text[:MAX_HTML_CHARS]
    if nesting_depth(text) > MAX_NESTING:
        text = _NESTING_TAG.sub(" ", text)
    return LexborHTMLParser(text)


def nesting_depth(text: str) -> int:
    """The deepest nesting of the tags in ``_NESTING_TAG`` (a close never goes below zero)."""
    depth = deepest = 0
    for match in _NESTING_TAG.finditer(text):
        if match.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _bom_codec(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    return None


def _content_type_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CT_CHARSET.search(content_type)
    return match.group(1) if match else None


def _meta_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:PRESCAN_BYTES])
    return match.group(1).decode("ascii") if match else None


def _codec_for(label: str | None, *, in_body: bool) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
        b"a".decode(name, errors="replace")  # refuses bytes-to-bytes codecs such as base64 or zlib
    except LookupError:
        return None
    # A <meta> cannot declare UTF-16: the page would have to be decoded to read it.
    if in_body and name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name
