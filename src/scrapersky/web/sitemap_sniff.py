"""Decide what a (decompressed) sitemap body is before any parser sees it.

    sniffer = Sniffer()
    decision = sniffer.feed(b'<?xml version="1.0"?><urlset>...') or sniffer.finish()
    decision.format, decision.root, decision.data   # "xml", "urlset", bytes for the XML reader

The sniffer skips a UTF-8 byte-order mark and whitespace before the XML declaration (libxml2
refuses both), reads the root element's name (an HTML page served in place of a sitemap is
refused here), and removes the DOCTYPE declaration so that libxml2 never sees a DTD: no
internal entity is ever declared (billion laughs) and no external one even looked at (XXE).
Anything that does not start with ``<`` is a text sitemap. UTF-16 input (with its BOM) goes to
libxml2 untouched, so it is refused if it carries a DOCTYPE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
MAX_PROLOG_BYTES = 64 * 1024  # XML declaration, comments and DOCTYPE before the root element

_LEADING_SPACE = re.compile(rb"[ \t\r\n\x0b\x0c]*")
_ROOT_NAME = re.compile(rb"<([A-Za-z_\x80-\xff][^\s/>]*)(?=[\s/>])")
_UNFINISHED_NAME = re.compile(rb"<[^\s/>]*")
_KEYWORD_BYTES = 9  # len("<!DOCTYPE"): fewer bytes after a "<" cannot tell what it opens
_DOCTYPE_NAME = re.compile(rb"\s*([^\s\[>]*)")
_HTML_ROOTS = frozenset({"html", "head", "body"})
_HTML_PAGE = "not a sitemap: got an HTML page"


@dataclass(frozen=True, slots=True)
class Sniffed:
    format: Literal["xml", "text", "none"]
    data: bytes  # what the reader gets: BOM, leading whitespace and DOCTYPE removed
    message: str | None = None  # why it is not a sitemap ("none"), or a note about the input
    root: str = ""  # xml: the root element's local name as written, e.g. "urlset", "RDF"


class Sniffer:
    """Buffers the start of a body until its format is known (at most the XML prolog)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._bom_checked = False
        self._utf16 = False
        self._next_scan = 0  # re-scan the prolog only when the buffer has doubled

    def feed(self, data: bytes) -> Sniffed | None:
        self._buffer += data
        return self._decide(final=False)

    def finish(self) -> Sniffed:
        decision = self._decide(final=True)
        assert decision is not None  # final=True always decides
        return decision

    def _decide(self, *, final: bool) -> Sniffed | None:
        buffer = self._buffer
        if not self._bom_checked:
            if not final and len(buffer) < 3 and UTF8_BOM.startswith(buffer):
                return None
            self._bom_checked = True
            if buffer.startswith(UTF8_BOM):
                del buffer[:3]
            elif bytes(buffer[:2]) in UTF16_BOMS:
                self._utf16 = True
        if self._utf16:
            return self._decide_utf16(final=final)
        leading = _LEADING_SPACE.match(buffer)
        if leading is not None and leading.end():
            del buffer[: leading.end()]
        if not buffer:
            return Sniffed("none", b"", "empty document") if final else None
        if buffer[0] != 0x3C:  # "<"
            return Sniffed("text", bytes(buffer))
        if not final and len(buffer) < self._next_scan:
            return None
        self._next_scan = 2 * len(buffer)
        return _decide_xml(buffer, final=final)

    def _decide_utf16(self, *, final: bool) -> Sniffed | None:
        """Read the prolog of a UTF-16 body from a UTF-8 copy; libxml2 gets the original."""
        if not final and len(self._buffer) < self._next_scan:
            return None
        self._next_scan = 2 * len(self._buffer)
        head = bytes(self._buffer[: 2 * MAX_PROLOG_BYTES])
        copy = bytearray(head.decode("utf-16", "replace").lstrip().encode("utf-8"))
        decision = _decide_xml(copy, final=final)
        if decision is None or decision.format != "xml":
            return decision
        if decision.message is not None:
            return Sniffed("none", b"", "not a sitemap: a UTF-16 document with a DOCTYPE")
        return Sniffed("xml", bytes(self._buffer), root=decision.root)


