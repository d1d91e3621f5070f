"""Content-Encoding decoding with bounded output: a gzip/deflate/br bomb stops at the cap.

    decoder = ContentDecoder("gzip")
    for piece in decoder.feed(raw_chunk): ...  # each piece <= STEP bytes; stop whenever you like

Decoders are generators of small pieces, so a consumer that stops at its byte cap never lets
the decompressor produce more than one more STEP of output: memory stays bounded whatever
the compression ratio. :func:`gunzip_capped` does the same for ``.xml.gz`` bodies.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Protocol

import brotli

STEP = 64 * 1024  # bytes of decompressed output per piece


class DecodeError(ValueError):
    """The body does not match its declared Content-Encoding."""


class _Stage(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), STEP):
            yield data[start : start + STEP]


class _Zlib:
    """gzip (several members allowed) or deflate (zlib-wrapped, or raw as some servers send)."""

    def __init__(self, encoding: str) -> None:
        self.gzip = encoding in ("gzip", "x-gzip")
        self.wbits = 16 + zlib.MAX_WBITS if self.gzip else zlib.MAX_WBITS
        self.inflater = zlib.decompressobj(self.wbits)
        self.head: bytes | None = (
            None if self.gzip else b""
        )  # deflate: the first bytes, until we can tell

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.head is not None:
            data = self.head + data
            if len(data) < 2:
                self.head = data
                return
            self.head = None
            if not _has_zlib_header(data):
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate
        while data:
            try:
                piece = self.inflater.decompress(data, STEP)
            except zlib.error as exc:
                kind = "gzip" if self.gzip else "deflate"
                raise DecodeError(f"invalid {kind} data: {exc}") from None
            data = self.inflater.unconsumed_tail
            if piece:
                yield piece
            while len(piece) == STEP and not data:  # drain output still buffered in zlib
                piece = self.inflater.decompress(b"", STEP)
                if piece:
                    yield piece
            if self.inflater.eof:
                rest = self.inflater.unused_data
                if not (self.gzip and rest[:2] == b"\x1f\x8b"):
                    return  # trailing garbage after the stream is ignored, as browsers do
                self.inflater = zlib.decompressobj(self.wbits)
                data = rest


def _has_zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0


class _Brotli:
    def __init__(self) -> None:
        self.decompressor = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        # process() keeps output pending past output_buffer_limit: call it with empty input
        # until it returns nothing; new input only once can_accept_more_data() says so.
        pending = data
        try:
            while not self.decompressor.is_finished():
                if pending and self.decompressor.can_accept_more_data():
                    piece = self.decompressor.process(pending, output_buffer_limit=STEP)
                    pending = b""
                else:
                    piece = self.decompressor.process(b"", output_buffer_limit=STEP)
                    if not piece and pending:
                        raise DecodeError("brotli decoder accepts no more input")
                if piece:
                    yield piece
                elif not pending:
                    return
        except brotli.error as exc:
            raise DecodeError(f"invalid brotli data: {exc}") from None


def _stage(encoding: str) -> _Stage | None:
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Zlib(encoding)
    if encoding == "br":
        return _Brotli()
    if encoding in ("identity", ""):
        return _Identity()
    return None


class ContentDecoder:
    """Decodes a Content-Encoding header value (``"gzip"``, ``"gzip, br"``, ...) piece by piece.

    An encoding we do not know leaves the body as sent (``known`` is False).
    """

    def __init__(self, content_encoding: str | None) -> None:
        names = [n.strip().lower() for n in (content_encoding or "").split(",") if n.strip()]
        stages = [_stage(name) for name in reversed(names or ["identity"])]
        self.known = all(stage is not None for stage in stages)
        self.stages: list[_Stage] = [s for s in stages if s is not None] if self.known else []
        self.encodings = names

    def feed(self, data: bytes) -> Iterator[bytes]:
        yield from self._through(0, data)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self.stages):
            if data:
                yield data
            return
        for piece in self.stages[index].feed(data):
            yield from self._through(index + 1, piece)


def decode_capped(data: bytes, content_encoding: str | None, max_bytes: int) -> tuple[bytes, bool]:
    """Decode a whole body, keeping at most ``max_bytes``; returns (body, truncated)."""
    out = bytearray()
    for piece in ContentDecoder(content_encoding).feed(data):
        out += piece
        if len(out) > max_bytes:
            return bytes(out[:max_bytes]), True
    return bytes(out), False


def gunzip_capped(data: bytes, max_bytes: int) -> tuple[bytes, bool]:
    """Decompress a gzip file (e.g. ``sitemap.xml.gz``) to at most ``max_bytes``.

    Raises DecodeError when ``data`` is not gzip.
    """
    return decode_capped(data, "gzip", max_bytes)