def _decide_xml(buffer: bytearray, *, final: bool) -> Sniffed | None:
    root_at, doctype = _scan_prolog(buffer, final=final)
    if root_at is None:
        if len(buffer) > MAX_PROLOG_BYTES:
            return Sniffed("none", b"", "not a sitemap: no root element in the first 64 KB")
        if not final:
            return None
        return Sniffed("none", b"", "not a sitemap: no XML root element")
    if doctype is not None:
        start, end = doctype
        name_match = _DOCTYPE_NAME.match(buffer, start + 9, end)
        if name_match is not None and name_match[1].lower() == b"html":
            return Sniffed("none", b"", _HTML_PAGE)
    name_match = _ROOT_NAME.match(buffer, root_at)
    if name_match is None:
        return Sniffed("none", b"", "not a sitemap: no XML root element")
    root = name_match[1].rpartition(b":")[2].decode("utf-8", "replace")
    if root.lower() in _HTML_ROOTS:
        return Sniffed("none", b"", _HTML_PAGE)
    if doctype is None:
        return Sniffed("xml", bytes(buffer), root=root)
    start, end = doctype
    removed = buffer[start:end]
    # Keep the line count so that libxml2's error line numbers stay true.
    data = bytes(buffer[:start]) + b"\n" * removed.count(b"\n") + bytes(buffer[end:])
    note = None
    if b"[" in removed:
        note = "ignored the DOCTYPE's internal subset: XML entities are never expanded"
    return Sniffed("xml", data, note, root)


def _scan_prolog(buffer: bytearray, *, final: bool) -> tuple[int | None, tuple[int, int] | None]:
    """Where the root element starts (None: need more bytes) and the DOCTYPE's span."""
    position, size = 0, len(buffer)
    doctype: tuple[int, int] | None = None
    while True:
        leading = _LEADING_SPACE.match(buffer, position)
        position = leading.end() if leading is not None else position
        if position >= size:
            return None, doctype
        if not final and size - position < _KEYWORD_BYTES:
            return None, doctype
        if buffer[position] != 0x3C or buffer.startswith(b"<![", position):
            return position, doctype  # text or CDATA before the root: no root name
        if buffer.startswith(b"<?", position):
            end = buffer.find(b"?>", position + 2)
            if end < 0:
                return None, doctype
            position = end + 2
        elif buffer.startswith(b"<!--", position):
            end = buffer.find(b"-->", position + 4)
            if end < 0:
                return None, doctype
            position = end + 3
        elif buffer[position : position + 9].upper() == b"<!DOCTYPE":
            doctype_end = _doctype_end(buffer, position + 9)
            if doctype_end is None:
                return None, doctype
            doctype = (position, doctype_end)
            position = doctype_end
        elif not final and _UNFINISHED_NAME.fullmatch(buffer, position) is not None:
            return None, doctype  # the root's name may go on in the next chunk
        else:
            return position, doctype


def _doctype_end(buffer: bytearray, position: int) -> int | None:
    """The offset just after the DOCTYPE's closing ``>``, or None if it is not in the buffer."""
    quote = 0
    in_subset = False
    size = len(buffer)
    while position < size:
        byte = buffer[position]
        if quote:
            if byte == quote:
                quote = 0
        elif byte in (0x22, 0x27):  # " '
            quote = byte
        elif in_subset:
            if byte == 0x3C and buffer.startswith(b"<!--", position):  # a comment may hold quotes
                end = buffer.find(b"-->", position + 4)
                if end < 0:
                    return None
                position = end + 2
            elif byte == 0x5D:  # ]
                in_subset = False
        elif byte == 0x5B:  # [
            in_subset = True
        elif byte == 0x3E:  # >
            return position + 1
        position += 1
    return None
